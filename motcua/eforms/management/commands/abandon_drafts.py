"""`motcua abandon_drafts`: mark drafts untouched for MOTCUA_FORM_ABANDON_HOURS as abandoned."""

from django.core.management.base import BaseCommand

from motcua.eforms import services


class Command(BaseCommand):
    help = "Đánh dấu bỏ dở các tờ khai không được sửa quá MOTCUA_FORM_ABANDON_HOURS giờ."

    def handle(self, *args, **options):
        self.stdout.write(f"Đã đánh dấu bỏ dở {services.mark_abandoned()} tờ khai.")
