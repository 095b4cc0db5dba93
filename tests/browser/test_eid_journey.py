"""A synthetic resident signs in with the sandbox VNeID in a real browser, sees their name in the
site header, and signs out."""

import re

import pytest
from playwright.sync_api import Page, expect

from motcua.eid import keys

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sandbox(settings, tmp_path):
    settings.MOTCUA_EID_SANDBOX = True
    settings.MOTCUA_EID_SANDBOX_BASE_URL = ""
    settings.MOTCUA_EID_SANDBOX_PASSCODE = "135790"
    settings.VAR_DIR = tmp_path / "var"
    keys.signing_key.cache_clear()
    yield
    keys.signing_key.cache_clear()


def test_a_resident_signs_in_with_vneid_and_out(
    page: Page, live_server, live_reference_data, sandbox, assert_accessible
):
    from motcua.registries import get
    from motcua.registries.sandbox import demo_people

    person = next(
        p
        for p in demo_people().values()
        if p.deceased_on is None and not get("business").represented_by(p.id_number)
    )
    violations = []
    page.on(
        "console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    page.goto(f"{live_server.url}/tra-cuu/")
    page.get_by_role("link", name="Đăng nhập bằng VNeID").click()

    expect(page.get_by_role("heading", name="VNeID — môi trường thử nghiệm")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Số định danh cá nhân").fill("123")
    page.get_by_role("button", name="Tiếp tục").click()
    expect(page.get_by_role("alert")).to_contain_text("12 chữ số")
    assert_accessible(page)
    page.get_by_role("alert").get_by_role("link").click()
    expect(page.get_by_label("Số định danh cá nhân")).to_be_focused()
    page.get_by_label("Số định danh cá nhân").fill(person.id_number)
    page.get_by_label("Mã đăng nhập thử nghiệm").fill("135790")
    page.get_by_role("button", name="Tiếp tục").click()

    expect(page.get_by_role("heading", name="Đồng ý chia sẻ thông tin")).to_be_visible()
    expect(page.get_by_text(person.permanent_address)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Đồng ý và đăng nhập").click()

    expect(page).to_have_url(re.compile(r"/tra-cuu/$"))  # back where they started
    header = page.locator("header")
    expect(header.get_by_text(person.full_name)).to_be_visible()
    assert_accessible(page)
    header.get_by_role("button", name="Đăng xuất").click()
    expect(page.locator("header").get_by_role("link", name="Đăng nhập bằng VNeID")).to_be_visible()
    expect(page.locator("header").get_by_text(person.full_name)).to_have_count(0)
    assert violations == []
