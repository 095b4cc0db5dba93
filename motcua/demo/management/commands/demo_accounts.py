from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from motcua.demo.accounts import create_demo_accounts


class Command(BaseCommand):
    help = "Tạo tài khoản dùng thử (chỉ ở chế độ nhúng hoặc phát triển)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="cho phép cả khi không ở chế độ phát triển")

    def handle(self, *args, **options):
        if not (settings.DEBUG or settings.EMBEDDED or settings.TESTING or options["force"]):
            raise CommandError("Tài khoản dùng thử có mật khẩu công khai: không tạo trên hệ thống thật.")
        try:
            lines = create_demo_accounts()
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write("Tài khoản dùng thử:")
        for line in lines:
            self.stdout.write(f"  {line}")
