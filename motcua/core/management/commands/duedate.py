"""manage.py duedate: tính hạn giải quyết hồ sơ (due date) with the province's legal calendar.

    manage.py duedate --received 2026-03-02T10:00 --days 5

The first line is the due date alone (YYYY-MM-DD) so scripts can read it; details follow.
"""

import re
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone

from motcua.core.calendar import (
    COUNTINGS,
    DAYS,
    WORKING_DAYS,
    WORKING_HOURS,
    fmt_hours,
    fmt_moment,
    get_calendar,
    parse_time,
)
from motcua.core.models import CalendarDay

_INT = re.compile(r"^\d+$")
_DECIMAL = re.compile(r"^\d+(?:[.,]\d+)?$")
_HOURS_MINUTES = re.compile(r"^(\d+):([0-5]\d)$")


def _parse_received(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(
            f"--received không hợp lệ: {text!r} (cần YYYY-MM-DDTHH:MM, ví dụ 2026-03-02T10:00)."
        ) from None
    # A time without zone is Vietnam time: that is what an officer types.
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _parse_whole(option: str, text: str) -> int:
    text = text.strip()
    if not _INT.match(text):
        raise CommandError(f"{option} phải là số nguyên không âm, nhận được {text!r}.")
    return int(text)


def _parse_hours(text: str) -> Decimal:
    text = text.strip()
    if match := _HOURS_MINUTES.match(text):  # "1:30" = 1 h 30
        return Decimal(match[1]) + Decimal(match[2]) / 60
    if not _DECIMAL.match(text):
        raise CommandError(f"--hours phải là số giờ không âm (ví dụ 8, 1,5 hoặc 1:30), nhận được {text!r}.")
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the regex already checked the shape
        raise CommandError(f"--hours không hợp lệ: {text!r}.") from None


class Command(BaseCommand):
    help = (
        "Tính hạn giải quyết theo lịch làm việc (ngày lễ, nghỉ bù, làm bù, giờ hành chính, giờ chốt). "
        "Dòng đầu là ngày hạn YYYY-MM-DD."
    )

    def add_arguments(self, parser):
        # Plain strings: our own one-line Vietnamese errors instead of argparse's usage dump.
        parser.add_argument("--received", help="Thời điểm tiếp nhận, ví dụ 2026-03-02T10:00 (giờ Việt Nam).")
        parser.add_argument("--days", help="Số ngày làm việc.")
        parser.add_argument("--hours", help="Số giờ làm việc (được phép lẻ: 1,5 hoặc 1:30).")
        parser.add_argument("--calendar-days", dest="calendar_days", help="Số ngày theo lịch (BLDS).")
        parser.add_argument("--cutoff", help="Giờ chốt tiếp nhận HH:MM (mặc định theo cấu hình, 15:00).")
        parser.add_argument("--counting", help=f"Cách tính ngày: {' hoặc '.join(COUNTINGS)}.")

    def handle(self, *args, **options):
        if not options.get("received"):
            raise CommandError("Thiếu --received (thời điểm tiếp nhận, ví dụ 2026-03-02T10:00).")
        received = _parse_received(options["received"])
        given = [name for name in ("days", "hours", "calendar_days") if options.get(name) is not None]
        if len(given) != 1:
            raise CommandError("Cần đúng một trong --days, --hours, --calendar-days.")
        if given == ["days"]:
            unit, amount = WORKING_DAYS, _parse_whole("--days", options["days"])
        elif given == ["calendar_days"]:
            unit, amount = DAYS, _parse_whole("--calendar-days", options["calendar_days"])
        else:
            unit, amount = WORKING_HOURS, _parse_hours(options["hours"])
        cutoff = None
        if options.get("cutoff"):
            try:
                cutoff = parse_time(options["cutoff"], "--cutoff")
            except ValueError as error:
                raise CommandError(str(error)) from None
        counting = options.get("counting")
        if counting is not None and counting not in COUNTINGS:
            raise CommandError(f"--counting phải là {' hoặc '.join(COUNTINGS)}, nhận được {counting!r}.")

        try:
            if not CalendarDay.objects.exists():
                raise CommandError(
                    "Bảng lịch nghỉ lễ (CalendarDay) đang trống nên không thể tính hạn đúng. "
                    "Hãy chạy `manage.py load_calendar` trước."
                )
            result = get_calendar().due_at(received, amount, unit, cutoff=cutoff, counting=counting)
        except DatabaseError:
            raise CommandError(
                "Chưa có bảng lịch: hãy chạy `manage.py migrate` rồi `manage.py load_calendar`."
            ) from None
        except ValueError as error:
            raise CommandError(str(error)) from None

        out = self.stdout.write
        out(result.due_date.isoformat())
        out(f"Hạn giải quyết: {fmt_moment(result.due_at)}")
        out(f"Bắt đầu tính: {fmt_moment(result.counting_start)}")
        if unit == WORKING_HOURS:
            span = timedelta(seconds=float(amount) * 3600)
            out(f"Thời hạn: {fmt_hours(span)} làm việc, chỉ tính trong giờ hành chính")
        else:
            name = "ngày làm việc" if unit == WORKING_DAYS else "ngày theo lịch"
            out(
                f"Thời hạn: {amount} {name}; cách tính {result.counting} ({COUNTINGS[result.counting]}); "
                f"giờ chốt {result.cutoff:%H:%M}"
            )
        if result.non_working_days:
            label = "Ngày nghỉ vẫn tính (ngày theo lịch)" if unit == DAYS else "Ngày nghỉ không tính"
            days = ", ".join(f"{d:%d/%m/%Y} ({name})" for d, name in result.non_working_days)
            out(f"{label}: {days}")
        if result.makeup_days:
            out("Ngày làm bù có tính: " + ", ".join(f"{d:%d/%m/%Y} ({n})" for d, n in result.makeup_days))
        if result.uncovered_years:
            years = ", ".join(str(y) for y in result.uncovered_years)
            self.stderr.write(self.style.WARNING(f"Lưu ý: chưa có lịch nghỉ lễ năm {years} trong hệ thống."))
