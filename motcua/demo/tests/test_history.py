"""The demo history generator: deterministic, consistent, realistic, and refused in production."""

import hashlib
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from motcua.core.codes import next_dossier_code
from motcua.core.models import DossierCodeCounter
from motcua.dossiers.models import (
    FINAL_STATUSES,
    PAUSED_STATUSES,
    Channel,
    Dossier,
    DossierHistory,
    DossierStep,
    Status,
)
from motcua.eforms.models import Draft
from motcua.feedback.models import FeedbackCase, Rating
from motcua.payments.models import Charge, Payment
from motcua.people.models import OfficerRole
from motcua.people.synthetic import PeopleGenerator, personal_id_number, tax_code

pytestmark = pytest.mark.django_db
ONLINE = (Channel.NATIONAL_PORTAL, Channel.OWN_PORTAL)
UNTIL = "2026-06-30"


def fingerprint() -> str:
    rows = Dossier.objects.order_by("code").values_list(
        "code", "national_code", "status", "channel", "procedure__code", "receiving_agency__code",
        "handling_agency__code", "applicant_name", "applicant_id_number", "submitted_at", "received_at",
        "due_at", "finished_at", "returned_at", "supplement_count", "fee_due", "version",
    )  # fmt: skip
    history = DossierHistory.objects.order_by("dossier__code", "at", "id").values_list(
        "dossier__code", "action", "at", "to_status", "actor_name"
    )
    followers = (
        list(
            Payment.objects.order_by("receipt_number").values_list(
                "receipt_number", "gateway", "amount", "paid_at"
            )
        ),
        list(Rating.objects.order_by("dossier__code").values_list("dossier__code", "level", "created_at")),
        list(FeedbackCase.objects.order_by("code").values_list("code", "status", "opened_at", "answered_at")),
        list(
            Draft.objects.order_by("submission_key").values_list(
                "submission_key", "state", "seconds_from_sign_in", "fields_prefilled", "opened_at"
            )
        ),
    )
    return hashlib.sha256(repr((list(rows), list(history), followers)).encode()).hexdigest()


def wipe() -> None:
    FeedbackCase.objects.all().delete()
    Payment.objects.all().delete()
    Draft.objects.all().delete()
    Dossier.objects.all().delete()
    DossierCodeCounter.objects.all().delete()


def run(*extra) -> str:
    out = StringIO()
    call_command("demo", "--dossiers", "300", "--seed", "7", "--until", UNTIL, *extra, stdout=out)
    return out.getvalue()


def test_the_same_seed_gives_the_same_rows(reference_data):
    wipe()
    out = run()
    assert "300 hồ sơ" in out and "dòng/giây" in out
    first = fingerprint()
    wipe()
    run()
    assert fingerprint() == first
    wipe()
    call_command("demo", "--dossiers", "300", "--seed", "8", "--until", UNTIL, stdout=StringIO())
    assert fingerprint() != first


@pytest.fixture
def demo(reference_data):
    wipe()
    run()
    return list(Dossier.objects.select_related("procedure"))


def test_statuses_dates_and_codes_are_consistent(demo):
    assert len(demo) == 300
    assert len({d.code for d in demo}) == 300
    horizon = date.fromisoformat(UNTIL)
    for d in demo:
        assert d.submitted_at.date() < horizon
        if d.status == Status.RETURNED:
            assert d.returned_at >= d.finished_at >= d.received_at >= d.submitted_at
        if d.status in (Status.DONE, Status.RETURNED):
            assert d.decision and d.finished_at
        if d.status == Status.NOT_RECEIVED:
            assert d.channel in ONLINE and d.refused_at and d.received_at is None
        if d.status == Status.NEW:
            assert d.received_at is None and d.channel in ONLINE
        if d.status in PAUSED_STATUSES:
            assert d.paused_at is not None and d.resume_status is not None
        else:
            assert d.paused_at is None
        if d.status not in (Status.NEW, Status.NOT_RECEIVED) and not (
            d.status == Status.SUPPLEMENT and d.received_at is None
        ):
            assert d.received_at is not None
        if d.channel == Channel.NATIONAL_PORTAL:
            assert d.code == d.national_code and d.code.startswith("G22.14-")
            assert d.reply_due_at is not None
        elif d.channel == Channel.OWN_PORTAL:
            assert d.applicant_user_id and d.reply_due_at is not None and d.national_code is None
            assert d.applicant_id_number == d.applicant_user.personal_id
        else:
            assert d.national_code is None and d.code.startswith(d.receiving_agency.code + "-")
            assert d.code.split("-")[1] == f"{timezone.localtime(d.submitted_at):%y%m%d}"
        assert d.counts_as_overdue == (d.supplement_count >= 2)
        history = list(d.history.order_by("at", "id"))
        assert history[0].action == "create" and history[-1].to_status == d.status
        assert d.version == len(history)  # 1 + one per transition after the creation
        for before, after in zip(history, history[1:], strict=False):
            assert after.from_status == before.to_status and after.at >= before.at
        if d.received_at:
            assert d.steps.count() == 4
    statuses = {d.status for d in demo}
    assert Status.RETURNED in statuses and statuses & {Status.PROCESSING, Status.RECEIVED}
    assert sum(d.status == Status.RETURNED for d in demo) > 200
    online = sum(d.channel == Channel.NATIONAL_PORTAL for d in demo)
    assert 140 <= online <= 220  # ≈ 60 %


