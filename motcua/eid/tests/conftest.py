"""Fixtures of the eID tests: the real client against the sandbox provider on a live server."""

import html
import re
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from motcua.eid import keys

HIDDEN = re.compile(r'<input type="hidden" name="([\w-]+)" value="([^"]*)">')


@pytest.fixture
def eid_settings(settings, tmp_path):
    """The sandbox, with its signing key in a temporary var/ folder."""
    settings.MOTCUA_EID = "sandbox"
    settings.MOTCUA_EID_SANDBOX = True
    settings.MOTCUA_EID_SANDBOX_BASE_URL = ""
    settings.MOTCUA_EID_SANDBOX_PASSCODE = "246810"
    settings.MOTCUA_EID_SANDBOX_RATE = (50, 600)
    settings.VAR_DIR = tmp_path / "var"
    keys.signing_key.cache_clear()
    yield settings
    keys.signing_key.cache_clear()


@pytest.fixture
def residents():
    """The registries' demo people, plus "plain": a living one who represents no organisation."""
    from motcua.registries import get
    from motcua.registries.sandbox import demo_people

    people = dict(demo_people())
    people["plain"] = next(
        p
        for key, p in people.items()
        if key != "deceased" and p.deceased_on is None and not get("business").represented_by(p.id_number)
    )
    return people


def hidden_fields(page: str) -> dict:
    return {name: html.unescape(value) for name, value in HIDDEN.findall(page)}


class Visitor:
    """A browser without JavaScript: a requests session with cookies, redirects followed by hand."""

    def __init__(self, base: str):
        self.base = base
        self.http = requests.Session()

    def get(self, path_or_url: str, **kwargs):
        url = path_or_url if path_or_url.startswith("http") else self.base + path_or_url
        return self.http.get(url, allow_redirects=False, timeout=30, **kwargs)

    def post(self, path_or_url: str, data: dict, **kwargs):
        url = path_or_url if path_or_url.startswith("http") else self.base + path_or_url
        return self.http.post(url, data=data, allow_redirects=False, timeout=30, **kwargs)

    def start(self, next_url: str = "/") -> str:
        """Begin at the client; returns the provider's authorize URL it redirected to."""
        response = self.get("/oidc/authenticate/", params={"next": next_url})
        assert response.status_code == 302, response.text[:300]
        return response.headers["Location"]

    def sign_in_at_provider(self, authorize_url: str, id_number: str, passcode: str):
        page = self.get(authorize_url)
        assert page.status_code == 200, page.text[:500]
        fields = hidden_fields(page.text)
        return self.post(
            "/eid-sandbox/authorize", {**fields, "so_dinh_danh": id_number, "ma_dang_nhap": passcode}
        )

    def consent(self, consent_page, decision: str = "dong_y"):
        assert consent_page.status_code == 200, consent_page.text[:500]
        fields = hidden_fields(consent_page.text)
        return self.post("/eid-sandbox/authorize", {**fields, "quyet_dinh": decision})

    def code_redirect(self, id_number: str, passcode: str, next_url: str = "/") -> str:
        """Up to the provider's redirect back to the client: the callback URL with code and state."""
        consent_page = self.sign_in_at_provider(self.start(next_url), id_number, passcode)
        response = self.consent(consent_page)
        assert response.status_code == 302, response.text[:500]
        return response.headers["Location"]

    def signed_in_name(self) -> str | None:
        page = self.get("/tra-cuu/").text
        match = re.search(r'<span class="eid-who">([^<]*)</span>', page)
        return html.unescape(match.group(1)) if match else None


def query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


@pytest.fixture
def visitor(live_server, eid_settings, transactional_db):
    return Visitor(live_server.url)
