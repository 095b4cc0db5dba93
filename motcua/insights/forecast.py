"""Demand forecasts (dự báo số hồ sơ) per agency and procedure group, 8 weeks ahead (issue 15).

The model (ADR 0034) is the legal calendar times a level:

    expected dossiers on day d  =  level(series)  ×  shape(d)

* `shape(d)` is learned from the whole province's daily intake before the cut-off (pooled: the
  calendar acts on every agency alike, and a commune's few dossiers a day cannot teach it): a
  factor per weekday for working days, a small one for Saturdays and for other days off (online
  applications still arrive on holidays), and multipliers for the weeks before Tết (18 days),
  the slow restart after Tết (10 days) and the month-end rush (last 3 working days of a month),
  each measured against the local level (the mean of normal working days within ±35 days) and
  left at 1 when the history holds no such day. Which days are working days, holidays and Tết
  comes from `core.calendar` (the official holidays and swaps), so next year's Tết is known.
* `level(series)` = its dossiers over the last 8 weeks ÷ the shape summed over those days.
* A series with fewer than `MIN_WEEKS` weeks of history or fewer than `MIN_PER_WEEK` dossiers a
  week on average gets "not enough data", not a number.

The reference is the **seasonal-naive** forecast: every future week equals the last full week
(the weekly season; the demo history is one year long, so a 52-week season cannot be backtested).
`backtest()` runs both from several cut-offs (rolling origin) and reports MASE and sMAPE per
horizon (`python -m bench forecast`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

HORIZON_WEEKS = 8
LEVEL_DAYS = 56
MIN_WEEKS = 12
MIN_PER_WEEK = 2.0
TET_BEFORE, TET_AFTER, MONTH_END_DAYS = 18, 10, 3
LOCAL_WINDOW = 35


class CalendarView:
    """What the forecast needs of the legal calendar, with the Tết days found once per year."""

    def __init__(self, is_working: Callable[[date], bool], tet_days: Iterable[date]):
        self.is_working = is_working
        self.tet = sorted(tet_days)

    @classmethod
    def from_core(cls, start: date, end: date) -> CalendarView:
        from motcua.core import calendar

        cal = calendar.get_calendar()
        days = (start + timedelta(days=i) for i in range((end - start).days + 1))
        tet = [d for d in days if (o := cal.override(d)) is not None and "Tết Nguyên" in o.name]
        return cls(cal.is_working_day, tet)

    def tet_phase(self, d: date) -> str:
        """ "before" in the rush before Tết, "after" in the slow restart, "" otherwise."""
        for first, last in self._tet_spans():
            if 0 < (first - d).days <= TET_BEFORE:
                return "before"
            if 0 < (d - last).days <= TET_AFTER:
                return "after"
        return ""

    def _tet_spans(self) -> list[tuple[date, date]]:
        spans: list[list[date]] = []
        for d in self.tet:
            if spans and (d - spans[-1][-1]).days <= 3:
                spans[-1].append(d)
            else:
                spans.append([d])
        return [(s[0], s[-1]) for s in spans]

    def month_end(self, d: date) -> bool:
        if not self.is_working(d):
            return False
        later, probe = 0, d + timedelta(days=1)
        while probe.month == d.month:
            if self.is_working(probe):
                later += 1
                if later >= MONTH_END_DAYS:
                    return False
            probe += timedelta(days=1)
        return True

    def kind(self, d: date) -> str:
        if self.is_working(d):
            return f"wd{d.weekday()}"
        return "sat" if d.weekday() == 5 else "off"


@dataclass
class Shape:
    base: dict[str, float]
    tet_before: float = 1.0
    tet_after: float = 1.0
    month_end: float = 1.0
    cal: CalendarView | None = field(default=None, repr=False)
    _memo: dict = field(default_factory=dict, repr=False)

    def __call__(self, d: date) -> float:
        known = self._memo.get(d)
        if known is not None:
            return known
        cal = self.cal
        value = self.base.get(cal.kind(d), 1.0 if cal.is_working(d) else 0.05)
        phase = cal.tet_phase(d)
        if phase == "before":
            value *= self.tet_before
        elif phase == "after":
            value *= self.tet_after
        if cal.month_end(d):
            value *= self.month_end
        self._memo[d] = value
        return value


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days)]


def learn_shape(total: dict[date, float], start: date, end: date, cal: CalendarView) -> Shape:
    """The calendar's factors from the province's daily totals on [start, end)."""
    days = _days(start, end)
    normal = [d for d in days if cal.is_working(d) and not cal.tet_phase(d) and not cal.month_end(d)]
    normal_set = set(normal)

    def local(d: date) -> float:
        near = [total.get(x, 0.0) for x in normal if abs((x - d).days) <= LOCAL_WINDOW]
        return sum(near) / len(near) if near else 0.0

    locals_ = {d: local(d) for d in days}
    ratios: dict[str, list[float]] = defaultdict(list)
    for d in days:
        if locals_[d] <= 0:
            continue
        r = total.get(d, 0.0) / locals_[d]
        if (d in normal_set or not cal.is_working(d)) and not cal.tet_phase(d):
            ratios[cal.kind(d)].append(r)
    base = {kind: sum(v) / len(v) for kind, v in ratios.items() if v}
    shape = Shape(base, cal=cal)

    def multiplier(selector, month_end: float = 1.0) -> float:
        num = den = 0.0
        for d in days:
            if selector(d) and locals_[d] > 0:
                num += total.get(d, 0.0)
                den += locals_[d] * base.get(cal.kind(d), 1.0) * (month_end if cal.month_end(d) else 1.0)
        return num / den if den > 0 else 1.0

    # Month-end first (outside Tết), then Tết with the month-end days it holds accounted for.
    shape.month_end = multiplier(lambda d: cal.month_end(d) and not cal.tet_phase(d))
    shape.tet_before = multiplier(lambda d: cal.tet_phase(d) == "before", shape.month_end)
    shape.tet_after = multiplier(lambda d: cal.tet_phase(d) == "after", shape.month_end)
    shape._memo.clear()
    return shape


@dataclass
class SeriesForecast:
    key: tuple
    weeks: list[date]  # Monday of each forecast week
    values: list[float] | None  # None: not enough data
    history_weeks: int
    per_week: float


def week_start(d: date) -> date:
    return d - timedelta(days=d.weekday())


def forecast_series(
    daily: dict[date, float], first: date, cutoff: date, shape: Shape, weeks: int = HORIZON_WEEKS
) -> list[float] | None:
    """Weekly forecasts for the `weeks` Monday-weeks from `cutoff` (a Monday), or None when thin."""
    history_weeks = (cutoff - first).days // 7
    recent = _days(cutoff - timedelta(days=LEVEL_DAYS), cutoff)
    observed = sum(daily.get(d, 0.0) for d in recent)
    if history_weeks < MIN_WEEKS or observed / (LEVEL_DAYS / 7) < MIN_PER_WEEK:
        return None
    expected = sum(shape(d) for d in recent)
    level = observed / expected if expected > 0 else 0.0
    return [
        level * sum(shape(d) for d in _days(cutoff + timedelta(weeks=w), cutoff + timedelta(weeks=w + 1)))
        for w in range(weeks)
    ]


def seasonal_naive(daily: dict[date, float], cutoff: date, weeks: int = HORIZON_WEEKS) -> list[float]:
    last = sum(daily.get(d, 0.0) for d in _days(cutoff - timedelta(days=7), cutoff))
    return [last] * weeks


def weekly(daily: dict[date, float], monday: date) -> float:
    return sum(daily.get(d, 0.0) for d in _days(monday, monday + timedelta(days=7)))


def forecast_all(
    series: dict[tuple, dict[date, float]], first: date, cutoff: date, cal: CalendarView
) -> list[SeriesForecast]:
    """Every series' 8 weeks from `cutoff` (a Monday), with the shape learned from their total."""
    total: Counter = Counter()
    for daily in series.values():
        total.update(daily)
    shape = learn_shape(total, first, cutoff, cal)
    out = []
    weeks = [cutoff + timedelta(weeks=w) for w in range(HORIZON_WEEKS)]
    for key, daily in sorted(series.items(), key=lambda kv: str(kv[0])):
        recent = sum(daily.get(d, 0.0) for d in _days(cutoff - timedelta(days=LEVEL_DAYS), cutoff))
        out.append(
            SeriesForecast(
                key,
                weeks,
                forecast_series(daily, first, cutoff, shape),
                (cutoff - first).days // 7,
                round(recent / (LEVEL_DAYS / 7), 2),
            )
        )
    return out