def test_the_services_continue_the_demo_numbering(demo):
    d = next(x for x in demo if x.channel == Channel.COUNTER)
    prefix, day, seq = d.code.rsplit("-", 2)
    last = max(int(x.code.rsplit("-", 1)[1]) for x in demo if x.code.startswith(f"{prefix}-{day}-"))
    new = next_dossier_code(prefix, d.received_at)
    assert new == f"{prefix}-{day}-{last + 1:04d}"


def test_history_is_told_by_demo_officers_with_roles(demo):
    actors = DossierHistory.objects.filter(actor__isnull=False).values_list("actor_id", flat=True).distinct()
    assert actors
    assert OfficerRole.objects.filter(user_id__in=list(actors)[:20]).exists()
    assert DossierStep.objects.filter(finished_at__isnull=False, officer__isnull=True).count() == 0
    assert not Dossier.objects.filter(status__in=list(FINAL_STATUSES), paused_at__isnull=False).exists()


def test_the_command_refuses_outside_debug_embedded_and_testing(reference_data, settings):
    settings.DEBUG, settings.EMBEDDED, settings.TESTING = False, False, False
    before = Dossier.objects.count()
    with pytest.raises(CommandError, match="--force"):
        call_command("demo", "--dossiers", "5", stdout=StringIO())
    assert Dossier.objects.count() == before
    call_command("demo", "--dossiers", "5", "--force", "--until", UNTIL, stdout=StringIO())
    assert Dossier.objects.count() == before + 5


def test_people_look_real():
    import random

    people = PeopleGenerator(random.Random(1), [("Xã Chiềng Mung", "commune")], "Tỉnh Sơn La", {"014"})
    for _ in range(50):
        p = people.person()
        assert len(p.id_number) == 12 and p.id_number.isdigit()
        century_gender = int(p.id_number[3])
        assert century_gender == (0 if p.birth_year < 2000 else 2) + (p.gender == "female")
        assert p.id_number[4:6] == f"{p.birth_year % 100:02d}"
        assert len(p.phone) == 10 and p.phone[0] == "0"
        assert p.address.endswith("xã Chiềng Mung, tỉnh Sơn La")
    assert personal_id_number("014", "female", 2003, 42) == "014303000042"
    code = tax_code(random.Random(2))
    weights = (31, 29, 23, 19, 17, 13, 7, 5, 3)
    assert (
        len(code) == 10
        and int(code[9]) == 10 - sum(int(c) * w for c, w in zip(code[:9], weights, strict=True)) % 11
    )


def test_fees_ratings_feedback_and_e_forms_follow_the_dossiers(demo):
    by_id = {d.pk: d for d in demo}
    # Fees: a charge with each payment request, a payment exactly when the history says it was paid.
    charged = set(Charge.objects.values_list("dossier_id", flat=True))
    assert charged == {d.pk for d in demo if d.fee_due}
    paid = {p.charge.dossier_id: p for p in Payment.objects.select_related("charge")}
    assert set(paid) == {d.pk for d in demo if d.fee_paid}
    for pk, payment in paid.items():
        assert payment.amount == by_id[pk].fee_paid and payment.receipt_number == f"BL-{by_id[pk].code}"
        assert payment.paid_at >= by_id[pk].received_at
        assert (payment.recorded_by_id is not None) == (payment.gateway in ("cash", "card"))
    # Ratings only after the result went back, before the end of the history.
    ratings = list(Rating.objects.select_related("dossier"))
    assert ratings
    for r in ratings:
        assert r.dossier.status == Status.RETURNED and r.dossier.returned_at <= r.created_at
        assert r.created_at.date() < date.fromisoformat(UNTIL)
    # A "không hài lòng" rating opens a case, as feedback.services.rate does.
    unhappy = {r.pk for r in ratings if r.level == 1}
    assert unhappy == set(
        FeedbackCase.objects.filter(rating__isnull=False).values_list("rating_id", flat=True)
    )
    for case in FeedbackCase.objects.select_related("dossier"):
        assert case.code.startswith(f"PAKN-{case.dossier.handling_agency.code}-")
        assert case.accept_due_at > case.opened_at and case.answer_due_at > case.accept_due_at
        assert case.answered_at is None or case.answered_at > case.opened_at
    # Own-portal dossiers come from a submitted e-form with its QĐ 1565 timings; some attempts abandoned.
    own = [d for d in demo if d.channel == Channel.OWN_PORTAL]
    assert own
    submitted = Draft.objects.filter(state="submitted")
    assert set(submitted.values_list("dossier_id", flat=True)) == {d.pk for d in own}
    for draft in submitted.select_related("dossier"):
        assert (
            draft.submitted_at == draft.dossier.submitted_at
            and draft.owner_id == draft.dossier.applicant_user_id
        )
        assert draft.seconds_from_sign_in >= draft.seconds_from_open > 0
        assert draft.signed_in_at < draft.opened_at < draft.submitted_at
        assert draft.fields_prefilled + draft.fields_typed == sum(
            len(p["fields"]) for p in draft.definition.pages
        )
    assert not Draft.objects.filter(state="abandoned", dossier__isnull=False).exists()


