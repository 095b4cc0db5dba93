"""Finding message-log entries: the read-only, audited admin and `motcua messages`."""

from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command

from motcua.audit.models import AuditEntry
from motcua.eid.testing import sign_in_officer
from motcua.exchange.models import MessageLog
from motcua.people.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows():
    return [
        MessageLog.objects.create(
            service="population",
            method="GET",
            url="https://lgsp/dan-cu/cong-dan/014085000001",
            response_status=200,
            outcome="ok",
            correlation_id="c-1",
            response_body="{}",
        ),
        MessageLog.objects.create(
            service="business",
            method="GET",
            url="https://lgsp/dang-ky-doanh-nghiep/x",
            response_status=500,
            outcome="http_error",
            correlation_id="c-2",
        ),
    ]


def _officer(with_permission: bool) -> User:
    user = User.objects.create_user("giamsat-tdl", password="x", is_staff=True)
    if with_permission:
        user.user_permissions.add(Permission.objects.get(codename="view_messagelog"))
    return user


def test_an_officer_without_the_permission_cannot_read_the_log(client, rows):
    sign_in_officer(client, _officer(False))
    assert client.get("/quan-tri/exchange/messagelog/").status_code == 403


def test_a_password_alone_does_not_open_the_admin(client, rows):
    client.force_login(_officer(True))  # no TOTP step
    response = client.get("/quan-tri/exchange/messagelog/")
    assert response.status_code == 302 and "/quan-tri/login/" in response["Location"]


def test_the_admin_is_read_only_and_every_read_is_audited(client, rows):
    officer = _officer(True)
    sign_in_officer(client, officer)
    response = client.get("/quan-tri/exchange/messagelog/", {"q": "c-1"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "c-2" not in content  # the exact correlation id search found only c-1
    listed = AuditEntry.objects.get(action="exchange.messagelog.admin_list")
    assert listed.actor == officer.username and listed.data["query"] == {"q": ["c-1"]}
    assert client.get(f"/quan-tri/exchange/messagelog/{rows[0].pk}/change/").status_code == 200
    assert AuditEntry.objects.filter(
        action="exchange.messagelog.admin_view", object_id=str(rows[0].pk)
    ).exists()
    assert client.get("/quan-tri/exchange/messagelog/add/").status_code == 403
    client.post(f"/quan-tri/exchange/messagelog/{rows[0].pk}/change/", {"service": "x"})
    client.post(f"/quan-tri/exchange/messagelog/{rows[0].pk}/delete/", {"post": "yes"})
    rows[0].refresh_from_db()
    assert rows[0].service == "population"


def test_the_messages_command_filters_and_is_audited(rows):
    out = StringIO()
    call_command("messages", "--service", "business", stdout=out)
    text = out.getvalue()
    assert "c-2" in text and "c-1" not in text and "http_error" in text
    out = StringIO()
    call_command("messages", "--correlation-id", "c-1", "--bodies", stdout=out)
    assert "c-1" in out.getvalue() and "nhận: {}" in out.getvalue()
    out = StringIO()
    call_command("messages", "--since", "2999-01-01", stdout=out)
    assert "Không có bản ghi" in out.getvalue()
    assert AuditEntry.objects.filter(action="exchange.messagelog.cli_search").count() == 3


def test_the_messages_command_rejects_a_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("messages", "--since", "22/11/2026", stdout=StringIO())
