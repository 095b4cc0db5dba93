"""A life-event bundle's one fee view and one payment (issue 14 §1): the fee lines of every filed
step, assessed at submission from the catalog (ADR 0032), paid with one gateway transaction that
settles every step's charge; another person can neither see nor pay it."""

from dataclasses import replace
from datetime import date
from urllib.parse import parse_qs, urlparse

import pytest

from motcua.catalog.models import OnlineLevel, Procedure
from motcua.eid.testing import sign_in_citizen
from motcua.foryou import bundles
from motcua.foryou.models import Bundle
from motcua.payments import gateways
from motcua.payments import services as payments
from motcua.payments.gateways import signed, stamp
from motcua.payments.models import Charge, FeeLine, Payment, PaymentIntent, ReconciliationLine
from motcua.people.models import User

pytestmark = pytest.mark.django_db
HKD, ANTT = "1.001612", "2.001478"


@pytest.fixture
def two_fees(reference_data):
    """Two full-online procedures with a fee each, filed together by one bundle (bundles are data)."""
    Procedure.objects.filter(code__in=[HKD, ANTT]).update(online_level=OnlineLevel.FULL)
    for code, amount in ((HKD, 100_000), (ANTT, 300_000)):
        FeeLine.objects.create(
            procedure=Procedure.objects.get(code=code),
            name=f"Lệ phí {code}",
            amount=amount,
            legal_basis="Thông tư số 85/2019/TT-BTC",
            valid_from=date(2020, 1, 1),
        )
    Bundle.objects.create(
        code="two_fees",
        name="Hộ kinh doanh (thử)",
        legal_total="≤ 10 ngày làm việc",
        legal_basis="NĐ 63/2024",
        steps=[
            {"key": "hkd", "procedure": HKD, "agency": "UBND cấp xã"},
            {"key": "antt", "procedure": ANTT, "agency": "Công an cấp tỉnh"},
        ],
    )


@pytest.fixture
def owner():
    return User.objects.create(
        username="chu_ho", kind="citizen", personal_id="014090001111", full_name="Lò Văn A"
    )


@pytest.fixture
def stranger():
    return User.objects.create(
        username="nguoi_khac", kind="citizen", personal_id="014090002222", full_name="B"
    )


def notice_for(reference, amount):
    """The national platform's signed notification of one paid transaction."""
    from django.conf import settings as dj
    from django.utils import timezone

    params = {
        "merchant": dj.MOTCUA_PAYMENTS_NATIONAL_MERCHANT,
        "txn_ref": reference,
        "amount": amount,
        "transaction_no": "987654321",
        "response_code": "00",
        "pay_date": stamp(timezone.now()),
    }
    return signed(params, dj.MOTCUA_PAYMENTS_NATIONAL_SECRET)


