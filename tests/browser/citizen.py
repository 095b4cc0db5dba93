"""Browser helpers for the citizen side: sign in through the sandbox VNeID, for real."""

import re
from urllib.parse import quote

from django.conf import settings
from playwright.sync_api import Page, expect


def sign_in_citizen(page: Page, base_url: str, id_number: str, next_path: str = "/", *, check=None) -> None:
    """Sign in as the resident `id_number` through the sandbox eID (login, consent, callback).

    `check(page)` (e.g. assert_accessible) runs on each eID page. A person who represents an
    organisation is asked whom they act for: they act for themselves.
    """
    page.goto(f"{base_url}/oidc/authenticate/?next={quote(next_path)}")
    expect(page.get_by_role("heading", name="VNeID — môi trường thử nghiệm")).to_be_visible()
    if check:
        check(page)
    page.get_by_label("Số định danh cá nhân").fill(id_number)
    page.get_by_label("Mã đăng nhập thử nghiệm").fill(settings.MOTCUA_EID_SANDBOX_PASSCODE)
    page.get_by_role("button", name="Tiếp tục").click()
    expect(page.get_by_role("heading", name="Đồng ý chia sẻ thông tin")).to_be_visible()
    if check:
        check(page)
    page.get_by_role("button", name="Đồng ý và đăng nhập").click()
    page.wait_for_load_state("load")
    if re.search(r"/oidc/thuc-hien-cho/", page.url):
        page.get_by_label(re.compile("^Bản thân")).check()
        page.get_by_role("button", name="Tiếp tục").click()
    expect(page).not_to_have_url(re.compile(r"/oidc/|/eid-sandbox/"))
