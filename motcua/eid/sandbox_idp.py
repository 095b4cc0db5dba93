"""The sandbox national eID (VNeID — môi trường thử nghiệm): an OpenID Connect provider over the
synthetic population, served by motcua itself under /eid-sandbox/.

It behaves like the real provider for the client: discovery, authorization code with PKCE (S256
only), client authentication with the client secret, RS256 ID tokens with nonce, aud, iss, exp and
iat, userinfo and JWKS. Codes are single-use and short-lived; a replayed code fails, and the access
token issued for it is revoked (RFC 6749 §4.1.2). It is never served unless MOTCUA_EID is "sandbox".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

import jwt
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from . import keys, registry
from .models import SandboxGrant

ID_NUMBER = re.compile(r"^\d{12}$")
PKCE_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")
#: The custom claim with the organisations the person legally represents (người đại diện theo pháp luật).
ORGANISATIONS_CLAIM = "vn_organisations"
SCOPES_SUPPORTED = ["openid", "profile", "email", "phone", "address"]


class SandboxError(Exception):
    """Refused, with a Vietnamese message for the person and an OAuth error code for the client."""

    def __init__(self, message: str, error: str = "invalid_request", status: int = 400, field: str = "form"):
        super().__init__(message)
        self.field = field
        self.message = message
        self.error = error
        self.status = status


def base_url(request) -> str:
    """The provider's base URL: the setting, else the request's own origin (its host is checked by
    ALLOWED_HOSTS), so it works under `make run` and pytest-django's live_server alike."""
    if settings.MOTCUA_EID_SANDBOX_BASE_URL:
        return settings.MOTCUA_EID_SANDBOX_BASE_URL
    return f"{request.scheme}://{request.get_host()}"


def issuer(request) -> str:
    return base_url(request) + "/eid-sandbox"


def endpoints(request) -> dict:
    root = issuer(request)
    return {
        "issuer": root,
        "authorization_endpoint": root + "/authorize",
        "token_endpoint": root + "/token",
        "userinfo_endpoint": root + "/userinfo",
        "jwks_uri": root + "/jwks",
    }


def discovery(request) -> dict:
    return {
        **endpoints(request),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": SCOPES_SUPPORTED,
        "claims_supported": [
            "sub",
            "name",
            "birthdate",
            "gender",
            "address",
            "phone_number",
            "email",
            ORGANISATIONS_CLAIM,
        ],
        "ui_locales_supported": ["vi"],
    }


# --- clients ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Client:
    client_id: str
    secret: str
    redirect_uris: tuple[str, ...]


def registered_client(request, client_id: str) -> Client | None:
    """motcua is the only client; its callback at the provider's own origin is its redirect URI."""
    if not client_id or not hmac.compare_digest(client_id, settings.OIDC_RP_CLIENT_ID):
        return None
    callback = base_url(request) + reverse("eid:callback")
    return Client(settings.OIDC_RP_CLIENT_ID, settings.OIDC_RP_CLIENT_SECRET, (callback,))


@dataclass(frozen=True)
class AuthRequest:
    client: Client
    redirect_uri: str
    state: str
    nonce: str
    scope: str
    code_challenge: str

    def as_params(self) -> dict:
        return {
            "response_type": "code",
            "client_id": self.client.client_id,
            "redirect_uri": self.redirect_uri,
            "state": self.state,
            "nonce": self.nonce,
            "scope": self.scope,
            "code_challenge": self.code_challenge,
            "code_challenge_method": "S256",
        }

    def error_redirect(self, error: str) -> str:
        return self.redirect_uri + "?" + urlencode({"error": error, "state": self.state})


class UnsafeRedirect(SandboxError):
    """The client or redirect URI is not registered: show the error here, never redirect there."""


