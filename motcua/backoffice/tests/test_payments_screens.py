"""The officers' fee screens: the dossier page's "Phí, lệ phí" section, counter payments and the
daily reconciliation page, with their scoping and audit."""

import html
import re
from datetime import date

import pytest
import requests
from django.urls import reverse

from motcua.audit.models import AuditEntry
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Status
from motcua.payments import services
from motcua.payments.models import Charge, Payment, ReconciliationLine
from motcua.places.models import Agency

from .conftest import CENTER, officer

DAY = date(2026, 3, 2)  # the `clock` fixture's day
COMMUNE = "000.01.40.H52"  # where people["other_reception"] works


@pytest.fixture(scope="session")
def receipts_var_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("bo-payments-var")


@pytest.fixture(autouse=True)
def receipts(settings, receipts_var_dir):
    """Receipts are real signed PDFs from the sandbox CA, in temporary folders."""
    settings.VAR_DIR = receipts_var_dir
    settings.MOTCUA_SIGNER = "sandbox"
    settings.MOTCUA_TRUST_SANDBOX_CA = True


@pytest.fixture
def financial(make_dossier, people):
    """A dossier waiting for payment (status 6) of 150,000 đồng, with its charge assessed."""

    def make(amount=150000):
        d = make_dossier()
        d = dossier_services.perform(d, "assign", people["head"], assignee=people["specialist"])
        d = dossier_services.perform(d, "request_payment", people["specialist"], amount=amount)
        services.open_charges(d)
        return d

    return make


def page_url(dossier) -> str:
    return reverse("backoffice:dossier", kwargs={"code": dossier.code})


def pay_url(dossier) -> str:
    return reverse("backoffice:counter_payment", kwargs={"code": dossier.code})


def counter_form(charge, **overrides) -> dict:
    data = {
        "khoan": str(charge.pk),
        f"k{charge.pk}-hinh_thuc": "cash",
        f"k{charge.pk}-so_tham_chieu": "Q01-000123",
        f"k{charge.pk}-so_tien": "150.000",
    }
    data.update({(k if k == "khoan" else f"k{charge.pk}-{k}"): v for k, v in overrides.items()})
    return data


# --- the dossier page -------------------------------------------------------------------------------


def test_the_dossier_page_shows_charges_and_offers_the_counter_form_only_to_who_may_collect(
    financial, people, as_user
):
    dossier = financial()
    [charge] = Charge.objects.filter(dossier=dossier)
    page = as_user(people["reception"]).get(page_url(dossier)).content.decode()
    assert 'id="phi-le-phi"' in page and charge.legal_basis[:30] in html.unescape(page)
    assert "Chưa nộp" in page and f'name="khoan" value="{charge.pk}"' in page
    # The specialist of the handling agency collects too; the approver sees the charges, no form.
    assert 'name="khoan"' in as_user(people["specialist"]).get(page_url(dossier)).content.decode()
    approver_page = as_user(people["approver"]).get(page_url(dossier)).content.decode()
    assert 'id="phi-le-phi"' in approver_page and 'name="khoan"' not in approver_page


def test_counter_payment_records_one_payment_with_a_receipt_and_moves_the_dossier_on(
    financial, people, as_user
):
    dossier = financial()
    [charge] = Charge.objects.filter(dossier=dossier)
    client = as_user(people["reception"])
    response = client.post(pay_url(dossier), counter_form(charge, hinh_thuc="card", so_tham_chieu="POS 0042"))
    assert response.status_code == 302 and response["Location"].endswith("#phi-le-phi")
    payment = Payment.objects.get(charge=charge)
    assert (payment.gateway, payment.external_ref, payment.amount) == ("card", "POS 0042", 150000)
    assert payment.recorded_by == people["reception"] and payment.receipt_file
    dossier.refresh_from_db()
    assert dossier.status != Status.FINANCIAL and dossier.fee_paid == 150000
    page = client.get(page_url(dossier)).content.decode()
    receipt_url = reverse(
        "backoffice:payment_receipt", kwargs={"code": dossier.code, "number": payment.receipt_number}
    )
    assert receipt_url in page and "POS 0042" in page and 'name="khoan"' not in page
    pdf = client.get(receipt_url)
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="payments.receipt_view", actor_id=people["reception"].pk).exists()
    # The same form sent again (double click) books nothing more.
    again = client.post(pay_url(dossier), counter_form(charge))
    assert again.status_code in (400, 409) and Payment.objects.count() == 1


