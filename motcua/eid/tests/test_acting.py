"""A business user chooses whom they act for; `citizen_required` sends others to the eID sign-in."""

from urllib.parse import quote

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from motcua.eid import acting
from motcua.eid.decorators import WAS_SIGNED_IN_COOKIE
from motcua.eid.testing import sign_in_citizen
from motcua.people.models import User

PASS = "246810"


def test_a_business_owner_is_asked_whom_they_act_for_and_the_choice_is_checked(visitor, residents):
    owner = residents["business_owner"]
    from motcua.registries import get

    org = get("business").represented_by(owner.id_number)[0]
    done = visitor.get(visitor.code_redirect(owner.id_number, PASS, next_url="/tra-cuu/"))
    assert done.headers["Location"] == "/oidc/thuc-hien-cho/"
    page = visitor.get("/oidc/thuc-hien-cho/").text
    assert "Bạn thực hiện thủ tục cho:" in page and "Bản thân" in page and org.name in page
    fields = {"csrfmiddlewaretoken": _csrf(page)}

    # An organisation they do not represent (a real one, of someone else): refused, nothing stored.
    other = next(
        o
        for p in residents.values()
        for o in get("business").represented_by(p.id_number)
        if o.tax_code != org.tax_code
    )
    refused = visitor.post("/oidc/thuc-hien-cho/", {**fields, "thuc_hien_cho": other.tax_code})
    assert refused.status_code == 403 and "không phải người đại diện" in refused.text

    chosen = visitor.post("/oidc/thuc-hien-cho/", {**fields, "thuc_hien_cho": org.tax_code})
    assert chosen.status_code == 302 and chosen.headers["Location"] == "/tra-cuu/"
    again = visitor.get("/oidc/thuc-hien-cho/").text
    assert f'value="{org.tax_code}" checked' in again


def _csrf(page: str) -> str:
    from .conftest import hidden_fields

    return hidden_fields(page)["csrfmiddlewaretoken"]


@pytest.fixture
def citizen_request(db, residents):
    person = residents["business_owner"]
    user = User.objects.create(
        username="vneid-x", kind=User.Kind.CITIZEN, personal_id=person.id_number, full_name=person.full_name
    )
    request = RequestFactory().get("/")
    request.user = user
    request.session = SessionStore()
    request.session[acting.EID_KEY] = person.id_number
    request.session["eid_claims"] = {"address": person.permanent_address}
    return request, person


def test_current_applicant_is_the_person_or_the_chosen_organisation(citizen_request):
    from motcua.registries import get

    request, person = citizen_request
    me = acting.current_applicant(request)
    assert me == {
        "kind": "citizen",
        "name": person.full_name,
        "id_number": person.id_number,
        "address": person.permanent_address,
        "phone": "",
        "email": "",
    }
    org = get("business").represented_by(person.id_number)[0]
    applicant = acting.choose(request, org.tax_code)
    assert applicant["kind"] == "organisation" and applicant["id_number"] == org.tax_code
    assert applicant["name"] == org.name and applicant["address"] == org.address
    with pytest.raises(acting.NotRepresented):
        acting.choose(request, "0100109106")
    assert acting.current_applicant(request)["id_number"] == org.tax_code  # unchanged by the refusal
    assert acting.choose(request, "")["kind"] == "citizen"


def test_citizen_required_sends_to_the_sign_in_with_next(client, db):
    response = client.get("/oidc/thuc-hien-cho/?buoc=2")
    assert response.status_code == 302
    assert response["Location"] == "/oidc/authenticate/?next=" + quote("/oidc/thuc-hien-cho/?buoc=2", safe="")


def test_an_expired_session_mid_form_says_so_and_comes_back(client, db):
    client.cookies[WAS_SIGNED_IN_COOKIE] = "1"  # this browser was signed in; its session is gone
    response = client.post("/oidc/thuc-hien-cho/", {"thuc_hien_cho": "ban-than"}, follow=False)
    assert response.status_code == 302 and "next=%2Foidc%2Fthuc-hien-cho%2F" in response["Location"]
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Phiên đăng nhập đã hết hạn" in m for m in messages)


def test_a_password_session_is_not_an_eid_session(client, db):
    user = User.objects.create(username="cd", kind=User.Kind.CITIZEN, personal_id="014090009999")
    client.force_login(user)
    assert client.get("/oidc/thuc-hien-cho/").status_code == 302
    sign_in_citizen(client, user)
    assert client.get("/oidc/thuc-hien-cho/").status_code == 200


def test_next_is_validated_at_the_start(client, db, eid_settings):
    client.get("/oidc/authenticate/?next=https://evil.example/")
    assert client.session["oidc_login_next"] is None
    client.get("/oidc/authenticate/?next=/nop-ho-so/abc/")
    assert client.session["oidc_login_next"] == "/nop-ho-so/abc/"


def test_the_sandbox_does_not_exist_outside_sandbox_mode(client, db, eid_settings):
    assert client.get("/eid-sandbox/.well-known/openid-configuration").status_code == 200
    eid_settings.MOTCUA_EID_SANDBOX = False
    for path in [
        "/eid-sandbox/.well-known/openid-configuration",
        "/eid-sandbox/authorize",
        "/eid-sandbox/jwks",
    ]:
        assert client.get(path).status_code == 404
    assert client.post("/eid-sandbox/token", {}).status_code == 404


def test_eid_init_creates_a_private_key_once(eid_settings):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("eid", "init", stdout=out)
    path = eid_settings.VAR_DIR / "eid" / "sandbox-idp.key.pem"
    assert "đã tạo" in out.getvalue() and path.exists() and (path.stat().st_mode & 0o777) == 0o600
    first = path.read_bytes()
    call_command("eid", "init", stdout=StringIO())
    assert path.read_bytes() == first


def test_current_applicant_needs_an_eid_session(db):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user, request.session = AnonymousUser(), SessionStore()
    with pytest.raises(acting.NotSignedIn):
        acting.current_applicant(request)
