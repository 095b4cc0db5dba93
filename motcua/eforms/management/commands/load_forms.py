"""`motcua load_forms`: the authored e-forms (data/forms/*.json) into versions; idempotent."""

from django.core.management.base import BaseCommand

from motcua.eforms import services


class Command(BaseCommand):
    help = "Nạp biểu mẫu điện tử tương tác từ data/forms/*.json (chạy lại an toàn; báo phần thay đổi)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=None, help="thư mục biểu mẫu (mặc định MOTCUA_FORMS_DIR)")

    def handle(self, *args, **options):
        for line in services.load_definitions(options["dir"]):
            self.stdout.write(line)
