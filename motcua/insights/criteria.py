"""The QĐ 1565 criteria and the NĐ 224 Art 19 measures for one unit and one period (spec §5.1, §5.2).

Read-only: a handful of aggregate queries, the same unit and period as the QĐ 766 index
(`queries.Unit`, `periods.Period`) and, where the index already counts something (online, on-time,
full-online dossiers, the 766 satisfaction basis), the very same counts (`queries.dossier_counts`,
grouped by procedure so that the per-service figures and the totals come from one pass).

Each measure is a dict: value, numerator/denominator or sample, target (with its source status:
"verified", "unverified" or "inferred" — spec §5.1 marks each one), whether it is met, and a status:

* ``ok``              — computed;
* ``not_enough_data`` — "chưa đủ dữ liệu": the sample is below ``MOTCUA_CRITERIA_MIN_SAMPLE``
  (default 30); the counts are shown, the value is not;
* ``na``              — "không áp dụng": nothing to measure (zero denominator) or no data source.

Definitions (ADR 0023):

C1  interactive form: online services (in-force procedures of the unit at level full or partial)
    with a current e-form definition / online services. Prefill rate: Σ fields prefilled /
    Σ (prefilled + typed) over the forms submitted in the period.
C2  sign-in to submission: seconds from sign-in to submission of the forms submitted in the period,
    mean, p50, p90 (nearest rank); sessions longer than ``MOTCUA_CRITERIA_SESSION_MAX_HOURS``
    (24 h) are dropped and counted apart. Abandonment: of the forms opened in the period and
    decided (submitted or abandoned), the abandoned share.
C3  online vs counter processing time per procedure: dossiers with a result whose processing ended
    (finished_at) in the period; T = office hours from reception to finish minus the paused hours
    (the "Cộng thời gian tạm dừng" due-date shifts, which are exactly the paused office hours);
    a procedure is compared when both channels have at least the minimum sample; the reduction is
    1 − mean T(online) / mean T(counter); the value is the mean reduction over compared procedures.
C4  satisfaction two ways: the QĐ 766 basis (1 − (overdue + complaints) / judged, the counts of
    indicator 6.3) and the share of ratings "hài lòng" or better among the ratings given in the period.
Art 19: full-online services, online and full-online dossiers, on-time rate; proactive-service
    uptake is N/A until a proactive service exists.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, Sum

from motcua.catalog.models import OnlineLevel, Procedure, ProcedureAgency
from motcua.core import calendar
from motcua.dossiers.models import Channel, Dossier, DueDateChange, Status
from motcua.eforms.models import Draft, FormDefinition
from motcua.feedback.models import SATISFIED_LEVELS, Rating

from . import index, queries
from .periods import Period, parse_period
from .queries import ONLINE_CHANNELS, Unit, resolve_unit

#: The reason the dossier services write when a pause ends (dossiers.clock.enter): the shift is the paused
#: office hours, so the processing time can subtract it without replaying the history.
PAUSE_REASON_PREFIX = "Cộng thời gian tạm dừng"
ONLINE_SERVICE_LEVELS = (OnlineLevel.FULL, OnlineLevel.PARTIAL)

#: Targets by measure: {year: value} (the latest year ≤ the period's year applies) and the source
#: status from spec §5.1. Override with settings.MOTCUA_CRITERIA_TARGETS = {code: {year: value}}.
DEFAULT_TARGETS = {
    "c1_interactive_form": ({2025: 1.0}, "unverified"),  # 100 % of DVCTT (secondary sources)
    "c2_sign_in_to_submission": ({2025: 480.0, 2026: 300.0}, "unverified"),  # < 8 min (2025), < 5 min
    "c3_online_vs_counter": ({2025: 0.20, 2026: 0.30}, "unverified"),  # ≥ 20 % / ≥ 30 % shorter
    "c4_satisfaction_766": ({2025: 0.90, 2026: 0.95}, "unverified"),  # 95 % in 2026 verified in news
    "c4_positive_ratings": ({2025: 0.90, 2026: 0.95}, "unverified"),
}
#: Measures where a lower value is better (the target is a ceiling).
LOWER_IS_BETTER = {"c2_sign_in_to_submission"}


def min_sample() -> int:
    return int(getattr(settings, "MOTCUA_CRITERIA_MIN_SAMPLE", 30))


def session_max_seconds() -> float:
    return float(getattr(settings, "MOTCUA_CRITERIA_SESSION_MAX_HOURS", 24)) * 3600


def target_for(code: str, year: int) -> tuple[float | None, str | None]:
    by_year, basis = DEFAULT_TARGETS.get(code, ({}, None))
    override = getattr(settings, "MOTCUA_CRITERIA_TARGETS", {}).get(code)
    if override:
        by_year, basis = {int(y): float(v) for y, v in override.items()}, "inferred"
    years = [y for y in by_year if y <= year] or sorted(by_year)[:1]
    return (by_year[max(years)], basis) if years else (None, None)


def percentile(values: list[float], q: float) -> float | None:
    """Nearest rank: the ⌈q·n⌉-th smallest value (p50 of 1,2,3,4 is 2; p90 of 1..10 is 9)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


