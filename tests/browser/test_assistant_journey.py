"""A resident asks the assistant, in a real browser: from the widget on the home page, a cited
answer composed from the catalog record; the "Nộp trực tuyến" button starts the prefilled e-form;
signed in, "where is my dossier" from their own dossiers; a question handed over to an officer,
who answers it in the back office, and the answer comes back on the resident's page. Every page
passes axe-core (WCAG 2.1 AA)."""

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from motcua.catalog.models import Procedure
from motcua.dossiers.intake import Applicant, receive_in_person
from motcua.feedback.models import FeedbackCase
from motcua.people.models import OfficerRole
from motcua.places.models import Agency
from motcua.registries.sandbox import demo_people

from .citizen import sign_in_citizen
from .officers import officer, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CENTER = "000.00.30.H52"


def test_ask_get_a_cited_answer_start_the_form_ask_about_my_dossier_and_hand_over(
    page: Page, live_server, live_reference_data, assert_accessible
):
    base = live_server.url
    person = demo_people()["adult"]
    reception = officer("tiepnhan", "Nguyễn Thị Lan", CENTER, OfficerRole.Role.RECEPTION)
    applicant = Applicant(name=person.full_name, id_number=person.id_number)
    mine = receive_in_person(
        reception, Agency.objects.get(code=CENTER), Procedure.objects.get(code="1.000426"), applicant, []
    )

    # The widget on the home page: a cited answer from the record.
    page.goto(f"{base}/")
    assert_accessible(page)  # the widget is on every public page
    page.get_by_label("Hỏi trợ lý về thủ tục (giấy tờ, phí, thời hạn)").fill(
        "làm giấy khai sinh cho con mất bao nhiêu tiền"
    )
    page.get_by_role("button", name="Hỏi", exact=True).click()
    expect(page).to_have_url(re.compile(r"/tro-ly/\?hoi="))
    answer = page.locator(".guide-answer")
    expect(answer.get_by_role("heading", name="Phí, lệ phí")).to_be_visible()
    expect(answer).to_contain_text("Miễn phí")
    expect(answer).to_contain_text("Nguồn: thủ tục 1.001193, phiên bản 1, trường fees")
    expect(answer).to_contain_text("163/QĐ-BTP")
    assert_accessible(page)

    # "Nộp trực tuyến" starts the e-form, after the eID sign-in.
    answer.get_by_role("link", name="Nộp trực tuyến").click()
    expect(page).to_have_url(re.compile(r"/oidc/|/eid-sandbox/"))
    sign_in_citizen(page, base, person.id_number, "/nop-ho-so/1.001193/", check=assert_accessible)
    expect(page).to_have_url(re.compile(r"/nop-ho-so/ho-so/\d+/trang/\d+/"))

    # Signed in: my dossier, from my own data.
    page.goto(f"{base}/tro-ly/?hoi={quote('hồ sơ của tôi đến đâu rồi')}")
    expect(page.locator(".guide-answer")).to_contain_text(mine.code)
    assert_accessible(page)

    # Hand a question over to an officer.
    page.goto(f"{base}/tro-ly/?hoi={quote('đổi bằng lái xe hết hạn cần giấy tờ gì')}")
    page.get_by_role("button", name="Hỏi cán bộ").click()
    expect(page).to_have_url(re.compile(r"/cua-toi/phan-anh/PAKN-"))
    case = FeedbackCase.objects.get(dossier__isnull=True)
    assert_accessible(page)

    # An officer of the agency that received it answers in the back office.
    officer("canbo_pakn", "Trần Văn Minh", case.agency.code, OfficerRole.Role.RECEPTION)
    sign_in(page, base, "canbo_pakn")
    page.get_by_role("link", name="Phản ánh, kiến nghị").click()
    page.get_by_role("link", name=case.code).click()
    page.locator("#thao-tac-accept").get_by_role("button", name="Thụ lý").click()
    page.get_by_label("Nội dung trả lời").fill("Mang thẻ căn cước và giấy khám sức khỏe.")
    page.locator("#thao-tac-answer").get_by_role("button", name="Trả lời").click()
    expect(page.get_by_text("Đã cập nhật phản ánh")).to_be_visible()

    # The answer comes back to the resident.
    page.context.clear_cookies()
    sign_in_citizen(page, base, person.id_number, f"/cua-toi/phan-anh/{case.code}/")
    expect(page.get_by_text("Mang thẻ căn cước và giấy khám sức khỏe.")).to_be_visible()
