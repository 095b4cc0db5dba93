"""Paying at submission (issue 13, item 5) and the fee's legal basis (item 4).

A full-online procedure with a fee is payable as soon as the e-form is submitted, with the lines
assessed from the catalog; the officer's later notice of financial obligation still wins: equal, the
dossier moves on; higher, a top-up charge; lower, the excess is refunded through the gateway.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from motcua.catalog.models import OnlineLevel, Procedure
from motcua.core import events
from motcua.dossiers import intake
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Status
from motcua.eid.testing import sign_in_citizen
from motcua.payments import gateways, services
from motcua.payments.gateways import signed
from motcua.payments.models import Charge, Payment, SandboxTransaction
from motcua.payments.tests.conftest import national_notice
from motcua.people.models import OfficerRole

pytestmark = pytest.mark.django_db
HKD = "1.001612"  # Đăng ký thành lập hộ kinh doanh: 150,000 đồng online in the catalog


@pytest.fixture
def full_online(reference_data):
    Procedure.objects.filter(code=HKD).update(online_level=OnlineLevel.FULL)
    return Procedure.objects.get(code=HKD)


def submit_eform(procedure, people, key="k1"):
    """A dossier submitted on the province's portal, then the e-form's own event (as eforms.submit does)."""
    applicant = intake.Applicant(name="Nguyễn Thị Ánh", id_number="014090001111", user=people["citizen"])
    receiving = intake.online_receiving_agency(procedure)
    dossier, _ = intake.submit_on_own_portal(
        procedure, applicant, receiving, submission_key=key, form_data={}, papers=[]
    )
    events.publish("eforms.submitted", "dossier", dossier.code, {"procedure": procedure.code})
    dossier.refresh_from_db()
    return dossier


def pay(charge):
    intent, _ = services.start_payment(charge, "national", idempotency_key=f"pay-{charge.pk}")
    assert services.receive_notification("national", national_notice(intent), receipts=False) == "applied"
    return intent


def to_notice(dossier, people, amount):
    """Received, assigned, then the specialist's notice of financial obligation for `amount`."""
    role = OfficerRole.Role
    for who, agency, kind in [
        ("reception", dossier.receiving_agency, role.RECEPTION),
        ("head", dossier.handling_agency, role.UNIT_HEAD),
        ("specialist", dossier.handling_agency, role.SPECIALIST),
    ]:
        OfficerRole.objects.get_or_create(user=people[who], agency=agency, role=kind)
        people[who].__dict__.pop("_motcua_roles", None)
    dossier = dossier_services.perform(dossier, "receive", people["reception"])
    dossier = dossier_services.perform(dossier, "assign", people["head"], assignee=people["specialist"])
    return dossier_services.perform(dossier, "request_payment", people["specialist"], amount=amount)


def test_a_full_online_dossier_owes_the_catalog_fee_at_submission_with_its_legal_basis(full_online, people):
    dossier = submit_eform(full_online, people)
    [charge] = Charge.objects.filter(dossier=dossier, cancelled=False)
    assert charge.amount == 150000 and dossier.status == Status.NEW
    # The legal basis is the act that sets the fee, never the amount's own text ("150,000 Việt Nam Đồng").
    assert "85/2019/TT-BTC" in charge.legal_basis and "Đồng" not in charge.legal_basis
    assert services.unpaid_before_notice([dossier.pk]) == {dossier.pk: 150000}
    submit_again = services.assess_at_submission(dossier)
    assert submit_again == [] and Charge.objects.filter(dossier=dossier).count() == 1  # once


def test_a_partly_online_procedure_waits_for_the_officers_notice(full_online, people):
    Procedure.objects.filter(pk=full_online.pk).update(online_level=OnlineLevel.PARTIAL)
    dossier = submit_eform(Procedure.objects.get(pk=full_online.pk), people)
    assert not Charge.objects.filter(dossier=dossier).exists()
    assert services.unpaid_before_notice([dossier.pk]) == {}


