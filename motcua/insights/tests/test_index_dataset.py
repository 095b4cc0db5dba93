"""The index of the hand-built department (conftest.py) for September 2026, every number by hand."""

import pytest

from motcua.insights import queries, services
from motcua.insights.index import Params, compute
from motcua.insights.periods import parse_period

from .conftest import DEPARTMENT
from .conftest import at as at_

SEPTEMBER = parse_period("2026-09")


def indicator(result, code):
    return next(i for g in result.groups for i in g.indicators if i.code == code)


def group(result, code):
    return next(g for g in result.groups if g.code == code)


@pytest.fixture
def unit(dataset):
    return queries.resolve_unit(DEPARTMENT)


def test_the_counts_of_the_department(dataset, unit):
    c = queries.gather(SEPTEMBER, unit)
    # Received in September: d1 d2 d3 d4 d5 d6 d9 d10 (d7 and d8 came in August).
    assert c.received == 8
    # Synced (a MaHoSo on the national portal): d1, d9.
    assert c.synced == 2
    # Ended in September: d1 (on time), d2 (late), d3 (two supplements: overdue), d7 (on time),
    # d9 (refused at reception: no result to be late with). d8 ended in August.
    assert (c.ended, c.ended_on_time) == (5, 3)
    # Unfinished on 1/10 and overdue: d4 (appointment 25/9), d10 (paused 18/9 after its appointment
    # 15/9). Not d5 (paused 28/9 before its appointment 29/9), not d6 (appointment in October).
    assert c.unfinished_overdue == 2
    assert (c.judged, c.judged_on_time) == (7, 3)
    # Days from reception to the end: d1 6, d2 6, d3 2, d7 13 → 27 / 4 (d9 has no finished_at).
    assert c.average_days == pytest.approx(6.75)
    # Received dossiers of the toàn trình procedure: d1, d2, d9; online and counted: d1 (with its
    # e-result) and d9 (never reached a result); d2 came to the counter.
    assert (c.eligible_full_online, c.full_online) == (3, 2)
    # With a fee: d1 (paid through the national platform), d2 (cash), d3 (unpaid).
    assert (c.fee_dossiers, c.fee_dossiers_paid_online) == (3, 1)
    # Procedures with fees: 9.999001 (paid online by d1; level full) and 9.999002 (level "none").
    assert (c.fee_procedures, c.fee_procedures_paid_online, c.fee_procedures_offered_online) == (2, 1, 1)
    # Results due (ended with a decision to grant): d1 d2 d3 d7; e-result and everything scanned: d1.
    assert (c.results_due, c.with_e_result, c.digitised) == (4, 1, 1)
    # Received with a paper taken from data: d3 (from the data store). d1 and d4 only have scans:
    # digitisation, not reuse (dossiers.reuse, the same definition as the portal record).
    assert (c.reuse_any, c.from_data_store) == (1, 1)
    # Using the population database: d1 and d9 (national portal, VNeID), d3 (eID account).
    assert c.citizen_db_dossiers == 3
    # Judged dossiers with a complaint or a dissatisfied rating: d2 (rated 1), d4 (case f2).
    assert c.dossier_complaints == 2
    # PAKN judged: f1 (on time), f2 (late), f3 (rejected in time, repeated), f5 (on time, disliked);
    # f4 is not due yet.
    assert (c.pakn, c.pakn_on_time, c.pakn_disliked, c.pakn_repeated) == (4, 3, 1, 1)
    # Catalog: both procedures of the department; only 9.999001 has every component (steps).
    assert (c.procedures, c.procedures_full_content) == (2, 1)


