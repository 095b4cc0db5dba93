"""The adapters against the shipped sandboxes over real HTTP (live server): timeouts, duplicates,
late notices, refunds, expiry and the daily reconciliation."""

import html
import re
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Status
from motcua.payments import services
from motcua.payments.gateways import get_gateway
from motcua.payments.models import (
    Notification,
    Payment,
    PaymentIntent,
    ReconciliationLine,
    SandboxTransaction,
)

pytestmark = pytest.mark.usefixtures("live_reference_data")
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


@pytest.fixture
def gateways(settings, live_server):
    base = live_server.url
    settings.MOTCUA_PAYMENTS_NATIONAL_URL = base + "/sandbox/thanh-toan"
    settings.MOTCUA_PAYMENTS_BANK_URL = base + "/sandbox/thanh-toan"
    settings.MOTCUA_PAYMENTS_CALLBACK_BASE_URL = base
    settings.MOTCUA_PAYMENTS_SANDBOX = True
    return base


def hosted_page(url: str, action: str = "pay", behaviour: str = "") -> requests.Response:
    """What the citizen's browser does on the platform's page: open it, press a button."""
    browser = requests.Session()
    page = browser.get(url + (f"&hanh_vi={behaviour}" if behaviour else ""), timeout=30)
    assert page.status_code == 200, page.text[:500]
    form = {name: html.unescape(value) for name, value in HIDDEN.findall(page.text)}
    form["action"] = action
    confirm = page.url.split("/cong/")[0] + "/cong/xac-nhan/"
    return browser.post(confirm, data=form, headers={"Referer": page.url}, allow_redirects=False, timeout=30)


def start(financial, gateway="national", key="k"):
    dossier = financial(amount=150000)
    [charge] = services.open_charges(dossier)
    return services.start_payment(charge, gateway, idempotency_key=key, return_url="http://127.0.0.1/ve/")


def test_normal_payment_redirects_back_and_the_notice_pays(gateways, financial):
    intent, begin = start(financial)
    response = hosted_page(begin.redirect_url)
    assert response.status_code == 302 and "txn_ref=" + intent.reference in response.headers["Location"]
    intent.refresh_from_db()
    assert intent.status == "paid"
    assert (
        intent.charge.dossier.__class__.objects.get(pk=intent.charge.dossier_id).status == Status.PROCESSING
    )


def test_a_timeout_after_the_gateway_accepted_ends_paid_once(gateways, financial):
    intent, begin = start(financial)
    response = hosted_page(begin.redirect_url, behaviour="timeout")
    assert "Hết thời gian chờ" in response.text
    intent.refresh_from_db()
    assert intent.status == "pending" and not Notification.objects.exists()
    assert services.resolve_pending(intent) == "applied"
    assert services.resolve_pending(intent) == "duplicate"  # asking again changes nothing
    intent.refresh_from_db()
    assert intent.status == "paid" and Payment.objects.count() == 1


def test_declined_payment_stays_unpaid(gateways, financial):
    intent, begin = start(financial)
    hosted_page(begin.redirect_url, behaviour="decline")
    intent.refresh_from_db()
    assert intent.status == "failed" and not Payment.objects.exists()


def test_twice_late_and_out_of_order_leave_one_payment(gateways, financial):
    intent, begin = start(financial, key="a")
    hosted_page(begin.redirect_url, behaviour="twice")
    assert list(Notification.objects.values_list("outcome", flat=True).order_by("id")) == [
        "applied",
        "duplicate",
    ]

    intent2, begin2 = start(financial, key="b")
    hosted_page(begin2.redirect_url, behaviour="out_of_order")
    intent2.refresh_from_db()
    assert intent2.status == "paid"

    intent3, begin3 = start(financial, key="c")
    hosted_page(begin3.redirect_url, behaviour="late")
    intent3.refresh_from_db()
    assert intent3.status == "pending"
    assert requests.post(gateways + "/sandbox/thanh-toan/gui-lai/", timeout=30).json() == {"sent": 1}
    intent3.refresh_from_db()
    assert intent3.status == "paid"
    assert Payment.objects.count() == 3  # three dossiers, one payment each


def test_wrong_amount_from_the_platform_is_refused(gateways, financial):
    intent, begin = start(financial)
    hosted_page(begin.redirect_url, behaviour="wrong_amount")
    intent.refresh_from_db()
    assert intent.status == "pending" and not Payment.objects.exists()
    assert Notification.objects.get().outcome == "bad_amount"


def test_an_expired_intent_cannot_be_paid(gateways, financial, settings):
    settings.MOTCUA_PAYMENTS_INTENT_MINUTES = 0  # expires as it is made
    dossier = financial(amount=150000)
    [charge] = services.open_charges(dossier)
    with pytest.raises(services.PaymentError, match="hết hạn"):
        services.start_payment(charge, "national", idempotency_key="k")
    intent = PaymentIntent.objects.get()
    begin = get_gateway("national").start(intent, return_url="http://127.0.0.1/ve/")
    browser = requests.get(begin.redirect_url, timeout=30)
    assert "đã hết hạn" in browser.text and 'value="pay"' not in browser.text


def test_money_for_an_expired_intent_is_refunded(gateways, financial):
    """The platform took the money after our intent expired: we do not keep it."""
    intent, begin = start(financial)
    hosted_page(begin.redirect_url, behaviour="timeout")
    PaymentIntent.objects.filter(pk=intent.pk).update(expires_at=timezone.now() - timedelta(minutes=30))
    assert services.resolve_pending(intent) == "refunded"
    intent.refresh_from_db()
    assert intent.status == "refunded" and not Payment.objects.exists()
    assert SandboxTransaction.objects.get(reference=intent.reference).status == "refunded"