def _measure(code: str, name: str, year: int, **fields) -> dict:
    target, basis = target_for(code, year)
    out = {
        "code": code,
        "name": name,
        "value": None,
        "numerator": None,
        "denominator": None,
        "sample": None,
        "status": "ok",
        "reason": "",
        "target": target,
        "target_basis": basis,
        "meets_target": None,
        "inferred": True,  # every definition here is our reading of §5.1 / §5.2 (ADR 0023)
        "per_service": [],
    }
    out.update(fields)
    return out


def _ratio(code, name, year, numerator: int, denominator: int, *, sampled: bool = True, **extra) -> dict:
    """A share; N/A at a zero denominator, not enough data below the minimum sample (when sampled)."""
    extra = {"sample": denominator, **extra}
    m = _measure(code, name, year, numerator=numerator, denominator=denominator, **extra)
    if not denominator:
        m.update(status="na", reason="Không có dữ liệu trong kỳ (mẫu số bằng 0).")
    elif sampled and denominator < min_sample():
        m.update(status="not_enough_data", reason=f"Chưa đủ dữ liệu: {denominator} < {min_sample()}.")
    else:
        m["value"] = numerator / denominator
    _judge(m)
    return m


def _judge(m: dict) -> None:
    if m["value"] is None or m["target"] is None:
        return
    if m["code"] in LOWER_IS_BETTER:
        m["meets_target"] = m["value"] < m["target"]
    else:
        m["meets_target"] = m["value"] >= m["target"]


def _ratio_row(numerator: int, denominator: int, sampled: bool = True) -> dict:
    row = {"numerator": numerator, "denominator": denominator, "value": None, "status": "ok"}
    if not denominator:
        row["status"] = "na"
    elif sampled and denominator < min_sample():
        row["status"] = "not_enough_data"
    else:
        row["value"] = numerator / denominator
    return row


# --- what belongs to the unit -------------------------------------------------------------------------


def _unit_dossiers(unit: Unit):
    return Dossier.objects.filter(unit.dossier_q())


def _scoped(qs, unit: Unit, path: str = "dossier"):
    """Rows of a model hanging off a dossier, limited to the unit's dossiers."""
    if unit.agency_ids is None and unit.procedure_id is None and unit.officer_id is None:
        return qs
    return qs.filter(**{f"{path}__in": _unit_dossiers(unit).values("pk")})


def unit_procedures(unit: Unit):
    """In-force procedures the unit carries out (as queries.catalog_counts reads it)."""
    procedures = Procedure.objects.filter(status=Procedure.Status.IN_FORCE)
    links = ProcedureAgency.objects.filter(procedure_id=OuterRef("pk"))
    if unit.procedure_id is not None:
        return procedures.filter(pk=unit.procedure_id)
    if unit.officer_id is not None:
        return procedures.filter(
            Exists(Dossier.objects.filter(procedure_id=OuterRef("pk"), assignee_id=unit.officer_id))
        )
    if unit.agency_ids is not None:
        return procedures.filter(Exists(links.filter(agency_id__in=unit.agency_ids)))
    return procedures.filter(Exists(links))


# --- the measures -------------------------------------------------------------------------------------


