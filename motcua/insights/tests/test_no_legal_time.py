"""Issue 13 item 3: a dossier whose procedure has no legal time (so no appointment) is counted on its
own "no legal time" line of the QĐ 766 index and the QĐ 1565 criteria, never as on time (ADR 0029).
The three sources (live tally, facts, recompute) give the same numbers."""

import pytest

from motcua.insights import criteria, queries, realtime
from motcua.insights.index import compute
from motcua.insights.periods import parse_period

from .conftest import DEPARTMENT, at
from .test_realtime import assert_live_equals_recompute

SEPTEMBER = parse_period("2026-09")


@pytest.fixture
def untimed(dataset):
    """d11: ended in September without an appointment; d12: still open on 1/10 without one; d13:
    open and without one, but asked for supplements twice (still no appointment to be late with)."""
    none = dataset.none
    dataset.dossier("d11", none, "counter", 10, at(9, 21), None, finished_at=at(9, 22), decision="approved")
    dataset.dossier("d12", none, "counter", 4, at(9, 22), None)
    dataset.dossier("d13", none, "counter", 4, at(9, 23), None, supplement_count=2, counts_as_overdue=True)
    return dataset


def test_a_dossier_without_a_legal_time_is_never_on_time(untimed):
    c = queries.gather(SEPTEMBER, queries.resolve_unit(DEPARTMENT))
    # the dataset's figures (test_index_dataset) are unchanged: (5, 3) ended, (7, 3) judged, 2 overdue
    assert (c.ended, c.ended_on_time) == (6, 3)  # d11 ended but is not on time …
    assert (c.judged, c.judged_on_time, c.unfinished_overdue) == (7, 3, 2)  # … nor judged late
    assert (c.no_legal_time, c.ended_no_legal_time) == (3, 1)  # d11, d12, d13
    result = compute(c)
    line = next(i for g in result.groups for i in g.indicators if i.code == "2.3")
    assert (line.numerator, line.points, line.max_points) == (3, 0, 0)
    assert next(i for g in result.groups for i in g.indicators if i.code == "2.1").points == 8.57
    behind = queries.dossiers_behind(SEPTEMBER, queries.resolve_unit(DEPARTMENT), "no_legal_time")
    assert {d.code.rsplit("-", 1)[1] for d in behind} == {"d11", "d12", "d13"}


@pytest.mark.parametrize("mode", ["overdue", "all", "none"])
def test_live_facts_and_recompute_agree_on_the_no_legal_time_line(untimed, settings, mode):
    settings.MOTCUA_INDEX_UNFINISHED = mode
    realtime.rebuild()
    units = [queries.resolve_unit(DEPARTMENT), queries.province_unit()]
    periods = [parse_period(p) for p in ("2026-09", "2026-Q3", "2026-09-21..2026-09-22", "2026-10")]
    assert assert_live_equals_recompute(periods, units, kinds=("department", "procedure")) > 20
    for basis in realtime.BASES:
        live = realtime.gather(SEPTEMBER, queries.resolve_unit(DEPARTMENT), basis=basis)
        assert live.no_legal_time == 3 and live.ended_no_legal_time == 1
    if mode == "all":  # d12, d13 open without an appointment: not judged; d5, d6 open and on time
        assert (live.judged, live.judged_on_time) == (9, 5)


def test_the_criteria_keep_them_out_of_the_on_time_share(untimed):
    m = criteria.measures(SEPTEMBER, queries.resolve_unit(DEPARTMENT))["measures"]
    # ended: d1 d2 d3 d7 d9 and d11; with a legal time: five, of which d1, d7, d9 on time
    assert (m["on_time"]["numerator"], m["on_time"]["denominator"]) == (3, 5)
    assert (m["no_legal_time"]["numerator"], m["no_legal_time"]["denominator"]) == (1, 6)
    assert "chưa có thời hạn luật định" in m["no_legal_time"]["reason"]


def test_the_monthly_report_does_not_call_them_late(untimed):
    from motcua.insights import reports

    overdue = reports.build(SEPTEMBER, DEPARTMENT)["overdue"]
    # ended: d1 d7 d9 on time, d2 d3 late, d11 without a legal time
    assert (overdue["ended"], overdue["ended_on_time"], overdue["ended_late"]) == (6, 3, 2)
    assert overdue["ended_no_legal_time"] == 1
