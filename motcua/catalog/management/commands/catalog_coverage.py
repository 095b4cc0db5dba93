from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from motcua.catalog.importer import PROVINCIAL_LISTS
from motcua.catalog.province_list import coverage, deployment_lists


class Command(BaseCommand):
    help = (
        "Bao nhiêu thủ tục trong danh mục TTHC của tỉnh có trong danh mục của hệ thống: "
        "có bản ghi đầy đủ, chỉ có thông tin của danh mục (đang cập nhật), hoặc chưa có."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--list",
            action="append",
            choices=sorted(PROVINCIAL_LISTS),
            help="danh mục cần đếm (mặc định: MOTCUA_PROVINCE_LISTS)",
        )

    def handle(self, *args, **options):
        names = options.get("list") or deployment_lists()
        if not names:
            raise CommandError("Chưa cấu hình danh mục TTHC của tỉnh (MOTCUA_PROVINCE_LISTS).")
        for name in names:
            counts = coverage(settings.DATA_DIR / "catalog" / PROVINCIAL_LISTS[name], name)
            with_code = counts["national_code"]
            inside = counts["detailed_national_code"] + counts["pending_national_code"]
            considered = counts["rows"] - counts["test"]
            pending = counts["pending_national_code"]
            self.stdout.write(
                f"{name}: {counts['rows']} dòng ({counts['test']} dòng thử nghiệm của cổng bỏ qua); "
                f"{with_code} dòng có mã quốc gia: {inside} có trong danh mục "
                f"({counts['detailed_national_code']} đầy đủ, {pending} đang cập nhật), "
                f"{counts['missing_national_code']} chưa có. Tất cả {considered} dòng: "
                f"{counts['detailed'] + counts['pending']} có, {counts['missing']} chưa có."
            )
