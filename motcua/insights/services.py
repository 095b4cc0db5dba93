"""What other code calls for the QĐ 766 index. Read-only: nothing here changes state."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from motcua.catalog.models import Procedure

from . import queries
from .index import IndexResult, Params, compute
from .periods import Period, parse_period
from .queries import Unit, resolve_unit


def index_for(
    period: Period | str, unit: Unit | str | None = None, params: Params | None = None
) -> IndexResult:
    """The index of one unit (default: the province) for one period."""
    period = parse_period(period) if isinstance(period, str) else period
    unit = unit if isinstance(unit, Unit) else resolve_unit(unit)
    return compute(queries.gather(period, unit), params or Params.from_settings())


def report(period: Period | str, unit: Unit | str | None = None) -> dict:
    """The JSON document of `motcua index`: period, unit, groups, indicators, total."""
    period = parse_period(period) if isinstance(period, str) else period
    unit = unit if isinstance(unit, Unit) else resolve_unit(unit)
    counts = queries.gather(period, unit)
    result = compute(counts, Params.from_settings())
    return {
        "period": period.as_dict(),
        "unit": unit.as_dict(),
        **result.as_dict(),
        "counts": counts.as_dict(),
    }


def ranking(period: Period | str, kind: str) -> list[dict]:
    """Units of one kind (department, commune, procedure, officer) by total, best first.

    Ties share a rank. Departments and communes without dossiers are listed too (they score what
    the empty-period rules give)."""
    period = parse_period(period) if isinstance(period, str) else period
    params = Params.from_settings()
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