def test_the_bundle_shows_one_fee_view_and_is_paid_with_one_transaction(client, two_fees, owner, stranger):
    case = bundles.start(owner, "two_fees", {"full_name": owner.full_name, "business_name": "Quán A"})
    dossiers = [s.dossier for s in case.steps.order_by("position")]
    assert all(dossiers) and len({d.code for d in dossiers}) == 2
    view = bundles.fees(case)
    assert [line["charge"].amount for line in view["lines"]] == [100_000, 300_000]
    assert view["total"] == view["due"] == 400_000

    sign_in_citizen(client, owner)
    url = f"/danh-cho-ban/lien-thong/ho-so/{case.code}/"
    page = client.get(url).content.decode()
    assert "400.000 đồng" in page and "Lệ phí 1.001612" in page and "Lệ phí 2.001478" in page

    # The other person: neither the fee view nor the payment (404), and nothing is started.
    sign_in_citizen(client, stranger)
    assert client.get(url).status_code == 404
    assert client.post(url + "thanh-toan/", {"khoa": "x"}).status_code == 404
    assert not PaymentIntent.objects.exists()

    # One action: one redirect to the gateway with the bundle's total under one reference.
    sign_in_citizen(client, owner)
    response = client.post(url + "thanh-toan/", {"khoa": "k1"})
    assert response.status_code == 302
    order = parse_qs(urlparse(response["Location"]).query)
    assert order["amount"] == ["400000"]
    group = order["txn_ref"][0]
    members = list(PaymentIntent.objects.filter(group=group))
    assert sorted(m.amount for m in members) == [100_000, 300_000]
    # The same click again (a double submit) gives the same transaction, not a second one.
    again = parse_qs(urlparse(client.post(url + "thanh-toan/", {"khoa": "k1"})["Location"]).query)
    assert again["txn_ref"] == [group] and PaymentIntent.objects.count() == 2

    # A notice for less than the total pays nothing; the right one settles every step's charge.
    assert (
        payments.receive_notification("national", notice_for(group, 100_000), receipts=False) == "bad_amount"
    )
    assert not Payment.objects.exists()
    notice = notice_for(group, 400_000)
    assert payments.receive_notification("national", notice, receipts=False) == "applied"
    for dossier in dossiers:
        charge = Charge.objects.get(dossier=dossier, cancelled=False)
        assert charge.payments.count() == 1 and charge.payments.get().amount == charge.amount
    assert payments.receive_notification("national", notice, receipts=False) == "duplicate"
    assert Payment.objects.count() == 2
    assert bundles.fees(case)["due"] == 0
    assert "Thanh toán một lần" not in client.get(url).content.decode()
    with pytest.raises(bundles.BundleError):
        bundles.pay(case, "national", idempotency_key="k2")


def test_a_grouped_transaction_refunds_a_member_as_part_of_the_group(two_fees, owner, monkeypatch):
    """A member that cannot be kept (its charge was paid at the counter meanwhile) is refunded as a
    partial refund of the group's transaction, the other member stays paid."""
    case = bundles.start(owner, "two_fees", {"full_name": owner.full_name})
    members, _start = bundles.pay(case, "national", idempotency_key="k1")
    first = members[0]
    Payment.objects.create(
        charge=first.charge,
        gateway="cash",
        amount=first.amount,
        paid_at=first.created_at,
        receipt_number="Q1",
    )
    asked = []

    class Gateway:
        def refund(self, reference, transaction_no, amount):
            asked.append((reference, amount))
            return "HT1"

    monkeypatch.setattr(gateways, "get_gateway", lambda code: Gateway())
    total = sum(m.amount for m in members)
    from motcua.payments.gateways import NationalPlatform

    notice = NationalPlatform().parse_notification(notice_for(first.group, total))
    assert payments.apply_notice("national", notice, receipts=False) == "applied"
    assert asked == [(first.group, first.amount)]
    assert Payment.objects.filter(charge=members[1].charge, intent=members[1]).exists()


class StatementGateway:
    """The platform's daily reconciliation file: one line for the group's one transaction."""

    def __init__(self, lines):
        self.lines = lines

    def statement(self, day):
        return self.lines


def test_a_grouped_transaction_reconciles_line_by_line_to_each_dossiers_fee(two_fees, owner, monkeypatch):
    from django.utils import timezone

    from motcua.payments.gateways import StatementLine

    case = bundles.start(owner, "two_fees", {"full_name": owner.full_name})
    members, _start = bundles.pay(case, "national", idempotency_key="k1")
    group = members[0].group
    assert payments.receive_notification("national", notice_for(group, 400_000), receipts=False) == "applied"
    today = timezone.localdate()
    file_line = StatementLine(group, "987654321", 400_000, timezone.now())
    monkeypatch.setattr(gateways, "get_gateway", lambda code: StatementGateway([file_line]))

    lines = {line.reference: line for line in payments.reconcile(today, "national")}

    # No "only at the gateway" line for the group, no "only ours" for its members: one line per dossier.
    assert set(lines) == {m.reference for m in members}
    for member in members:
        line = lines[member.reference]
        assert line.kind == "matched" and line.group == group
        assert line.our_amount == line.their_amount == member.charge.amount
        assert line.agency_id == member.charge.dossier.receiving_agency_id
    assert sum(line.their_amount for line in lines.values()) == file_line.amount

    # A file whose total differs cannot be split: one line for the group, the member lines replaced.
    monkeypatch.setattr(
        gateways, "get_gateway", lambda code: StatementGateway([replace(file_line, amount=390_000)])
    )
    lines = payments.reconcile(today, "national")
    assert [(line.reference, line.kind, line.our_amount, line.their_amount) for line in lines] == [
        (group, "amount_differs", 400_000, 390_000)
    ]
    assert not ReconciliationLine.objects.filter(reference__in=[m.reference for m in members]).exists()


