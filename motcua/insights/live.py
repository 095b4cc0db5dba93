"""Reading the real-time index (ADR 0022, 0026): the counts of a period summed from the tally
(whole months from `IndexTallyMonth`, the other days from `IndexTally`) or recomputed from the facts
(`basis="facts"`), then the feedback and catalog counts of `queries`: `gather`, `gather_grouped`,
`dossier_counts`. The cost grows with the days × units that have dossiers, not with dossiers.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Case, IntegerField, Q, Sum, When

from motcua.catalog.models import OnlineLevel, Procedure
from motcua.places.models import Agency

from . import queries
from .index import Counts
from .models import DossierFact, IndexTally, IndexTallyMonth
from .periods import Period
from .tally import DAY_COLUMNS, STEP_COLUMNS, bits_of_flags, is_built


class LiveUnavailable(ValueError):
    """The maintained aggregates cannot answer (not built yet, or built under other settings)."""


def _unit_q(unit: queries.Unit) -> Q:
    if unit.procedure_id is not None:
        return Q(procedure_key=unit.procedure_id)
    if unit.officer_id is not None:
        return Q(officer_key=unit.officer_id)
    if unit.agency_ids is not None:
        return Q(agency_key__in=unit.agency_ids)
    return Q()


def _sums(qs, keys: list[str], columns) -> list[dict]:
    sums = {f"s_{c}": Sum(c) for c in columns}
    if not keys:  # values() without fields would group by every column
        return [qs.aggregate(**sums)]
    return list(qs.values(*keys).order_by().annotate(**sums))


BASES = ("tally", "facts")


def _first_of_next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _tally_sums(period: Period, unit: queries.Unit, group: str | None):
    """(per (key, procedure): the day columns summed over the period's days, per key: the step
    columns summed up to its end) from the tally: whole months from `IndexTallyMonth`, the days of
    partial months from `IndexTally`."""
    first, last = period.first_day, period.last_day
    keys = [group] if group else []
    unit_q = _unit_q(unit)
    by_procedure = list(dict.fromkeys([*keys, "procedure_key"]))
    # the whole months inside [first, last]: [months_from, months_to)
    months_from = first if first.day == 1 else _first_of_next_month(first)
    months_to = (last + timedelta(days=1)).replace(day=1)
    if months_from < months_to:
        by_day = _sums(
            IndexTallyMonth.objects.filter(unit_q, day__gte=months_from, day__lt=months_to),
            by_procedure,
            DAY_COLUMNS,
        )
        edges = Q(day__gte=first, day__lt=months_from) | Q(day__gte=months_to, day__lte=last)
    else:
        by_day, edges = [], Q(day__gte=first, day__lte=last)
    by_day += _sums(IndexTally.objects.filter(unit_q).filter(edges), by_procedure, DAY_COLUMNS)
    # the steps up to the period's end E = last + 1: the months before E's month, then its days
    end = last + timedelta(days=1)
    steps = _sums(IndexTallyMonth.objects.filter(unit_q, day__lt=end.replace(day=1)), keys, STEP_COLUMNS)
    steps += _sums(
        IndexTally.objects.filter(unit_q, day__gte=end.replace(day=1), day__lte=end), keys, STEP_COLUMNS
    )
    per_procedure: dict = defaultdict(lambda: defaultdict(int))
    for row in by_day:
        cell = per_procedure[(row[group] if group else None, row["procedure_key"])]
        for column in DAY_COLUMNS:
            cell[column] += row[f"s_{column}"] or 0
    per_key: dict = defaultdict(lambda: defaultdict(int))
    for row in steps:
        cell = per_key[row[group] if group else None]
        for column in STEP_COLUMNS:
            cell[column] += row[f"s_{column}"] or 0
    return per_procedure, per_key


def _count(condition: Q) -> Sum:
    return Sum(Case(When(condition, then=1), default=0, output_field=IntegerField()))


def _fact_sums(period: Period, unit: queries.Unit, group: str | None):
    """The same as `_tally_sums`, recomputed from `DossierFact`: ONE aggregate over the facts of the
    dossiers received by the end of the period, grouped by (procedure, static flags[, the group's
    key]) — a few rows per procedure — then multiplied out by the flags in Python (ADR 0026)."""
    first, last = period.first_day.toordinal(), period.last_day.toordinal()
    ended = Q(ended_day__gte=first, ended_day__lte=last)
    open_at_end = Q(closed_day__isnull=True) | Q(closed_day__gt=last)
    # in the order of the covering index (SQLite then reads it in order, without a sort)
    keys = list(dict.fromkeys(["procedure_key", "flags", *([group] if group else [])]))
    rows = (
        DossierFact.objects.filter(_unit_q(unit), received_day__lte=last)
        .values(*keys)
        .order_by()
        .annotate(
            n_received=_count(Q(received_day__gte=first)),
            n_ended=_count(ended),
            n_unfin=_count(open_at_end),
            n_late=_count(Q(late_day__lte=last) & open_at_end),
            n_finished=_count(ended & Q(finished_us__isnull=False)),
            s_finished_us=Sum(Case(When(ended, then="finished_us"), default=0)),
        )
    )
    bits = bits_of_flags()
    decoded: dict[int, dict[str, int]] = {}  # a few dozen distinct flag sets
    per_procedure: dict = defaultdict(lambda: defaultdict(int))
    per_key: dict = defaultdict(lambda: defaultdict(int))
    for row in rows:
        key = row[group] if group else None
        f = decoded.get(row["flags"])
        if f is None:
            f = decoded[row["flags"]] = {name: (row["flags"] >> bit) & 1 for name, bit in bits.items()}
        received, ended_n = row["n_received"], row["n_ended"]
        day = per_procedure[(key, row["procedure_key"])]
        if received:
            day["received"] += received
            for column in ("synced", "online", "fee", "paid", "reuse", "store", "cdb"):
                day[column] += received * f[column]
        if ended_n:
            granted = f["granted"]
            day["ended"] += ended_n
            day["ended_ok"] += ended_n * f["ok"]
            day["granted"] += ended_n * granted
            day["with_result"] += ended_n * granted * f["result"]
            day["digitised"] += ended_n * granted * f["scanned"]
            day["ended_complaint"] += ended_n * f["complaint"]
            day["finished"] += row["n_finished"]
            day["finished_us"] += row["s_finished_us"] or 0
            day["ended_untimed"] += ended_n * f["untimed"]
        step = per_key[key]
        step["unfin"] += row["n_unfin"]
        step["unfin_complaint"] += row["n_unfin"] * f["complaint"]
        step["late"] += row["n_late"]
        step["late_complaint"] += row["n_late"] * f["complaint"]
        step["unfin_untimed"] += row["n_unfin"] * f["untimed"]
    return per_procedure, per_key


def dossier_counts(
    period: Period, unit: queries.Unit, group: str | None = None, key_map=None, basis: str = "tally"
) -> dict:
    """The dossier and fee-procedure counts of `queries` for (period, unit), from the tally or
    recomputed from the facts: {key: counts} like `queries.dossier_counts` (plus the fee_procedures*
    counts). `group` is a key column of both tables; `key_map` maps its values to the ranking's keys
    (agency → commune)."""
    if basis not in BASES:
        raise ValueError(f"basis: one of {BASES}")
    sums = _tally_sums if basis == "tally" else _fact_sums
    # the department and the commune rankings read the same sums (by agency) on one page
    per_procedure_raw, per_key_raw = queries.once_per_page(
        ("dossier-sums", basis, period, unit, group), lambda: sums(period, unit, group)
    )
    return _counts_of_sums(per_procedure_raw, per_key_raw, key_map)


def _counts_of_sums(per_procedure_raw: dict, per_key_raw: dict, key_map=None, levels=None) -> dict:
    """{key: counts} from the sums per (key, procedure) and per key. `levels`: procedure → online
    level, when the caller read them already (else one query)."""

    def mapped(key):
        return key_map.get(key) if key_map is not None and key is not None else key

    # per (key, procedure) first: the fee-procedure counts are distinct procedures of the unit
    per_procedure: dict = defaultdict(lambda: defaultdict(int))
    for (key, procedure), values in per_procedure_raw.items():
        cell = per_procedure[(mapped(key), procedure)]
        for column, value in values.items():
            cell[column] += value
    if levels is None:
        levels = _levels({p for _, p in per_procedure})
    raw: dict = defaultdict(lambda: defaultdict(int))
    for (key, procedure), values in per_procedure.items():
        r = raw[key]
        for column, value in values.items():
            r[column] += value
        level = levels.get(procedure)
        if level == OnlineLevel.FULL:
            r["eligible_full_online"] += values["received"]
            r["full_online"] += values["online"]
        if values["fee"] > 0:
            r["fee_procedures"] += 1
            r["fee_procedures_paid_online"] += values["paid"] > 0
            r["fee_procedures_offered_online"] += level in (OnlineLevel.FULL, OnlineLevel.PARTIAL)
    for key, values in per_key_raw.items():
        r = raw[mapped(key)]
        for column, value in values.items():
            r[column] += value
    mode = settings.MOTCUA_INDEX_UNFINISHED
    out: dict = {}
    for key, r in raw.items():
        late, unfin, ended, ended_ok = r["late"], r["unfin"], r["ended"], r["ended_ok"]
        # without a legal time: neither on time nor late (`late` never holds them), its own line
        ended_untimed, unfin_untimed = r["ended_untimed"], r["unfin_untimed"]
        if mode == "all":
            judged = ended - ended_untimed + unfin - unfin_untimed
            judged_on_time = ended_ok + unfin - unfin_untimed - late
            complaints = r["ended_complaint"] + r["unfin_complaint"]
        elif mode == "none":
            judged, judged_on_time, complaints = ended - ended_untimed, ended_ok, r["ended_complaint"]
        else:
            judged, judged_on_time = ended - ended_untimed + late, ended_ok
            complaints = r["ended_complaint"] + r["late_complaint"]
        out[key] = {
            "received": r["received"],
            "synced": r["synced"],
            "judged": judged,
            "judged_on_time": judged_on_time,
            "ended": ended,
            "ended_on_time": ended_ok,
            "unfinished_overdue": late,
            "no_legal_time": ended_untimed + unfin_untimed,
            "ended_no_legal_time": ended_untimed,
            "eligible_full_online": r["eligible_full_online"],
            "full_online": r["full_online"],
            "fee_dossiers": r["fee"],
            "fee_dossiers_paid_online": r["paid"],
            "results_due": r["granted"],
            "with_e_result": r["with_result"],
            "digitised": r["digitised"],
            "reuse_any": r["reuse"],
            "from_data_store": r["store"],
            "citizen_db_dossiers": r["cdb"],
            "dossier_complaints": complaints,
            "average_days": (r["finished_us"] / 1e6 / 86400 / r["finished"]) if r["finished"] else None,
            "fee_procedures": r["fee_procedures"],
            "fee_procedures_paid_online": r["fee_procedures_paid_online"],
            "fee_procedures_offered_online": r["fee_procedures_offered_online"],
        }
    return out


def _levels(procedure_ids) -> dict:
    return dict(Procedure.objects.filter(pk__in=procedure_ids).values_list("pk", "online_level"))


def _whole_month(period: Period) -> bool:
    return period.first_day.day == 1 and period.last_day + timedelta(days=1) == _first_of_next_month(
        period.first_day
    )


def _tally_sums_of_months(months: list[Period], unit: queries.Unit) -> list[tuple[dict, dict]]:
    """`_tally_sums(month, unit, None)` for each of these whole months, in four queries whatever their
    number: the months' rows of `IndexTallyMonth` by (month, procedure); the step columns of every
    month up to the last end, by month, summed cumulatively here; and the steps of the days that
    are the months' ends (E = the first day of the next month, as `_tally_sums` reads them)."""
    unit_q = _unit_q(unit)
    firsts = [m.first_day for m in months]
    ends = [_first_of_next_month(m.first_day) for m in months]
    by_month: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for row in _sums(
        IndexTallyMonth.objects.filter(unit_q, day__in=firsts), ["day", "procedure_key"], DAY_COLUMNS
    ):
        cell = by_month[row["day"]][(None, row["procedure_key"])]
        for column in DAY_COLUMNS:
            cell[column] += row[f"s_{column}"] or 0
    month_steps = _sums(IndexTallyMonth.objects.filter(unit_q, day__lt=max(ends)), ["day"], STEP_COLUMNS)
    day_steps = {
        row["day"]: row
        for row in _sums(IndexTally.objects.filter(unit_q, day__in=ends), ["day"], STEP_COLUMNS)
    }
    out = []
    for first, end in zip(firsts, ends, strict=True):
        step: dict = defaultdict(int)
        for row in [
            *(r for r in month_steps if r["day"] < end),
            *([day_steps[end]] if end in day_steps else []),
        ]:
            for column in STEP_COLUMNS:
                step[column] += row[f"s_{column}"] or 0
        out.append((by_month.get(first, {}), {None: step}))
    return out


