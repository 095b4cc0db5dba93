"""A resident follows their dossiers on "Hồ sơ của tôi", in a real browser.

They sign in with the sandbox VNeID and find the dossiers filed under their ID number at the
counter (no account was needed then). One waits for supplement papers: they send a scan. One
has its result: they rate it "Không hài lòng", which opens a feedback case; the Department's
head accepts and answers it in the back office (password + TOTP); the resident reads the answer
and says whether it satisfied them. Every citizen page passes axe-core (WCAG 2.1 AA) and stays
light.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from motcua.catalog.models import Procedure
from motcua.core.testing import minimal_pdf
from motcua.dossiers.intake import Applicant, receive_in_person
from motcua.dossiers.models import Dossier, Status
from motcua.feedback.models import FeedbackCase
from motcua.people.models import OfficerRole
from motcua.places.models import Agency
from motcua.registries.sandbox import demo_people

from .citizen import sign_in_citizen
from .officers import officer, sign_in
from .weight import check_weight

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CENTER, JUSTICE = "000.00.30.H52", "000.00.04.H52"
PDF_SCAN = minimal_pdf()  # uploads are parsed, so a real PDF


@pytest.fixture
def resident_dossiers(live_reference_data, settings, tmp_path):
    """Two counter dossiers of a synthetic resident: one asked for papers, one with its result."""
    settings.MEDIA_ROOT = tmp_path / "media"
    person = demo_people()["adult"]
    reception = officer("tiepnhan", "Nguyễn Thị Lan", CENTER, OfficerRole.Role.RECEPTION)
    officer("truongphong", "Trần Văn Minh", JUSTICE, OfficerRole.Role.UNIT_HEAD)
    procedure = Procedure.objects.get(code="1.000426")
    applicant = Applicant(name=person.full_name, id_number=person.id_number)
    made = [
        receive_in_person(reception, Agency.objects.get(code=CENTER), procedure, applicant, []) for _ in "ab"
    ]
    # Given their states (the lifecycle itself is tested in dossiers and the back-office journey):
    Dossier.objects.filter(pk=made[0].pk).update(status=Status.SUPPLEMENT)
    Dossier.objects.filter(pk=made[1].pk).update(status=Status.RETURNED)
    return person, made[0].code, made[1].code


def test_a_resident_follows_rates_complains_and_sends_papers(
    page: Page, live_server, resident_dossiers, assert_accessible, tmp_path
):
    base = live_server.url
    person, waiting, finished = resident_dossiers
    sign_in_citizen(page, base, person.id_number, "/cua-toi/", check=assert_accessible)

    # My page: both dossiers, and what is expected now.
    expect(page.get_by_role("heading", level=1)).to_have_text("Hồ sơ của tôi")
    todo = page.locator("ul.todo")
    expect(todo.get_by_role("link", name="Bổ sung, hoàn thiện hồ sơ theo yêu cầu")).to_be_visible()
    expect(todo.get_by_role("link", name="Đánh giá mức độ hài lòng")).to_be_visible()
    expect(page.get_by_role("link", name=waiting)).to_be_visible()
    assert_accessible(page)
    check_weight(page, "hồ sơ của tôi")

    # Send the supplement papers: a file that is not what it says is refused, a real scan goes.
    todo.get_by_role("link", name="Bổ sung, hoàn thiện hồ sơ theo yêu cầu").click()
    expect(page).to_have_url(re.compile(f"/cua-toi/ho-so/{re.escape(waiting)}/$"))
    assert_accessible(page)
    fake = tmp_path / "giay-to.pdf"
    fake.write_bytes(b"MZ not a pdf at all")
    page.get_by_label("Giấy tờ bổ sung (PDF, JPEG hoặc PNG)").set_input_files(str(fake))
    page.get_by_role("button", name="Gửi giấy tờ bổ sung").click()
    expect(page.get_by_role("alert")).to_contain_text("không phải PDF, JPEG hay PNG")
    assert_accessible(page)
    scan = tmp_path / "xac-nhan.pdf"
    scan.write_bytes(PDF_SCAN)
    page.get_by_label("Giấy tờ bổ sung (PDF, JPEG hoặc PNG)").set_input_files(str(scan))
    page.get_by_role("button", name="Gửi giấy tờ bổ sung").click()
    expect(page.get_by_role("status").first).to_contain_text("Đã gửi giấy tờ bổ sung")
    expect(page.get_by_text("Người nộp hồ sơ gửi giấy tờ bổ sung trực tuyến")).to_be_visible()

    # Rate the finished one: "Không hài lòng" needs a reason, then opens a feedback case.
    page.get_by_role("link", name="← Hồ sơ của tôi").click()
    page.get_by_role("link", name=finished).click()
    page.get_by_label("Không hài lòng", exact=True).check()
    page.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.get_by_role("alert")).to_contain_text("Nhập ý kiến")
    assert_accessible(page)
    page.get_by_label("Không hài lòng", exact=True).check()
    page.get_by_label(re.compile("Ý kiến của bạn")).fill("Tôi phải đến nhận kết quả hai lần.")
    page.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.get_by_text("Bạn đã đánh giá “Không hài lòng”")).to_be_visible()
    case = FeedbackCase.objects.get(dossier__code=finished)
    expect(page.get_by_role("link", name=case.code)).to_be_visible()
    assert_accessible(page)

    # The Department of Justice's head answers it, signed in with password + TOTP.
    sign_in(page, base, "truongphong")
    page.get_by_role("link", name="Phản ánh, kiến nghị").click()
    page.get_by_role("link", name=case.code).click()
    expect(page.get_by_text("Tôi phải đến nhận kết quả hai lần.")).to_be_visible()
    page.locator("#thao-tac-accept").get_by_role("button", name="Thụ lý").click()
    page.get_by_label("Nội dung trả lời").fill("Sở xin lỗi; từ nay kết quả được gửi qua bưu chính.")
    page.locator("#thao-tac-answer").get_by_role("button", name="Trả lời").click()
    expect(page.get_by_text("Đã cập nhật phản ánh")).to_be_visible()

    # Back on the citizen side: the answer, and the resident's verdict on it.
    page.context.clear_cookies()
    sign_in_citizen(page, base, person.id_number, f"/cua-toi/phan-anh/{case.code}/")
    expect(page.get_by_text("Sở xin lỗi; từ nay kết quả được gửi qua bưu chính.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Hài lòng", exact=True).check()
    page.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.get_by_text("Bạn đã đánh giá: Hài lòng với trả lời.")).to_be_visible()
    case.refresh_from_db()
    assert case.status == FeedbackCase.Status.ANSWERED and case.reaction == "like"
    assert case.answered_on_time() is True
