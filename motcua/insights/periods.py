"""Periods of the QĐ 766 index (kỳ đánh giá): month, quarter, year or a custom range of days.

A period is a half-open interval [start, end) of aware datetimes at local midnight
(Asia/Ho_Chi_Minh), so "2026-09" is 2026-09-01 00:00 +07 up to 2026-10-01 00:00 +07.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


class PeriodError(ValueError):
    """A period string that cannot be read; the message is Vietnamese, for the user."""


@dataclass(frozen=True)
class Period:
    kind: str  # month | quarter | year | custom
    first_day: date
    last_day: date  # inclusive
    label: str

    @property
    def start(self) -> datetime:
        return _local_midnight(self.first_day)

    @property
    def end(self) -> datetime:
        """Exclusive end: local midnight after the last day."""
        return _local_midnight(self.last_day + timedelta(days=1))

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "label": self.label,
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _month_end(year: int, month: int) -> date:
    first_next = date(year + (month == 12), month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def parse_period(text: str) -> Period:
    """'2026-09' (tháng), '2026-Q3' (quý), '2026' (năm), '2026-09-01..2026-09-15' (tùy chọn)."""
    text = (text or "").strip()
    try:
        period = _parse(text)
        period.end  # noqa: B018 — the exclusive end must exist too (not after 9999-12-31)
        return period
    except PeriodError:
        raise
    except (ValueError, OverflowError) as exc:  # year 0, or a date datetime cannot hold
        raise PeriodError(f"Kỳ đánh giá “{text}” nằm ngoài khoảng ngày hợp lệ.") from exc


def _parse(text: str) -> Period:
    if m := _MONTH.match(text):
        year, month = int(m[1]), int(m[2])
        if not 1 <= month <= 12:
            raise PeriodError(f"Tháng không hợp lệ: “{text}” (tháng từ 1 đến 12).")
        return Period("month", date(year, month, 1), _month_end(year, month), f"Tháng {month:02d}/{year}")
    if m := _QUARTER.match(text):
        year, quarter = int(m[1]), int(m[2])
        first_month = 3 * (quarter - 1) + 1
        return Period(
            "quarter",
            date(year, first_month, 1),
            _month_end(year, first_month + 2),
            f"Quý {quarter}/{year}",
        )
    if m := _YEAR.match(text):
        year = int(m[1])
        return Period("year", date(year, 1, 1), date(year, 12, 31), f"Năm {year}")
    if m := _RANGE.match(text):
        try:
            first, last = date.fromisoformat(m[1]), date.fromisoformat(m[2])
        except ValueError as exc:
            raise PeriodError(f"Ngày không hợp lệ trong “{text}”.") from exc
        if last < first:
            raise PeriodError(f"Ngày kết thúc phải sau ngày bắt đầu: “{text}”.")
        return Period("custom", first, last, f"Từ {first:%d/%m/%Y} đến {last:%d/%m/%Y}")
    raise PeriodError(
        f"Không đọc được kỳ đánh giá “{text}”. Dùng dạng 2026-09 (tháng), 2026-Q3 (quý), "
        "2026 (năm) hoặc 2026-09-01..2026-09-15 (khoảng ngày)."
    )
