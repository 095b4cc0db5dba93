"""manage.py load_calendar: nạp lịch nghỉ lễ, nghỉ bù và làm bù from data/calendar/."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from motcua.core.calendar_seed import load_seed, read_seed


class Command(BaseCommand):
    help = (
        "Nạp ngày lễ, ngày nghỉ bù và ngày làm bù từ data/calendar/ vào bảng lịch (CalendarDay). "
        "Chạy lại bao nhiêu lần cũng cho cùng kết quả; không xóa và (trừ khi có --update) "
        "không ghi đè ngày đã sửa trong trang quản trị."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--holidays", type=Path, help="Tệp ngày lễ (mặc định data/calendar/vn-public-holidays-*.csv)."
        )
        parser.add_argument(
            "--swaps", type=Path, help="Tệp ngày hoán đổi (mặc định data/calendar/vn-workday-swaps.csv)."
        )
        parser.add_argument(
            "--update", action="store_true", help="Ghi đè các ngày đã có bằng nội dung trong tệp."
        )

    def handle(self, *args, holidays=None, swaps=None, update=False, **options):
        try:
            days = read_seed(holidays, swaps)
        except ValueError as error:
            raise CommandError(str(error)) from None
        result = load_seed(days, update=update)
        years = sorted({d.date.year for d in days})
        span = f", năm {years[0]}–{years[-1]}" if years else ""
        self.stdout.write(f"Lịch pháp định: {result.total} ngày trong tệp{span}.")
        self.stdout.write(
            f"Tạo mới {result.created}, cập nhật {result.updated}, không đổi {result.unchanged}, "
            f"giữ nguyên bản đã sửa {result.kept}."
        )
        if result.kept:
            self.stdout.write(
                self.style.WARNING(
                    f"{result.kept} ngày khác với tệp nhưng được giữ nguyên (đã sửa trong trang quản trị); "
                    "dùng --update để ghi đè."
                )
            )