def test_the_demo_feeds_the_criteria(demo):
    """The QĐ 1565 measures read the generated history: every criterion has data to show."""
    from motcua.insights import criteria

    until = date.fromisoformat(UNTIL)
    m = criteria.measures(f"{until - timedelta(days=400)}..{until}")["measures"]
    assert m["online_dossiers"]["numerator"] > 0 and m["on_time"]["denominator"] > 0
    assert m["c4_positive_ratings"]["denominator"] == Rating.objects.count()
    timing = m["c2_sign_in_to_submission"]
    assert (
        timing["sample"] + timing["dropped_long_sessions"] == Draft.objects.filter(state="submitted").count()
    )


def test_the_sqlite_writer_prepares_values_as_django_would():
    """The writer's per-column conversions (instead of Field.get_db_prep_save per value)."""
    import uuid
    from decimal import Decimal

    from django.db import connection

    from motcua.demo.bulk import Sink, map_columns

    if connection.vendor != "sqlite":
        pytest.skip("executemany conversions are the SQLite path; PostgreSQL writes binary COPY")
    tz = timezone.get_default_timezone()
    moments = [
        datetime(2026, 3, 2, 7, 30, tzinfo=tz),
        datetime(2026, 3, 2, 23, 59, 59, 100000, tzinfo=tz),
        datetime(2025, 12, 31, 3, 0, tzinfo=UTC),
        None,
    ]
    cases = [
        (DossierHistory, "at", moments),
        (DossierHistory, "data", [{}, {"due_at": [["a", "b"]], "amount": 5}, {"ý": "Việt"}, None]),
        (Draft, "touched", [[], ["a"], [], None]),
        (Draft, "submission_key", [uuid.UUID(int=5), uuid.UUID(int=7), uuid.uuid4(), None]),
        (DossierStep, "share_hours", [Decimal("1.50"), Decimal("0.00"), Decimal(3), None]),
    ]
    sink = Sink("default")
    for model, column, values in cases:
        field = next(f for f in model._meta.concrete_fields if f.column == column)
        converted = map_columns([(v,) for v in values], sink._converters(model, [field]))
        assert [r[0] for r in converted] == [field.get_db_prep_save(v, connection) for v in values], column


def test_the_frozen_calendar_answers_as_the_calendar(reference_data):
    from motcua.core import calendar

    live, frozen = calendar.get_calendar(), calendar.FrozenCalendar()
    tz = timezone.get_default_timezone()
    day = date(2025, 12, 20)
    for _ in range(80):
        day += timedelta(days=1)
        for hour, minute in ((0, 0), (7, 30), (11, 45), (16, 59), (21, 10)):
            at = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
            assert frozen.add_working_hours(at, 13.5) == live.add_working_hours(at, 13.5)
            assert frozen.next_office_open(at) == live.next_office_open(at)
            assert frozen.due_at(at, 7, "working_days").due_at == live.due_at(at, 7, "working_days").due_at
        assert frozen.add_working_days(day, 4) == live.add_working_days(day, 4)
        assert frozen.office_intervals(day) == live.office_intervals(day)


def test_the_bulk_writer_sends_the_defaults_of_fields_it_does_not_know():
    """A field added to a model after the generator (Payment.excess, NOT NULL with a Django-side
    default) must not make the demo's bulk insert fail on NULL."""
    from motcua.demo.bulk import with_defaults
    from motcua.demo.rows import PAYMENT_COLUMNS
    from motcua.payments.models import Payment

    row = (1, 2, None, "national", 150000, "DEMO1", None, None, "BL-1", "", "", None, "")
    columns, rows = with_defaults(Payment, PAYMENT_COLUMNS, [row])
    assert columns[: len(PAYMENT_COLUMNS)] == PAYMENT_COLUMNS and rows[0][: len(row)] == row
    filled = dict(zip(columns, rows[0], strict=True))
    assert filled["excess"] == 0 and filled["excess_refund_ref"] == ""
    assert "receipt_number" not in columns[len(PAYMENT_COLUMNS) :]  # unique: never a shared default