def gather_months(months: list[Period], unit: queries.Unit, basis: str = "tally") -> list[Counts]:
    """`gather(month, unit, basis)` for each of these periods (a trend): for whole months from the
    tally, a handful of queries for all of them instead of seven per month; else month by month."""
    if basis != "tally" or not months or not all(_whole_month(m) for m in months):
        return [gather(m, unit, basis=basis) for m in months]
    if not is_built():
        raise LiveUnavailable("Số liệu tổng hợp chưa được dựng (chạy `motcua index --rebuild`).")
    with queries.without_jit():
        sums = _tally_sums_of_months(months, unit)
        levels = _levels({p for per_procedure, _ in sums for _, p in per_procedure})
        feedback = queries.feedback_counts_of_periods(months, unit)
        catalog = queries.catalog_counts(unit)
    out = []
    for month, (per_procedure, per_key), pakn in zip(months, sums, feedback, strict=True):
        counts = Counts()
        for part in (_counts_of_sums(per_procedure, per_key, levels=levels), {None: pakn}, catalog):
            queries._fill(counts, part.get(None))
        counts.sync_reference = queries.sync_reference(month, unit)
        out.append(counts)
    return out


def gather(period: Period, unit: queries.Unit, basis: str = "tally") -> Counts:
    """All the counts of the index for one unit and one period, the dossier counts from the tally
    (live) or recomputed from the facts."""
    if not is_built():
        raise LiveUnavailable("Số liệu tổng hợp chưa được dựng (chạy `motcua index --rebuild`).")
    counts = Counts()
    with queries.without_jit():
        parts = (
            dossier_counts(period, unit, basis=basis),
            queries.feedback_counts(period, unit),
            queries.catalog_counts(unit),
        )
    for part in parts:
        queries._fill(counts, part.get(None))
    counts.sync_reference = queries.sync_reference(period, unit)
    return counts