def measures(period: Period | str, unit: Unit | str | None = None) -> dict:
    """Every QĐ 1565 criterion and NĐ 224 Art 19 measure of one unit for one period."""
    period = parse_period(period) if isinstance(period, str) else period
    unit = unit if isinstance(unit, Unit) else resolve_unit(unit)
    year = period.first_day.year
    names = {}

    def name_of(pk):
        return names.get(pk, ("", ""))

    with queries.without_jit():
        grouped = queries.dossier_counts(period, unit, "procedure_id")
    for pk, n in _online_received(period, unit).items():
        grouped.setdefault(pk, {})["online_received"] = n
    procedures = list(unit_procedures(unit).values("pk", "code", "name", "online_level"))
    wanted = {p["pk"] for p in procedures} | {k for k in grouped if k is not None}
    names.update(
        (p["pk"], (p["code"], p["name"][:120]))
        for p in Procedure.objects.filter(pk__in=wanted).values("pk", "code", "name")
    )

    out = [
        *_c1(period, unit, year, procedures, name_of),
        *_c2(period, unit, year, name_of),
        _c3(period, unit, year, name_of),
        *_c4(period, unit, year, grouped, name_of),
        *_art19(year, procedures, grouped, name_of),
        _proactive(period, year),
    ]
    return {
        "period": period.as_dict(),
        "unit": unit.as_dict(),
        "min_sample": min_sample(),
        "measures": {m["code"]: m for m in out},
    }


def _c1(period, unit, year, procedures, name_of) -> list[dict]:
    online = [p for p in procedures if p["online_level"] in ONLINE_SERVICE_LEVELS]
    forms = FormDefinition.objects.filter(is_current=True, procedure_id__in=[p["pk"] for p in online])
    with_form = set(forms.values_list("procedure_id", flat=True))

    drafts = _scoped(
        Draft.objects.filter(
            state=Draft.State.SUBMITTED, submitted_at__gte=period.start, submitted_at__lt=period.end
        ),
        unit,
    )
    prefill = {
        row["definition__procedure_id"]: row
        for row in drafts.filter(fields_prefilled__isnull=False)
        .values("definition__procedure_id")
        .order_by()
        .annotate(n=Count("pk"), prefilled=Sum("fields_prefilled"), typed=Sum("fields_typed"))
    }
    form = _ratio(
        "c1_interactive_form",
        "Dịch vụ công trực tuyến có biểu mẫu điện tử tương tác, điền sẵn",
        year,
        len(with_form),
        len(online),
        sampled=False,
    )
    form["per_service"] = [
        {"code": p["code"], "name": p["name"][:120], "has_form": p["pk"] in with_form}
        for p in sorted(online, key=lambda p: p["code"])
    ]
    total_pre = sum(r["prefilled"] or 0 for r in prefill.values())
    total_fields = total_pre + sum(r["typed"] or 0 for r in prefill.values())
    n_forms = sum(r["n"] for r in prefill.values())
    rate = _ratio(
        "c1_prefill_rate",
        "Tỷ lệ trường thông tin được điền sẵn",
        year,
        total_pre,
        total_fields,
        sampled=False,
        sample=n_forms,
    )
    if rate["status"] == "ok" and n_forms < min_sample():
        rate.update(value=None, status="not_enough_data", reason=f"Chưa đủ dữ liệu: {n_forms} tờ khai.")
    rate["per_service"] = []
    for pk, r in sorted(prefill.items(), key=lambda kv: name_of(kv[0])):
        fields = (r["prefilled"] or 0) + (r["typed"] or 0)
        row = _ratio_row(r["prefilled"] or 0, fields, sampled=False)
        if row["status"] == "ok" and r["n"] < min_sample():
            row.update(value=None, status="not_enough_data")
        rate["per_service"].append({"code": name_of(pk)[0], "name": name_of(pk)[1], "forms": r["n"], **row})
    return [form, rate]


def _time_stats(values: list[float]) -> dict:
    if len(values) < max(1, min_sample()):
        return {"sample": len(values), "mean": None, "p50": None, "p90": None,
                "status": "na" if not values else "not_enough_data"}  # fmt: skip
    return {
        "sample": len(values),
        "mean": sum(values) / len(values),
        "p50": percentile(values, 0.5),
        "p90": percentile(values, 0.9),
        "status": "ok",
    }


