"""`motcua demo --dossiers N --seed S`: a year of demo dossiers (fake personal data; never in production)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from motcua.demo.history import DemoRefused, demo_allowed, generate
from motcua.demo.personas import build_histories, seed_targets
from motcua.dossiers.models import Dossier


class Command(BaseCommand):
    help = (
        "Sinh lịch sử hồ sơ dùng thử (12 tháng gần nhất) cho đào tạo, trình diễn và đo hiệu năng. "
        "Chứa thông tin cá nhân giả: chỉ chạy khi MOTCUA_DEBUG/MOTCUA_EMBEDDED hoặc với --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dossiers", type=int, default=1000, help="số hồ sơ (mặc định 1000)")
        parser.add_argument(
            "--seed", type=int, default=0, help="hạt giống ngẫu nhiên: cùng hạt giống, cùng dữ liệu"
        )
        parser.add_argument("--batch", type=int, default=5000, help="số hồ sơ mỗi lần ghi (mặc định 5000)")
        parser.add_argument(
            "--until",
            type=date.fromisoformat,
            default=None,
            help="ngày kết thúc lịch sử, YYYY-MM-DD (mặc định hôm nay; hồ sơ đến hết hôm trước)",
        )
        parser.add_argument(
            "--force", action="store_true", help="chạy cả khi không ở chế độ DEBUG/EMBEDDED (dữ liệu giả!)"
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="chỉ sinh khi chưa có hồ sơ nào (cho `make run` chạy lại)"
        )

    def handle(self, *args, **options):
        if options["dossiers"] < 1:
            raise CommandError("--dossiers phải lớn hơn 0.")
        if options["if_empty"] and Dossier.objects.exists():
            self.stdout.write("Đã có hồ sơ: không sinh thêm dữ liệu dùng thử.")
            self._showcase(options)
            return
        try:
            report = generate(
                options["dossiers"],
                options["seed"],
                until=options["until"],
                batch=options["batch"],
                force=options["force"],
                stdout=self.stdout if options["verbosity"] >= 2 else None,
            )
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        for line in report.lines():
            self.stdout.write(line)
        self._showcase(options)

    def _showcase(self, options) -> None:
        """What the printed accounts meet: the personas' own dossiers and the monitor's targets
        (idempotent, so every `make run` completes an older demo database)."""
        if not (demo_allowed() or options["force"]):
            return
        try:
            lines = build_histories()
            targets = seed_targets()
        except LookupError as exc:
            self.stdout.write(f"Bỏ qua hồ sơ của người dùng thử: {exc}")
            return
        self.stdout.write("Hồ sơ của người dùng thử (đăng nhập bằng VNeID thử nghiệm):")
        for line in lines:
            self.stdout.write(f"  {line}")
        if targets:
            self.stdout.write(f"Đã giao {targets} chỉ tiêu dùng thử cho tháng trước.")
