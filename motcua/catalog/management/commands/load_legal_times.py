from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from motcua.catalog import legaltimes


class Command(BaseCommand):
    help = (
        "Nạp bảng thời hạn giải quyết theo luật định gửi kèm (data/catalog/legal-times); "
        "giữ nguyên các dòng quản trị viên đã sửa."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", type=Path, help="thư mục dữ liệu (mặc định: data/catalog)")

    def handle(self, *args, **options):
        try:
            report = legaltimes.load(options.get("data_dir"))
        except (OSError, legaltimes.LegalTimeFileError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(report.line())
        self.stdout.write(f"Thủ tục chưa có thời hạn luật định: {len(legaltimes.procedures_without_time())}")