def test_the_points_of_the_department(dataset, unit):
    result = compute(queries.gather(SEPTEMBER, unit), Params())
    # Group 1: 1.1 and 1.2 N/A; 1.3 = 2 × 1/2 = 1; 1.4 = 6 × 2/8 = 1.5.
    assert indicator(result, "1.1").points is None
    assert indicator(result, "1.3").points == 1.0
    assert indicator(result, "1.4").points == 1.5
    assert group(result, "CKMB").points == 2.5
    # Group 2: 20 × 3/7 = 8.571… → 8.57.
    assert group(result, "TDGQ").points == 8.57
    # Group 3: min(12, 12 × (2/3 × 0.25) / 0.5) = 4.
    assert group(result, "DVCTT").points == 4.0
    # Group 4: 6 × 1/3 = 2; min(2, 2.5 × 1/2) = 1.25; min(2, 2.5 × 1/2) = 1.25 → 4.5.
    assert [i.points for i in group(result, "TTTT").indicators] == [2.0, 1.25, 1.25]
    assert group(result, "TTTT").points == 4.5
    # Group 5: 6 × 1/4 = 1.5; 4 × 1/4 = 1; N/A; 2 × (1/8) / 0.8 = 0.3125 → 0.31; 4 × 1/8 = 0.5; N/A;
    # 2 × 3/8 = 0.75 → 4.06.
    assert [i.points for i in group(result, "MDSH").indicators] == [1.5, 1.0, None, 0.31, 0.5, None, 0.75]
    assert group(result, "MDSH").points == 4.06
    # Group 6: 6 × 3/4 = 4.5; 6 × (4 − 1 − 1 − 1)/4 = 1.5; 1 − 4/7 − 2/7 = 1/7 → 6 × (1/7) / 0.9 = 0.95.
    assert [i.points for i in group(result, "MDHL").indicators] == [4.5, 1.5, 0.95]
    # Total: 2.5 + 8.57 + 4 + 4.5 + 4.06 + 6.95 = 30.58.
    assert result.total == 30.58
    assert result.grade == "Yếu"
    # 1.1 (6), 1.2 (4), 5.3 (2) and 5.6 (2) have no data source.
    assert result.max_available == 86


def test_unfinished_dossiers_setting(dataset, unit, settings):
    # "all": d4, d5, d6, d10 are all unfinished on 1/10; d5 and d6 count as on time → 5 / 9.
    settings.MOTCUA_INDEX_UNFINISHED = "all"
    c = queries.gather(SEPTEMBER, unit)
    assert (c.judged, c.judged_on_time) == (9, 5)
    # "none": only the five ended dossiers.
    settings.MOTCUA_INDEX_UNFINISHED = "none"
    c = queries.gather(SEPTEMBER, unit)
    assert (c.judged, c.judged_on_time) == (5, 3)


def test_a_second_supplement_request_makes_an_early_dossier_overdue(dataset, unit):
    d3 = dataset.d["d3"]
    assert d3.finished_at < d3.due_at  # finished early …
    before = queries.gather(SEPTEMBER, unit)
    type(d3).objects.filter(pk=d3.pk).update(counts_as_overdue=False)
    after = queries.gather(SEPTEMBER, unit)
    # … and only the second supplement request made it late.
    assert after.judged_on_time == before.judged_on_time + 1


def test_supplement_pause_is_deducted_through_the_shifted_appointment(dataset, unit, reference_data):
    """dossiers.services moves due_at by the paused working time when the pause ends, so a dossier
    finished after its first appointment but within the shifted one is on time."""
    from datetime import timedelta

    from motcua.dossiers.models import Dossier

    d2 = dataset.d["d2"]  # finished 9/9 after its appointment 7/9: late
    assert queries.gather(SEPTEMBER, unit).judged_on_time == 3
    Dossier.objects.filter(pk=d2.pk).update(due_at=d2.due_at + timedelta(days=3))  # a 3-day pause
    assert queries.gather(SEPTEMBER, unit).judged_on_time == 4


def test_the_online_count_needs_an_e_result_only_when_the_setting_says_so(dataset, unit, settings):
    from motcua.dossiers.models import DossierResult

    DossierResult.objects.filter(dossier=dataset.d["d1"]).delete()
    assert queries.gather(SEPTEMBER, unit).full_online == 1  # only d9
    settings.MOTCUA_INDEX_ONLINE_NEEDS_E_RESULT = False
    assert queries.gather(SEPTEMBER, unit).full_online == 2


def test_a_sync_reference_count_lowers_the_province_ratio(dataset, settings):
    settings.MOTCUA_INDEX_SYNC_REFERENCE_YEARLY = 3650  # → 300 for the 30 days of September
    province = queries.province_unit()
    assert queries.sync_reference(SEPTEMBER, province) == 300
    assert queries.sync_reference(SEPTEMBER, queries.resolve_unit(DEPARTMENT)) == 0


def test_other_units_and_periods(dataset):
    # The procedure 9.999001: d1 d2 d7 d9 (d8 in August). Ended: d1 (on time), d2 (late), d7, d9.
    c = queries.gather(SEPTEMBER, queries.resolve_unit("procedure:9.999001"))
    assert (c.received, c.judged, c.judged_on_time) == (3, 4, 3)
    # August: only d7 and d8 were received, d8 ended on time; d7 was still open and not yet due.
    august = queries.gather(parse_period("2026-08"), queries.resolve_unit(DEPARTMENT))
    assert (august.received, august.ended, august.judged, august.judged_on_time) == (2, 1, 1, 1)
    # A custom range of the first week: d1 d2 d3 received; d3 (6/9) and d7 (2/9) ended.
    week = queries.gather(parse_period("2026-09-01..2026-09-07"), queries.resolve_unit(DEPARTMENT))
    assert (week.received, week.ended) == (3, 2)


