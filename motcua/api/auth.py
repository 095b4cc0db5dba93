"""Who is calling the API (người gọi): a system with a bearer token, or a person with a session.

- **System** (hệ thống kết nối): `Authorization: Bearer <token>` from `POST /api/v1/oauth/token`.
  It may do what its token's scopes allow, on dossiers of the agencies its client is bound to.
  A wrong, expired or revoked token is a 401 with `WWW-Authenticate: Bearer error="invalid_token"`.
- **Officer** (cán bộ): the officers' site session, verified by the TOTP step as the back office
  requires; sees what `dossiers.access` lets their roles see.
- **Citizen** (người dân, doanh nghiệp): a session that came through the national eID; sees the
  dossiers filed under the ID numbers it proved (`eid.acting`).

Session requests that change something need Django's CSRF token (header `X-CSRFToken`); bearer
requests do not (no cookie is involved). A session of any other kind (an officer who has not
passed the second factor, a plain account) counts as no sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.middleware.csrf import CsrfViewMiddleware
from ninja.security import APIKeyCookie, HttpBearer

from motcua.dossiers import access
from motcua.eid import acting

from .models import SCOPES
from .services import TokenAccess, resolve_token

SYSTEM, OFFICER, CITIZEN, ANONYMOUS = "system", "officer", "citizen", "anonymous"


@dataclass
class Principal:
    kind: str
    user: object = None
    token: TokenAccess | None = None
    id_numbers: set[str] = field(default_factory=set)

    @property
    def scopes(self) -> frozenset[str]:
        # A person's rights come from their roles and their dossiers, not from scopes.
        return self.token.scopes if self.token is not None else frozenset(SCOPES)

    @property
    def actor_name(self) -> str:
        if self.token is not None:
            return f"api:{self.token.client.client_id}"
        return self.user.get_username() if self.user is not None else "anonymous"

    @property
    def is_person(self) -> bool:
        return self.kind in (OFFICER, CITIZEN)


class InvalidToken(Exception):
    """A bearer token was sent and is not valid (unknown, expired, revoked, client locked)."""


class CsrfFailed(Exception):
    """A session request that changes something came without a valid CSRF token."""


class BearerAuth(HttpBearer):
    """OAuth2 client credentials: the token endpoint and the scopes are in the OpenAPI document."""

    openapi_type = "oauth2"
    openapi_flows = {
        "clientCredentials": {"tokenUrl": "/api/v1/oauth/token", "scopes": dict(SCOPES)},
    }
    openapi_description = "Mã truy cập của hệ thống kết nối (OAuth2 client credentials, RFC 6749 §4.4)."

    def __call__(self, request):
        header = request.headers.get("Authorization")
        if not header:
            return None
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer":
            return None
        return self.authenticate(request, token.strip())

    def authenticate(self, request, token: str):
        found = resolve_token(token)
        if found is None:
            raise InvalidToken
        return Principal(SYSTEM, token=found)


def _is_officer(user) -> bool:
    return bool(user.is_superuser) or bool(access.roles_of(user))


def session_principal(request) -> Principal | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if _is_officer(user):
        # The officers' site asks for the TOTP step; so does the API.
        if hasattr(user, "is_verified") and user.is_verified():
            return Principal(OFFICER, user=user)
        return None
    if acting.is_eid_session(request):
        return Principal(CITIZEN, user=user, id_numbers=acting.id_numbers(request))
    return None


class SessionAuth(APIKeyCookie):
    """The site's session cookie; unsafe methods need Django's CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME
    openapi_description = (
        "Phiên đăng nhập của trang cán bộ (đã xác thực hai bước) hoặc của người dân (VNeID). "
        "Yêu cầu thay đổi dữ liệu phải kèm mã CSRF trong tiêu đề X-CSRFToken."
    )

    def __init__(self):
        super().__init__(csrf=False)  # checked below, only when a session is actually used

    def authenticate(self, request, key):
        principal = session_principal(request)
        if principal is None:
            return None
        if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            check = CsrfViewMiddleware(lambda req: None)
            request.csrf_processing_done = False
            check.process_request(request)
            if check.process_view(request, None, (), {}) is not None:
                raise CsrfFailed
        return principal


class Anonymous:
    """Public operations: anyone, with no credentials (a wrong token is still refused)."""

    def __call__(self, request):
        return Principal(ANONYMOUS)


BEARER, SESSION, ANYONE = BearerAuth(), SessionAuth(), Anonymous()
#: Operations that need someone signed in, a person or a system.
SIGNED_IN = [BEARER, SESSION]
#: Public operations (the catalog, result verification, the index).
PUBLIC = [BEARER, SESSION, ANYONE]
