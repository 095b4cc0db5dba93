from django.core.management.base import BaseCommand, CommandError

from motcua.audit import services


class Command(BaseCommand):
    help = (
        "Nhật ký kiểm toán: `audit verify` kiểm tra các chuỗi mã băm có khóa và các mốc neo; "
        "`audit anchor` ghi mốc neo ngay; `audit purge` xóa các bản ghi quá thời hạn lưu trữ."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "anchor", "purge"])

    def handle(self, *args, action, **options):
        if action == "anchor":
            self.stdout.write(services.anchor())
            return
        if action == "purge":
            self.stdout.write(f"Đã xóa {services.purge_before()} bản ghi quá thời hạn lưu trữ.")
            return
        result = services.verify()
        for note in result.notes:
            self.stdout.write(f"Lưu ý: {note}")
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"Nhật ký kiểm toán KHÔNG toàn vẹn: {len(result.problems)} lỗi / {result.checked} bản ghi."
            )
        self.stdout.write(f"Nhật ký kiểm toán toàn vẹn: {result.checked} bản ghi, {result.anchors} mốc neo.")
