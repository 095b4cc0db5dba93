"""`motcua eid init` creates the sandbox provider's signing key; `motcua eid code <username>` prints
a demo officer's current TOTP code (embedded and development modes only)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from motcua.eid import keys
from motcua.eid.officers import current_code


class Command(BaseCommand):
    help = "Khóa ký của VNeID thử nghiệm; mã xác thực hiện tại của cán bộ dùng thử."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        init = sub.add_parser("init", help="tạo khóa ký RS256 của VNeID thử nghiệm trong var/eid/")
        init.add_argument(
            "--force", action="store_true", help="thay khóa cũ (mọi mã định danh cũ mất hiệu lực)"
        )
        code = sub.add_parser("code", help="in mã xác thực hiện tại của một tài khoản cán bộ dùng thử")
        code.add_argument("username")

    def handle(self, *args, action, **options):
        if action == "init":
            path, created = keys.init_key(force=options["force"])
            state = "đã tạo" if created else "đã có"
            self.stdout.write(f"Khóa ký VNeID thử nghiệm {state}: {path} (kid {keys.public_jwk()['kid']})")
            return
        if not (settings.EMBEDDED or settings.DEBUG):
            raise CommandError("Chỉ dùng trong chế độ nhúng (make run) hoặc phát triển.")
        code = current_code(options["username"])
        if code is None:
            raise CommandError("Tài khoản chưa có thiết bị xác thực đã xác nhận.")
        self.stdout.write(code)
