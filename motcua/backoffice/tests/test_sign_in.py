"""Officers sign in with a password and a TOTP code; repeated failures lock the account."""

import re
import time

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from motcua.audit.models import AuditEntry
from motcua.eid import officers

pytestmark = pytest.mark.django_db
PASSWORD = "mat-khau-rat-dai-2026"


@pytest.fixture
def reception(people):
    user = people["reception"]
    user.set_password(PASSWORD)
    user.save()
    return user


def password_step(client, username="tiep_nhan", password=PASSWORD, next_url=""):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post("/can-bo/dang-nhap/", data)


def test_a_password_alone_does_not_open_the_officers_site(client, reception):
    officers.ensure_device(reception)
    response = password_step(client, next_url="/can-bo/tiep-nhan/")
    assert response.status_code == 302
    assert response["Location"] == "/can-bo/dang-nhap/ma-xac-thuc/?next=%2Fcan-bo%2Ftiep-nhan%2F"
    # Nobody is signed in between the two steps.
    assert "_auth_user_id" not in client.session
    response = client.get("/can-bo/")
    assert response.status_code == 302 and response["Location"].startswith("/can-bo/dang-nhap/")


def test_an_officer_without_a_device_enrols_with_a_qr_and_one_code(client, reception):
    response = password_step(client)
    assert response["Location"].startswith("/can-bo/dang-nhap/dang-ky-ma/")
    page = client.get(response["Location"]).content.decode()
    assert '<img class="qr-image" src="data:image/svg+xml' in page and "<script" not in page
    assert 'style="' not in page and '<label for="ma_xac_thuc">' in page
    device = TOTPDevice.objects.get(user=reception, confirmed=False)
    key = re.search(r'<span class="totp-key">([A-Z2-7]+)</span>', page).group(1)
    assert key == officers.base32_key(device)

    response = client.post("/can-bo/dang-nhap/dang-ky-ma/", {"ma_xac_thuc": "000000"})
    assert response.status_code == 400 and 'href="#ma_xac_thuc"' in response.content.decode()
    assert client.get("/can-bo/").status_code == 302

    code = officers.next_usable_code(device)
    # Right after a wrong code the device is throttled (django-otp): a clear "wait", nothing checked.
    response = client.post("/can-bo/dang-nhap/dang-ky-ma/", {"ma_xac_thuc": code})
    assert response.status_code == 429 and "đợi vài giây" in response.content.decode()
    time.sleep(1.1)
    response = client.post("/can-bo/dang-nhap/dang-ky-ma/", {"ma_xac_thuc": code, "next": "/can-bo/"})
    assert response.status_code == 302 and response["Location"] == "/can-bo/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/can-bo/").status_code == 200
    assert AuditEntry.objects.filter(action="officer.totp_enrolled", actor_id=reception.pk).exists()


def test_sign_in_with_password_and_code_keeps_next_and_refuses_open_redirects(client, reception):
    device = officers.ensure_device(reception)
    password_step(client, next_url="https://evil.example/")
    response = client.post(
        "/can-bo/dang-nhap/ma-xac-thuc/",
        {"ma_xac_thuc": officers.next_usable_code(device), "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and response["Location"] == "/can-bo/"
    assert client.get("/can-bo/").status_code == 200
    assert AuditEntry.objects.filter(action="officer.sign_in", actor_id=reception.pk).exists()


def test_a_code_is_single_use(client, reception):
    device = officers.ensure_device(reception)
    code = officers.next_usable_code(device)
    password_step(client)
    assert client.post("/can-bo/dang-nhap/ma-xac-thuc/", {"ma_xac_thuc": code}).status_code == 302
    client.post("/can-bo/dang-xuat/")
    password_step(client)
    response = client.post("/can-bo/dang-nhap/ma-xac-thuc/", {"ma_xac_thuc": code})
    assert response.status_code == 400 and client.get("/can-bo/").status_code == 302


def test_the_code_step_expires(client, reception, settings):
    officers.ensure_device(reception)
    password_step(client)
    settings.MOTCUA_OFFICER_SIGN_IN_SECONDS = -1
    response = client.get("/can-bo/dang-nhap/ma-xac-thuc/")
    assert response.status_code == 302 and response["Location"].startswith("/can-bo/dang-nhap/")


@pytest.mark.parametrize("where", ["password", "code"])
def test_repeated_failures_lock_the_account(client, reception, settings, where):
    settings.AXES_FAILURE_LIMIT = 3
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the device's own slow-down off: count the lockout alone
    device = officers.ensure_device(reception)
    for _ in range(3):
        if where == "password":
            response = password_step(client, password="sai-mat-khau")
        else:
            password_step(client)
            response = client.post("/can-bo/dang-nhap/ma-xac-thuc/", {"ma_xac_thuc": "000000"})
    assert response.status_code == 429
    assert "Tài khoản tạm khóa" in response.content.decode()
    # Now even the right password and code are refused, and nobody is signed in.
    response = password_step(client)
    assert response.status_code == 429
    response = client.post(
        "/can-bo/dang-nhap/ma-xac-thuc/", {"ma_xac_thuc": officers.next_usable_code(device)}
    )
    assert response.status_code in (302, 429)
    assert client.get("/can-bo/").status_code == 302


def test_another_officer_is_not_locked_by_a_colleagues_failures(client, reception, people, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        password_step(client, password="sai")
    other = people["specialist"]
    other.set_password(PASSWORD)
    other.save()
    device = officers.ensure_device(other)
    assert password_step(client, username=other.username).status_code == 302
    response = client.post(
        "/can-bo/dang-nhap/ma-xac-thuc/", {"ma_xac_thuc": officers.next_usable_code(device)}
    )
    assert response.status_code == 302 and client.get("/can-bo/").status_code == 200


def test_an_idle_session_asks_to_sign_in_again(client, people, settings):
    from motcua.eid.testing import sign_in_officer

    sign_in_officer(client, people["reception"])
    assert client.get("/can-bo/").status_code == 200
    session = client.session
    session["officer_last_seen"] -= settings.MOTCUA_OFFICER_IDLE_MINUTES * 60 + 1
    session.save()
    response = client.get("/can-bo/tiep-nhan/")
    assert response.status_code == 302 and response["Location"].startswith("/can-bo/dang-nhap/?next=")
    assert "_auth_user_id" not in client.session
    assert any("lâu không thao tác" in str(m) for m in response.wsgi_request._messages)