def test_a_refused_dossier_is_refunded(gateways, financial, people):
    intent, begin = start(financial)
    hosted_page(begin.redirect_url)
    dossier = intent.charge.dossier
    dossier.refresh_from_db()
    dossier = dossier_services.perform(dossier, "refuse", people["approver"], reason="Không đủ điều kiện")
    assert services.refund_closed_dossiers() == 1
    payment = Payment.objects.get()
    assert payment.refunded_at is not None and payment.refund_ref.startswith("HT")
    assert SandboxTransaction.objects.get(reference=intent.reference).status == "refunded"
    assert services.refund_closed_dossiers() == 0  # once


def test_vietqr_transfer_is_matched_from_the_bank_notice(gateways, financial):
    intent, begin = start(financial, gateway="vietqr")
    browser = requests.Session()
    app = browser.get(
        gateways + "/sandbox/thanh-toan/ngan-hang/", params={"payload": begin.qr_payload}, timeout=30
    )
    form = {name: html.unescape(value) for name, value in HIDDEN.findall(app.text)}
    assert form["payload"] == begin.qr_payload
    done = browser.post(
        gateways + "/sandbox/thanh-toan/ngan-hang/chuyen/",
        data={**form, "hanh_vi": "twice"},
        headers={"Referer": app.url},
        timeout=30,
    )
    assert "Chuyển tiền thành công" in done.text
    intent.refresh_from_db()
    assert intent.status == "paid" and Payment.objects.count() == 1


def test_reconciliation_finds_both_sides_and_resolution_is_audited(gateways, financial, people):
    from motcua.audit.models import AuditEntry

    paid, begin = start(financial, key="a")
    hosted_page(begin.redirect_url)
    lost, begin2 = start(financial, key="b")
    hosted_page(begin2.redirect_url, behaviour="timeout")  # paid at the platform only
    lines = {line.reference: line for line in services.reconcile(timezone.localdate(), "national")}
    assert lines[paid.reference].kind == "matched"
    assert lines[lost.reference].kind == "only_gateway"
    assert lines[paid.reference].agency_id == paid.charge.dossier.receiving_agency_id
    line = lines[lost.reference]
    with pytest.raises(services.PaymentError):
        services.resolve_line(line, people["reception"], "  ")
    services.resolve_line(line, people["reception"], "Đã truy vấn cổng, ghi nhận thanh toán")
    assert AuditEntry.objects.filter(
        action="payments.reconciliation_resolved", object_id=str(line.pk)
    ).exists()
    assert ReconciliationLine.objects.filter(resolved_at__isnull=True).count() == 1


def test_a_credit_only_in_the_bank_statement_is_matched_once(gateways, financial):
    intent, begin = start(financial, gateway="vietqr")
    browser = requests.Session()
    app = browser.get(
        gateways + "/sandbox/thanh-toan/ngan-hang/", params={"payload": begin.qr_payload}, timeout=30
    )
    form = {name: html.unescape(value) for name, value in HIDDEN.findall(app.text)}
    browser.post(
        gateways + "/sandbox/thanh-toan/ngan-hang/chuyen/",
        data={**form, "hanh_vi": "timeout"},
        headers={"Referer": app.url},
        timeout=30,
    )  # the bank never notifies
    intent.refresh_from_db()
    assert intent.status == "pending"
    assert services.match_statement(timezone.localdate(), "vietqr") == 1
    assert services.match_statement(timezone.localdate(), "vietqr") == 0
    intent.refresh_from_db()
    assert intent.status == "paid" and Payment.objects.count() == 1


def test_every_call_to_a_gateway_is_in_the_message_log(gateways, financial):
    """Status query, refund and statement go through the exchange layer, like every outside system."""
    from motcua.exchange.models import MessageLog

    intent, begin = start(financial)
    hosted_page(begin.redirect_url, behaviour="timeout")
    PaymentIntent.objects.filter(pk=intent.pk).update(expires_at=timezone.now() - timedelta(minutes=30))
    assert services.resolve_pending(intent) == "refunded"  # a query, then a refund
    services.match_statement(timezone.localdate(), "vietqr")  # the bank's statement file
    calls = {
        (m.service, m.method, m.url.split("/thanh-toan")[1].split("?")[0], m.outcome)
        for m in MessageLog.objects.all()
    }
    assert ("payments.national", "POST", "/cong/truy-van/", "ok") in calls
    assert ("payments.national", "POST", "/cong/hoan-tien/", "ok") in calls
    assert ("payments.bank", "GET", "/ngan-hang/sao-ke/", "ok") in calls
    refund = MessageLog.objects.get(url__contains="/cong/hoan-tien/")
    assert f"txn_ref={intent.reference}" in refund.request_body and refund.response_status == 200


def test_a_refund_whose_answer_is_lost_is_not_sent_again(monkeypatch):
    """A timeout on a refund may mean the money went out: one attempt, then an error to settle by
    the statement — never a second refund. Reads are retried."""
    from motcua.payments.gateways import GatewayError, NationalPlatform

    sent = []

    def timing_out(self, method, url, **kwargs):
        sent.append(url)
        raise requests.Timeout("read timed out")

    monkeypatch.setattr(requests.Session, "request", timing_out)
    platform = NationalPlatform(base_url="http://127.0.0.1:9/sandbox/thanh-toan")
    platform.client.sleep = lambda seconds: None
    platform.client.breaker.success()
    with pytest.raises(GatewayError, match="Không kết nối được nền tảng thanh toán"):
        platform.refund("TT0000000001", "123", 150000)
    assert len(sent) == 1
    sent.clear()
    platform.client.breaker.success()
    with pytest.raises(GatewayError):
        platform.statement(timezone.localdate())
    assert len(sent) == 1 + platform.client.retries