def _c2(period, unit, year, name_of) -> list[dict]:
    limit = session_max_seconds()
    submitted = _scoped(
        Draft.objects.filter(
            state=Draft.State.SUBMITTED,
            submitted_at__gte=period.start,
            submitted_at__lt=period.end,
            seconds_from_sign_in__isnull=False,
        ),
        unit,
    ).values_list("definition__procedure_id", "seconds_from_sign_in", "seconds_from_open")
    by_service: dict = defaultdict(list)
    from_open: list[float] = []
    dropped = 0
    for pk, seconds, opened in submitted:
        if seconds > limit:
            dropped += 1
            continue
        by_service[pk].append(seconds)
        if opened is not None:
            from_open.append(opened)
    everything = [s for values in by_service.values() for s in values]
    stats = _time_stats(everything)
    timing = _measure(
        "c2_sign_in_to_submission",
        "Thời gian từ đăng nhập đến nộp hồ sơ thành công (giây)",
        year,
        value=stats["mean"],
        sample=stats["sample"],
        status=stats["status"],
        mean=stats["mean"],
        p50=stats["p50"],
        p90=stats["p90"],
        from_open=_time_stats(from_open),
        dropped_long_sessions=dropped,
    )
    if stats["status"] != "ok":
        timing["reason"] = (
            "Không có tờ khai nộp trong kỳ."
            if stats["status"] == "na"
            else f"Chưa đủ dữ liệu: {stats['sample']} < {min_sample()}."
        )
    _judge(timing)
    timing["per_service"] = [
        {"code": name_of(pk)[0], "name": name_of(pk)[1], **_time_stats(values)}
        for pk, values in sorted(by_service.items(), key=lambda kv: name_of(kv[0]))
    ]

    opened = Draft.objects.filter(
        opened_at__gte=period.start,
        opened_at__lt=period.end,
        state__in=[Draft.State.SUBMITTED, Draft.State.ABANDONED],
    )
    reason = ""
    if unit.officer_id is not None:
        opened = opened.none()  # an abandoned form has no dossier, hence no officer
        reason = "Không áp dụng cho cán bộ: tờ khai bỏ dở chưa có người xử lý."
    elif unit.procedure_id is not None:
        opened = opened.filter(definition__procedure_id=unit.procedure_id)
    elif unit.agency_ids is not None:
        # A form belongs to the unit when it became the unit's dossier or, abandoned, when the unit
        # carries out its procedure.
        links = ProcedureAgency.objects.filter(agency_id__in=unit.agency_ids).values("procedure_id")
        opened = opened.filter(
            Q(dossier__in=_unit_dossiers(unit).values("pk"))
            | Q(state=Draft.State.ABANDONED, definition__procedure_id__in=links)
        )
    rows = (
        opened.values("definition__procedure_id")
        .order_by()
        .annotate(n=Count("pk"), abandoned=Count("pk", filter=Q(state=Draft.State.ABANDONED)))
    )
    rows = {r["definition__procedure_id"]: r for r in rows}
    abandonment = _ratio(
        "c2_abandonment",
        "Tỷ lệ tờ khai bỏ dở",
        year,
        sum(r["abandoned"] for r in rows.values()),
        sum(r["n"] for r in rows.values()),
    )
    if reason:
        abandonment["reason"] = reason
    abandonment["per_service"] = [
        {"code": name_of(pk)[0], "name": name_of(pk)[1], **_ratio_row(r["abandoned"], r["n"])}
        for pk, r in sorted(rows.items(), key=lambda kv: name_of(kv[0]))
    ]
    return [timing, abandonment]


def processing_hours(received: datetime, finished: datetime, paused_hours: float, cal=None) -> float:
    """Office hours from reception to the end of processing, minus the paused hours."""
    cal = cal or calendar.get_calendar()
    return max(0.0, float(cal.working_hours_between(received, finished)) - paused_hours)


class OfficeClock:
    """Office hours between two moments as H(b) − H(a), where H counts the office hours since a base
    day: the calendar's office intervals are read once per day seen, instead of a walk over the days
    for every dossier."""

    def __init__(self, cal, first_day: date):
        self.cal = cal
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.base = first_day
        self.prefix = [0.0]  # office hours before base + i days
        self.days: dict[date, list[tuple[datetime, datetime]]] = {}

    def _intervals(self, d: date):
        hit = self.days.get(d)
        if hit is None:
            hit = self.days[d] = self.cal.office_intervals(d)
        return hit

    def _before(self, d: date) -> float:
        i = (d - self.base).days
        while len(self.prefix) <= i:
            day = self.base + timedelta(days=len(self.prefix) - 1)
            whole = sum((end - start).total_seconds() for start, end in self._intervals(day)) / 3600
            self.prefix.append(self.prefix[-1] + whole)
        return self.prefix[i]

    def at(self, moment: datetime) -> float:
        local = moment.astimezone(self.tz)
        d = local.date()
        within = sum(
            (min(end, local) - start).total_seconds() for start, end in self._intervals(d) if local > start
        )
        return self._before(d) + within / 3600

    def hours(self, start: datetime, end: datetime) -> float:
        if start.astimezone(self.tz).date() < self.base:
            raise ValueError("OfficeClock: a moment before its base day")
        return max(0.0, self.at(end) - self.at(start))


