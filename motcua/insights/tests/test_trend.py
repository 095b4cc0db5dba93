"""The dashboard's trend (`services.trend`): the index of many months read together gives, month by
month, the numbers of `index_for` — from every source — and every month, past ones included, is read
live: a change applied to the tally shows in the next trend (nothing is cached between requests)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from motcua.dossiers import services as dossier_services
from motcua.dossiers.tests.conftest import JUSTICE, clock, make_dossier, people, procedure  # noqa: F401
from motcua.insights import live, queries, realtime, services
from motcua.insights.periods import parse_period

from .conftest import DEPARTMENT
from .test_realtime import committed, same_counts, world  # noqa: F401 — fixture

pytestmark = pytest.mark.django_db


def months(*texts: str):
    return [parse_period(t) for t in texts]


def assert_trend_is_the_index_month_by_month(periods, unit) -> None:
    expected = [services.index_for(p, unit, source="recompute").as_dict() for p in periods]
    for source in ("live", "facts", "recompute"):
        got = [r.as_dict() for r in services.trend(periods, unit, source=source)]
        assert got == expected, source
    for counts, period in zip(live.gather_months(periods, unit), periods, strict=True):
        assert not same_counts(counts, queries.gather(period, unit)), period.label


def test_the_trend_gives_the_index_of_each_month(dataset):
    realtime.rebuild()
    periods = months("2026-07", "2026-08", "2026-09", "2026-10", "2026-11")
    for unit in (queries.province_unit(), queries.resolve_unit(DEPARTMENT)):
        assert_trend_is_the_index_month_by_month(periods, unit)
    # not only whole months (read period by period then), and an empty list
    odd = [parse_period("2026-09-01..2026-09-15"), parse_period("2026-Q3")]
    assert_trend_is_the_index_month_by_month(odd, queries.resolve_unit(DEPARTMENT))
    assert services.trend([], DEPARTMENT) == []


def test_twelve_months_cost_a_handful_of_queries_not_a_dozen_per_month(dataset):
    realtime.rebuild()
    periods = [parse_period(f"2026-{m:02d}") for m in range(1, 13)]
    unit = queries.resolve_unit(DEPARTMENT)
    services.trend(periods, unit)
    with CaptureQueriesContext(connection) as captured:
        services.trend(periods, unit)
    # built?, month rows, month steps, day steps, levels, feedback, catalog (+ on PostgreSQL the
    # savepoint and SET LOCAL jit = off of `without_jit`)
    budget = 9 if connection.vendor == "sqlite" else 12
    assert len(captured.captured_queries) <= budget, [q["sql"][:120] for q in captured.captured_queries]


def test_a_late_change_shows_in_the_trend_of_past_months(world, django_capture_on_commit_callbacks):  # noqa: F811
    staff, clk = world["people"], world["clock"]
    unit = queries.resolve_unit(JUSTICE)
    periods = months("2026-02", "2026-03", "2026-04", "2026-05")
    dossier = committed(django_capture_on_commit_callbacks, world["make"])  # received in March
    before = services.trend(periods, unit)
    assert_trend_is_the_index_month_by_month(periods, unit)
    clk.advance(days=40)  # April: March is a closed month now
    for action, who, params in [
        ("assign", "head", {"assignee": staff["specialist"]}),
        ("complete_step", "specialist", {}),
        ("approve", "approver", {}),
    ]:
        dossier = committed(
            django_capture_on_commit_callbacks,
            dossier_services.perform,
            dossier,
            action,
            staff[who],
            **params,
        )
    after = services.trend(periods, unit)
    assert [r.as_dict() for r in after] != [r.as_dict() for r in before]
    assert_trend_is_the_index_month_by_month(periods, unit)
    # inside one page too (the catalog read once, the dossier counts still live)
    with queries.one_page():
        assert [r.as_dict() for r in services.trend(periods, unit)] == [r.as_dict() for r in after]
