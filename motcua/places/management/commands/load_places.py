from django.core.management.base import BaseCommand, CommandError

from motcua.places.importer import PlacesReport, load_admin_units, load_agencies
from motcua.places.models import AdminUnit


class Command(BaseCommand):
    help = "Nạp đơn vị hành chính 2025 và cơ quan của tỉnh triển khai (chạy lại không tạo trùng)."

    def add_arguments(self, parser):
        parser.add_argument("--province", help="mã tỉnh (mặc định: MOTCUA_PROVINCE_CODE)")

    def handle(self, *args, **options):
        report = PlacesReport()
        load_admin_units(report=report)
        try:
            load_agencies(options.get("province"), report=report)
        except AdminUnit.DoesNotExist as exc:
            raise CommandError(f"Không có tỉnh mã {options.get('province')!r} trong danh mục 2025.") from exc
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(
            f"Tổng: {AdminUnit.objects.filter(parent=None).count()} tỉnh, "
            f"{AdminUnit.objects.exclude(parent=None).count()} xã, phường, đặc khu."
        )