def parse_auth_request(request, params) -> AuthRequest:
    client = registered_client(request, params.get("client_id", ""))
    if client is None:
        raise UnsafeRedirect("Ứng dụng yêu cầu đăng nhập chưa được đăng ký với VNeID.", "unauthorized_client")
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in client.redirect_uris:
        raise UnsafeRedirect("Địa chỉ trả về không được đăng ký cho ứng dụng này.", "invalid_request")
    scope = params.get("scope", "")
    if params.get("response_type") != "code" or "openid" not in scope.split():
        raise SandboxError("Yêu cầu đăng nhập không hợp lệ (chỉ hỗ trợ mã ủy quyền OpenID Connect).")
    if params.get("code_challenge_method") != "S256" or not PKCE_CHALLENGE.match(
        params.get("code_challenge", "")
    ):
        raise SandboxError("Yêu cầu đăng nhập thiếu mã PKCE (S256).")
    state, nonce = params.get("state", ""), params.get("nonce", "")
    if not state or not nonce or len(state) > 255 or len(nonce) > 255:
        raise SandboxError("Yêu cầu đăng nhập thiếu state hoặc nonce.")
    return AuthRequest(client, redirect_uri, state, nonce, scope, params["code_challenge"])


# --- the resident -----------------------------------------------------------------------------


def _failures_key(request) -> str:
    return f"motcua:rate:eid-sandbox:{request.META.get('REMOTE_ADDR', '')}"


def throttled(request) -> bool:
    """True once this IP has MOTCUA_EID_SANDBOX_RATE failed passcode attempts in the window.

    Only failures count, so a training room behind one address can sign in all day."""
    limit, _window = settings.MOTCUA_EID_SANDBOX_RATE
    return (cache.get(_failures_key(request)) or 0) >= limit


def record_failure(request) -> None:
    """Count one failed passcode attempt from this IP."""
    _limit, window = settings.MOTCUA_EID_SANDBOX_RATE
    key = _failures_key(request)
    if cache.add(key, 1, window):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, window)


def authenticate_resident(id_number: str, passcode: str):
    """The synthetic resident with this ID number, if the passcode is right and they may sign in."""
    id_number = (id_number or "").strip()
    if not ID_NUMBER.match(id_number):
        raise SandboxError("Số định danh cá nhân gồm đúng 12 chữ số.", "access_denied", field="so_dinh_danh")
    if not hmac.compare_digest((passcode or "").encode(), settings.MOTCUA_EID_SANDBOX_PASSCODE.encode()):
        raise SandboxError("Số định danh cá nhân hoặc mã đăng nhập không đúng.", "access_denied")
    person = registry.person(id_number)
    if person is None:
        raise SandboxError("Số định danh cá nhân hoặc mã đăng nhập không đúng.", "access_denied")
    if person.deceased_on is not None:
        raise SandboxError(
            "Tài khoản định danh điện tử này đã bị khóa (người được định danh đã mất).", "access_denied"
        )
    return person


def claims_for(person) -> dict:
    """The claims VNeID shares with the consent of the person (userinfo)."""
    organisations = [
        {"tax_code": org.tax_code, "name": org.name, "address": org.address, "status": org.status}
        for org in registry.represented_by(person.id_number)
    ]
    return {
        "sub": person.id_number,
        "name": person.full_name,
        "birthdate": person.birth_date.isoformat(),
        "gender": person.gender,
        "address": {"formatted": person.permanent_address, "country": "VN"},
        "phone_number": person.phone,
        "email": person.email,
        ORGANISATIONS_CLAIM: organisations,
    }


# --- codes and tokens -------------------------------------------------------------------------


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def issue_code(auth: AuthRequest, subject: str) -> str:
    code = secrets.token_urlsafe(32)
    now = timezone.now()
    SandboxGrant.objects.filter(created_at__lt=now - timedelta(days=1)).delete()
    SandboxGrant.objects.create(
        code_hash=_hash(code),
        client_id=auth.client.client_id,
        redirect_uri=auth.redirect_uri,
        subject=subject,
        nonce=auth.nonce,
        scope=auth.scope,
        code_challenge=auth.code_challenge,
        created_at=now,
        code_expires_at=now + timedelta(seconds=settings.MOTCUA_EID_CODE_SECONDS),
    )
    return code


