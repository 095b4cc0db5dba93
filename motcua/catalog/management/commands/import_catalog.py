from django.core.management.base import BaseCommand

from motcua.catalog.importer import import_catalog


class Command(BaseCommand):
    help = "Nhập danh mục TTHC quốc gia và danh mục của tỉnh (chạy lại không tạo trùng; thay đổi thành phiên bản mới)."

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", help="thư mục dữ liệu (mặc định: data/catalog)")
        parser.add_argument("--detail", action="store_true", help="liệt kê từng giá trị không phân tích được")

    def handle(self, *args, **options):
        report = import_catalog(options.get("data_dir"))
        for line in report.lines(detail=options["detail"]):
            self.stdout.write(line)