def _c3(period, unit, year, name_of) -> dict:
    cal = calendar.get_calendar()
    ended = _unit_dossiers(unit).filter(
        status__in=[Status.DONE, Status.RETURNED],
        finished_at__gte=period.start,
        finished_at__lt=period.end,
        received_at__isnull=False,
        channel__in=[*ONLINE_CHANNELS, Channel.COUNTER],
    )
    pauses: dict = defaultdict(float)
    for dossier_id, old, new in DueDateChange.objects.filter(
        dossier__in=ended.values("pk"),
        reason__startswith=PAUSE_REASON_PREFIX,
    ).values_list("dossier_id", "old_due_at", "new_due_at"):
        if old is not None and new is not None:
            pauses[dossier_id] += float(cal.working_hours_between(old, new))
    hours: dict = defaultdict(lambda: {"online": [], "counter": []})
    rows = list(ended.values_list("pk", "procedure_id", "channel", "received_at", "finished_at"))
    if rows:
        clock = OfficeClock(cal, min(r[3] for r in rows).astimezone(ZoneInfo(settings.TIME_ZONE)).date())
    for pk, procedure_id, channel, received, finished in rows:
        side = "counter" if channel == Channel.COUNTER else "online"
        hours[procedure_id][side].append(max(0.0, clock.hours(received, finished) - pauses.get(pk, 0.0)))
    target, _ = target_for("c3_online_vs_counter", year)
    need = max(1, min_sample())
    rows, reductions = [], []
    for pk, sides in sorted(hours.items(), key=lambda kv: name_of(kv[0])):
        n_on, n_co = len(sides["online"]), len(sides["counter"])
        row = {"code": name_of(pk)[0], "name": name_of(pk)[1], "online_sample": n_on, "counter_sample": n_co,
               "online_mean_hours": None, "counter_mean_hours": None, "reduction": None, "meets_target": None,
               "status": "ok"}  # fmt: skip
        if n_on < need or n_co < need:
            row["status"] = "not_enough_data"
        else:
            on, co = sum(sides["online"]) / n_on, sum(sides["counter"]) / n_co
            row["online_mean_hours"], row["counter_mean_hours"] = on, co
            if co > 0:
                row["reduction"] = 1 - on / co
                reductions.append(row["reduction"])
                row["meets_target"] = None if target is None else row["reduction"] >= target
            else:
                row["status"] = "na"
        rows.append(row)
    m = _measure(
        "c3_online_vs_counter",
        "Thời gian xử lý trực tuyến ngắn hơn trực tiếp (mức giảm trung bình theo thủ tục)",
        year,
        sample=len(reductions),
        procedures_compared=len(reductions),
        procedures_meeting_target=sum(1 for r in rows if r["meets_target"]),
        per_service=rows,
    )
    if reductions:
        m["value"] = sum(reductions) / len(reductions)
    elif rows:
        m.update(status="not_enough_data", reason=f"Không thủ tục nào có đủ {need} hồ sơ ở cả hai kênh.")
    else:
        m.update(status="na", reason="Không có hồ sơ trực tuyến hoặc trực tiếp giải quyết xong trong kỳ.")
    _judge(m)
    return m


def _sum(grouped: dict, *fields) -> list[int]:
    return [sum((c.get(f) or 0) for k, c in grouped.items() if k is not None) for f in fields]