@pytest.mark.parametrize(
    "change, message",
    [
        ({"so_tien": "100.000"}, "khác số phải nộp"),
        ({"so_tien": "một trăm"}, "chỉ gồm chữ số"),
        ({"so_tham_chieu": "   "}, "số biên lai"),
        ({"so_tham_chieu": "x" * 65}, "tối đa 64"),
        ({"hinh_thuc": "bitcoin"}, "Hình thức nộp không hợp lệ"),
        ({"khoan": "999999"}, "Không có khoản thu này"),
        ({"khoan": "1 OR 1=1"}, "Không có khoản thu này"),
    ],
)
def test_bad_counter_payment_input_is_refused_clearly_and_changes_nothing(
    financial, people, as_user, change, message
):
    dossier = financial()
    [charge] = Charge.objects.filter(dossier=dossier)
    response = as_user(people["reception"]).post(pay_url(dossier), counter_form(charge, **change))
    assert response.status_code == 400
    body = html.unescape(response.content.decode())
    assert message.lower() in body.lower() and 'role="alert"' in body
    assert not Payment.objects.exists()
    dossier.refresh_from_db()
    assert dossier.status == Status.FINANCIAL and dossier.fee_paid == 0


def test_a_charge_of_another_dossier_cannot_be_paid_through_this_one(financial, people, as_user):
    first, second = financial(), financial()
    [other_charge] = Charge.objects.filter(dossier=second)
    response = as_user(people["reception"]).post(pay_url(first), counter_form(other_charge))
    assert response.status_code == 400 and "Không có khoản thu này" in response.content.decode()
    assert not Payment.objects.exists()


def test_officers_outside_the_dossier_get_404_and_a_reader_without_the_role_gets_403(
    financial, people, as_user
):
    dossier = financial()
    [charge] = Charge.objects.filter(dossier=dossier)
    for outsider in (people["other_reception"], people["finance"]):
        client = as_user(outsider)
        assert client.get(page_url(dossier)).status_code == 404
        assert client.post(pay_url(dossier), counter_form(charge)).status_code == 404
    head = as_user(people["head"]).post(pay_url(dossier), counter_form(charge))
    assert head.status_code == 403 and "Chỉ cán bộ tiếp nhận" in head.content.decode()
    assert not Payment.objects.exists()


# --- reconciliation ------------------------------------------------------------------------------


def _line(reference, agency_code, kind="only_gateway", ours=None, theirs=150000):
    agency = Agency.objects.get(code=agency_code) if agency_code else None
    return ReconciliationLine.objects.create(
        day=DAY,
        gateway="national",
        agency=agency,
        reference=reference,
        kind=kind,
        our_amount=ours,
        their_amount=theirs,
    )


RECON_URL = reverse("backoffice:reconciliation") + "?ngay=2026-03-02&kenh=national"


def resolve_url(line) -> str:
    return reverse("backoffice:reconciliation_resolve", kwargs={"pk": line.pk})


def test_reconciliation_lines_are_scoped_to_the_agencies_the_officer_may_see(people, as_user, clock):
    from motcua.people.models import OfficerRole

    _line("TTCENTER0001", CENTER, kind="amount_differs", ours=150000, theirs=140000)
    _line("TTCOMMUNE0001", COMMUNE)
    _line("TTNOBODY0001", None)
    monitor = officer("giam_sat", (CENTER, OfficerRole.Role.MONITOR))

    def seen(user):
        page = as_user(user).get(RECON_URL)
        assert page.status_code == 200
        return set(re.findall(r"TT[A-Z]+\d{4}", page.content.decode()))

    assert seen(people["reception"]) == {"TTCENTER0001"}
    assert seen(people["other_reception"]) == {"TTCOMMUNE0001"}
    assert seen(monitor) == {"TTCENTER0001", "TTCOMMUNE0001", "TTNOBODY0001"}
    # Only those who may use the page see it in the menu; others get a 403 page.
    assert (
        "Đối soát thanh toán"
        in as_user(people["reception"]).get(reverse("backoffice:queue")).content.decode()
    )
    specialist = as_user(people["specialist"])
    assert "Đối soát thanh toán" not in specialist.get(reverse("backoffice:queue")).content.decode()
    assert specialist.get(RECON_URL).status_code == 403


