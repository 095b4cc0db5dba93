"""Fixtures of the API tests: the dossier fixtures, clients with tokens, signed-in people."""

import base64
from pathlib import Path

import pytest
from django.test import Client

from motcua.api import services
from motcua.dossiers.tests.conftest import *  # noqa: F403 — clock, people, procedure, make_dossier
from motcua.dossiers.tests.conftest import CENTER, FINANCE, JUSTICE, officer  # noqa: F401
from motcua.eid.testing import sign_in_citizen, sign_in_officer

ALL_SCOPES = "procedures:read dossiers:read dossiers:write documents:read results:read statistics:read"


@pytest.fixture(autouse=True)
def isolated_files(settings, tmp_path_factory, tmp_path):
    """Uploaded scans and signed results go to temporary folders (the sandbox CA too)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = Path(tmp_path_factory.getbasetemp()) / "api-var"
    settings.MOTCUA_SIGNER = "sandbox"
    settings.MOTCUA_TRUSTED_CA_FILES = []
    settings.MOTCUA_TRUST_SANDBOX_CA = True
    return settings


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


@pytest.fixture
def make_client(reference_data):
    """An API client bound to agencies, with its secret."""

    def make(agencies=(JUSTICE,), scopes=ALL_SCOPES, name="Hệ thống thử nghiệm"):
        return services.create_client(name, list(agencies), scopes, created_by="test")

    return make


@pytest.fixture
def bearer(make_client):
    """A token for a new client: `bearer(agencies=..., scopes=...)` → the Authorization header."""

    def make(agencies=(JUSTICE,), scopes=ALL_SCOPES, requested=None):
        client, secret = make_client(agencies, scopes)
        issued = services.issue_token(client.client_id, secret, requested)
        return {"HTTP_AUTHORIZATION": f"Bearer {issued.access_token}"}

    return make


@pytest.fixture
def person_client():
    """A Django test client that enforces CSRF, signed in as an officer (TOTP) or a citizen (eID)."""

    def make(user, *, citizen: bool = False) -> Client:
        c = Client(enforce_csrf_checks=True)
        return sign_in_citizen(c, user) if citizen else sign_in_officer(c, user)

    return make


def csrf_headers(c: Client) -> dict:
    """Fetch a CSRF cookie the way a browser page would, and return the header to send it back."""
    from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret

    secret = _get_new_csrf_string()
    c.cookies["csrftoken"] = secret
    return {"HTTP_X_CSRFTOKEN": _mask_cipher_secret(secret)}
