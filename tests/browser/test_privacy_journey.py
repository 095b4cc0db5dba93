"""A resident sees and downloads their data and asks for a correction, in a real browser.

They sign in with the sandbox VNeID, open "Dữ liệu của tôi" from "Hồ sơ của tôi", read the privacy
notice, download their data as JSON and as PDF (the JSON holds their dossier filed at the counter),
and ask for a correction: the request page shows its code and its due date. Every page passes
axe-core (WCAG 2.1 AA).
"""

import json
import re

import pytest
from playwright.sync_api import Page, expect

from motcua.catalog.models import Procedure
from motcua.dossiers.intake import Applicant, receive_in_person
from motcua.people.models import OfficerRole
from motcua.places.models import Agency
from motcua.privacy.models import DataSubjectRequest
from motcua.registries.sandbox import demo_people

from .citizen import sign_in_citizen
from .officers import officer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CENTER = "000.00.30.H52"


@pytest.fixture
def resident(live_reference_data, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    person = demo_people()["adult"]
    reception = officer("tiepnhan", "Nguyễn Thị Lan", CENTER, OfficerRole.Role.RECEPTION)
    dossier = receive_in_person(
        reception,
        Agency.objects.get(code=CENTER),
        Procedure.objects.get(code="1.000426"),
        Applicant(name=person.full_name, id_number=person.id_number),
        [],
    )
    return person, dossier.code


def test_a_resident_downloads_their_data_and_asks_for_a_correction(
    page: Page, live_server, resident, assert_accessible, tmp_path
):
    base = live_server.url
    person, code = resident
    sign_in_citizen(page, base, person.id_number, "/cua-toi/")
    main = page.locator("main")
    main.get_by_role("link", name="Dữ liệu của tôi", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dữ liệu của tôi")
    assert_accessible(page)

    with page.expect_download() as got:
        main.get_by_role("link", name="Tải về (JSON)").click()
    data = json.loads(got.value.path().read_text(encoding="utf-8"))
    assert data["account"]["personal_id"] == person.id_number
    assert [d["code"] for d in data["dossiers"]] == [code]
    with page.expect_download() as got:
        main.get_by_role("link", name="Tải về (PDF)").click()
    assert got.value.path().read_bytes().startswith(b"%PDF")

    main.get_by_role("link", name="Thông báo xử lý dữ liệu cá nhân").click()
    expect(page.get_by_role("heading", name="Quyền của bạn")).to_be_visible()
    assert_accessible(page)
    page.go_back()

    main.get_by_label("Loại yêu cầu").select_option("correction")
    main.get_by_label("Nội dung: dữ liệu nào, cần sửa thế nào, vì sao").fill("Số điện thoại của tôi đã đổi.")
    main.get_by_role("button", name="Gửi yêu cầu", exact=True).click()
    req = DataSubjectRequest.objects.get(person_id=person.id_number)
    expect(page).to_have_url(re.compile(f"/cua-toi/du-lieu/yeu-cau/{re.escape(req.code)}/$"))
    expect(page.locator("#trang-thai")).to_have_text("Đã nhận, chờ xác nhận")
    expect(page.get_by_role("status")).to_contain_text(req.code)
    assert_accessible(page)
