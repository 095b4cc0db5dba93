"""Browser helpers for the officers' side: an officer with a TOTP device, and the two-step sign-in."""

import re

from playwright.sync_api import Page, expect

from motcua.eid import officers
from motcua.people.models import OfficerRole, User
from motcua.places.models import Agency

PASSWORD = "mat-khau-thu-nghiem-2026"


def officer(username, full_name, code, *roles):
    user = User.objects.create(username=username, full_name=full_name, kind=User.Kind.OFFICER, is_staff=True)
    user.set_password(PASSWORD)
    user.save()
    for role in roles:
        OfficerRole.objects.create(user=user, agency=Agency.objects.get(code=code), role=role)
    officers.ensure_device(user)  # their authenticator app holds this key
    return user


def sign_in(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/can-bo/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Đăng nhập")).click()
    # Second factor: the code the officer's authenticator app shows now, computed from its key.
    expect(page).to_have_url(re.compile("dang-nhap/ma-xac-thuc"))
    device = officers.confirmed_device(User.objects.get(username=username))
    page.get_by_label("Mã xác thực").fill(officers.next_usable_code(device))
    page.get_by_role("button", name=re.compile("Đăng nhập")).click()
    expect(page).not_to_have_url(re.compile("dang-nhap"))