def test_a_member_refunded_as_part_of_the_group_is_its_own_reconciliation_line(two_fees, owner, monkeypatch):
    from django.utils import timezone

    from motcua.payments.gateways import StatementLine

    case = bundles.start(owner, "two_fees", {"full_name": owner.full_name})
    members, _start = bundles.pay(case, "national", idempotency_key="k1")
    kept, refunded = members
    Payment.objects.create(  # paid at the counter meanwhile: the gateway's share must be given back
        charge=refunded.charge,
        gateway="cash",
        amount=refunded.amount,
        paid_at=timezone.now(),
        receipt_number="Q1",
    )
    assert (
        payments.receive_notification("national", notice_for(kept.group, 400_000), receipts=False)
        == "applied"
    )
    line = StatementLine(kept.group, "987654321", 400_000, timezone.now())
    monkeypatch.setattr(gateways, "get_gateway", lambda code: StatementGateway([line]))

    lines = {x.reference: x for x in payments.reconcile(timezone.localdate(), "national")}

    assert lines[kept.reference].kind == "matched"
    assert (lines[refunded.reference].kind, lines[refunded.reference].their_amount) == (
        "only_gateway",
        refunded.amount,
    )
    assert lines[refunded.reference].our_amount is None


def test_a_later_step_is_assessed_when_filed_and_paid_then_on_the_same_page(client, two_fees, owner):
    """Nothing is collected for a step before its dossier exists (its fee is assessed when filed);
    the page says so, and once filed its fee is paid with the same one button."""
    from .test_bundles import sign_result

    Bundle.objects.create(
        code="chained",
        name="Hộ kinh doanh rồi ANTT (thử)",
        legal_total="≤ 6 ngày làm việc",
        legal_basis="NĐ 297/2025",
        steps=[
            {"key": "hkd", "procedure": HKD, "agency": "UBND cấp xã"},
            {"key": "antt", "procedure": ANTT, "agency": "Công an cấp tỉnh", "after": "hkd"},
        ],
    )
    case = bundles.start(owner, "chained", {"full_name": owner.full_name})
    view = bundles.fees(case)
    assert view["due"] == 100_000 and [s["agency"] for s in view["later"]] == ["Công an cấp tỉnh"]
    sign_in_citizen(client, owner)
    url = f"/danh-cho-ban/lien-thong/ho-so/{case.code}/"
    page = client.get(url).content.decode()
    assert "Phí, lệ phí của các bước chưa nộp" in page and "trong một giao dịch riêng" in page

    first, _start = bundles.pay(case, "national", idempotency_key="k1")
    assert [m.amount for m in first] == [100_000]
    notice = notice_for(first[0].group, 100_000)
    assert payments.receive_notification("national", notice, receipts=False) == "applied"
    sign_result(case.steps.get(key="hkd").dossier)  # the chain files the next step, assessed at once

    view = bundles.fees(case)
    assert view["later"] == [] and view["due"] == 300_000
    assert "Phí, lệ phí của các bước chưa nộp" not in client.get(url).content.decode()
    second, _start = bundles.pay(case, "national", idempotency_key="k2")
    assert [m.amount for m in second] == [300_000] and second[0].group != first[0].group
