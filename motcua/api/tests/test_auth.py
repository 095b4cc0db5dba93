"""The token endpoint, bearer tokens, scopes and the client command."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command

from motcua.api import services
from motcua.api.models import AccessToken, ApiClient
from motcua.audit.models import AuditEntry

from .conftest import JUSTICE, basic

pytestmark = pytest.mark.django_db
TOKEN = "/api/v1/oauth/token"
DOSSIERS = "/api/v1/dossiers"


def test_client_credentials_give_a_short_lived_token_stored_only_as_a_digest(client, make_client):
    api_client, secret = make_client(scopes="dossiers:read results:read")
    response = client.post(
        TOKEN, {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic(api_client.client_id, secret)
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert body["scope"] == "dossiers:read results:read"
    assert response["Cache-Control"] == "no-store"
    stored = AccessToken.objects.get(client=api_client)
    assert stored.token_sha256 == services.digest(body["access_token"])
    assert body["access_token"] not in str(list(AccessToken.objects.values_list()))
    assert secret not in str(list(ApiClient.objects.values_list()))
    # The token works.
    assert client.get(DOSSIERS, HTTP_AUTHORIZATION=f"Bearer {body['access_token']}").status_code == 200


def test_credentials_in_the_form_and_a_narrower_scope(client, make_client):
    api_client, secret = make_client(scopes="dossiers:read results:read")
    response = client.post(
        TOKEN,
        {
            "grant_type": "client_credentials",
            "client_id": api_client.client_id,
            "client_secret": secret,
            "scope": "results:read",
        },
    )
    assert response.status_code == 200
    assert response.json()["scope"] == "results:read"
    token = response.json()["access_token"]
    refused = client.get(DOSSIERS, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert refused.status_code == 403
    assert refused.json()["error"] == "insufficient_scope"
    assert "dossiers:read" in refused.json()["message"]


@pytest.mark.parametrize(
    "form, status, error",
    [
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({}, 400, "invalid_request"),
        ({"grant_type": "client_credentials", "scope": "dossiers:delete"}, 400, "invalid_scope"),
        ({"grant_type": "client_credentials", "scope": "statistics:read"}, 400, "invalid_scope"),
    ],
)
def test_token_requests_refused_with_the_oauth_error(client, make_client, form, status, error):
    api_client, secret = make_client(scopes="dossiers:read")
    response = client.post(TOKEN, form, HTTP_AUTHORIZATION=basic(api_client.client_id, secret))
    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.json()["error_description"] == response.json()["message"]
    assert not AccessToken.objects.exists()


def test_a_wrong_secret_or_unknown_client_is_401_with_a_basic_challenge(client, make_client):
    api_client, _secret = make_client()
    for auth in (basic(api_client.client_id, "sai"), basic("mc-khongco", "sai")):
        response = client.post(TOKEN, {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=auth)
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"
        assert response["WWW-Authenticate"].startswith("Basic")
    assert not AccessToken.objects.exists()


def test_the_token_endpoint_is_rate_limited(client, make_client, settings):
    settings.MOTCUA_API_TOKEN_RATE = (3, 600)
    api_client, secret = make_client()
    statuses = [
        client.post(
            TOKEN, {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic(api_client.client_id, "x")
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    # Even the right secret waits now.
    late = client.post(
        TOKEN, {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic(api_client.client_id, secret)
    )
    assert late.status_code == 429
    assert int(late["Retry-After"]) > 0


@pytest.mark.parametrize("header", ["Bearer garbage", "Bearer ", "Bearer " + "x" * 500, "Bearer é"])
def test_forged_or_garbage_tokens_are_401_invalid_token(client, reference_data, header):
    response = client.get(DOSSIERS, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["error"] in {"invalid_token", "unauthenticated"}
    assert response["WWW-Authenticate"].startswith('Bearer realm="motcua"')


def test_no_credentials_is_401_with_a_bearer_challenge(client, reference_data):
    response = client.get(DOSSIERS)
    assert response.status_code == 401
    assert response.json() == {
        "error": "unauthenticated",
        "message": "Cần xác thực: gửi mã truy cập (Bearer) hoặc đăng nhập.",
    }
    assert response["WWW-Authenticate"] == 'Bearer realm="motcua"'


def test_a_token_expires_and_a_deactivated_client_loses_its_tokens(client, make_client, clock):
    api_client, secret = make_client()
    issued = services.issue_token(api_client.client_id, secret)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issued.access_token}"}
    assert client.get(DOSSIERS, **auth).status_code == 200
    clock.advance(seconds=901)
    expired = client.get(DOSSIERS, **auth)
    assert expired.status_code == 401
    assert 'error="invalid_token"' in expired["WWW-Authenticate"]

    fresh = services.issue_token(api_client.client_id, secret)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {fresh.access_token}"}
    assert client.get(DOSSIERS, **auth).status_code == 200
    services.deactivate_client(api_client.client_id, by="test")
    assert client.get(DOSSIERS, **auth).status_code == 401
    with pytest.raises(services.ClientError):
        services.issue_token(api_client.client_id, secret)


def test_expired_tokens_are_purged_a_day_later(make_client, clock):
    api_client, secret = make_client()
    services.issue_token(api_client.client_id, secret)
    clock.advance(hours=2)
    assert services.purge_expired() == 0
    clock.advance(days=1)
    assert services.purge_expired() == 1


def test_the_command_creates_a_client_and_prints_the_secret_once(reference_data):
    out = io.StringIO()
    call_command(
        "api",
        "client",
        "create",
        "--name",
        "Cổng DVC",
        "--agency",
        JUSTICE,
        "--scopes",
        "dossiers:read",
        stdout=out,
    )
    lines = dict(line.split(":", 1) for line in out.getvalue().splitlines() if line.startswith("client_"))
    client_id, secret = lines["client_id"].strip(), lines["client_secret"].strip()
    api_client = ApiClient.objects.get(client_id=client_id)
    assert api_client.secret_sha256 == services.digest(secret)
    assert list(api_client.agencies.values_list("code", flat=True)) == [JUSTICE]
    assert services.issue_token(client_id, secret).scopes == ["dossiers:read"]
    assert AuditEntry.objects.filter(action="api.client_create", object_id=str(api_client.pk)).exists()

    listing = io.StringIO()
    call_command("api", "client", "list", stdout=listing)
    assert client_id in listing.getvalue() and secret not in listing.getvalue()


def test_the_command_refuses_unknown_scopes_and_agencies(reference_data):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="dossiers:delete"):
        call_command(
            "api", "client", "create", "--name", "X", "--agency", JUSTICE, "--scopes", "dossiers:delete"
        )
    with pytest.raises(CommandError, match="999.99"):
        call_command(
            "api", "client", "create", "--name", "X", "--agency", "999.99", "--scopes", "dossiers:read"
        )
    assert not ApiClient.objects.exists()


def test_token_lifetime_is_a_setting(make_client, settings):
    settings.MOTCUA_API_TOKEN_SECONDS = 60
    api_client, secret = make_client()
    issued = services.issue_token(api_client.client_id, secret)
    token = AccessToken.objects.get()
    assert issued.expires_in == 60
    assert token.expires_at - token.issued_at == timedelta(seconds=60)