def test_ranking_departments_puts_the_dataset_department_with_its_total(dataset):
    rows = services.ranking(SEPTEMBER, "department")
    mine = next(r for r in rows if r["key"] == DEPARTMENT)
    assert mine["total"] == 30.58
    assert rows == sorted(rows, key=lambda r: -r["total"])
    assert rows[0]["rank"] == 1
    # The grouped queries give the same counts as the one-unit queries.
    grouped = queries.gather_grouped(SEPTEMBER, "department")[dataset.agency.pk]
    single = queries.gather(SEPTEMBER, queries.resolve_unit(DEPARTMENT))
    assert grouped.as_dict() == single.as_dict()


def test_unknown_units_are_refused_in_vietnamese(db):
    for text in ("000.00.00.X00", "procedure:0.000000", "officer:khong_co", "commune:99999"):
        with pytest.raises(queries.UnitError, match="Không tìm thấy"):
            queries.resolve_unit(text)


def test_a_commune_is_every_agency_of_the_commune(dataset):
    from motcua.places.models import AdminUnit, Agency

    commune = AdminUnit.objects.create(code="99999", name="Xã Thử", kind=AdminUnit.Kind.COMMUNE)
    committee = Agency.objects.create(
        code="000.99.98.H52", name="UBND xã Thử", kind=Agency.Kind.COMMUNE_COMMITTEE, admin_unit=commune
    )
    police = Agency.objects.create(
        code="000.99.97.H52", name="Công an xã Thử", kind=Agency.Kind.COMMUNE_POLICE, admin_unit=commune
    )
    for name, agency in (("c1", committee), ("c2", police)):
        d = dataset.dossier(
            name,
            dataset.none,
            "counter",
            10,
            at_(9, 3),
            at_(9, 10),
            finished_at=at_(9, 4),
            decision="approved",
        )
        type(d).objects.filter(pk=d.pk).update(handling_agency=agency, receiving_agency=agency)
    unit = queries.resolve_unit(committee.code)
    assert (unit.kind, unit.key) == ("commune", "99999")
    assert queries.resolve_unit("commune:99999") == unit
    c = queries.gather(SEPTEMBER, unit)
    assert (c.received, c.judged, c.judged_on_time) == (2, 2, 2)
    # The commune ranking groups by the agencies' commune: the same two dossiers.
    grouped = queries.gather_grouped(SEPTEMBER, "commune")[commune.pk]
    assert (grouped.received, grouped.judged_on_time) == (2, 2)


def test_an_officer_is_the_dossiers_assigned_to_them(dataset):
    from motcua.dossiers.models import Dossier
    from motcua.people.models import User

    officer = User.objects.create(username="chuyen_vien_thu", kind=User.Kind.OFFICER)
    Dossier.objects.filter(pk__in=[dataset.d["d1"].pk, dataset.d["d2"].pk]).update(assignee=officer)
    c = queries.gather(SEPTEMBER, queries.resolve_unit("officer:chuyen_vien_thu"))
    # d1 on time, d2 late.
    assert (c.received, c.judged, c.judged_on_time) == (2, 2, 1)
    rows = services.ranking(SEPTEMBER, "officer")
    assert [r["key"] for r in rows] == ["chuyen_vien_thu"]


def test_the_outbox_sync_source_falls_back_while_the_sync_outbox_does_not_exist(dataset, settings):
    from django.apps import apps

    settings.MOTCUA_INDEX_SYNC_SOURCE = "outbox"
    unit = queries.resolve_unit(DEPARTMENT)
    try:
        apps.get_model("sync", "OutboxMessage")
    except LookupError:
        assert queries._sync_q()[1] == "national_code"
        assert queries.gather(SEPTEMBER, unit).synced == 2
    else:  # the sync app has it now: only dossiers with a message in state "sent" count
        outbox = apps.get_model("sync", "OutboxMessage")
        assert queries._sync_q()[1] == "outbox"
        assert queries.gather(SEPTEMBER, unit).synced == 0
        for name, state in (("d2", "sent"), ("d4", "pending"), ("d8", "sent")):  # d8: August
            d = dataset.d[name]
            outbox.objects.create(
                topic="dossier.received",
                dossier=d,
                dossier_code=d.code,
                state=state,
                next_try_at=d.received_at,
                created_at=d.received_at,
            )
        assert queries.gather(SEPTEMBER, unit).synced == 1
