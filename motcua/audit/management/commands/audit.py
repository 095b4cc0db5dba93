from django.core.management.base import BaseCommand, CommandError

from motcua.audit.services import verify


class Command(BaseCommand):
    help = "Nhật ký kiểm toán: `audit verify` kiểm tra chuỗi mã băm."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, action, **options):
        result = verify()
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"Nhật ký kiểm toán KHÔNG toàn vẹn: {len(result.problems)} lỗi / {result.checked} bản ghi."
            )
        self.stdout.write(f"Nhật ký kiểm toán toàn vẹn: {result.checked} bản ghi.")
