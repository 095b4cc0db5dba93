"""What other code calls for the QĐ 766 index. Read-only: nothing here changes state.

`source` chooses where the dossier counts come from: "live" (the maintained aggregates of
`realtime`, ADR 0022), "facts" (recomputed in one aggregate over the per-dossier facts, ADR 0026),
"recompute" (one pass over the dossiers and their papers, payments and complaints, `queries`), or
"auto" (the default: live when the aggregates are built under the current settings, else
recompute). All give the same numbers; tests check it.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from motcua.catalog.models import Procedure

from . import live, queries, realtime
from .index import IndexResult, Params, compute
from .periods import Period, parse_period
from .queries import Unit, resolve_unit


def _source(source: str) -> str:
    if source not in realtime.SOURCES:
        raise ValueError(f"Nguồn số liệu không hợp lệ: “{source}” (auto, live, facts hoặc recompute).")
    if source == "auto":
        return "live" if realtime.is_built() else "recompute"
    return source


def gather(period: Period, unit: Unit, source: str = "auto") -> tuple[queries.Counts, str]:
    """(counts, the source used) for one unit and one period."""
    used = _source(source)
    if used in ("live", "facts"):
        return realtime.gather(period, unit, basis="tally" if used == "live" else "facts"), used
    return queries.gather(period, unit), used


def index_for(
    period: Period | str, unit: Unit | str | None = None, params: Params | None = None, source: str = "auto"
) -> IndexResult:
    """The index of one unit (default: the province) for one period."""
    period = parse_period(period) if isinstance(period, str) else period
    unit = unit if isinstance(unit, Unit) else resolve_unit(unit)
    counts, _ = gather(period, unit, source)
    return compute(counts, params or Params.from_settings())


def trend(
    periods: list[Period], unit: Unit | str | None = None, params: Params | None = None, source: str = "auto"
) -> list[IndexResult]:
    """`index_for(period, unit)` for each period (the dashboard's 12 months), the same numbers read
    together: live, whole months cost a handful of queries for all of them, the catalog is read once.
    Every period is read from the live aggregates as they are now (none is cached), so a late change
    to a past month shows in its point as soon as the tally has it, like the current month."""
    unit = unit if isinstance(unit, Unit) else resolve_unit(unit)
    params = params or Params.from_settings()
    with queries.one_page():
        used = _source(source)
        if used in ("live", "facts"):
            counts = live.gather_months(periods, unit, basis="tally" if used == "live" else "facts")
        else:
            counts = [queries.gather(period, unit) for period in periods]
        return [compute(c, params) for c in counts]


def report(period: Period | str, unit: Unit | str | None = None, source: str = "auto") -> dict:
    """The JSON document of `motcua index`: period, unit, groups, indicators, total, counts, source."""
    period = parse_period(period) if isinstance(period, str) else period
    unit = unit if isinstance(unit, Unit) else resolve_unit(unit)
    counts, used = gather(period, unit, source)
    result = compute(counts, Params.from_settings())
    return {
        "period": period.as_dict(),
        "unit": unit.as_dict(),
        **result.as_dict(),
        "counts": counts.as_dict(),
        "source": used,
    }


def grouped_counts(period: Period | str, kind: str, source: str = "auto") -> tuple[dict, dict]:
    """(key → Unit, key → Counts) for every unit of a ranking kind, in one pass for all of them."""
    period = parse_period(period) if isinstance(period, str) else period
    used = _source(source)
    if used in ("live", "facts"):
        grouped = realtime.gather_grouped(period, kind, basis="tally" if used == "live" else "facts")
    else:
        grouped = queries.gather_grouped(period, kind)
    units = queries.ranking_units(kind)
    if kind == "procedure":
        units = {
            p.pk: Unit("procedure", p.code, p.name[:120], procedure_id=p.pk)
            for p in Procedure.objects.filter(pk__in=[k for k in grouped if k is not None])
        }
    elif kind == "officer":
        users = get_user_model().objects.filter(pk__in=[k for k in grouped if k is not None])
        units = {u.pk: Unit("officer", u.username, str(u), officer_id=u.pk) for u in users}
    return units, grouped


def ranking(period: Period | str, kind: str, source: str = "auto", counts: tuple | None = None) -> list[dict]:
    """Units of one kind (department, commune, procedure, officer) by total, best first.

    Ties share a rank. Departments and communes without dossiers are listed too (they score what
    the empty-period rules give). `counts`: what `grouped_counts` returned, when the caller has it."""
    units, grouped = counts or grouped_counts(period, kind, source)
    params = Params.from_settings()
    rows = []
    for key, unit in units.items():
        result = compute(grouped.get(key) or queries.Counts(), params)
        rows.append(
            {
                **unit.as_dict(),
                "total": result.total,
                "grade": result.grade,
                "groups": {g.code: g.points for g in result.groups},
            }
        )
    rows.sort(key=lambda r: (-r["total"], r["key"]))
    rank, previous = 0, None
    for position, row in enumerate(rows, start=1):
        if row["total"] != previous:
            rank, previous = position, row["total"]
        row["rank"] = rank
    return rows
