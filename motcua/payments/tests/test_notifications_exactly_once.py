"""Fault tests: signed callbacks are applied once, whatever their number, order or content."""

import pytest
from django.urls import reverse

from motcua.audit.models import AuditEntry
from motcua.dossiers.models import DossierHistory, Status
from motcua.payments import services
from motcua.payments.models import Notification, Payment, PaymentIntent
from motcua.people.models import DataStoreItem

from .conftest import national_notice

URL = "/thanh-toan/thong-bao/national/"


@pytest.fixture
def intent(financial):
    dossier = financial(amount=150000)
    [charge] = services.open_charges(dossier)
    intent, start = services.start_payment(charge, "national", idempotency_key="k-1", return_url="http://x/")
    assert start.redirect_url.startswith("http") and "secure_hash=" in start.redirect_url
    return intent


def post(client, data):
    return client.post(URL, data)


def state(intent):
    dossier = intent.charge.dossier
    dossier.refresh_from_db()
    intent.refresh_from_db()
    return (
        dossier.status,
        dossier.fee_paid,
        dossier.version,
        intent.status,
        Payment.objects.filter(charge__dossier=dossier).count(),
    )


def test_a_forged_notification_is_refused_and_changes_nothing(client, intent):
    before = state(intent)
    audits = AuditEntry.objects.count()
    forged = national_notice(intent, secret="not-the-platform-key")
    response = post(client, forged)
    assert response.json()["RspCode"] == "97"
    assert state(intent) == before
    assert AuditEntry.objects.count() == audits
    assert Notification.objects.get().outcome == Notification.Outcome.BAD_SIGNATURE


def test_a_tampered_amount_breaks_the_signature(client, intent):
    genuine = national_notice(intent)
    genuine["amount"] = "1000"
    assert post(client, genuine).json()["RspCode"] == "97"
    assert state(intent)[4] == 0


def test_a_signed_notification_with_the_wrong_amount_is_refused(client, intent):
    before = state(intent)
    response = post(client, national_notice(intent, amount=intent.amount - 1000))
    assert response.json()["RspCode"] == "04"
    assert state(intent) == before
    assert Notification.objects.get().outcome == Notification.Outcome.BAD_AMOUNT


def test_the_same_notification_ten_times_leaves_one_payment(client, intent):
    notice = national_notice(intent)
    codes = [post(client, notice).json()["RspCode"] for _ in range(10)]
    assert codes == ["00"] + ["02"] * 9
    status, fee_paid, _, intent_status, payments = state(intent)
    assert (status, fee_paid, intent_status, payments) == (Status.PROCESSING, 150000, "paid", 1)
    dossier = intent.charge.dossier
    assert DossierHistory.objects.filter(dossier=dossier, action="mark_paid").count() == 1
    assert (
        DataStoreItem.objects.filter(kind="fee_receipt", owner_id_index=dossier.applicant_id_number).count()
        == 1
    )


def test_notifications_in_the_wrong_order_end_paid(client, intent):
    success = national_notice(intent, code="00")
    stale_failure = national_notice(intent, code="24")
    stale_pending = national_notice(intent, code="01")
    for notice in [success, stale_failure, stale_pending, success]:
        post(client, notice)
    assert state(intent)[3:] == ("paid", 1)
    outcomes = list(Notification.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == ["applied", "stale", "stale", "duplicate"]


def test_a_failure_then_the_success_ends_paid(client, intent):
    post(client, national_notice(intent, code="24"))
    intent.refresh_from_db()
    assert intent.status == "failed"
    post(client, national_notice(intent, code="00"))
    assert state(intent)[3:] == ("paid", 1)


def test_an_unknown_reference_is_refused(client, intent):
    from django.conf import settings

    from motcua.payments.gateways import signed

    payload = {k: v for k, v in national_notice(intent).items() if k != "secure_hash"}
    payload["txn_ref"] = "TTXXXXXXXXXX"
    assert post(client, signed(payload, settings.MOTCUA_PAYMENTS_NATIONAL_SECRET)).json()["RspCode"] == "01"


def test_the_dossier_moves_on_with_history_audit_and_event(client, intent):
    from motcua.core.models import Event

    post(client, national_notice(intent))
    dossier = intent.charge.dossier
    entry = DossierHistory.objects.get(dossier=dossier, action="mark_paid")
    assert (entry.from_status, entry.to_status, entry.actor_id) == (Status.FINANCIAL, Status.PROCESSING, None)
    assert entry.actor_name == "Hệ thống thanh toán trực tuyến"
    assert AuditEntry.objects.filter(action="dossier.mark_paid", object_id=str(dossier.pk)).exists()
    assert Event.objects.filter(topic="payment.paid", aggregate_id=dossier.code).count() == 1
    payment = Payment.objects.get()
    assert payment.receipt_file and payment.receipt_sha256


def test_the_same_idempotency_key_gives_the_same_intent(intent):
    again, _ = services.start_payment(intent.charge, "national", idempotency_key="k-1")
    assert again.pk == intent.pk and PaymentIntent.objects.count() == 1


def test_a_paid_charge_cannot_be_started_again(client, intent):
    post(client, national_notice(intent))
    with pytest.raises(services.PaymentError, match="đã được nộp"):
        services.start_payment(intent.charge, "vietqr", idempotency_key="k-2")


def test_the_callback_only_accepts_post(client, db):
    assert client.get(URL).status_code == 405
    assert client.post(reverse("payments:notify", args=["bitcoin"]), {}).status_code == 404


def test_without_a_configured_key_every_notification_is_refused(client, intent, settings):
    notice = national_notice(intent)  # signed with the sandbox key
    settings.MOTCUA_PAYMENTS_NATIONAL_SECRET = ""
    assert post(client, notice).json()["RspCode"] == "97"
    assert state(intent)[3:] == ("pending", 0)