def _c4(period, unit, year, grouped, name_of) -> list[dict]:
    judged, on_time, complaints = _sum(grouped, "judged", "judged_on_time", "dossier_complaints")
    ind = index.dossier_satisfaction(
        judged, max(0, judged - on_time), complaints, index.Params.from_settings()
    )
    basis = _ratio(
        "c4_satisfaction_766",
        "Mức độ hài lòng theo cách tính QĐ 766 (1 − quá hạn − phản ánh)",
        year,
        int(ind.numerator or 0),
        judged,
        overdue=max(0, judged - on_time),
        complaints=complaints,
    )
    if basis["status"] == "ok":
        basis["value"] = ind.ratio  # the same ratio as indicator 6.3 (floored at 0)
        _judge(basis)
    ratings = _scoped(Rating.objects.filter(created_at__gte=period.start, created_at__lt=period.end), unit)
    rows = {
        r["dossier__procedure_id"]: r
        for r in ratings.values("dossier__procedure_id")
        .order_by()
        .annotate(n=Count("pk"), good=Count("pk", filter=Q(level__in=list(SATISFIED_LEVELS))))
    }
    positive = _ratio(
        "c4_positive_ratings",
        "Tỷ lệ đánh giá hài lòng trở lên",
        year,
        sum(r["good"] for r in rows.values()),
        sum(r["n"] for r in rows.values()),
    )
    positive["per_service"] = [
        {"code": name_of(pk)[0], "name": name_of(pk)[1], **_ratio_row(r["good"], r["n"])}
        for pk, r in sorted(rows.items(), key=lambda kv: name_of(kv[0]))
    ]
    return [basis, positive]


def _art19(year, procedures, grouped, name_of) -> list[dict]:
    full = sum(1 for p in procedures if p["online_level"] == OnlineLevel.FULL)
    services = _ratio(
        "full_online_services", "Tỷ lệ dịch vụ công trực tuyến toàn trình", year, full, len(procedures),
        sampled=False,
    )  # fmt: skip
    out = [services]
    # a dossier without a legal time is neither on time nor late: out of the on-time share, on its own
    # line (ADR 0029)
    for c in grouped.values():
        c["ended_timed"] = (c.get("ended") or 0) - (c.get("ended_no_legal_time") or 0)
    for code, name, num, den in (
        ("online_dossiers", "Tỷ lệ hồ sơ nộp trực tuyến", "online_received", "received"),
        ("full_online_dossiers", "Tỷ lệ hồ sơ trực tuyến toàn trình (cách tính QĐ 766)", "full_online",
         "eligible_full_online"),
        ("on_time", "Tỷ lệ hồ sơ giải quyết đúng hạn", "ended_on_time", "ended_timed"),
        ("no_legal_time", "Tỷ lệ hồ sơ chưa có thời hạn luật định (không tính đúng hạn, trễ hạn)",
         "ended_no_legal_time", "ended"),
    ):  # fmt: skip
        n, d = _sum(grouped, num, den)
        m = _ratio(code, name, year, n, d)
        m["per_service"] = [
            {"code": name_of(pk)[0], "name": name_of(pk)[1], **_ratio_row(c.get(num) or 0, c.get(den) or 0)}
            for pk, c in sorted(grouped.items(), key=lambda kv: name_of(kv[0]))
            if pk is not None and c.get(den)
        ]
        if code == "no_legal_time" and n:
            m["reason"] = (
                f"{n} hồ sơ kết thúc trong kỳ thuộc thủ tục chưa có thời hạn luật định: không tính vào "
                "tỷ lệ đúng hạn; cần bổ sung thời hạn trong bảng thời hạn luật định."
            )
        out.append(m)
    return out


def _online_received(period, unit) -> dict:
    """procedure → dossiers received in the period, and of them submitted online (by channel alone)."""
    rows = (
        _unit_dossiers(unit)
        .filter(received_at__gte=period.start, received_at__lt=period.end)
        .values("procedure_id")
        .order_by()
        .annotate(n=Count("pk", filter=Q(channel__in=ONLINE_CHANNELS)))
    )
    return {r["procedure_id"]: r["n"] for r in rows}


def _proactive(period, year) -> dict:
    """Uptake of the proactive services (motcua.foryou): suggestions acted on / shown, with the
    dismissed and refused counts per trigger kind and agency (NĐ 224 Điều 19)."""
    from motcua.foryou.measures import measures

    data = measures(period.start, period.end)
    t = data["totals"]
    m = _ratio(
        "proactive_uptake",
        "Tỷ lệ sử dụng dịch vụ chủ động (NĐ 224 Điều 19)",
        year,
        t["acted"],
        t["shown"],
        sampled=False,
        shown=t["shown"],
        acted=t["acted"],
        dismissed=t["dismissed"],
        refused=t["refused"],
    )
    if not t["shown"]:
        m["reason"] = "Chưa có gợi ý chủ động nào được hiển thị trong kỳ."
    m["per_service"] = [
        {
            "code": r["kind"],
            "name": f"{r['name']} — {r['agency']}",
            **{k: r[k] for k in ("shown", "acted", "dismissed", "refused")},
        }
        for r in data["rows"]
    ]
    return m
