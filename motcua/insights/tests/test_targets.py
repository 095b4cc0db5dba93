"""Targets (chỉ tiêu): who may set them, the version check, the value rules, and their progress
measured with the same figures as `motcua index`."""

from decimal import Decimal

import pytest

from motcua.audit.models import AuditEntry
from motcua.core.models import Event
from motcua.insights import services, targets
from motcua.insights.models import Target
from motcua.people.models import OfficerRole, User
from motcua.places.models import Agency

from .conftest import DEPARTMENT

Role = OfficerRole.Role
PROVINCE_CENTER, PROVINCE_COMMITTEE, JUSTICE = "000.00.30.H52", "000.00.00.H52", "000.00.04.H52"
COMMUNE_COMMITTEE = "000.01.40.H52"


def officer(username, *roles_at):
    user = User.objects.create(username=username, full_name=username, kind=User.Kind.OFFICER)
    for code, role in roles_at:
        OfficerRole.objects.create(user=user, agency=Agency.objects.get(code=code), role=role)
    return user


@pytest.fixture
def people(dataset):
    return {
        "monitor": officer("giam_sat_tinh", (PROVINCE_COMMITTEE, Role.MONITOR)),
        "dept_monitor": officer("giam_sat_so", (DEPARTMENT, Role.MONITOR)),
        "head": officer("giam_doc_so", (DEPARTMENT, Role.APPROVER)),
        "justice_head": officer("giam_doc_tu_phap", (JUSTICE, Role.UNIT_HEAD)),
        "specialist": officer("chuyen_vien", (DEPARTMENT, Role.SPECIALIST)),
    }


def give(actor, measure=Target.Measure.ON_TIME_RATE, value="50", version=0, period="2026-09", **kw):
    return targets.set_target(
        actor,
        agency=kw.pop("agency", None) or Agency.objects.get(code=DEPARTMENT),
        measure=measure,
        period=period,
        value=value,
        expected_version=version,
        **kw,
    )


# --- setting ---------------------------------------------------------------------------------------------


def test_a_province_monitor_sets_a_target_with_audit_and_event(people):
    target = give(people["monitor"], value="85,5", head=people["head"], note="Quý này tập trung đúng hạn")
    assert (target.value, target.version, target.period_kind) == (Decimal("85.50"), 1, "month")
    assert str(target.period_start) == "2026-09-01" and target.head == people["head"]
    entry = AuditEntry.objects.get(action="insights.target.set", object_id=str(target.pk))
    assert entry.actor == "giam_sat_tinh"
    assert (
        entry.data["value"] == "85.50"
        and entry.data["previous"] is None
        and entry.data["period"] == "2026-09"
    )
    assert Event.objects.filter(topic="insights.target_set", aggregate_id=str(target.pk)).exists()


def test_replacing_needs_the_version_that_was_seen(people):
    first = give(people["monitor"], value="50")
    second = give(people["monitor"], value="60", version=1)
    assert second.pk == first.pk and second.version == 2 and second.value == Decimal("60.00")
    # A second monitor who opened the form at version 1 cannot overwrite silently.
    with pytest.raises(targets.TargetConflict, match="vừa được người khác thay đổi"):
        give(people["monitor"], value="70", version=1)
    # Nor can a "new target" form for a target that already exists.
    with pytest.raises(targets.TargetConflict):
        give(people["monitor"], value="70", version=0)
    target = Target.objects.get()
    assert (target.value, target.version) == (Decimal("60.00"), 2)
    audit = AuditEntry.objects.filter(action="insights.target.set").order_by("sequence")
    assert [e.data["previous"] for e in audit] == [None, "50.00"]


@pytest.mark.parametrize("value", ["-1", "100.01", "abc", "", "NaN", "1e3", "50.123"])
def test_a_value_outside_0_to_100_is_refused_and_nothing_is_written(people, value):
    with pytest.raises(targets.TargetError) as error:
        give(people["monitor"], value=value)
    assert error.value.field == "value"
    assert "0 đến 100" in str(error.value) or "thập phân" in str(error.value)
    assert not Target.objects.exists()
    assert not AuditEntry.objects.filter(action="insights.target.set").exists()


def test_the_bounds_are_allowed(people):
    assert give(people["monitor"], value="0").value == 0
    assert give(people["monitor"], measure=Target.Measure.ONLINE_RATE, value="100").value == 100


