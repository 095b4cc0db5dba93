"""The whole eID sign-in with the real client (mozilla-django-oidc) against the sandbox provider,
over HTTP on a live server: what succeeds, and every forged or replayed sign-in that must fail."""

import hashlib
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from motcua.audit.models import AuditEntry
from motcua.eid import sandbox_idp
from motcua.eid.models import SandboxGrant
from motcua.people.models import User

from .conftest import Visitor, query

PASS = "246810"
REFUSED = "Chưa đăng nhập được"


def test_a_resident_signs_in_with_state_nonce_and_pkce(visitor, residents):
    person = residents["plain"]
    authorize_url = visitor.start("/tra-cuu/")
    params = query(authorize_url)
    assert authorize_url.startswith(visitor.base + "/eid-sandbox/authorize?")
    assert params["response_type"] == "code" and params["client_id"] == "motcua-sandbox"
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    assert len(params["state"]) >= 32 and len(params["nonce"]) >= 32
    assert params["redirect_uri"] == visitor.base + "/oidc/callback/"

    consent = visitor.sign_in_at_provider(authorize_url, person.id_number, PASS)
    assert "Đồng ý chia sẻ thông tin" in consent.text and person.full_name in consent.text
    back = visitor.consent(consent)
    assert back.headers["Location"].startswith(visitor.base + "/oidc/callback/?code=")
    assert query(back.headers["Location"])["state"] == params["state"]

    done = visitor.get(back.headers["Location"])
    assert done.status_code == 302 and done.headers["Location"] == "/tra-cuu/"  # back where they were
    assert visitor.signed_in_name() == person.full_name

    user = User.objects.get(personal_id_index=person.id_number)
    assert user.kind == User.Kind.CITIZEN and user.full_name == person.full_name
    assert user.phone == person.phone and user.email == person.email and not user.has_usable_password()
    grant = SandboxGrant.objects.get()
    assert grant.subject == person.id_number  # read back decrypted; stored encrypted (ADR 0048)
    assert grant.redeemed_at is not None and grant.nonce == params["nonce"]
    # The challenge the provider kept is the one the client sent, S256 of a verifier only it knows.
    assert grant.code_challenge == params["code_challenge"]
    assert AuditEntry.objects.filter(action="eid.sign_in", actor_id=user.pk).exists()

    # Signing in again finds the same account (keyed on the personal ID, not the e-mail).
    again = Visitor(visitor.base)
    again.get(again.code_redirect(person.id_number, PASS))
    assert User.objects.filter(personal_id_index=person.id_number).count() == 1


def test_signing_out_ends_the_session(visitor, residents):
    visitor.get(visitor.code_redirect(residents["plain"].id_number, PASS))
    page = visitor.get("/tra-cuu/").text
    token = sandbox_fields(page)["csrfmiddlewaretoken"]
    response = visitor.post("/oidc/logout/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert visitor.signed_in_name() is None
    assert "Đăng nhập bằng VNeID" in visitor.get("/tra-cuu/").text


def sandbox_fields(page: str) -> dict:
    from .conftest import hidden_fields

    return hidden_fields(page)


def assert_refused(visitor, response):
    assert response.status_code in (400, 403), response.status_code
    assert REFUSED in response.text and 'role="alert"' in response.text
    assert visitor.signed_in_name() is None


def _forged_key_sign(claims):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = sandbox_idp.keys.public_jwk()["kid"]  # same key id, wrong key
    return jwt.encode(claims, other, algorithm="RS256", headers={"kid": kid})


@pytest.mark.parametrize("forgery", ["wrong_key", "wrong_audience", "expired", "wrong_issuer", "wrong_nonce"])
def test_a_forged_id_token_is_refused(visitor, residents, monkeypatch, forgery):
    real_claims = sandbox_idp.id_token_claims
    if forgery == "wrong_key":
        monkeypatch.setattr(sandbox_idp, "sign", _forged_key_sign)
    else:

        def forged(grant, iss, now=None):
            claims = real_claims(grant, iss, now)
            if forgery == "wrong_audience":
                claims["aud"] = "another-client"
            elif forgery == "expired":
                claims["iat"], claims["exp"] = int(time.time()) - 3600, int(time.time()) - 1800
            elif forgery == "wrong_issuer":
                claims["iss"] = "https://evil.example/eid"
            else:
                claims["nonce"] = "not-the-nonce-of-this-sign-in"
            return claims

        monkeypatch.setattr(sandbox_idp, "id_token_claims", forged)
    callback = visitor.code_redirect(residents["plain"].id_number, PASS)
    assert_refused(visitor, visitor.get(callback))
    assert not User.objects.filter(personal_id_index=residents["plain"].id_number).exists()


def test_a_wrong_state_is_refused(visitor, residents):
    callback = visitor.code_redirect(residents["plain"].id_number, PASS)
    tampered = callback.replace("state=", "state=x")
    assert_refused(visitor, visitor.get(tampered))


def test_a_replayed_code_fails_everywhere(visitor, residents, eid_settings):
    callback = visitor.code_redirect(residents["plain"].id_number, PASS)
    assert visitor.get(callback).status_code == 302  # the first use signs in
    # The same callback again, in the same browser (state used) and in another one (no state).
    thief = Visitor(visitor.base)
    assert_refused(thief, thief.get(callback))
    # Straight to the token endpoint with the client's own secret: the code is spent.
    code = query(callback)["code"]
    response = thief.post(
        "/eid-sandbox/token",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": visitor.base + "/oidc/callback/",
            "client_id": eid_settings.OIDC_RP_CLIENT_ID,
            "client_secret": eid_settings.OIDC_RP_CLIENT_SECRET,
            "code_verifier": "x" * 64,
        },
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert "id_token" not in response.json()
    assert SandboxGrant.objects.get(code_hash=hashlib.sha256(code.encode()).hexdigest()).revoked


def test_a_stolen_code_with_another_verifier_is_refused(visitor, residents):
    """Code injection: the thief starts their own sign-in (own state and PKCE verifier) and feeds
    the victim's code to the client; the provider refuses, as the verifier does not match."""
    victim_callback = visitor.code_redirect(residents["plain"].id_number, PASS)
    thief = Visitor(visitor.base)
    thief_state = query(thief.start("/"))["state"]
    response = thief.get(f"/oidc/callback/?code={query(victim_callback)['code']}&state={thief_state}")
    assert_refused(thief, response)
    # A failed exchange spends the code too, so it cannot be tried again with another guess; the
    # victim is told to sign in again rather than let a code that leaked stay usable.
    assert SandboxGrant.objects.filter(redeemed_at__isnull=False).count() == 1
    assert_refused(visitor, visitor.get(victim_callback))


def test_the_token_endpoint_checks_the_verifier_and_the_client(visitor, residents, eid_settings):
    callback = visitor.code_redirect(residents["plain"].id_number, PASS)
    code = query(callback)["code"]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": visitor.base + "/oidc/callback/",
        "client_id": eid_settings.OIDC_RP_CLIENT_ID,
        "client_secret": "wrong-secret",
        "code_verifier": "v" * 64,
    }
    assert visitor.post("/eid-sandbox/token", form).json()["error"] == "invalid_client"
    form["client_secret"] = eid_settings.OIDC_RP_CLIENT_SECRET
    response = visitor.post("/eid-sandbox/token", form)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert "PKCE" in response.json()["error_description"]


