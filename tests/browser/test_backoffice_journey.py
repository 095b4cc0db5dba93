"""A paper dossier from the counter to a signed result that anyone can verify, in a real browser.

A counter officer receives it and scans a paper, the head of the department assigns it, the
specialist sends it to the Department of Finance and gets the answer back, the approver signs
the result, and a visitor verifies the applicant's copy on the public page — a tampered copy fails.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from motcua.core.testing import minimal_pdf
from motcua.people.models import OfficerRole
from motcua.places.models import Agency

from .officers import officer, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CENTER, JUSTICE, FINANCE = "000.00.30.H52", "000.00.04.H52", "000.00.03.H52"
PDF_SCAN = minimal_pdf()  # uploads are parsed, so a real PDF


@pytest.fixture
def staff(live_reference_data):
    R = OfficerRole.Role
    return {
        "reception": officer("tiepnhan", "Nguyễn Thị Lan", CENTER, R.RECEPTION),
        "head": officer("truongphong", "Trần Văn Minh", JUSTICE, R.UNIT_HEAD),
        "specialist": officer("chuyenvien", "Lê Thị Hoa", JUSTICE, R.SPECIALIST),
        "finance": officer("taichinh", "Phạm Văn Tài", FINANCE, R.SPECIALIST),
        "approver": officer("giamdoc", "Hoàng Văn Duyệt", JUSTICE, R.APPROVER),
    }


def choose(select, text: str) -> None:
    """Select the option whose text contains `text` (labels may add a role or a group)."""
    value = select.locator("option", has_text=text).first.get_attribute("value")
    select.select_option(value=value)


def do(page: Page, action: str, fill: dict | None = None, select: dict | None = None) -> None:
    section = page.locator(f"#thao-tac-{action}")
    expect(section).to_be_visible()
    for label, value in (fill or {}).items():
        section.get_by_label(label).fill(value)
    for label, value in (select or {}).items():
        choose(section.get_by_label(label), value)
    section.get_by_role("button").last.click()
    expect(page.locator(".errorlist, .message-error")).to_have_count(0)


def test_counter_to_signed_result_that_verifies(page: Page, live_server, staff, tmp_path):
    base = live_server.url

    # 1. The counter officer receives a paper dossier and scans one paper.
    sign_in(page, base, "tiepnhan")
    page.goto(f"{base}/can-bo/tiep-nhan/")
    page.get_by_label("Hoặc nhập đúng mã thủ tục").fill("1.000426")
    page.get_by_role("button", name="Chọn").click()
    page.get_by_label("Họ và tên (hoặc tên tổ chức)").fill("Nguyễn Thị Ánh Tuyết")
    page.get_by_label("Số định danh cá nhân (12 chữ số) hoặc mã số thuế").fill("014190001234")
    page.get_by_label("Số điện thoại").fill("0912345678")
    first_paper = page.locator("fieldset.paper").first
    first_paper.get_by_label("Đã nhận").check()
    first_paper.get_by_label("Bản chính").fill("1")
    scan = tmp_path / "don-de-nghi.pdf"
    scan.write_bytes(PDF_SCAN)
    first_paper.get_by_label(re.compile("Bản quét")).set_input_files(str(scan))
    page.get_by_role("button", name="Tiếp nhận hồ sơ").click()
    code = re.search(r"000\.00\.30\.H52-\d{6}-\d{4}", page.content()).group(0)
    receipt = page.request.get(f"{base}/can-bo/ho-so/{code}/phieu/01/")
    assert receipt.ok and receipt.body().startswith(b"%PDF")

    # 2. The head of the Department of Justice assigns it.
    sign_in(page, base, "truongphong")
    page.goto(f"{base}/can-bo/ho-so/{code}/")
    do(page, "assign", select={"Giao cho": "Lê Thị Hoa"})

    # 3. The specialist sends it to the Department of Finance (liên thông)…
    sign_in(page, base, "chuyenvien")
    page.goto(f"{base}/can-bo/ho-so/{code}/")
    section = page.locator("#thao-tac-consult")
    choose(
        section.get_by_label("Cơ quan được chuyển liên thông, xin ý kiến"),
        Agency.objects.get(code=FINANCE).name,
    )
    section.get_by_label("Nội dung đề nghị").fill("Đề nghị cho ý kiến về nghĩa vụ tài chính.")
    section.get_by_role("button").last.click()
    expect(page.get_by_text("Đề nghị cho ý kiến về nghĩa vụ tài chính.").first).to_be_visible()

    # 4. …which answers…
    sign_in(page, base, "taichinh")
    page.goto(f"{base}/can-bo/ho-so/{code}/")
    do(page, "answer_consultation", fill={"Nội dung trả lời": "Không phát sinh nghĩa vụ tài chính."})

    # 5. …and the specialist finishes the appraisal.
    sign_in(page, base, "chuyenvien")
    page.goto(f"{base}/can-bo/ho-so/{code}/")
    expect(page.get_by_text("Không phát sinh nghĩa vụ tài chính.").first).to_be_visible()
    do(page, "complete_step")

    # 6. The approver approves and signs the result.
    sign_in(page, base, "giamdoc")
    page.goto(f"{base}/can-bo/ho-so/{code}/")
    do(page, "approve")
    page.locator("#thao-tac-issue_result").get_by_role("button", name="Ký số và ban hành kết quả").click()
    result = page.request.get(f"{base}/can-bo/ho-so/{code}/ket-qua/")
    assert result.ok and result.body().startswith(b"%PDF")
    signed = tmp_path / "ket-qua.pdf"
    signed.write_bytes(result.body())
    tampered = tmp_path / "ket-qua-bi-sua.pdf"
    data = bytearray(result.body())
    data[len(data) // 3] ^= 0x01
    tampered.write_bytes(bytes(data))

    # 7. Anyone verifies the applicant's copy; a tampered copy fails.
    page.context.clear_cookies()
    page.goto(f"{base}/xac-thuc/")
    page.locator("input[type=file]").set_input_files(str(signed))
    page.locator("main form button[type=submit]").last.click()  # not the assistant widget's, in the footer
    expect(page.locator("main")).to_contain_text(code)
    expect(page.locator("main")).to_contain_text(re.compile("hợp lệ", re.IGNORECASE))
    expect(page.locator("main")).not_to_contain_text(re.compile("không hợp lệ", re.IGNORECASE))
    page.goto(f"{base}/xac-thuc/")
    page.locator("input[type=file]").set_input_files(str(tampered))
    page.locator("main form button[type=submit]").last.click()  # not the assistant widget's, in the footer
    expect(page.locator("main")).to_contain_text(
        re.compile("không hợp lệ|đã bị sửa|bị thay đổi", re.IGNORECASE)
    )