# =============================================================================================
# Backtest
# =============================================================================================


@dataclass
class Backtest:
    cutoffs: list[date]
    series: int
    #: horizon (1..8) -> {"ours": (MASE, sMAPE), "naive": (MASE, sMAPE), "n": count}
    by_horizon: dict[int, dict]
    thin: int


def _smape(f: float, a: float) -> float:
    return 0.0 if f == a == 0 else 2 * abs(f - a) / (abs(f) + abs(a))


def backtest(
    series: dict[tuple, dict[date, float]],
    first: date,
    last: date,
    cal: CalendarView,
    *,
    n_cutoffs: int = 8,
    every_weeks: int = 2,
) -> Backtest:
    """Rolling origin: cut-offs every `every_weeks` weeks, the last one 8 weeks before `last`."""
    final = week_start(last) - timedelta(weeks=HORIZON_WEEKS)
    cutoffs = sorted(final - timedelta(weeks=every_weeks * i) for i in range(n_cutoffs))
    cutoffs = [c for c in cutoffs if (c - first).days // 7 >= MIN_WEEKS]
    errors: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    thin_keys = set()
    used = set()
    total: Counter = Counter()
    for daily in series.values():
        total.update(daily)
    for cutoff in cutoffs:
        shape = learn_shape(total, first, cutoff, cal)
        for key, daily in series.items():
            ours = forecast_series(daily, first, cutoff, shape)
            if ours is None:
                thin_keys.add(key)
                continue
            used.add(key)
            naive = seasonal_naive(daily, cutoff)
            # MASE scale: the in-sample error of the one-week-ahead seasonal naive (weekly totals).
            weeks_in = [
                weekly(daily, cutoff - timedelta(weeks=w)) for w in range((cutoff - first).days // 7, 0, -1)
            ]
            diffs = [abs(b - a) for a, b in zip(weeks_in, weeks_in[1:], strict=False)]
            scale = sum(diffs) / len(diffs) if diffs and sum(diffs) > 0 else None
            for h in range(HORIZON_WEEKS):
                actual = weekly(daily, cutoff + timedelta(weeks=h))
                e = errors[h + 1]
                e["ours_smape"].append(_smape(ours[h], actual))
                e["naive_smape"].append(_smape(naive[h], actual))
                if scale:
                    e["ours_mase"].append(abs(ours[h] - actual) / scale)
                    e["naive_mase"].append(abs(naive[h] - actual) / scale)
    by_horizon = {}
    for h, e in sorted(errors.items()):

        def mean(values):
            return sum(values) / len(values) if values else float("nan")

        by_horizon[h] = {
            "ours": (mean(e["ours_mase"]), mean(e["ours_smape"])),
            "naive": (mean(e["naive_mase"]), mean(e["naive_smape"])),
            "n": len(e["ours_smape"]),
        }
    return Backtest(cutoffs, len(used), by_horizon, len(thin_keys - used))


# =============================================================================================
# From the database
# =============================================================================================


def daily_series(
    since: date | None = None, until: date | None = None
) -> tuple[dict, date | None, date | None]:
    """{(agency id, procedure group): {day: dossiers received}} from the province's dossiers."""
    from django.db.models import Count
    from django.db.models.functions import TruncDate
    from django.utils import timezone

    from motcua.dossiers.models import Dossier

    rows = Dossier.objects.exclude(received_at=None)
    if since:
        rows = rows.filter(received_at__date__gte=since)
    if until:
        rows = rows.filter(received_at__date__lt=until)
    rows = (
        rows.annotate(day=TruncDate("received_at", tzinfo=timezone.get_current_timezone()))
        .values_list("handling_agency_id", "procedure__field__name", "day")
        .annotate(n=Count("id"))
        .order_by()
    )
    series: dict[tuple, dict] = defaultdict(dict)
    first = last = None
    for agency_id, group, day, n in rows:
        series[(agency_id, group or "")][day] = float(n)
        first = day if first is None or day < first else first
        last = day if last is None or day > last else last
    return dict(series), first, last


# =============================================================================================
# What heads of agencies and monitors see: the forecast beside the officers they have
# =============================================================================================

HANDLING_ROLES = ("reception", "specialist", "unit_head", "approver")


@dataclass
class AgencyOutlook:
    agency: object
    weeks: list[date]
    working_days: list[int]
    officers: int
    #: dossiers finished per officer per working day over the last 8 weeks (None: no officer)
    throughput: float | None
    groups: list[SeriesForecast]
    #: the sum of the groups with enough data (None: no group has enough)
    total: list[float] | None
    per_officer_day: list[float | None]
    #: the first week whose forecast per officer per working day exceeds the throughput
    late_from: date | None


def outlook(agency_ids: list[int] | None, today: date) -> list[AgencyOutlook]:
    """8 weeks of forecast per agency (those in `agency_ids`, or all) and procedure group."""
    from django.db.models import Count

    from motcua.dossiers.models import Dossier
    from motcua.people.models import OfficerRole
    from motcua.places.models import Agency

    cutoff = week_start(today)
    series, first, _last = daily_series(since=cutoff - timedelta(days=400), until=cutoff)
    if first is None:
        return []
    cal = CalendarView.from_core(first - timedelta(days=40), cutoff + timedelta(weeks=HORIZON_WEEKS + 4))
    forecasts = forecast_all(series, first, cutoff, cal)
    by_agency: dict[int, list[SeriesForecast]] = defaultdict(list)
    for f in forecasts:
        if agency_ids is None or f.key[0] in agency_ids:
            by_agency[f.key[0]].append(f)
    weeks = [cutoff + timedelta(weeks=w) for w in range(HORIZON_WEEKS)]
    working = [sum(1 for d in _days(w, w + timedelta(days=7)) if cal.is_working(d)) for w in weeks]
    officers = dict(
        OfficerRole.objects.filter(agency_id__in=list(by_agency), role__in=HANDLING_ROLES)
        .values("agency_id")
        .annotate(n=Count("user_id", distinct=True))
        .values_list("agency_id", "n")
    )
    span = _days(cutoff - timedelta(days=LEVEL_DAYS), cutoff)
    span_working = sum(1 for d in span if cal.is_working(d)) or 1
    finished = dict(
        Dossier.objects.filter(
            handling_agency_id__in=list(by_agency),
            finished_at__date__gte=span[0],
            finished_at__date__lt=cutoff,
        )
        .values("handling_agency_id")
        .annotate(n=Count("id"))
        .values_list("handling_agency_id", "n")
    )
    agencies = Agency.objects.in_bulk(list(by_agency))
    out = []
    for agency_id, groups in by_agency.items():
        n_officers = officers.get(agency_id, 0)
        throughput = finished.get(agency_id, 0) / n_officers / span_working if n_officers else None
        usable = [g.values for g in groups if g.values is not None]
        total = [sum(v[w] for v in usable) for w in range(HORIZON_WEEKS)] if usable else None
        per_officer = [
            (total[w] / n_officers / working[w]) if total and n_officers and working[w] else None
            for w in range(HORIZON_WEEKS)
        ]
        late = None
        if throughput is not None:
            late = next(
                (weeks[w] for w, p in enumerate(per_officer) if p is not None and p > throughput), None
            )
        groups.sort(key=lambda g: -(g.per_week or 0))
        out.append(
            AgencyOutlook(
                agencies.get(agency_id),
                weeks,
                working,
                n_officers,
                throughput,
                groups,
                total,
                per_officer,
                late,
            )
        )
    out.sort(key=lambda o: -(sum(o.total) if o.total else 0))
    return out