def test_unknown_clients_and_redirect_uris_get_an_error_page_not_a_redirect(visitor):
    params = query(visitor.start("/"))
    for change in ({"redirect_uri": "https://evil.example/oidc/callback/"}, {"client_id": "ke-gian"}):
        response = visitor.get("/eid-sandbox/authorize", params={**params, **change})
        assert response.status_code == 400 and "Location" not in response.headers
        assert "Yêu cầu đăng nhập không hợp lệ" in response.text
    plain = {**params, "code_challenge_method": "plain"}
    response = visitor.get("/eid-sandbox/authorize", params=plain)
    assert response.status_code == 302 and "error=invalid_request" in response.headers["Location"]


def test_a_deceased_person_cannot_sign_in(visitor, residents):
    deceased = residents["deceased"]
    assert deceased.deceased_on is not None
    response = visitor.sign_in_at_provider(visitor.start("/"), deceased.id_number, PASS)
    assert response.status_code == 400 and "đã mất" in response.text
    assert "Đồng ý chia sẻ" not in response.text and not SandboxGrant.objects.exists()


def test_a_wrong_passcode_or_id_is_refused_with_a_linked_error(visitor, residents):
    authorize_url = visitor.start("/")
    response = visitor.sign_in_at_provider(authorize_url, residents["plain"].id_number, "000000")
    assert response.status_code == 400 and "không đúng" in response.text
    response = visitor.sign_in_at_provider(authorize_url, "12345", PASS)
    assert 'href="#so_dinh_danh"' in response.text and 'aria-invalid="true"' in response.text


def test_refusing_consent_signs_nobody_in(visitor, residents):
    consent = visitor.sign_in_at_provider(visitor.start("/"), residents["plain"].id_number, PASS)
    back = visitor.consent(consent, decision="tu_choi")
    assert "error=access_denied" in back.headers["Location"]
    assert_refused(visitor, visitor.get(back.headers["Location"]))


def test_provider_metadata_and_keys(visitor):
    meta = visitor.get("/eid-sandbox/.well-known/openid-configuration").json()
    assert meta["issuer"] == visitor.base + "/eid-sandbox"
    assert meta["code_challenge_methods_supported"] == ["S256"]
    key = visitor.get(meta["jwks_uri"].replace(visitor.base, "")).json()["keys"][0]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and "d" not in key
    assert visitor.get("/eid-sandbox/userinfo", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_pkce_s256_matches_rfc_7636_example():
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert sandbox_idp.pkce_s256(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_only_failed_passcodes_count_towards_the_sandbox_throttle(visitor, residents, settings):
    settings.MOTCUA_EID_SANDBOX_RATE = (2, 600)
    person = residents["plain"]
    for _ in range(3):  # a training room behind one address: successes never lock it out
        consent = visitor.sign_in_at_provider(visitor.start("/"), person.id_number, PASS)
        assert "Đồng ý chia sẻ" in consent.text
    authorize_url = visitor.start("/")
    for _ in range(2):
        assert visitor.sign_in_at_provider(authorize_url, person.id_number, "000000").status_code == 400
    blocked = visitor.sign_in_at_provider(authorize_url, person.id_number, PASS)
    assert blocked.status_code == 429 and "quá nhiều lần" in blocked.text