def test_resolving_a_line_is_limited_checked_and_audited(people, as_user, clock):
    from motcua.people.models import OfficerRole

    line = _line("TTCENTER0002", CENTER, kind="amount_differs", ours=150000, theirs=140000)
    monitor = officer("giam_sat", (CENTER, OfficerRole.Role.MONITOR))
    note = "Ngân hàng thu thiếu 10.000 đồng; đã đề nghị bổ sung"
    # Another agency's receptionist cannot even find it; a monitor watches but does not resolve.
    assert as_user(people["other_reception"]).post(resolve_url(line), {"cach_xu_ly": note}).status_code == 404
    assert as_user(monitor).post(resolve_url(line), {"cach_xu_ly": note}).status_code == 403
    client = as_user(people["reception"])
    empty = client.post(resolve_url(line), {"cach_xu_ly": "   "})
    assert empty.status_code == 400 and "Ghi rõ cách xử lý" in empty.content.decode()
    line.refresh_from_db()
    assert line.resolved_at is None
    page = client.get(RECON_URL).content.decode()
    assert "140.000" in page and "150.000" in page and "Lệch số tiền" in page
    done = client.post(resolve_url(line), {"cach_xu_ly": note})
    assert done.status_code == 302 and done["Location"].endswith(f"#dong-{line.pk}")
    line.refresh_from_db()
    assert line.resolved_by == people["reception"] and line.resolution == note
    entry = AuditEntry.objects.get(action="payments.reconciliation_resolved", object_id=str(line.pk))
    assert entry.actor_id == people["reception"].pk
    assert client.post(resolve_url(line), {"cach_xu_ly": "lần hai"}).status_code == 409
    line.refresh_from_db()
    assert line.resolution == note


def test_the_resolve_line_command_reaches_a_line_through_the_same_scope(people, clock):
    """`motcua payments resolve-line` records the note under an officer who could resolve the line
    on screen (payments.access), never under anyone named."""
    from django.core.management import CommandError, call_command

    from motcua.people.models import OfficerRole

    line = _line("TTCENTER0003", CENTER, kind="amount_differs", ours=150000, theirs=140000)
    officer("giam_sat_lenh", (CENTER, OfficerRole.Role.MONITOR))
    note = "Đã đối chiếu với ngân hàng"
    for username in ("khong_co_ai", people["other_reception"].username, "giam_sat_lenh"):
        with pytest.raises(CommandError):
            call_command("payments", "resolve-line", str(line.pk), "--user", username, "--note", note)
    line.refresh_from_db()
    assert line.resolved_at is None
    call_command(
        "payments", "resolve-line", str(line.pk), "--user", people["reception"].username, "--note", note
    )
    line.refresh_from_db()
    assert line.resolved_by == people["reception"] and line.resolution == note


def test_a_bad_day_or_gateway_is_refused_clearly(people, as_user, clock):
    client = as_user(people["reception"])
    future = client.get(reverse("backoffice:reconciliation") + "?ngay=2026-03-03&kenh=national")
    assert future.status_code == 400 and "tương lai" in future.content.decode()
    wrong = client.post(reverse("backoffice:reconciliation"), {"ngay": "2026-03-01", "kenh": "cash"})
    assert wrong.status_code == 400 and not ReconciliationLine.objects.exists()


# --- the whole loop over the shipped sandbox (real HTTP) -------------------------------------------

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


