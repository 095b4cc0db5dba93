"""`motcua opendata --period 2026-09 --out DIR`: the open datasets of a month (or of each month of a
quarter or year) as CSV and JSON, with the data dictionary and the licence."""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from motcua.insights import opendata
from motcua.insights.periods import PeriodError, parse_period


def _months(first: date, last: date) -> list[str]:
    months, (year, month) = [], (first.year, first.month)
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return months


class Command(BaseCommand):
    help = "Xuất dữ liệu mở (CSV, JSON, từ điển dữ liệu) theo tháng, đã ẩn các ô số nhỏ."

    def add_arguments(self, parser):
        parser.add_argument(
            "--period", required=True, help="2026-09 (một tháng), 2026-Q3 hoặc 2026 (từng tháng)"
        )
        parser.add_argument("--out", required=True, help="thư mục kết quả")

    def handle(self, *args, **options):
        try:
            period = parse_period(options["period"])
        except PeriodError as exc:
            raise CommandError(str(exc)) from exc
        if period.kind == "custom":
            raise CommandError("Dữ liệu mở được công bố theo tháng: dùng 2026-09, 2026-Q3 hoặc 2026.")
        out = Path(options["out"])
        months = _months(period.first_day, period.last_day)
        for month in months:
            folder = out / month if len(months) > 1 else out
            folder.mkdir(parents=True, exist_ok=True)
            data = opendata.build_month(month)
            for slug, rows in data.items():
                for fmt in opendata.FORMATS:
                    (folder / f"{slug}.{fmt}").write_bytes(opendata.render(slug, month, fmt, rows))
            self.stdout.write(
                f"{month}: "
                + ", ".join(f"{slug} {len(rows)} dòng" for slug, rows in data.items())
                + f" → {folder}"
            )
        out.mkdir(parents=True, exist_ok=True)
        (out / "tu-dien-du-lieu.csv").write_bytes(opendata.dictionary_csv())
        (out / "tu-dien-du-lieu.json").write_bytes(opendata.dictionary_json())
        (out / "GIAY-PHEP.txt").write_text(
            f"{opendata.LICENSE_LINE}\n{opendata.LICENSE['name']}\n{opendata.LICENSE['attribution']}\n",
            encoding="utf-8",
        )
