"""An officer session past its idle or absolute lifetime is signed out on every surface at once:
the officers' site, the admin, the REST API with a session, and downloads (level 3, spec §8.2)."""

import pytest

from motcua.backoffice.middleware import LAST_SEEN_KEY, STARTED_KEY
from motcua.eid.testing import sign_in_officer
from motcua.people.models import OfficerRole

SURFACES = ["/can-bo/", "/quan-tri/", "/api/v1/dossiers"]


def age(client, *, idle_seconds=0, started_seconds_ago=None):
    session = client.session
    session[LAST_SEEN_KEY] -= idle_seconds
    if started_seconds_ago is not None:
        session[STARTED_KEY] = session[LAST_SEEN_KEY] + idle_seconds - started_seconds_ago
    session.save()


def signed_in_everywhere(client) -> list[int]:
    return [client.get(path).status_code for path in SURFACES]


@pytest.fixture
def staff(people):
    user = people["specialist"]
    user.is_staff = True  # may open the admin too
    user.save()
    return user


def test_a_fresh_session_reaches_every_surface(client, staff):
    sign_in_officer(client, staff)
    assert signed_in_everywhere(client) == [200, 200, 200]


@pytest.mark.parametrize("path", SURFACES)
def test_an_idle_session_is_refused_on_every_surface(client, staff, settings, path):
    sign_in_officer(client, staff)
    client.get("/can-bo/")
    age(client, idle_seconds=settings.MOTCUA_OFFICER_IDLE_MINUTES * 60 + 1)
    response = client.get(path)
    assert response.status_code in (302, 401), (path, response.status_code)
    if response.status_code == 302:
        assert "dang-nhap" in response["Location"] or "login" in response["Location"]
    assert "_auth_user_id" not in client.session
    # and it stays signed out: the next request to any surface is refused too
    assert client.get("/api/v1/dossiers").status_code == 401


def test_administrators_lock_after_five_minutes_other_officers_do_not(client, people, settings):
    assert settings.MOTCUA_ADMIN_IDLE_MINUTES < settings.MOTCUA_OFFICER_IDLE_MINUTES
    idle = settings.MOTCUA_ADMIN_IDLE_MINUTES * 60 + 30
    specialist = people["specialist"]
    sign_in_officer(client, specialist)
    client.get("/can-bo/")
    age(client, idle_seconds=idle)
    assert client.get("/api/v1/dossiers").status_code == 200

    admin = people["reception"]
    OfficerRole.objects.create(user=admin, agency=admin.roles.first().agency, role=OfficerRole.Role.ADMIN)
    client.logout()
    sign_in_officer(client, admin)
    client.get("/can-bo/")
    age(client, idle_seconds=idle)
    assert client.get("/api/v1/dossiers").status_code == 401


def test_an_active_session_still_ends_at_its_absolute_lifetime(client, staff, settings):
    sign_in_officer(client, staff)
    client.get("/can-bo/")
    age(client, started_seconds_ago=settings.MOTCUA_OFFICER_SESSION_MAX_HOURS * 3600 + 1)
    assert client.get("/api/v1/dossiers").status_code == 401
    assert "_auth_user_id" not in client.session
