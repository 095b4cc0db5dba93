"""Fee assessment: lines per channel, per copy, reductions, exemptions and dates of effect."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from motcua.dossiers.models import Dossier
from motcua.payments import services
from motcua.payments.models import Charge, FeeLine, FeeRule, Per

VN = ZoneInfo("Asia/Ho_Chi_Minh")
ON = datetime(2026, 3, 2, 9, 0, tzinfo=VN)


@pytest.fixture
def dossier(make_dossier):
    return make_dossier()  # received at the counter


def line(procedure, amount, **kw):
    defaults = {
        "name": "Lệ phí cấp thẻ",
        "legal_basis": "Thông tư 00/2026/TT-BTC",
        "valid_from": date(2026, 1, 1),
    }
    return FeeLine.objects.create(procedure=procedure, amount=amount, **{**defaults, **kw})


def test_line_in_force_with_its_legal_basis(dossier, procedure):
    line(procedure, 100000)
    [quoted] = services.quote(dossier, at=ON)
    assert quoted["amount"] == 100000 and "Thông tư 00/2026/TT-BTC" in quoted["legal_basis"]


def test_dates_of_effect_pick_the_line_of_the_day(dossier, procedure):
    line(procedure, 100000, valid_from=date(2025, 1, 1), valid_to=date(2026, 2, 28))
    line(procedure, 120000, valid_from=date(2026, 3, 1))
    assert [x["amount"] for x in services.quote(dossier, at=datetime(2026, 2, 28, 10, tzinfo=VN))] == [100000]
    assert [x["amount"] for x in services.quote(dossier, at=ON)] == [120000]


def test_channel_lines_only_apply_to_their_channel(dossier, procedure):
    line(procedure, 50000, channel="online")
    line(procedure, 70000, channel="counter")
    assert [x["amount"] for x in services.quote(dossier, at=ON)] == [70000]


def test_per_copy_multiplies(dossier, procedure):
    fee = line(procedure, 2000, per=Per.COPY, name="Phí sao y")
    [quoted] = services.quote(dossier, at=ON, quantities={fee.pk: 3})
    assert (quoted["quantity"], quoted["amount"]) == (3, 6000)


def test_online_reduction_applies_online_only(make_dossier, procedure):
    fee = line(procedure, 100000)
    FeeRule.objects.create(
        kind="reduction",
        fee_line=fee,
        channel="online",
        percent=50,
        legal_basis="Nghị quyết HĐND tỉnh giảm 50% khi nộp trực tuyến",
        valid_from=date(2026, 1, 1),
    )
    counter = make_dossier()
    online = make_dossier()
    Dossier.objects.filter(pk=online.pk).update(channel="own_portal")  # as if submitted on our portal
    online.refresh_from_db()
    assert services.quote(counter, at=ON)[0]["amount"] == 100000
    [quoted] = services.quote(online, at=ON)
    assert (quoted["reduction"], quoted["amount"]) == (50000, 50000)
    assert "giảm 50%" in quoted["legal_basis"]


def test_exemption_for_a_named_group_and_best_rule_wins(dossier, procedure):
    fee = line(procedure, 100000)
    FeeRule.objects.create(
        kind="reduction",
        procedure=procedure,
        percent=50,
        legal_basis="Giảm chung",
        valid_from=date(2026, 1, 1),
    )
    FeeRule.objects.create(
        kind="exemption",
        applicant_group="nguoi_co_cong",
        percent=100,
        legal_basis="Miễn cho người có công với cách mạng",
        valid_from=date(2026, 1, 1),
    )
    assert services.quote(dossier, at=ON, groups=set())[0]["amount"] == 50000
    exempt = services.quote(dossier, at=ON, groups={"nguoi_co_cong"})[0]
    assert exempt["amount"] == 0 and "Miễn cho người có công" in exempt["legal_basis"]
    assert fee.rules.count() == 0  # the rules were general: procedure-wide and fee-wide


def test_expired_reduction_no_longer_applies(dossier, procedure):
    fee = line(procedure, 100000)
    FeeRule.objects.create(
        kind="reduction",
        fee_line=fee,
        percent=50,
        legal_basis="Giảm tạm thời 2025",
        valid_from=date(2025, 1, 1),
        valid_to=date(2025, 12, 31),
    )
    assert services.quote(dossier, at=ON)[0]["amount"] == 100000


def test_assess_writes_charges_and_reassessment_replaces_unpaid_ones(dossier, procedure):
    fee = line(procedure, 100000)
    first = services.assess(dossier, at=ON)
    assert [c.amount for c in first] == [100000]
    fee.amount = 90000
    fee.save()
    second = services.assess(dossier, at=ON)
    assert [c.amount for c in second] == [90000]
    assert Charge.objects.get(pk=first[0].pk).cancelled


def test_an_exempt_dossier_owes_nothing(dossier, procedure):
    line(procedure, 100000)
    FeeRule.objects.create(kind="exemption", percent=100, legal_basis="Miễn", valid_from=date(2026, 1, 1))
    assert services.assess(dossier, at=ON) == []


def test_the_officers_notice_wins_when_lines_do_not_add_up(financial, procedure):
    line(procedure, 100000)
    dossier = financial(amount=150000)
    [charge] = services.open_charges(dossier)
    assert charge.amount == 150000 and "Yêu cầu thực hiện nghĩa vụ tài chính" in charge.legal_basis


def test_the_command_assesses_dossiers_waiting_for_payment_once(financial):
    import io

    from django.core.management import call_command

    dossier = financial(amount=80000)
    # Given a dossier in status 6 with no charges (e.g. from before this version, or an import):
    # the notice itself assesses (see the next test), the command is the safety net.
    Charge.objects.filter(dossier=dossier).delete()
    out = io.StringIO()
    call_command("payments", "assess", stdout=out)
    call_command("payments", "assess", stdout=out)
    assert "cho 1 hồ sơ" in out.getvalue() and "cho 0 hồ sơ" in out.getvalue()
    assert [c.amount for c in Charge.objects.filter(dossier=dossier, cancelled=False)] == [80000]


def test_the_notice_of_financial_obligation_is_assessed_in_its_own_transaction(financial):
    dossier = financial(amount=80000)
    charges = Charge.objects.filter(dossier=dossier, cancelled=False)
    assert [c.amount for c in charges] == [80000]
    assert "Yêu cầu thực hiện nghĩa vụ tài chính" in charges.get().legal_basis
