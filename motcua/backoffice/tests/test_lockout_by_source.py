"""Issue 17 item 3: officers are locked per account AND source address, behind the documented
reverse proxy too, and an administrator can unlock them."""

import io

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command

from motcua.eid import officers

pytestmark = pytest.mark.django_db
PASSWORD = "mat-khau-rat-dai-2026"
OFFICE, ELSEWHERE = "203.0.113.10", "198.51.100.77"


@pytest.fixture
def reception(people, settings):
    settings.AXES_FAILURE_LIMIT = 3
    user = people["reception"]
    user.set_password(PASSWORD)
    user.save()
    officers.ensure_device(user)
    return user


def password_step(client, password=PASSWORD, **extra):
    return client.post("/can-bo/dang-nhap/", {"username": "tiep_nhan", "password": password}, **extra)


def lock_from(client, **extra):
    for _ in range(3):
        response = password_step(client, password="sai-mat-khau", **extra)
    assert response.status_code == 429
    assert password_step(client, **extra).status_code == 429  # the right password too, from there


def test_failures_from_elsewhere_do_not_lock_the_officer_out_at_the_office(client, reception):
    lock_from(client, REMOTE_ADDR=ELSEWHERE)
    response = password_step(client, REMOTE_ADDR=OFFICE)
    assert response.status_code == 302 and "ma-xac-thuc" in response["Location"]


def test_behind_the_proxy_the_forwarded_client_is_counted_and_spoofed_entries_ignored(
    client, reception, settings
):
    settings.MOTCUA_PROXY_CLIENT_HEADER = "X-Forwarded-For"
    settings.MOTCUA_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}  # every request arrives from nginx
    # The attacker puts the office's address first; nginx appends the real one, which is what counts.
    lock_from(client, **proxy, HTTP_X_FORWARDED_FOR=f"{OFFICE}, {ELSEWHERE}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ELSEWHERE}
    response = password_step(client, **proxy, HTTP_X_FORWARDED_FOR=OFFICE)
    assert response.status_code == 302 and "ma-xac-thuc" in response["Location"]


def test_an_administrator_unlocks_in_the_admin(client, admin_client, reception):
    lock_from(client, REMOTE_ADDR=OFFICE)
    attempt = AccessAttempt.objects.get(username="tiep_nhan")
    page = admin_client.get("/quan-tri/axes/accessattempt/")
    assert page.status_code == 200 and "tiep_nhan" in page.content.decode()
    response = admin_client.post(f"/quan-tri/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not AccessAttempt.objects.exists()
    assert password_step(client, REMOTE_ADDR=OFFICE).status_code == 302


def test_an_administrator_unlocks_from_the_command_line(client, reception):
    lock_from(client, REMOTE_ADDR=OFFICE)
    call_command("axes_reset_username", "tiep_nhan", stdout=io.StringIO())
    assert password_step(client, REMOTE_ADDR=OFFICE).status_code == 302
