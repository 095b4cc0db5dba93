"""Lịch pháp định: working days, office hours and due dates (thời hạn giải quyết hồ sơ).

The rules (docs/adr/0003-legal-calendar.md, research spec §9):

* A day is a working day (ngày làm việc) if it is Monday–Friday and not a holiday or a day
  off in `CalendarDay`, or if `CalendarDay` makes that Saturday/Sunday a working day (làm bù).
* Office hours (giờ hành chính) come from ``settings.MOTCUA_OFFICE_HOURS``.
* A dossier received on a non-working day, or after the reception cut-off (giờ chốt tiếp
  nhận, default ``settings.MOTCUA_RECEPTION_CUTOFF``), counts as received at the opening of
  the next working day.
* "civil_code" counting (Bộ luật Dân sự 2015 Điều 147): day 1 is the working day after the
  effective receipt day. "reception_day" counting: the effective receipt day is day 1.
* Day-based limits end at the close of office hours of the last day. A limit in calendar
  days whose last day is not a working day ends at the close of the next working day
  (BLDS Điều 148).
* Working-hour limits run only inside office hours of working days, from the first opening
  at or after receipt; the cut-off does not apply to them.

The whole `CalendarDay` table (about 15 rows a year) is read in one query and cached per
process. The cache is dropped by a signal when a row is saved or deleted in this process,
and revalidated against a cheap version stamp (row count, latest ``updated_at``) at most
every ``MOTCUA_CALENDAR_RECHECK_SECONDS`` (default 60) so edits made by another process
are seen too.
"""

from __future__ import annotations

import bisect
import math
import threading
import time as _time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone

WORKING_DAYS = "working_days"
DAYS = "days"
WORKING_HOURS = "working_hours"
#: Giải quyết trong ngày: 0 working days, so received after the cut-off it is the next working day
#: (the legal-time table's unit, catalog.LegalTime, ADR 0029).
SAME_DAY = "same_day"
#: Units accepted by `due_at`, with their Vietnamese names. The values match catalog.TimeUnit.
UNITS = {WORKING_DAYS: "ngày làm việc", DAYS: "ngày", WORKING_HOURS: "giờ làm việc", SAME_DAY: "trong ngày"}

CIVIL_CODE = "civil_code"
RECEPTION_DAY = "reception_day"
COUNTINGS = {
    CIVIL_CODE: "theo Bộ luật Dân sự 2015 Điều 147, không tính ngày tiếp nhận",
    RECEPTION_DAY: "tính cả ngày tiếp nhận là ngày thứ nhất",
}

# Kinds of CalendarDay, repeated here so that a calendar can be built without the ORM.
HOLIDAY = "holiday"
DAY_OFF = "day_off"
WORKING_DAY = "working_day"
_KINDS = {HOLIDAY, DAY_OFF, WORKING_DAY}

WEEKDAY_NAMES = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")

_DEFAULT_OFFICE_HOURS = [("07:30", "11:30"), ("13:00", "17:00")]
# Guards against runaway loops on absurd input; no legal time limit comes near them.
_MAX_DAYS = 3660
_MAX_HOURS = _MAX_DAYS * 24
_MAX_SEARCH_DAYS = 400


@dataclass(frozen=True)
class DayOverride:
    """One exception to the Monday–Friday rule (the in-memory form of a CalendarDay row)."""

    kind: str
    name: str = ""

    @property
    def is_working(self) -> bool:
        return self.kind == WORKING_DAY


@dataclass(frozen=True)
class DueDate:
    """Hạn giải quyết: the computed deadline of one time limit, with how it was computed.

    ``counting_start`` is when the clock starts: the opening of day 1 under "civil_code", the
    moment of receipt (or the next opening if the receipt was moved) under "reception_day",
    midnight of day 1 for calendar days under "civil_code", and the first office opening at or
    after receipt for working hours. ``due_at`` is the close of office hours of the due day for
    day units, the exact instant for working hours.
    """

    received_at: datetime
    amount: int | Decimal
    unit: str
    counting: str | None
    cutoff: time | None
    counting_start: datetime
    due_at: datetime
    explanation: str
    #: Non-working days from the receipt day to the due day, with their names.
    non_working_days: tuple[tuple[date, str], ...] = ()
    #: Saturdays/Sundays made working days (làm bù) in the same range.
    makeup_days: tuple[tuple[date, str], ...] = ()
    #: Years touched by the computation for which no holiday is loaded.
    uncovered_years: tuple[int, ...] = ()
    #: True when the receipt was moved to the next working day (cut-off or non-working day).
    receipt_moved: bool = False

    @property
    def due_date(self) -> date:
        return self.due_at.date()

    def __str__(self) -> str:
        return self.explanation


