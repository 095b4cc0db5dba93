"""The citizen site as a new user meets it (issue 13, items 2, 5, 6 and 7), in a real browser.

- Anyone finds "Tra cứu hồ sơ" and "Xác thực kết quả" in the header and footer of every page, and a
  procedure page opens with a plain-language summary (papers, time per channel, fee, where, online).
- A resident downloads their signed e-result from "Hồ sơ của tôi" and from the data store; someone
  else signed in gets a 404; each download is in the audit log.
- A full-online procedure's fee is offered on the e-form receipt and in "Việc cần làm" at once, and
  paid there, before any officer's notice.
Every page passes axe-core (WCAG 2.1 AA) and stays light.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from motcua.audit.models import AuditEntry
from motcua.catalog.models import OnlineLevel, Procedure
from motcua.core.testing import minimal_pdf
from motcua.dossiers import results
from motcua.dossiers import services as dossier_services
from motcua.dossiers.intake import Applicant, receive_in_person
from motcua.eforms import services as eform_services
from motcua.payments.models import Charge, Payment
from motcua.people.models import OfficerRole
from motcua.places.models import Agency
from motcua.registries.sandbox import demo_people

from .citizen import sign_in_citizen
from .officers import officer
from .weight import check_weight

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CENTER, JUSTICE = "000.00.30.H52", "000.00.04.H52"
HKD = "1.001612"  # Đăng ký thành lập hộ kinh doanh: 150,000 đồng online
PDF = minimal_pdf()  # uploads are parsed, so a real PDF


@pytest.fixture
def eid_sandbox(settings, tmp_path):
    from motcua.eid import keys

    settings.MOTCUA_EID_SANDBOX = True
    settings.MOTCUA_EID_SANDBOX_BASE_URL = ""
    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "media"
    keys.signing_key.cache_clear()
    yield
    keys.signing_key.cache_clear()


@pytest.fixture
def full_online_hkd(live_reference_data):
    """1.001612 as the province lists it, full-online (the catalog tables outlive the test: restored)."""
    procedure = Procedure.objects.get(code=HKD)
    before = procedure.online_level
    Procedure.objects.filter(pk=procedure.pk).update(online_level=OnlineLevel.FULL)
    yield procedure
    Procedure.objects.filter(pk=procedure.pk).update(online_level=before)


def test_tracking_and_verification_from_every_page_and_a_procedure_summary(
    page: Page, live_server, live_reference_data, full_online_hkd, assert_accessible
):
    eform_services.load_definitions()
    base = live_server.url
    page.goto(f"{base}/")
    header = page.locator("header.site-header")
    header.get_by_role("link", name="Tra cứu hồ sơ").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tra cứu tình trạng hồ sơ")
    expect(header.get_by_role("link", name="Tra cứu hồ sơ")).to_have_attribute("aria-current", "page")
    assert_accessible(page)
    page.locator("footer").get_by_role("link", name="Xác thực kết quả").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Xác thực văn bản điện tử")
    assert_accessible(page)

    # A procedure page: the summary first, then the full text; the online button in the summary.
    page.goto(f"{base}/thu-tuc/{HKD}/")
    expect(page.locator("footer").get_by_role("link", name="Tra cứu hồ sơ")).to_be_visible()
    summary = page.get_by_role("region", name="Tóm tắt")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Bạn cần chuẩn bị")
    expect(summary).to_contain_text("150.000 đồng")
    expect(summary).to_contain_text("toàn trình")
    expect(summary.get_by_role("link", name="Nộp hồ sơ trực tuyến")).to_be_visible()
    top = summary.bounding_box()["y"]
    assert top < page.get_by_role("heading", name="Thông tin chung").bounding_box()["y"]
    summary.get_by_role("link", name="Xem nơi nộp").click()
    expect(page).to_have_url(re.compile("#noi-nop$"))
    assert_accessible(page)
    check_weight(page, "trang thủ tục có tóm tắt")
    page.set_viewport_size({"width": 375, "height": 740})  # a phone: the summary still reads first
    page.goto(f"{base}/thu-tuc/1.000426/")
    expect(page.get_by_role("region", name="Tóm tắt")).to_contain_text("5 ngày làm việc")
    assert_accessible(page)


@pytest.fixture
def issued_result(live_reference_data, eid_sandbox, settings):
    """A counter dossier of a sandbox resident, approved and signed (the lifecycle is tested elsewhere)."""
    settings.MOTCUA_SIGNER = "sandbox"
    settings.MOTCUA_TRUST_SANDBOX_CA = True
    R = OfficerRole.Role
    reception = officer("tiepnhan", "Nguyễn Thị Lan", CENTER, R.RECEPTION)
    head = officer("truongphong", "Trần Văn Minh", JUSTICE, R.UNIT_HEAD)
    specialist = officer("chuyenvien", "Lê Thị Hoa", JUSTICE, R.SPECIALIST)
    approver = officer("giamdoc", "Phạm Văn Tâm", JUSTICE, R.APPROVER)
    person = demo_people()["adult"]
    applicant = Applicant(name=person.full_name, id_number=person.id_number)
    procedure = Procedure.objects.get(code="1.000426")
    dossier = receive_in_person(reception, Agency.objects.get(code=CENTER), procedure, applicant, [])
    dossier = dossier_services.perform(dossier, "assign", head, assignee=specialist)
    dossier = dossier_services.perform(dossier, "approve", approver)
    return person, results.issue_result(dossier, approver, expected_version=dossier.version)


def test_the_applicant_downloads_the_signed_result_and_no_one_else_can(
    page: Page, live_server, issued_result, assert_accessible
):
    base = live_server.url
    person, result = issued_result
    code = result.dossier.code
    with result.file.open("rb") as stored:  # encrypted at rest (ADR 0040): read through the storage
        signed_pdf = stored.read()
    sign_in_citizen(page, base, person.id_number, "/cua-toi/")
    page.get_by_role("link", name=code).click()
    download_link = page.get_by_role("link", name="Tải kết quả điện tử (PDF, đã ký số)")
    expect(download_link).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as first:
        download_link.click()
    assert first.value.suggested_filename == f"ket-qua-{code}.pdf"
    assert Path(first.value.path()).read_bytes() == signed_pdf

    # The data store holds it, with the same download.
    page.get_by_role("link", name="Hồ sơ của tôi").first.click()
    page.get_by_role("link", name="Kho dữ liệu của tôi").click()
    row = page.get_by_role("row").filter(has_text=result.title[:40])
    expect(row).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as second:
        row.get_by_role("link", name="Tải về (PDF)").click()
    assert Path(second.value.path()).read_bytes() == signed_pdf
    downloads = AuditEntry.objects.filter(action="dossier.result_download", object_id=str(result.dossier.pk))
    assert downloads.count() == 2 and {e.data["by"] for e in downloads} == {"applicant"}

    # Someone else, signed in with their own eID: a 404, and nothing recorded.
    page.context.clear_cookies()
    other = demo_people()["young_single"]
    sign_in_citizen(page, base, other.id_number, "/cua-toi/")
    response = page.request.get(f"{base}/cua-toi/ho-so/{code}/ket-qua/")
    assert response.status == 404 and not response.body().startswith(b"%PDF")
    assert downloads.count() == 2


@pytest.fixture
def sandboxes(settings, live_server):
    settings.MOTCUA_PAYMENTS_NATIONAL_URL = live_server.url + "/sandbox/thanh-toan"
    settings.MOTCUA_PAYMENTS_BANK_URL = live_server.url + "/sandbox/thanh-toan"
    settings.MOTCUA_PAYMENTS_CALLBACK_BASE_URL = live_server.url
    settings.MOTCUA_PAYMENTS_SANDBOX = True
    return live_server.url


def test_a_full_online_fee_is_paid_from_the_receipt_before_any_notice(
    page: Page, sandboxes, full_online_hkd, eid_sandbox, assert_accessible
):
    eform_services.load_definitions()
    base = sandboxes
    person = demo_people()["adult"]
    sign_in_citizen(page, base, person.id_number, f"/thu-tuc/{HKD}/")
    page.get_by_role("region", name="Tóm tắt").get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    expect(page.locator("form.eform")).to_be_visible()
    page.get_by_role("button", name="Tiếp tục", exact=True).click()
    page.get_by_label("Tên hộ kinh doanh", exact=True).fill("Hộ kinh doanh Phong Lan")
    page.get_by_label("Ngành, nghề kinh doanh", exact=True).fill("Bán lẻ thực phẩm")
    page.get_by_label("Vốn kinh doanh (đồng)", exact=True).fill("50000000")
    page.get_by_label("Các thành viên hộ gia đình cùng đăng ký").check()
    page.get_by_role("button", name="Tiếp tục", exact=True).click()
    if "/giay-to/" in page.url:  # the household members' authorisation, as a scan
        for upload in page.locator("input[type=file]").all():
            upload.set_input_files(files=[{"name": "a.pdf", "mimeType": "application/pdf", "buffer": PDF}])
        page.get_by_role("button", name="Tiếp tục", exact=True).click()
    expect(page.get_by_role("heading", name="Kiểm tra lại thông tin")).to_be_visible()
    page.get_by_role("button", name="Nộp hồ sơ", exact=True).click()

    # The receipt offers the fee at once, with the amount the catalog gives.
    expect(page.get_by_role("heading", name="Đã nộp hồ sơ")).to_be_visible()
    code = page.locator(".dossier-code").inner_text()
    fee = page.get_by_role("region", name="Nộp phí, lệ phí")
    expect(fee).to_contain_text("150.000 đồng")
    assert_accessible(page)
    check_weight(page, "biên nhận có nộp phí")

    # "Việc cần làm" says so too, before any officer has looked at the dossier.
    page.get_by_role("link", name="Hồ sơ của tôi").first.click()
    todo = page.locator("ul.todo")
    expect(todo.get_by_role("link", name="Nộp phí, lệ phí: 150.000 đồng")).to_be_visible()
    assert_accessible(page)

    # Pay on the national platform's sandbox from the receipt's link.
    page.go_back()
    fee.get_by_role("link", name="Thanh toán trực tuyến").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nộp phí, lệ phí")
    expect(page.get_by_text("Thông tư số 85/2019/TT-BTC").first).to_be_visible()
    expect(page.get_by_text("150.000 đồng").first).to_be_visible()
    assert_accessible(page)
    form = page.locator("form.filters").first
    form.get_by_label(re.compile("Nền tảng thanh toán")).check()
    form.get_by_role("button", name="Thanh toán").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Nền tảng thanh toán"))
    page.get_by_role("button", name="Thanh toán").click()
    expect(page.get_by_text("Thanh toán thành công")).to_be_visible()
    assert Payment.objects.filter(charge__dossier__code=code, amount=150000).count() == 1
    assert not Charge.objects.filter(dossier__code=code, cancelled=False, payments__isnull=True).exists()
    page.goto(f"{base}/cua-toi/")
    expect(page.locator("ul.todo").get_by_role("link", name=re.compile("Nộp phí, lệ phí"))).to_have_count(0)
