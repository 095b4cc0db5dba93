"""The index in real time (ADR 0022): the maintained aggregates give the numbers of the full recompute.

Two ways in: the hand-built department of conftest.py (plain creates, then `rebuild()`), and random
sequences of real service transitions (receive, assign, supplements, payments at the counter and
online, approve, refuse, results, ratings, feedback cases, withdrawals), each applied right after its
commit exactly as in production. After each, live == recompute for many periods, units and rankings.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from motcua.catalog.models import Procedure
from motcua.dossiers import services as dossier_services
from motcua.dossiers.intake import Applicant, OnlineSubmission, receive_online
from motcua.dossiers.models import Dossier, DossierResult, Status
from motcua.dossiers.tests.conftest import (  # noqa: F401 — the shared fixtures of the dossier tests
    CENTER,
    JUSTICE,
    clock,
    make_dossier,
    people,
    procedure,
)
from motcua.feedback import services as feedback_services
from motcua.feedback.models import Satisfaction
from motcua.insights import queries, realtime, services
from motcua.insights.models import DossierFact, IndexDirty, IndexState, IndexTally, IndexTallyMonth
from motcua.insights.periods import Period, parse_period
from motcua.payments import services as payment_services
from motcua.payments.tests.conftest import national_notice

from .conftest import DEPARTMENT

pytestmark = pytest.mark.django_db
OWN = {"014090001111"}


def same_counts(live, full) -> list[str]:
    """The names whose values differ (the average duration to float precision)."""
    a, b = live.as_dict(), full.as_dict()
    diff = []
    for name in a:
        x, y = a[name], b[name]
        if isinstance(x, float) or isinstance(y, float):
            if x is None or y is None or not math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9):
                diff.append(f"{name}: live {x} ≠ recompute {y}")
        elif x != y:
            diff.append(f"{name}: live {x} ≠ recompute {y}")
    return diff


def assert_live_equals_recompute(periods, units, kinds=queries.RANK_KINDS) -> int:
    """Compare every (period, unit) and every ranking three ways: the maintained tally (live), the
    recompute over the per-dossier facts, and the pass over the dossiers and their papers, payments
    and complaints. Returns how many figures were non-zero."""
    nonzero = 0
    for period in periods:
        for unit in units:
            full = queries.gather(period, unit)
            for basis in realtime.BASES:
                live = realtime.gather(period, unit, basis=basis)
                assert not same_counts(live, full), (basis, period.label, unit.key, same_counts(live, full))
            nonzero += sum(1 for n in queries.DOSSIER_FIELDS if getattr(full, n))
        for kind in kinds:
            full_g = queries.gather_grouped(period, kind)
            for basis in realtime.BASES:
                live_g = realtime.gather_grouped(period, kind, basis=basis)
                keys = {k for k in set(live_g) | set(full_g) if k is not None}
                for key in keys:
                    diff = same_counts(
                        live_g.get(key) or queries.Counts(), full_g.get(key) or queries.Counts()
                    )
                    assert not diff, (basis, period.label, kind, key, diff)
    return nonzero


def day_ranges(first: date, last: date, step: int) -> list[Period]:
    """Custom periods of 1, 3 and 10 days starting every `step` days: many period ends."""
    out = []
    day = first
    while day <= last:
        for length in (1, 10):
            out.append(parse_period(f"{day.isoformat()}..{(day + timedelta(days=length - 1)).isoformat()}"))
        day += timedelta(days=step)
    return out


# --- drill-down: the dossiers behind a count -------------------------------------------------------


def test_the_dossiers_behind_each_count_are_exactly_the_count(dataset):
    units = [
        queries.resolve_unit(DEPARTMENT),
        queries.province_unit(),
        queries.resolve_unit(f"procedure:{dataset.full.code}"),
    ]
    periods = [parse_period(p) for p in ("2026-08", "2026-09", "2026-Q3", "2026", "2026-09-05..2026-09-19")]
    checked = 0
    for period in periods:
        for unit in units:
            counts = queries.dossier_counts(period, unit)[None]
            for name in queries.DOSSIER_FIELDS:
                assert queries.dossiers_behind(period, unit, name).count() == counts.get(name, 0), (
                    period.label,
                    unit.key,
                    name,
                )
                checked += counts.get(name, 0)
    assert checked > 100  # the dataset gives non-zero counts, so equality means something
    september, department = parse_period("2026-09"), queries.resolve_unit(DEPARTMENT)
    overdue = queries.dossiers_behind(september, department, "unfinished_overdue")
    assert {d.code.rsplit("-", 1)[1] for d in overdue} == {"d4", "d10"}  # worked out by hand


@pytest.mark.parametrize("mode", ["all", "none"])
def test_the_drill_down_follows_the_unfinished_setting(dataset, settings, mode):
    settings.MOTCUA_INDEX_UNFINISHED = mode
    period, unit = parse_period("2026-09"), queries.resolve_unit(DEPARTMENT)
    counts = queries.dossier_counts(period, unit)[None]
    for name in ("judged", "judged_on_time", "dossier_complaints"):
        assert queries.dossiers_behind(period, unit, name).count() == counts[name]


@pytest.mark.parametrize("name", ["average_days", "pakn", "procedures", "", "received; drop"])
def test_the_drill_down_refuses_a_name_that_is_not_a_dossier_count(dataset, name):
    with pytest.raises(ValueError, match="not a dossier count"):
        queries.dossiers_behind(parse_period("2026-09"), queries.province_unit(), name)


# --- rebuild: the hand-built department -------------------------------------------------------------


@pytest.mark.parametrize("mode", ["overdue", "all", "none"])
def test_the_rebuilt_aggregates_give_the_recompute_numbers(dataset, settings, mode):
    settings.MOTCUA_INDEX_UNFINISHED = mode
    assert realtime.rebuild() == Dossier.objects.filter(received_at__isnull=False).count()
    units = [queries.resolve_unit(DEPARTMENT), queries.province_unit()]
    units.append(queries.resolve_unit(f"procedure:{dataset.full.code}"))
    units.append(queries.resolve_unit(f"procedure:{dataset.none.code}"))
    # whole months, and periods with partial months on either side (the monthly tally + the days)
    spans = ("2026-08", "2026-09", "2026-Q3", "2026-08-20..2026-09-30", "2026-07-05..2026-10-03")
    periods = [parse_period(p) for p in spans]
    nonzero = assert_live_equals_recompute(periods, units, kinds=("department", "commune"))
    september = parse_period("2026-09")
    for kind in ("department", "procedure"):
        live = services.ranking(september, kind, source="live")
        assert live == services.ranking(september, kind, source="recompute") and live
        assert live == services.ranking(september, kind, source="facts")
    nonzero += assert_live_equals_recompute(
        day_ranges(date(2026, 8, 8), date(2026, 10, 6), 3), units, kinds=()
    )
    assert nonzero > 100


def test_a_report_says_which_source_answered(dataset, settings):
    period = parse_period("2026-09")
    assert services.report(period, DEPARTMENT)["source"] == "recompute"  # not built yet
    with pytest.raises(realtime.LiveUnavailable):
        services.report(period, DEPARTMENT, source="live")
    realtime.rebuild()
    live = services.report(period, DEPARTMENT)
    assert live["source"] == "live"
    full = services.report(period, DEPARTMENT, source="recompute")
    assert {k: v for k, v in live.items() if k != "source"} == {
        k: v for k, v in full.items() if k != "source"
    }
    # a setting the stored contributions depend on changes: the aggregates no longer answer
    settings.MOTCUA_INDEX_ONLINE_NEEDS_E_RESULT = not settings.MOTCUA_INDEX_ONLINE_NEEDS_E_RESULT
    assert services.report(period, DEPARTMENT)["source"] == "recompute"
    with pytest.raises(ValueError, match="Nguồn số liệu"):
        services.report(period, DEPARTMENT, source="cache")


# --- real transitions ------------------------------------------------------------------------------


@pytest.fixture
def world(people, procedure, clock, make_dossier, settings, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path / "media"
    realtime.rebuild()
    return {"people": people, "procedure": procedure, "clock": clock, "make": make_dossier, "n": 0}


def committed(django_capture_on_commit_callbacks, fn, *args, **kwargs):
    """Run one service call and then what runs after its commit (here: applying the index)."""
    with django_capture_on_commit_callbacks(execute=True):
        return fn(*args, **kwargs)


def test_a_transition_shows_in_the_live_figures_right_after_its_commit(
    world, django_capture_on_commit_callbacks
):
    staff, clk = world["people"], world["clock"]
    march = parse_period("2026-03")
    before = services.report(march, JUSTICE, source="live")["counts"]
    dossier = committed(django_capture_on_commit_callbacks, world["make"])
    after = services.report(march, JUSTICE, source="live")["counts"]
    assert after["received"] == before["received"] + 1
    for action, who, params in [
        ("assign", "head", {"assignee": staff["specialist"]}),
        ("complete_step", "specialist", {}),
        ("approve", "approver", {}),
    ]:
        clk.advance(hours=3)
        dossier = committed(
            django_capture_on_commit_callbacks,
            dossier_services.perform,
            dossier,
            action,
            staff[who],
            **params,
        )
    ended = services.report(march, JUSTICE, source="live")["counts"]
    assert ended["ended"] == before["ended"] + 1 and ended["ended_on_time"] == before["ended_on_time"] + 1
    assert IndexDirty.objects.count() == 0  # all applied
    assert not same_counts(
        realtime.gather(march, queries.resolve_unit(JUSTICE)),
        queries.gather(march, queries.resolve_unit(JUSTICE)),
    )


def test_without_the_after_commit_apply_the_worker_job_catches_up(world, django_capture_on_commit_callbacks):
    march, unit = parse_period("2026-03"), queries.resolve_unit(JUSTICE)
    with django_capture_on_commit_callbacks(execute=False):  # the process died right after its commit
        world["make"]()
    assert realtime.pending() == 1
    assert realtime.gather(march, unit).received == queries.gather(march, unit).received - 1
    assert realtime.run_job() == "applied 1 dossiers"
    assert realtime.pending() == 0
    assert realtime.gather(march, unit).received == queries.gather(march, unit).received


def test_the_job_builds_the_aggregates_when_they_are_missing(dataset):
    assert not realtime.is_built()
    assert (
        realtime.run_job() == f"rebuilt {Dossier.objects.filter(received_at__isnull=False).count()} dossiers"
    )
    assert realtime.is_built() and IndexState.objects.get().dossiers == 10
    assert realtime.run_job() == "applied 0 dossiers"


def test_applying_a_dossier_again_changes_nothing(dataset):
    realtime.rebuild()
    before = sorted(IndexTally.objects.values_list(*["day", *realtime.KEY_FIELDS, *realtime.COLUMNS]))
    ids = list(Dossier.objects.values_list("pk", flat=True))
    realtime.apply(ids)
    realtime.apply(ids)
    after = sorted(IndexTally.objects.values_list(*["day", *realtime.KEY_FIELDS, *realtime.COLUMNS]))
    assert after == before and before


def tally_snapshot() -> dict:
    """The daily and monthly tallies as {key: non-zero columns} (rows that went back to zero are
    equal to no row), and the facts."""
    out: dict = {"facts": set(DossierFact.objects.values_list("dossier_id", *realtime.FACT_FIELDS))}
    for model in (IndexTally, IndexTallyMonth):
        for row in model.objects.values("day", *realtime.KEY_FIELDS, *realtime.COLUMNS):
            key = (model.__name__, row.pop("day"), *(row.pop(k) for k in realtime.KEY_FIELDS))
            values = {c: v for c, v in row.items() if v}
            if values:
                out[key] = values
    return out


#: status → the usual next step ("advance").
NEXT = {
    Status.NEW: "receive",
    Status.RECEIVED: "assign",
    Status.PROCESSING: "approve",
    Status.SUPPLEMENT: "receive_supplement",
    Status.FINANCIAL: "pay",
    Status.DONE: "issue_result",
    Status.WITHDRAWAL: "stop",
}
ACTIONS = [
    "advance",
    "advance",
    "advance",
    "advance",
    "advance",
    "counter",
    "online",
    "receive",
    "refuse_reception",
    "assign",
    "complete_step",
    "request_supplement",
    "receive_supplement",
    "request_payment",
    "pay_counter",
    "pay_online",
    "approve",
    "refuse",
    "issue_result",
    "return_result",
    "rate_happy",
    "rate_unhappy",
    "complain",
    "withdraw",
    "stop",
]
STEPS = st.lists(
    st.tuples(st.sampled_from(ACTIONS), st.integers(0, 30), st.integers(0, 80)), min_size=6, max_size=40
)


def run_step(world, capture, action: str, pick: int) -> str | None:
    """Run one step; returns what really ran (None: nothing to do in this state)."""
    staff, clk = world["people"], world["clock"]
    dossiers = list(Dossier.objects.order_by("pk"))
    dossier = dossiers[pick % len(dossiers)] if dossiers else None

    def perform(name, who, **params):
        committed(capture, dossier_services.perform, dossier, name, staff[who], **params)

    if dossier is None:
        action = "counter"
    if action == "advance":  # the next step of the usual path, so that long paths are reached
        action = NEXT.get(dossier.status)
        if action is None:
            return None
        if action == "pay":
            action = "pay_online" if pick % 2 else "pay_counter"
        if action == "approve" and pick % 2:
            action = "complete_step"
        elif action == "approve" and pick % 3 == 0:
            action = "refuse"
        if action == "issue_result" and DossierResult.objects.filter(dossier=dossier).exists():
            action = "return_result"
    if action == "counter":
        committed(capture, world["make"])
    elif action == "online":
        world["n"] += 1
        record = OnlineSubmission(
            national_code=f"G22.99-260302-{world['n']:04d}",
            procedure_code=world["procedure"].code,
            agency_code=CENTER,
            submitted_at=clk.now,
            applicant=Applicant(name="Nguyễn Thị Ánh", id_number="014090001111", user=staff["citizen"]),
        )
        committed(capture, receive_online, record)
    elif action == "receive":
        perform("receive", "reception")
    elif action == "refuse_reception":
        perform("refuse_reception", "reception", reason="Không thuộc thẩm quyền")
    elif action == "assign":
        perform("assign", "head", assignee=staff["specialist"])
    elif action == "complete_step":
        perform("complete_step", "specialist")
    elif action == "request_supplement":
        perform("request_supplement", "reception", reason="Thiếu giấy tờ")
    elif action == "receive_supplement":
        perform("receive_supplement", "reception")
    elif action == "request_payment":
        perform("request_payment", "specialist", amount=150000)
    elif action in ("pay_counter", "pay_online"):
        charges = payment_services.open_charges(dossier)
        unpaid = [c for c in charges if not c.payments.exists()]
        if not unpaid:
            return None
        if action == "pay_counter":
            committed(
                capture,
                payment_services.record_counter_payment,
                unpaid[0],
                staff["reception"],
                method="cash",
                reference=f"Q-{dossier.pk}",
            )
        else:
            intent, _ = payment_services.start_payment(
                unpaid[0], "national", idempotency_key=f"k-{dossier.pk}"
            )
            committed(
                capture,
                payment_services.receive_notification,
                "national",
                national_notice(intent),
                receipts=False,
            )
    elif action == "approve":
        perform("approve", "approver")
    elif action == "refuse":
        perform("refuse", "approver", reason="Không đủ điều kiện")
    elif action == "issue_result":
        if dossier.status != Status.DONE or DossierResult.objects.filter(dossier=dossier).exists():
            return None

        def issue():  # as dossiers.results does: the transition, then the signed result, one transaction
            with transaction.atomic():
                result = DossierResult(
                    dossier=dossier,
                    title="Kết quả",
                    file="results/x.pdf",
                    sha256="0" * 64,
                    signed_by="Giam Doc",
                    signed_at=clk.now,
                )
                dossier_services.perform(dossier, "issue_result", staff["approver"], result=result)
                result.save()

        committed(capture, issue)
    elif action == "return_result":
        perform("return_result", "reception")
    elif action in ("rate_happy", "rate_unhappy"):
        level = Satisfaction.SATISFIED if action == "rate_happy" else Satisfaction.DISSATISFIED
        committed(capture, feedback_services.rate, staff["citizen"], dossier, level, "Ý kiến", id_numbers=OWN)
    elif action == "complain":
        committed(
            capture,
            feedback_services.open_case,
            staff["citizen"],
            dossier,
            "Chậm",
            "Nội dung",
            id_numbers=OWN,
        )
    elif action == "withdraw":
        perform("request_withdrawal", "citizen", reason="Không còn nhu cầu")
    elif action == "stop":
        perform("stop", "reception")
    return action


REFUSED = (
    dossier_services.TransitionError,
    feedback_services.FeedbackError,
    payment_services.PaymentError,
)


@hsettings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS)
def test_live_equals_recompute_after_random_real_transitions(
    world, django_capture_on_commit_callbacks, steps
):
    with transaction.atomic():  # each example starts from the same database
        clock, start = world["clock"], world["clock"].now
        for action, pick, hours in steps:
            clock.advance(hours=hours)
            try:
                with transaction.atomic():
                    ran = run_step(world, django_capture_on_commit_callbacks, action, pick)
                if ran:
                    event(f"ran: {ran}")  # --hypothesis-show-statistics lists what really ran
            except REFUSED:
                pass  # not allowed in this state: nothing changed
        assert IndexDirty.objects.count() == 0
        people = world["people"]
        units = [
            queries.province_unit(),
            queries.resolve_unit(JUSTICE),
            queries.resolve_unit(f"officer:{people['specialist'].username}"),
        ]
        first = start.date() - timedelta(days=1)
        last = clock.now.date() + timedelta(days=12)
        periods = [parse_period(p) for p in ("2026-03", "2026-Q1")]
        assert_live_equals_recompute(periods, units, kinds=("department", "officer"))
        assert_live_equals_recompute(day_ranges(first, last, 5), units, kinds=())
        # maintained step by step == built from scratch
        maintained = tally_snapshot()
        realtime.rebuild()
        assert tally_snapshot() == maintained
        transaction.set_rollback(True)


def test_the_online_level_of_a_procedure_is_read_when_the_figure_is(
    world, django_capture_on_commit_callbacks
):
    committed(django_capture_on_commit_callbacks, world["make"])
    march, unit = parse_period("2026-03"), queries.resolve_unit(JUSTICE)
    for level in ("full", "partial"):
        Procedure.objects.filter(pk=world["procedure"].pk).update(online_level=level)  # a catalog import
        assert not same_counts(realtime.gather(march, unit), queries.gather(march, unit))


def test_the_command_rebuilds_and_reads_either_source(dataset):
    import io
    import json

    from django.core.management import call_command

    def run(*args):
        out, err = io.StringIO(), io.StringIO()
        call_command("index", *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    _, said = run("--rebuild")
    assert "10 hồ sơ" in said and realtime.is_built()
    live = json.loads(run("--period", "2026-09", "--unit", DEPARTMENT, "--json", "--source", "live")[0])
    full = json.loads(run("--period", "2026-09", "--unit", DEPARTMENT, "--json", "--source", "recompute")[0])
    facts = json.loads(run("--period", "2026-09", "--unit", DEPARTMENT, "--json", "--source", "facts")[0])
    assert (live.pop("source"), full.pop("source"), facts.pop("source")) == ("live", "recompute", "facts")
    assert live == full == facts and live["counts"]["received"] == 8


SCRIPT = [  # (action, dossier index): every kind of step, none refused
    ("counter", 0),
    ("counter", 1),
    ("online", 0),
    ("assign", 0),
    ("request_payment", 0),
    ("pay_online", 0),
    ("complete_step", 0),
    ("approve", 0),
    ("issue_result", 0),
    ("return_result", 0),
    ("rate_unhappy", 0),
    ("assign", 1),
    ("request_supplement", 1),
    ("receive_supplement", 1),
    ("request_payment", 1),
    ("pay_counter", 1),
    ("refuse", 1),
    ("return_result", 1),
    ("rate_happy", 1),
    ("complain", 1),
    ("refuse_reception", 2),
    ("counter", 0),
    ("withdraw", 3),
    ("stop", 3),
]


def test_every_kind_of_step_keeps_live_equal_to_recompute(world, django_capture_on_commit_callbacks):
    for action, index in SCRIPT:
        world["clock"].advance(hours=3)
        ran = run_step(world, django_capture_on_commit_callbacks, action, index)
        assert ran is not None, action
    assert IndexDirty.objects.count() == 0
    statuses = set(Dossier.objects.values_list("status", flat=True))
    assert {Status.RETURNED, Status.NOT_RECEIVED, Status.STOPPED} <= statuses
    units = [queries.province_unit(), queries.resolve_unit(JUSTICE)]
    units.append(queries.resolve_unit(f"officer:{world['people']['specialist'].username}"))
    now = world["clock"].now.date()
    periods = [parse_period(f"{now:%Y-%m}"), *day_ranges(now - timedelta(days=9), now + timedelta(days=6), 2)]
    assert assert_live_equals_recompute(periods, units, kinds=("department", "officer")) > 20
    maintained = tally_snapshot()
    realtime.rebuild()
    assert tally_snapshot() == maintained


def test_one_mark_per_dossier_and_transaction_and_a_rolled_back_savepoint_takes_its_mark(make_dossier):  # noqa: F811
    """A submission saves its dossier, papers, outbox row and charge and publishes events: one row,
    not one per save. A savepoint rolled back takes its row and its marker: the next change marks again."""
    with transaction.atomic():
        first, second = make_dossier(), make_dossier()
        realtime.rebuild()  # deletes every row in this transaction: the next change marks again
        assert not IndexDirty.objects.exists()
        for _ in range(3):
            realtime.mark(first.pk)
        assert IndexDirty.objects.filter(dossier_id=first.pk).count() == 1
        try:
            with transaction.atomic():
                realtime.mark(first.pk)  # marked outside the savepoint already: nothing new
                realtime.mark(second.pk)
                raise RuntimeError("roll the savepoint back")
        except RuntimeError:
            pass
        assert IndexDirty.objects.filter(dossier_id=first.pk).count() == 1
        assert not IndexDirty.objects.filter(dossier_id=second.pk).exists()
        realtime.mark(second.pk)  # its row went with the savepoint, and its marker too
        assert IndexDirty.objects.filter(dossier_id=second.pk).count() == 1
