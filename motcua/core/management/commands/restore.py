"""`motcua restore --from DIR [--drill]`: restore an encrypted backup, or prove it restores."""

from django.core.management.base import BaseCommand, CommandError

from motcua.core import backup


class Command(BaseCommand):
    help = (
        "Phục hồi bản sao lưu mã hóa (--yes: thay cơ sở dữ liệu và tệp đang chạy), hoặc --drill: "
        "phục hồi vào cơ sở dữ liệu tạm và chứng minh giống hệt bản kê."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="source", required=True, help="thư mục bản sao lưu")
        parser.add_argument("--drill", action="store_true", help="diễn tập: cơ sở dữ liệu và thư mục tạm")
        parser.add_argument("--yes", action="store_true", help="đồng ý thay dữ liệu đang chạy")
        parser.add_argument("--no-audit", action="store_true", help="bỏ qua audit verify")

    def handle(self, *args, source, drill=False, yes=False, no_audit=False, **options):
        if not drill and not yes:
            raise CommandError(
                "Phục hồi sẽ THAY cơ sở dữ liệu, tệp tải lên và khóa đang dùng: dừng máy chủ và worker, "
                "rồi chạy lại với --yes (hoặc --drill để diễn tập mà không đụng dữ liệu đang chạy)."
            )
        try:
            report = backup.restore(source, drill=drill, audit=not no_audit)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        for line in backup.iter_lines(report):
            self.stdout.write(line)
        if not report.ok:
            raise CommandError(f"KHÔNG giống bản sao lưu: {len(report.problems)} khác biệt.")
        self.stdout.write("Kết quả: giống hệt bản sao lưu." if drill else "Kết quả: đã phục hồi, giống hệt.")