def test_my_page_and_the_dossier_page_offer_the_fee_right_away(client, full_online, people):
    dossier = submit_eform(full_online, people)
    sign_in_citizen(client, people["citizen"])
    home = client.get(reverse("portal:mine")).content.decode()
    todo = home.split('id="viec-can-lam"')[1].split("</section>")[0]
    assert f'href="/thanh-toan/{dossier.code}/"' in todo and "Nộp phí, lệ phí: 150.000 đồng" in todo
    page = client.get(reverse("portal:mine_dossier", args=[dossier.code])).content.decode()
    assert "150.000 đồng" in page and f"/thanh-toan/{dossier.code}/" in page
    pay_page = client.get(f"/thanh-toan/{dossier.code}/").content.decode()
    assert "Thông tư số 85/2019/TT-BTC" in pay_page and "Việt Nam Đồng" not in pay_page
    [charge] = Charge.objects.filter(dossier=dossier)
    pay(charge)
    home = client.get(reverse("portal:mine")).content.decode()
    todo = home.split('id="viec-can-lam"')[1].split("</section>")[0]
    assert f'href="/thanh-toan/{dossier.code}/"' not in todo


def test_paid_at_submission_and_an_equal_notice_moves_the_dossier_on(
    full_online, people, django_capture_on_commit_callbacks
):
    dossier = submit_eform(full_online, people)
    pay(Charge.objects.get(dossier=dossier))
    with django_capture_on_commit_callbacks(execute=True):
        to_notice(dossier, people, 150000)
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING and dossier.fee_paid == 150000
    assert not Charge.objects.filter(dossier=dossier, cancelled=False, payments__isnull=True).exists()


def test_a_higher_notice_asks_for_the_difference_only(
    full_online, people, django_capture_on_commit_callbacks
):
    dossier = submit_eform(full_online, people)
    pay(Charge.objects.get(dossier=dossier))
    with django_capture_on_commit_callbacks(execute=True):
        to_notice(dossier, people, 200000)
    dossier.refresh_from_db()
    assert dossier.status == Status.FINANCIAL
    [top_up] = Charge.objects.filter(dossier=dossier, cancelled=False, payments__isnull=True)
    assert top_up.amount == 50000 and "Yêu cầu thực hiện nghĩa vụ tài chính" in top_up.legal_basis
    pay(top_up)
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING and services.paid_total(dossier) == 200000


class FakePlatform:
    def __init__(self):
        self.refunds = []

    def refund(self, reference, transaction_no, amount):
        self.refunds.append((reference, amount))
        return f"HT{len(self.refunds):09d}"


def test_a_lower_notice_refunds_the_excess_and_moves_on(
    full_online, people, monkeypatch, django_capture_on_commit_callbacks
):
    dossier = submit_eform(full_online, people)
    intent = pay(Charge.objects.get(dossier=dossier))
    platform = FakePlatform()
    monkeypatch.setattr(gateways, "get_gateway", lambda name: platform)
    with django_capture_on_commit_callbacks(execute=True):
        to_notice(dossier, people, 100000)
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING and dossier.fee_paid == 100000
    assert platform.refunds == [(intent.reference, 50000)]
    payment = Payment.objects.get(charge__dossier=dossier)
    assert payment.excess == 50000 and payment.excess_refunded_at is not None and payment.refunded_at is None
    assert services.paid_total(dossier) == 100000
    assert services.refund_closed_dossiers() == 0 and len(platform.refunds) == 1  # never twice


def test_the_sandbox_platform_refunds_part_of_a_payment(client, settings, full_online, people):
    """The national platform's sandbox accepts a partial refund (the excess), and refuses more than paid."""
    settings.MOTCUA_PAYMENTS_SANDBOX = True
    txn = SandboxTransaction.objects.create(
        gateway="national", txn="900001", reference="TTABCDEFGHJK", amount=150000, status="paid",
        paid_at=timezone.now() - timedelta(minutes=5),
    )  # fmt: skip
    secret = settings.MOTCUA_PAYMENTS_NATIONAL_SECRET
    merchant = settings.MOTCUA_PAYMENTS_NATIONAL_MERCHANT
    base = {"merchant": merchant, "txn_ref": txn.reference, "transaction_no": "900001"}
    too_much = client.post("/sandbox/thanh-toan/cong/hoan-tien/", signed({**base, "amount": 150001}, secret))
    assert too_much.json()["response_code"] == "94"
    part = client.post("/sandbox/thanh-toan/cong/hoan-tien/", signed({**base, "amount": 50000}, secret))
    assert part.json()["response_code"] == "00" and part.json()["refund_no"].startswith("HT")
    txn.refresh_from_db()
    assert txn.status == "paid"  # the rest stays paid