# --------------------------------------------------------------------------------------------
# The snapshot of the CalendarDay table and its per-process cache
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Snapshot:
    overrides: Mapping[date, DayOverride]
    covered_years: frozenset[int]
    version: tuple = ()
    # Sorted dates whose override changes the Monday–Friday answer, and the running sum of
    # those changes: working_days_between in O(log n) instead of a day-by-day walk.
    _delta_dates: list[date] = field(default_factory=list, repr=False)
    _delta_sums: list[int] = field(default_factory=list, repr=False)

    @classmethod
    def build(cls, overrides: Mapping[date, DayOverride], version: tuple = ()) -> _Snapshot:
        dates, sums, running = [], [], 0
        for day in sorted(overrides):
            delta = _override_delta(day, overrides[day])
            if delta:
                running += delta
                dates.append(day)
                sums.append(running)
        covered = frozenset(d.year for d, o in overrides.items() if o.kind == HOLIDAY)
        return cls(dict(overrides), covered, version, dates, sums)

    def delta_upto(self, day: date) -> int:
        """Sum of override changes on dates ≤ day."""
        i = bisect.bisect_right(self._delta_dates, day)
        return self._delta_sums[i - 1] if i else 0


def _override_delta(day: date, override: DayOverride) -> int:
    weekday = day.weekday() < 5
    if override.is_working and not weekday:
        return 1
    if not override.is_working and weekday:
        return -1
    return 0


def _db_version() -> tuple:
    from .models import CalendarDay

    agg = CalendarDay.objects.aggregate(n=Count("id"), latest=Max("updated_at"))
    return (agg["n"], agg["latest"])


def _load_from_db() -> _Snapshot:
    from .models import CalendarDay

    rows = list(CalendarDay.objects.values_list("date", "kind", "name", "updated_at"))
    overrides = {d: DayOverride(kind, name) for d, kind, name, _ in rows}
    # The version is computed from the rows just read, so it cannot disagree with them.
    version = (len(rows), max((r[3] for r in rows), default=None))
    return _Snapshot.build(overrides, version)


