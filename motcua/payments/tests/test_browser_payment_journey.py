"""A citizen pays two fee lines of a dossier in a real browser — one on the national platform's
sandbox page, one by VietQR in the sandbox bank app — sees both receipts, and the officer sees the
dossier back in processing."""

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from motcua.catalog.models import Procedure
from motcua.dossiers import services as dossier_services
from motcua.dossiers.intake import Applicant, Paper, receive_in_person
from motcua.payments.models import FeeLine, Payment
from motcua.people.models import OfficerRole
from motcua.places.models import Agency
from motcua.registries.sandbox import demo_people
from tests.browser.citizen import sign_in_citizen
from tests.browser.officers import officer, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CENTER, JUSTICE = "000.00.30.H52", "000.00.04.H52"


@pytest.fixture
def sandboxes(settings, live_server, tmp_path):
    settings.MOTCUA_PAYMENTS_NATIONAL_URL = live_server.url + "/sandbox/thanh-toan"
    settings.MOTCUA_PAYMENTS_BANK_URL = live_server.url + "/sandbox/thanh-toan"
    settings.MOTCUA_PAYMENTS_CALLBACK_BASE_URL = live_server.url
    settings.MOTCUA_PAYMENTS_SANDBOX = True
    return live_server.url


@pytest.fixture
def waiting_dossier(live_reference_data):
    R = OfficerRole.Role
    reception = officer("tiepnhan", "Nguyễn Thị Lan", CENTER, R.RECEPTION)
    head = officer("truongphong", "Trần Văn Minh", JUSTICE, R.UNIT_HEAD)
    specialist = officer("chuyenvien", "Lê Thị Hoa", JUSTICE, R.SPECIALIST)
    citizen = demo_people()["adult"]  # a resident of the sandbox population registry
    procedure = Procedure.objects.get(code="1.000426")
    for name, amount in [("Lệ phí cấp thẻ tư vấn viên pháp luật", 100000), ("Phí thẩm định hồ sơ", 50000)]:
        FeeLine.objects.create(
            procedure=procedure,
            name=name,
            amount=amount,
            valid_from=date(2025, 1, 1),
            legal_basis="Thông tư 00/2025/TT-BTC (dữ liệu thử)",
        )
    papers = [
        Paper(name=d.name, requirement_id=d.pk, originals=d.originals, copies=d.copies)
        for d in procedure.current_version.documents.all()
    ]
    # Filed at the counter under the person's ID number: no account yet; the eID sign-in proves it.
    applicant = Applicant(name=citizen.full_name, id_number=citizen.id_number)
    d = receive_in_person(reception, Agency.objects.get(code=CENTER), procedure, applicant, papers)
    d = dossier_services.perform(d, "assign", head, assignee=specialist)
    return dossier_services.perform(d, "request_payment", specialist, amount=150000), citizen


def test_citizen_pays_online_then_by_vietqr_and_officer_sees_it_move_on(
    page: Page, sandboxes, waiting_dossier, assert_accessible
):
    base = sandboxes
    dossier, citizen = waiting_dossier
    page.goto(f"{base}/cua-toi/")  # not signed in: the eID sign-in brings them back
    expect(page).to_have_url(re.compile("/eid-sandbox/"))
    sign_in_citizen(page, base, citizen.id_number, f"/cua-toi/ho-so/{dossier.code}/")
    expect(page.get_by_text("Bạn cần làm: Nộp phí, lệ phí")).to_be_visible()
    page.get_by_role("link", name="Thanh toán trực tuyến").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nộp phí, lệ phí")
    expect(page.get_by_text("Thông tư 00/2025/TT-BTC").first).to_be_visible()
    assert_accessible(page)

    # 1. The first line on the national platform's (sandbox) page.
    first = page.locator("form.filters").first
    first.get_by_label(re.compile("Nền tảng thanh toán")).check()
    first.get_by_role("button", name="Thanh toán").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Nền tảng thanh toán"))
    assert_accessible(page)
    page.get_by_role("button", name="Thanh toán").click()
    expect(page.get_by_text("Thanh toán thành công")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Biên lai"))).to_have_count(1)

    # 2. The second line by VietQR: the QR page, then the (sandbox) bank app reads the same payload.
    page.locator("form.filters").first.get_by_label(re.compile("VietQR")).check()
    page.locator("form.filters").first.get_by_role("button", name="Thanh toán").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Chuyển khoản bằng mã VietQR")
    expect(page.get_by_role("img", name=re.compile("Mã VietQR: chuyển 50.000 đồng"))).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Mở ứng dụng ngân hàng thử nghiệm").click()
    expect(page.get_by_text("50.000 đồng")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Chuyển tiền").click()
    page.get_by_role("link", name="Quay lại trang dịch vụ công").click()

    # 3. Both paid, each with its receipt, which opens as a PDF.
    expect(page.get_by_role("heading", level=1)).to_have_text("Nộp phí, lệ phí")
    expect(page.get_by_role("link", name=re.compile("Biên lai"))).to_have_count(2)
    assert_accessible(page)
    href = page.get_by_role("link", name=re.compile("Biên lai")).last.get_attribute("href")
    pdf = page.request.get(base + href)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    assert Payment.objects.filter(charge__dossier=dossier).count() == 2

    # 4. The officer sees the dossier back in processing, moved on by the payments system.
    sign_in(page, base, "chuyenvien")
    page.goto(f"{base}/can-bo/ho-so/{dossier.code}/")
    expect(page.get_by_text("Đang xử lý").first).to_be_visible()
    expect(page.get_by_text(re.compile("Xác nhận đã thực hiện nghĩa vụ tài chính")).first).to_be_visible()