#: Ranking kinds → the key column (of the tally and the facts) that holds their key (communes: the
#: agency's commune, mapped after).
_TALLY_KEYS = {
    "department": "agency_key",
    "commune": "agency_key",
    "procedure": "procedure_key",
    "officer": "officer_key",
}


def gather_grouped(period: Period, kind: str, basis: str = "tally") -> dict:
    """key → Counts for every unit of a ranking kind, like `queries.gather_grouped`."""
    if kind not in queries.GROUP_KEYS:
        raise queries.UnitError(f"Không xếp hạng được theo “{kind}”.")
    if not is_built():
        raise LiveUnavailable("Số liệu tổng hợp chưa được dựng (chạy `motcua index --rebuild`).")
    dossier_key, feedback_key, _ = queries.GROUP_KEYS[kind]
    province = queries.province_unit()
    with queries.without_jit():
        communes = dict(Agency.objects.values_list("pk", "admin_unit_id")) if kind == "commune" else None
        dossier_part = dossier_counts(period, province, _TALLY_KEYS[kind], key_map=communes, basis=basis)
        parts = (
            dossier_part,
            queries.feedback_counts(period, province, feedback_key),
            queries.catalog_counts(province, kind),
        )
    out: dict = defaultdict(Counts)
    for part in parts:
        for key, row in part.items():
            if key not in (None, 0):
                queries._fill(out[key], row)
    return out