class _DatabaseCache:
    """The per-process copy of the CalendarDay table."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None
        self._checked_at = 0.0
        self._generation = 0

    def invalidate(self) -> None:
        with self._lock:
            self._snapshot = None
            self._generation += 1

    def get(self) -> _Snapshot:
        recheck = float(getattr(settings, "MOTCUA_CALENDAR_RECHECK_SECONDS", 60))
        now = _time.monotonic()
        with self._lock:
            snapshot, checked_at, generation = self._snapshot, self._checked_at, self._generation
        if snapshot is not None:
            if now - checked_at < recheck:
                return snapshot
            if _db_version() == snapshot.version:
                with self._lock:
                    if self._snapshot is snapshot:
                        self._checked_at = now
                return snapshot
        snapshot = _load_from_db()
        with self._lock:
            # An invalidation during the load means the rows we read may already be stale.
            if self._generation == generation:
                self._snapshot, self._checked_at = snapshot, now
        return snapshot


_cache = _DatabaseCache()


def invalidate_cache() -> None:
    """Forget the cached CalendarDay rows (called by the model signals and the loader)."""
    _cache.invalidate()


# --------------------------------------------------------------------------------------------
# Input checking
# --------------------------------------------------------------------------------------------


def parse_time(value: time | str, what: str = "giờ") -> time:
    """Parse a time of day: a `time` or text such as "15:00"; ValueError in Vietnamese otherwise."""
    if isinstance(value, time):
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        try:
            return time.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"{what} không hợp lệ: {value!r} (cần dạng HH:MM, ví dụ 15:00).")


def _parse_office_hours(pairs: Iterable) -> tuple[tuple[time, time], ...]:
    intervals = tuple((parse_time(a, "giờ làm việc"), parse_time(b, "giờ làm việc")) for a, b in pairs)
    if not intervals:
        raise ValueError("MOTCUA_OFFICE_HOURS trống: cần ít nhất một khoảng giờ làm việc.")
    previous_end = None
    for start, end in intervals:
        if start >= end or (previous_end is not None and start < previous_end):
            raise ValueError(
                "MOTCUA_OFFICE_HOURS phải là các khoảng tăng dần, không chồng nhau "
                f"(nhận được {start:%H:%M}-{end:%H:%M})."
            )
        previous_end = end
    return intervals


def _check_unit(unit: str) -> str:
    value = str(unit).strip().lower() if unit is not None else ""
    if value not in UNITS:
        raise ValueError(
            f"Đơn vị thời hạn không hỗ trợ: {unit!r} (unsupported unit; dùng {', '.join(UNITS)})."
        )
    return value


def _check_counting(counting: str) -> str:
    value = str(counting).strip().lower()
    if value not in COUNTINGS:
        raise ValueError(f"Cách tính ngày không hợp lệ: {counting!r} (dùng {' hoặc '.join(COUNTINGS)}).")
    return value


def _check_number(amount, what: str) -> Decimal:
    # bool is an int; True days is a bug in the caller, not a limit.
    if isinstance(amount, bool) or not isinstance(amount, int | float | Decimal | Fraction):
        raise ValueError(f"{what} phải là một số, nhận được {amount!r}.")
    if not isinstance(amount, int) and not math.isfinite(amount):
        raise ValueError(f"{what} phải là một số hữu hạn, nhận được {amount!r}.")
    if isinstance(amount, Fraction):
        value = Decimal(amount.numerator) / amount.denominator
    else:
        value = Decimal(amount)
    if value < 0:
        raise ValueError(f"{what} không được âm (negative amount): {amount!r}.")
    return value


def _whole_days(amount) -> int:
    value = _check_number(amount, "Số ngày")
    if value != value.to_integral_value():
        raise ValueError(
            f"Số ngày phải là số nguyên, nhận được {_fmt_number(value)}; "
            "hãy quy đổi phần lẻ sang giờ làm việc (đơn vị working_hours)."
        )
    if value > _MAX_DAYS:
        raise ValueError(f"Số ngày quá lớn: {amount!r} (tối đa {_MAX_DAYS}).")
    return int(value)


def _hours_span(amount) -> timedelta:
    value = _check_number(amount, "Số giờ")
    if value > _MAX_HOURS:
        raise ValueError(f"Số giờ quá lớn: {amount!r} (tối đa {_MAX_HOURS}).")
    return timedelta(microseconds=int((value * 3_600_000_000).to_integral_value()))


def _as_date(value, tz: tzinfo) -> date:
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            raise ValueError("Thời điểm phải có múi giờ (naive datetime is not accepted).")
        return value.astimezone(tz).date()
    if isinstance(value, date):
        return value
    raise ValueError(f"Cần một ngày (date), nhận được {value!r}.")


# --------------------------------------------------------------------------------------------
# Formatting for the Vietnamese explanations
# --------------------------------------------------------------------------------------------


def fmt_day(d: date) -> str:
    """A day as Vietnamese text: thứ Hai, 02/03/2026."""
    return f"{WEEKDAY_NAMES[d.weekday()]}, {d:%d/%m/%Y}"


def fmt_moment(dt: datetime) -> str:
    """A moment as Vietnamese text: 10:00 thứ Hai, 02/03/2026."""
    return f"{dt:%H:%M} {fmt_day(dt.date())}"


def fmt_hours(span: timedelta) -> str:
    """A duration as Vietnamese text, to the minute: 8 giờ, 1 giờ 30 phút."""
    minutes = round(span.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} giờ {minutes:02d} phút" if minutes else f"{hours} giờ"


def _fmt_number(value) -> str:
    text = f"{Decimal(value).normalize():f}" if not isinstance(value, int) else str(value)
    return text.replace(".", ",")  # Vietnamese decimal comma


# --------------------------------------------------------------------------------------------
# The calendar
# --------------------------------------------------------------------------------------------


class LegalCalendar:
    """Lịch làm việc pháp định: working days, office hours and due dates for one province.

    Without ``overrides`` the exceptions come from the CalendarDay table (cached per process);
    with a mapping ``{date: DayOverride | kind}`` the calendar is fixed and needs no database.
    Office hours, cut-off and counting default to the settings.
    """

    def __init__(
        self,
        overrides: Mapping[date, DayOverride | str] | None = None,
        *,
        office_hours: Iterable | None = None,
        cutoff: time | str | None = None,
        counting: str | None = None,
        tz: tzinfo | None = None,
    ) -> None:
        self._fixed = None
        if overrides is not None:
            normalised = {}
            for day, value in overrides.items():
                override = value if isinstance(value, DayOverride) else DayOverride(str(value))
                if override.kind not in _KINDS:
                    raise ValueError(f"Loại ngày không hợp lệ cho {day}: {override.kind!r}.")
                normalised[day] = override
            self._fixed = _Snapshot.build(normalised)
        if office_hours is None:
            office_hours = getattr(settings, "MOTCUA_OFFICE_HOURS", _DEFAULT_OFFICE_HOURS)
        self.office_hours = _parse_office_hours(office_hours)
        if cutoff is None:
            cutoff = getattr(settings, "MOTCUA_RECEPTION_CUTOFF", "15:00")
        self.cutoff = parse_time(cutoff, "Giờ chốt tiếp nhận")
        self.counting = _check_counting(counting or getattr(settings, "MOTCUA_DAY_COUNTING", CIVIL_CODE))
        self.tz = tz or timezone.get_default_timezone()

    # -- data --------------------------------------------------------------------------------

    def _snapshot(self) -> _Snapshot:
        return self._fixed if self._fixed is not None else _cache.get()

    def override(self, d: date) -> DayOverride | None:
        """The CalendarDay exception for this date, if any."""
        return self._snapshot().overrides.get(_as_date(d, self.tz))

    @property
    def covered_years(self) -> frozenset[int]:
        """Years with at least one holiday loaded: outside them only weekends are known."""
        return self._snapshot().covered_years

    def is_empty(self) -> bool:
        return not self._snapshot().overrides

    def uncovered_years(self, start: date, end: date) -> tuple[int, ...]:
        covered = self._snapshot().covered_years
        return tuple(
            y for y in range(min(start.year, end.year), max(start.year, end.year) + 1) if y not in covered
        )

    # -- days --------------------------------------------------------------------------------

    @staticmethod
    def _is_working(snap: _Snapshot, d: date) -> bool:
        override = snap.overrides.get(d)
        if override is not None:
            return override.is_working
        return d.weekday() < 5

    def _next_working(self, snap: _Snapshot, d: date) -> date:
        for _ in range(_MAX_SEARCH_DAYS):
            d += timedelta(days=1)
            if self._is_working(snap, d):
                return d
        raise ValueError(
            f"Không có ngày làm việc nào trong {_MAX_SEARCH_DAYS} ngày sau {d}: kiểm tra bảng lịch."
        )

    def _add_days(self, snap: _Snapshot, d: date, n: int) -> date:
        for _ in range(n):
            d = self._next_working(snap, d)
        return d

    def is_working_day(self, d: date) -> bool:
        """Ngày làm việc? Monday–Friday unless a holiday/day off; a make-up Saturday/Sunday is."""
        return self._is_working(self._snapshot(), _as_date(d, self.tz))

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        return self._next_working(self._snapshot(), _as_date(d, self.tz))

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day after ``d`` (``d`` itself for n = 0); ``d`` need not be working."""
        return self._add_days(self._snapshot(), _as_date(d, self.tz), _whole_days(n))

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in (a, b]: after ``a``, up to and including ``b``; negative if b < a.

        The inverse of `add_working_days`: ``working_days_between(d, add_working_days(d, n)) == n``.
        """
        snap = self._snapshot()
        a, b = _as_date(a, self.tz), _as_date(b, self.tz)
        if b < a:
            return -self.working_days_between(b, a)

        def upto(x: date) -> int:  # working days in [0001-01-01, x]; 0001-01-01 is a Monday
            o = x.toordinal()
            return o // 7 * 5 + min(o % 7, 5) + snap.delta_upto(x)

        return upto(b) - upto(a)

    # -- hours -------------------------------------------------------------------------------

    def _local(self, dt: datetime, what: str = "Thời điểm") -> datetime:
        if not isinstance(dt, datetime):
            raise ValueError(f"{what} phải là datetime, nhận được {dt!r}.")
        if timezone.is_naive(dt):
            raise ValueError(f"{what} phải có múi giờ (naive datetime is not accepted): {dt.isoformat()}.")
        return dt.astimezone(self.tz)

    def _intervals(self, snap: _Snapshot, d: date) -> list[tuple[datetime, datetime]]:
        if not self._is_working(snap, d):
            return []
        return [
            (datetime.combine(d, start, tzinfo=self.tz), datetime.combine(d, end, tzinfo=self.tz))
            for start, end in self.office_hours
        ]

    def _opening(self, d: date) -> datetime:
        return datetime.combine(d, self.office_hours[0][0], tzinfo=self.tz)

    def _closing(self, d: date) -> datetime:
        return datetime.combine(d, self.office_hours[-1][1], tzinfo=self.tz)

    def _next_open(self, snap: _Snapshot, local: datetime) -> datetime:
        for start, end in self._intervals(snap, local.date()):
            if local < end:
                return max(local, start)
        return self._opening(self._next_working(snap, local.date()))

    def _add_hours(self, snap: _Snapshot, start: datetime, span: timedelta) -> datetime:
        current, remaining, day = start, span, start.date()
        if not remaining:
            return current
        while True:
            for begin, end in self._intervals(snap, day):
                if end <= current:
                    continue
                begin = max(begin, current)
                available = end - begin
                # "<=": a limit that uses up an interval exactly ends at its close, not at
                # the next opening.
                if remaining <= available:
                    return begin + remaining
                remaining -= available
            day = self._next_working(snap, day)

    def office_intervals(self, d: date) -> list[tuple[datetime, datetime]]:
        """Giờ hành chính of ``d`` as aware (start, end) pairs; empty on a non-working day."""
        return self._intervals(self._snapshot(), _as_date(d, self.tz))

    def local_date(self, dt: datetime) -> date:
        """The calendar date of an aware datetime in the calendar's time zone."""
        return self._local(dt).date()

    def closing_time(self, d: date) -> datetime:
        """End of office hours of ``d`` (aware)."""
        return self._closing(d)

    def working_hours_between(self, start: datetime, end: datetime) -> Decimal:
        """Office hours of working days inside [start, end] (0 if end is before start)."""
        snap = self._snapshot()
        start, end = self._local(start), self._local(end)
        total = timedelta(0)
        day = start.date()
        while day <= end.date():
            for open_, close in self._intervals(snap, day):
                overlap = min(close, end) - max(open_, start)
                if overlap > timedelta(0):
                    total += overlap
            day += timedelta(days=1)
        return (Decimal(total.total_seconds()) / Decimal(3600)).quantize(Decimal("0.01"))

    def next_office_open(self, dt: datetime) -> datetime:
        """The first instant at or after ``dt`` inside office hours of a working day."""
        return self._next_open(self._snapshot(), self._local(dt))

    def add_working_hours(self, dt: datetime, hours) -> datetime:
        """``hours`` (fractions allowed, e.g. 1.5 = 1 h 30) of office time after ``dt``.

        Counting starts at the next office opening at or after ``dt``; lunch breaks, evenings,
        weekends and holidays do not count.
        """
        snap = self._snapshot()
        span = _hours_span(hours)
        return self._add_hours(snap, self._next_open(snap, self._local(dt)), span)

    # -- due dates ---------------------------------------------------------------------------

    def due_at(
        self,
        received_at: datetime,
        amount,
        unit: str,
        cutoff: time | str | None = None,
        counting: str | None = None,
    ) -> DueDate:
        """Hạn giải quyết for a limit of ``amount`` ``unit`` from receipt at ``received_at``.

        ``unit`` is "working_days", "days" (calendar days) or "working_hours". ``cutoff``
        (giờ chốt) defaults to the calendar's; ``counting`` is "civil_code" or
        "reception_day" and defaults to the calendar's. Raises ValueError on bad input.
        """
        local = self._local(received_at, "Thời điểm tiếp nhận")
        unit = _check_unit(unit)
        if unit == SAME_DAY:
            unit, amount = WORKING_DAYS, 0
        snap = self._snapshot()
        if unit == WORKING_HOURS:
            return self._due_hours(snap, local, amount)
        n = _whole_days(amount)
        cut = self.cutoff if cutoff is None else parse_time(cutoff, "Giờ chốt tiếp nhận")
        mode = self.counting if counting is None else _check_counting(counting)

        day = local.date()
        working = self._is_working(snap, day)
        in_time = working and local.time() <= cut
        effective = day if in_time else self._next_working(snap, day)
        lines = [f"Tiếp nhận lúc {fmt_moment(local)}."]
        if not working:
            reason = snap.overrides[day].name if day in snap.overrides else WEEKDAY_NAMES[day.weekday()]
            lines.append(
                f"Đây là ngày nghỉ ({reason}) nên hồ sơ được coi là tiếp nhận lúc "
                f"{fmt_moment(self._opening(effective))}."
            )
        elif not in_time:
            lines.append(
                f"Sau giờ chốt {cut:%H:%M} nên hồ sơ được coi là tiếp nhận lúc "
                f"{fmt_moment(self._opening(effective))}."
            )
        received_start = local if in_time else self._opening(effective)

        if unit == WORKING_DAYS:
            if mode == CIVIL_CODE and n:
                due_day = self._add_days(snap, effective, n)
                first_day = self._next_working(snap, effective)
                start = self._opening(first_day)
            else:
                due_day = self._add_days(snap, effective, max(n - 1, 0))
                first_day, start = effective, received_start
            if n:
                lines.append(
                    f"Thời hạn {n} ngày làm việc, {COUNTINGS[mode]}: ngày thứ nhất là {fmt_day(first_day)}."
                )
            else:
                lines.append("Thời hạn: giải quyết trong ngày tiếp nhận.")
        else:
            if mode == CIVIL_CODE and n:
                first_day = effective + timedelta(days=1)
                last_day = effective + timedelta(days=n)
                start = datetime.combine(first_day, time(0), tzinfo=self.tz)
            else:
                first_day, start = effective, received_start
                last_day = effective + timedelta(days=max(n - 1, 0))
            lines.append(
                f"Thời hạn {n} ngày theo lịch (kể cả ngày nghỉ), {COUNTINGS[mode]}: "
                f"ngày thứ nhất là {fmt_day(first_day)}, ngày cuối cùng là {fmt_day(last_day)}."
            )
            due_day = last_day
            if not self._is_working(snap, last_day):
                # BLDS 2015 Điều 148(5): the period ends at the end of the next working day.
                due_day = self._next_working(snap, last_day)
                lines.append(
                    f"Ngày cuối cùng là ngày nghỉ nên thời hạn kết thúc vào cuối ngày làm việc "
                    f"tiếp theo, {fmt_day(due_day)} (BLDS 2015 Điều 148)."
                )
        due = self._closing(due_day)
        lines.append(f"Hạn giải quyết: {fmt_moment(due)} (hết giờ làm việc).")
        return self._finish(snap, local, n, unit, mode, cut, start, due, lines, moved=not in_time)

    def _due_hours(self, snap: _Snapshot, local: datetime, amount) -> DueDate:
        span = _hours_span(amount)
        start = self._next_open(snap, local)
        due = self._add_hours(snap, start, span)
        hours = ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in self.office_hours)
        value = _check_number(amount, "Số giờ")
        lines = [f"Tiếp nhận lúc {fmt_moment(local)}."]
        if start != local:
            lines.append(f"Ngoài giờ làm việc nên bắt đầu tính từ {fmt_moment(start)}.")
        lines.append(
            f"Thời hạn {fmt_hours(span)} làm việc, chỉ tính trong giờ hành chính ({hours}) của ngày làm việc."
        )
        lines.append(f"Hạn giải quyết: {fmt_moment(due)}.")
        shown = int(value) if value == value.to_integral_value() else value
        return self._finish(
            snap, local, shown, WORKING_HOURS, None, None, start, due, lines, moved=start != local
        )

    def _finish(self, snap, local, amount, unit, mode, cut, start, due, lines, *, moved) -> DueDate:
        first, last = local.date(), due.date()
        off, makeup = [], []
        d = first
        while d <= last:
            override = snap.overrides.get(d)
            if not self._is_working(snap, d):
                off.append((d, override.name if override else WEEKDAY_NAMES[d.weekday()]))
            elif override is not None and d.weekday() >= 5:
                makeup.append((d, override.name or "Ngày làm bù"))
            d += timedelta(days=1)
        named = [f"{x:%d/%m/%Y} ({name})" for x, name in off if x.weekday() < 5 or x in snap.overrides]
        weekends = sum(1 for x, _ in off if x.weekday() >= 5 and x not in snap.overrides)
        if off and unit != DAYS:
            parts = named + ([f"{weekends} ngày thứ Bảy, Chủ nhật"] if weekends else [])
            lines.append(f"Không tính {len(off)} ngày nghỉ: {'; '.join(parts)}.")
        if makeup:
            lines.append("Có tính ngày làm bù: " + "; ".join(f"{x:%d/%m/%Y} ({n})" for x, n in makeup) + ".")
        uncovered = self.uncovered_years(first, last)
        if uncovered:
            years = ", ".join(str(y) for y in uncovered)
            lines.append(
                f"Lưu ý: chưa có lịch nghỉ lễ năm {years}; chỉ thứ Bảy, Chủ nhật được coi là ngày nghỉ."
            )
        return DueDate(
            received_at=local,
            amount=amount,
            unit=unit,
            counting=mode,
            cutoff=cut,
            counting_start=start,
            due_at=due,
            explanation=" ".join(lines),
            non_working_days=tuple(off),
            makeup_days=tuple(makeup),
            uncovered_years=uncovered,
            receipt_moved=moved,
        )