@pytest.mark.parametrize(
    "period, message", [("2026-09-01..2026-09-15", "tháng, quý hoặc năm"), ("2026-13", "Tháng")]
)
def test_a_target_period_is_a_month_a_quarter_or_a_year(people, period, message):
    with pytest.raises(targets.TargetError, match=message):
        give(people["monitor"], period=period)
    assert give(people["monitor"], period="2026-Q3").period_kind == "quarter"
    assert give(people["monitor"], period="2026").period_kind == "year"


@pytest.mark.parametrize("who", ["dept_monitor", "head", "specialist"])
def test_only_province_monitors_set_targets(people, who):
    with pytest.raises(targets.TargetError, match="giám sát cấp tỉnh"):
        give(people[who])
    assert not Target.objects.exists()


def test_the_responsible_head_must_lead_the_agency(people):
    with pytest.raises(targets.TargetError, match="không phải lãnh đạo") as error:
        give(people["monitor"], head=people["justice_head"])
    assert error.value.field == "head"


def test_an_unknown_measure_is_refused(people):
    with pytest.raises(targets.TargetError, match="chỉ tiêu"):
        give(people["monitor"], measure="speed")


# --- who sees what ---------------------------------------------------------------------------------------


def test_viewer_scopes(people):
    province = targets.viewer(people["monitor"])
    assert province.province_wide and province.may_set_targets
    dept = targets.viewer(people["dept_monitor"])
    assert not dept.province_wide and not dept.may_set_targets
    assert [(u.kind, u.key) for u in dept.units] == [("department", DEPARTMENT)]
    assert dept.may_view(dept.units[0]) and not dept.may_view(services.queries.province_unit())
    assert not targets.viewer(people["specialist"]).allowed
    commune_head = targets.viewer(officer("chu_tich", (COMMUNE_COMMITTEE, Role.APPROVER)))
    assert [u.kind for u in commune_head.units] == ["commune"]


def test_heads_see_their_own_agencys_targets_only(people):
    own = give(people["monitor"])
    other = give(people["monitor"], agency=Agency.objects.get(code=JUSTICE))
    assert set(targets.viewer(people["head"]).targets()) == {own}
    assert set(targets.viewer(people["justice_head"]).targets()) == {other}
    assert set(targets.viewer(people["monitor"]).targets()) == {own, other}
    assert not targets.viewer(people["specialist"]).targets().exists()


# --- progress --------------------------------------------------------------------------------------------


def test_progress_reads_the_figures_of_the_index(people):
    report = services.report("2026-09", DEPARTMENT)
    on_time = next(i for g in report["groups"] for i in g["indicators"] if i["code"] == "2.1")
    assert (on_time["numerator"], on_time["denominator"]) == (3, 7)
    give(people["monitor"], value="50")  # 3/7 = 42.86 % < 50 %: behind
    give(people["monitor"], measure=Target.Measure.INDEX_TOTAL, value="30")  # 30.58 ≥ 30: on track
    rows = {p.target.measure: p for p in targets.progress(Target.objects.all())}
    behind = rows[Target.Measure.ON_TIME_RATE]
    assert behind.actual == round(3 / 7 * 100, 2) == 42.86
    assert behind.status == targets.BEHIND and behind.gap == -7.14 and behind.percent_of_target == 86
    ahead = rows[Target.Measure.INDEX_TOTAL]
    assert ahead.actual == report["total"] == 30.58 and ahead.status == targets.ON_TRACK
    assert [p.target.measure for p in targets.behind(Target.objects.all())] == [Target.Measure.ON_TIME_RATE]


def test_a_measure_without_data_is_not_judged(people):
    give(people["monitor"], agency=Agency.objects.get(code=JUSTICE), measure=Target.Measure.ONLINE_PAYMENT)
    (row,) = targets.progress(Target.objects.all())
    assert row.actual is None and row.status == targets.NO_DATA
    assert targets.behind(Target.objects.all()) == []


def test_targets_of_a_period_and_of_a_unit(people):
    month = give(people["monitor"])
    give(people["monitor"], period="2026-Q3")
    give(people["monitor"], agency=Agency.objects.get(code=JUSTICE))
    from motcua.insights.periods import parse_period
    from motcua.insights.queries import resolve_unit

    september = targets.for_period(Target.objects.all(), parse_period("2026-09"))
    assert september.count() == 2
    assert list(targets.unit_targets(september, resolve_unit(DEPARTMENT))) == [month]
    assert targets.unit_targets(september, resolve_unit("province")).count() == 2
    assert not targets.for_period(Target.objects.all(), parse_period("2026-09-01..2026-09-02")).exists()