@pytest.mark.usefixtures("live_reference_data")
def test_running_the_reconciliation_finds_a_payment_only_the_gateway_has_and_it_is_resolved(
    settings, live_server, financial, people, as_user
):
    settings.MOTCUA_PAYMENTS_NATIONAL_URL = live_server.url + "/sandbox/thanh-toan"
    settings.MOTCUA_PAYMENTS_CALLBACK_BASE_URL = live_server.url
    settings.MOTCUA_PAYMENTS_SANDBOX = True
    dossier = financial()
    [charge] = services.open_charges(dossier)
    intent, begin = services.start_payment(
        charge, "national", idempotency_key="bo-recon", return_url="http://127.0.0.1/ve/"
    )
    # The citizen pays on the platform's page, which then times out: money there, nothing here.
    browser = requests.Session()
    hosted = browser.get(begin.redirect_url + "&hanh_vi=timeout", timeout=30)
    form = {name: html.unescape(value) for name, value in HIDDEN.findall(hosted.text)}
    form["action"] = "pay"
    confirm = hosted.url.split("/cong/")[0] + "/cong/xac-nhan/"
    browser.post(confirm, data=form, headers={"Referer": hosted.url}, allow_redirects=False, timeout=30)
    assert not Payment.objects.exists()

    client = as_user(people["reception"])
    run = client.post(reverse("backoffice:reconciliation"), {"ngay": DAY.isoformat(), "kenh": "national"})
    assert run.status_code == 302
    line = ReconciliationLine.objects.get(reference=intent.reference)
    assert (line.kind, line.our_amount, line.their_amount) == ("only_gateway", None, 150000)
    page = client.get(run["Location"]).content.decode()
    assert intent.reference in page and dossier.code in page and f'id="cach-xu-ly-{line.pk}"' in page
    client.post(resolve_url(line), {"cach_xu_ly": "Đã truy vấn cổng, ghi nhận thanh toán"})
    line.refresh_from_db()
    assert line.resolved_at is not None
    assert AuditEntry.objects.filter(
        action="payments.reconciliation_resolved", object_id=str(line.pk)
    ).exists()
    assert AuditEntry.objects.filter(action="payments.reconcile").exists()


# --- in a real browser: the counter form and the reconciliation page, accessible --------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_counter_payment_in_the_browser_with_an_error_next_to_the_field(
    page, live_server, live_reference_data, assert_accessible
):
    from playwright.sync_api import expect

    from motcua.catalog.models import Procedure
    from motcua.dossiers.intake import Applicant, Paper, receive_in_person
    from motcua.people.models import OfficerRole
    from tests.browser.officers import officer as browser_officer
    from tests.browser.officers import sign_in

    R = OfficerRole.Role
    reception = browser_officer("tiepnhan", "Nguyễn Thị Lan", CENTER, R.RECEPTION)
    head = browser_officer("truongphong", "Trần Văn Minh", "000.00.04.H52", R.UNIT_HEAD)
    specialist = browser_officer("chuyenvien", "Lê Thị Hoa", "000.00.04.H52", R.SPECIALIST)
    procedure = Procedure.objects.get(code="1.000426")
    papers = [
        Paper(name=d.name, requirement_id=d.pk, originals=1)
        for d in procedure.current_version.documents.all()
    ]
    dossier = receive_in_person(
        reception,
        Agency.objects.get(code=CENTER),
        procedure,
        Applicant(name="Lò Thị Mai", id_number="014190004321"),
        papers,
    )
    dossier = dossier_services.perform(dossier, "assign", head, assignee=specialist)
    dossier = dossier_services.perform(dossier, "request_payment", specialist, amount=150000)
    [charge] = services.open_charges(dossier)

    sign_in(page, live_server.url, "tiepnhan")
    page.goto(f"{live_server.url}{page_url(dossier)}")
    form = page.locator(f"#thu-tien-{charge.pk}")
    form.get_by_role("radio", name="Tiền mặt").check()
    form.get_by_label("Số biên lai thu tiền mặt hoặc mã giao dịch của máy POS").fill("Q01-000777")
    form.get_by_label("Số tiền đã thu (đồng)").fill("120.000")
    form.get_by_role("button", name="Ghi nhận đã thu tiền").click()
    expect(page.locator(f"#thu-tien-{charge.pk} .error-text")).to_contain_text("khác số phải nộp")
    assert_accessible(page)
    assert not Payment.objects.exists()
    form = page.locator(f"#thu-tien-{charge.pk}")
    form.get_by_label("Số tiền đã thu (đồng)").fill("150.000")
    form.get_by_role("button", name="Ghi nhận đã thu tiền").click()
    expect(page.locator(".messages")).to_contain_text("Đã ghi nhận thu 150.000 đồng")
    assert Payment.objects.get(charge=charge).external_ref == "Q01-000777"
    assert_accessible(page)
    page.goto(f"{live_server.url}{reverse('backoffice:reconciliation')}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Đối soát thanh toán")
    assert_accessible(page)