class FrozenCalendar(LegalCalendar):
    """A `LegalCalendar` fixed to the CalendarDay rows of the moment, with per-day answers memoised.

    For long batch jobs (the demo history) that ask about the same few hundred days millions of
    times: no cache revalidation per call, and each day's office intervals and next working day
    are computed once. The answers are those of the calendar it copies as long as the table does
    not change meanwhile (it does not see later edits: build a new one).
    """

    def __init__(self, source: LegalCalendar | None = None) -> None:
        source = source or get_calendar()
        self.__dict__.update(source.__dict__)
        self._fixed = source._snapshot()
        self._intervals_memo: dict[date, list[tuple[datetime, datetime]]] = {}
        self._next_memo: dict[date, date] = {}

    def _intervals(self, snap: _Snapshot, d: date) -> list[tuple[datetime, datetime]]:
        hit = self._intervals_memo.get(d)
        if hit is None:
            hit = self._intervals_memo[d] = super()._intervals(snap, d)
        return hit

    def _next_working(self, snap: _Snapshot, d: date) -> date:
        hit = self._next_memo.get(d)
        if hit is None:
            hit = self._next_memo[d] = super()._next_working(snap, d)
        return hit

    def office_intervals(self, d: date) -> list[tuple[datetime, datetime]]:
        return list(super().office_intervals(d))  # a copy: the memoised list is shared


# --------------------------------------------------------------------------------------------
# Convenience functions on the default (database, settings) calendar
# --------------------------------------------------------------------------------------------


def get_calendar() -> LegalCalendar:
    """The province's calendar: CalendarDay table + settings. Cheap; the table is cached."""
    return LegalCalendar()


def is_working_day(d: date) -> bool:
    return get_calendar().is_working_day(d)


def add_working_days(d: date, n: int) -> date:
    return get_calendar().add_working_days(d, n)


def add_working_hours(dt: datetime, hours) -> datetime:
    return get_calendar().add_working_hours(dt, hours)


def due_at(
    received_at: datetime, amount, unit: str, procedure=None, *, counting: str | None = None
) -> DueDate:
    """Hạn giải quyết with the default calendar; ``procedure.reception_cutoff`` overrides the cut-off.

    getattr: the catalog's procedure model may not have ``reception_cutoff`` yet; None there
    means "use the province default".
    """
    cutoff = getattr(procedure, "reception_cutoff", None) if procedure is not None else None
    return get_calendar().due_at(received_at, amount, unit, cutoff=cutoff, counting=counting)
