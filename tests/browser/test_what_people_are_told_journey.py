"""What each side is told, in a real browser.

A citizen reads their notifications: the legal appointment date and the papers to supplement,
never the note the head of department wrote when assigning the dossier (issue 13, item 1).
An approver opens a dossier whose consulted agency has not answered: approval is missing, and
the page says which rule holds it back and which agency is awaited, until that agency answers
(issue 13, item 9).
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from motcua.catalog.models import Procedure
from motcua.dossiers import services
from motcua.dossiers.intake import Applicant, receive_in_person
from motcua.people.models import OfficerRole
from motcua.places.models import Agency
from motcua.registries.sandbox import demo_people

from .citizen import sign_in_citizen
from .officers import officer, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CENTER, JUSTICE, POLICE = "000.00.30.H52", "000.00.04.H52", "000.00.14.H52"
NOTE = "Đề nghị thẩm định trong 2 ngày, chú ý hồ sơ này."
R = OfficerRole.Role


@pytest.fixture
def staff(live_reference_data):
    return {
        "reception": officer("tiepnhan", "Nguyễn Thị Lan", CENTER, R.RECEPTION),
        "head": officer("truongphong", "Trần Văn Minh", JUSTICE, R.UNIT_HEAD),
        "specialist": officer("chuyenvien", "Lê Thị Hoa", JUSTICE, R.SPECIALIST),
        "approver": officer("giamdoc", "Hoàng Văn Duyệt", JUSTICE, R.APPROVER),
        "police": officer("congan", "Vi Văn Toàn", POLICE, R.SPECIALIST),
    }


def counter_dossier(staff, applicant: Applicant):
    procedure = Procedure.objects.get(code="1.000426")  # Sở Tư pháp, 5 working days
    return receive_in_person(staff["reception"], Agency.objects.get(code=CENTER), procedure, applicant, [])


def do(page: Page, action: str, fill: dict | None = None, select: dict | None = None) -> None:
    section = page.locator(f"#thao-tac-{action}")
    expect(section).to_be_visible()
    for label, value in (fill or {}).items():
        section.get_by_label(label).fill(value)
    for label, text in (select or {}).items():
        field = section.get_by_label(label)
        field.select_option(value=field.locator("option", has_text=text).first.get_attribute("value"))
    section.get_by_role("button").last.click()
    expect(page.locator(".errorlist, .notice-error")).to_have_count(0)


def test_a_citizen_is_told_the_appointment_and_the_papers_never_the_internal_note(
    page: Page, live_server, staff, assert_accessible
):
    base = live_server.url
    person = demo_people()["adult"]
    dossier = counter_dossier(
        staff, Applicant(name=person.full_name, id_number=person.id_number, phone="0912345678")
    )
    due = timezone.localtime(dossier.due_at).strftime("%H:%M %d/%m/%Y")

    # The head assigns with an internal note; the form says it stays internal.
    sign_in(page, base, "truongphong")
    page.goto(f"{base}/can-bo/ho-so/{dossier.code}/")
    expect(page.locator("#thao-tac-assign")).to_contain_text("không gửi cho người nộp hồ sơ")
    do(page, "assign", fill={"Ghi chú (không bắt buộc)": NOTE}, select={"Giao cho": "Lê Thị Hoa"})
    # The specialist asks for a paper, with a note of their own.
    sign_in(page, base, "chuyenvien")
    page.goto(f"{base}/can-bo/ho-so/{dossier.code}/")
    do(
        page,
        "request_supplement",
        fill={
            "Giấy tờ cần bổ sung, hoàn thiện và lý do": "Bản sao Giấy khai sinh",
            "Ghi chú (không bắt buộc)": "Nội bộ: hỏi lại phòng hộ tịch",
        },
    )

    # The citizen reads their notifications.
    sign_in_citizen(page, base, person.id_number, "/cua-toi/")
    page.goto(f"{base}/cua-toi/thong-bao/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thông báo")
    notes = page.locator("ul.results")
    assigned = notes.locator("li", has_text="Phân công xử lý")
    expect(assigned.first).to_be_visible()
    expect(assigned.first).to_contain_text(re.compile(f"hẹn trả kết quả: {re.escape(due)}", re.IGNORECASE))
    expect(
        notes.locator("li", has_text="Giấy tờ cần bổ sung, hoàn thiện: Bản sao Giấy khai sinh").first
    ).to_be_visible()
    expect(notes).not_to_contain_text(NOTE)
    expect(notes).not_to_contain_text("Nội bộ")
    expect(notes).not_to_contain_text(re.compile(r"Hạn trả: (?!\d)"))  # the due slot holds a date only
    assert_accessible(page)


def test_an_approver_is_told_why_approval_is_missing_and_who_is_awaited(
    page: Page, live_server, staff, assert_accessible
):
    base = live_server.url
    dossier = counter_dossier(staff, Applicant(name="Nguyễn Thị Ánh", id_number="014090001111"))
    services.perform(dossier, "assign", staff["head"], assignee=staff["specialist"])
    dossier.refresh_from_db()
    services.perform(
        dossier,
        "consult",
        staff["specialist"],
        to_agencies=[Agency.objects.get(code=POLICE)],
        question="Đề nghị xác minh nhân thân.",
    )
    police = Agency.objects.get(code=POLICE).name

    sign_in(page, base, "giamdoc")
    page.goto(f"{base}/can-bo/ho-so/{dossier.code}/")
    expect(page.locator("#thao-tac-approve")).to_have_count(0)
    withheld = page.locator("#thao-tac-chua-thuc-hien")
    expect(withheld.get_by_role("heading", name="Thao tác chưa thực hiện được")).to_be_visible()
    expect(withheld).to_contain_text("Phê duyệt")
    expect(withheld).to_contain_text("Còn cơ quan liên thông chưa trả lời.")
    expect(withheld).to_contain_text(f"{police} (liên thông)")
    expect(withheld).to_contain_text("hạn trả lời")
    assert_accessible(page)

    # The consulted agency answers; approval appears and nothing is said to be missing.
    sign_in(page, base, "congan")
    page.goto(f"{base}/can-bo/ho-so/{dossier.code}/")
    do(page, "answer_consultation", fill={"Nội dung trả lời": "Đã xác minh, thông tin đúng."})
    sign_in(page, base, "giamdoc")
    page.goto(f"{base}/can-bo/ho-so/{dossier.code}/")
    expect(page.locator("#thao-tac-approve")).to_be_visible()
    expect(page.locator("#thao-tac-chua-thuc-hien")).to_have_count(0)
