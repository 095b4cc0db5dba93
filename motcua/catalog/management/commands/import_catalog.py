from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from motcua.catalog import legaltimes
from motcua.catalog.importer import NATIONAL_SOURCES, PROVINCIAL_LISTS, import_catalog


class Command(BaseCommand):
    help = (
        "Nhập danh mục TTHC quốc gia và danh mục của tỉnh "
        "(chạy lại không tạo trùng; nội dung thay đổi thành phiên bản mới)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", type=Path, help="thư mục dữ liệu (mặc định: data/catalog)")
        parser.add_argument("--detail", action="store_true", help="liệt kê từng giá trị không phân tích được")

    def handle(self, *args, **options):
        data_dir = options.get("data_dir")
        if data_dir is not None:
            missing = [
                p for p in [*NATIONAL_SOURCES, *PROVINCIAL_LISTS.values()] if not (data_dir / p).is_file()
            ]
            if missing:
                raise CommandError(f"Thiếu tệp dữ liệu trong {data_dir}: {', '.join(missing)}")
        try:
            report = import_catalog(data_dir)
        except (ValueError, KeyError) as exc:
            raise CommandError(f"Tệp dữ liệu không đúng định dạng: {exc}") from exc
        for line in report.lines(detail=options["detail"]):
            self.stdout.write(line)
        self.legal_times(data_dir)

    def legal_times(self, data_dir):
        """The shipped legal-time table, then every procedure still without a legal time: counted
        here, listed in var/catalog/procedures-without-legal-time.csv for the province to fill."""
        if data_dir is not None and not (data_dir / legaltimes.DATA_FILE).is_file():
            # another data folder (tests, a province's own records) may come without the table
            self.stdout.write(f"Không có bảng thời hạn luật định trong {data_dir}: giữ bảng hiện có.")
        else:
            try:
                loaded = legaltimes.load(data_dir)
            except (OSError, legaltimes.LegalTimeFileError) as exc:
                raise CommandError(f"Bảng thời hạn luật định: {exc}") from exc
            self.stdout.write(loaded.line())
        missing = legaltimes.procedures_without_time()
        path = Path(settings.VAR_DIR) / "catalog" / "procedures-without-legal-time.csv"
        legaltimes.write_missing(missing, path)
        self.stdout.write(
            f"Thủ tục chưa có thời hạn luật định: {len(missing)} (quy tắc số không đơn vị: "
            f"{legaltimes.bare_number_rule()}) — danh sách: {path}"
        )
        for row in missing[:10]:
            self.stdout.write(f"  {row['code']}\t{row['printed']}\t{row['name'][:80]}")
        if len(missing) > 10:
            self.stdout.write(f"  … và {len(missing) - 10} thủ tục khác (xem tệp)")