def pkce_s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def id_token_claims(grant: SandboxGrant, iss: str, now: int | None = None) -> dict:
    now = int(time.time()) if now is None else now
    return {
        "iss": iss,
        "sub": grant.subject,
        "aud": grant.client_id,
        "iat": now,
        "exp": now + settings.MOTCUA_EID_TOKEN_SECONDS,
        "auth_time": int(grant.created_at.timestamp()),
        "nonce": grant.nonce,
        "acr": "vneid-sandbox-level2",
    }


def sign(claims: dict) -> str:
    return jwt.encode(
        claims, keys.signing_key(), algorithm="RS256", headers={"kid": keys.public_jwk()["kid"]}
    )


def exchange_code(request, form, basic_auth: tuple[str, str] | None) -> dict:
    """The token endpoint: check the client, the code, the redirect URI and the PKCE verifier."""
    client_id, secret = basic_auth or (form.get("client_id", ""), form.get("client_secret", ""))
    client = registered_client(request, client_id)
    if client is None or not hmac.compare_digest(secret.encode(), client.secret.encode()):
        raise SandboxError("Xác thực ứng dụng không thành công.", "invalid_client", 401)
    if form.get("grant_type") != "authorization_code":
        raise SandboxError("Chỉ hỗ trợ grant_type=authorization_code.", "unsupported_grant_type")
    code_hash = _hash(form.get("code", ""))
    now = timezone.now()
    # Redeem atomically: of two concurrent exchanges of one code, exactly one updates the row.
    redeemed = SandboxGrant.objects.filter(
        code_hash=code_hash, client_id=client.client_id, redeemed_at__isnull=True, code_expires_at__gt=now
    ).update(redeemed_at=now)
    grant = SandboxGrant.objects.filter(code_hash=code_hash, client_id=client.client_id).first()
    if not redeemed or grant is None:
        if grant is not None and grant.redeemed_at is not None:
            # A replayed code: refuse, and revoke what the first exchange issued.
            SandboxGrant.objects.filter(pk=grant.pk).update(revoked=True)
        raise SandboxError("Mã ủy quyền không hợp lệ, đã hết hạn hoặc đã được dùng.", "invalid_grant")
    if form.get("redirect_uri") != grant.redirect_uri:
        raise SandboxError("Địa chỉ trả về không khớp với yêu cầu đăng nhập.", "invalid_grant")
    verifier = form.get("code_verifier", "")
    if not (43 <= len(verifier) <= 128) or not hmac.compare_digest(pkce_s256(verifier), grant.code_challenge):
        raise SandboxError("Mã xác minh PKCE không đúng.", "invalid_grant")
    access_token = secrets.token_urlsafe(32)
    SandboxGrant.objects.filter(pk=grant.pk).update(
        access_token_hash=_hash(access_token),
        access_expires_at=now + timedelta(seconds=settings.MOTCUA_EID_TOKEN_SECONDS),
    )
    return {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": settings.MOTCUA_EID_TOKEN_SECONDS,
        "scope": grant.scope,
        "id_token": sign(id_token_claims(grant, issuer(request))),
    }


def userinfo(access_token: str) -> dict:
    grant = SandboxGrant.objects.filter(
        access_token_hash=_hash(access_token or "-"),
        revoked=False,
        access_expires_at__gt=timezone.now(),
    ).first()
    if grant is None or not access_token:
        raise SandboxError("Mã truy cập không hợp lệ hoặc đã hết hạn.", "invalid_token", 401)
    person = registry.person(grant.subject)
    if person is None or person.deceased_on is not None:
        raise SandboxError("Tài khoản định danh điện tử không còn hiệu lực.", "invalid_token", 401)
    return claims_for(person)
