"""API clients and tokens: the only code that creates, changes or checks them.

    client, secret = create_client("Cổng DVC quốc gia", ["000.00.04.H52"], ["dossiers:read"])
    token = issue_token(client_id, secret, requested_scopes=None)   # OAuth2 client credentials
    access = resolve_token(raw)                                     # the client and scopes, or None

Secrets and tokens are 256-bit random values (`secrets.token_urlsafe(32)`); only their SHA-256
digests are stored. A slow password hash adds nothing for values that cannot be guessed, and a
digest can be looked up by index (see docs/adr/0019-rest-api.md).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from motcua.audit.services import record as audit_record
from motcua.places.models import Agency

from .models import SCOPES, AccessToken, ApiClient, token_seconds


class ClientError(Exception):
    """A refused request about clients or tokens; `code` is the OAuth2 error code (RFC 6749 §5.2)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def parse_scopes(text: str | list[str] | None) -> list[str]:
    """'a b,c' or ['a', 'b'] → sorted known scopes; ClientError(invalid_scope) for unknown ones."""
    if text is None:
        return []
    items = text if isinstance(text, list) else text.replace(",", " ").split()
    unknown = sorted({s for s in items if s not in SCOPES})
    if unknown:
        raise ClientError(
            "invalid_scope",
            f"Phạm vi quyền không hợp lệ: {', '.join(unknown)}. Các phạm vi có: {', '.join(SCOPES)}.",
        )
    return sorted(set(items))


def create_client(
    name: str, agency_codes: list[str], scopes, *, created_by: str = ""
) -> tuple[ApiClient, str]:
    """A new client bound to agencies; returns it with its secret, which is never shown again."""
    name = " ".join((name or "").split())
    if not name:
        raise ClientError("invalid_request", "Nhập tên hệ thống kết nối.")
    scope_list = parse_scopes(scopes)
    if not scope_list:
        raise ClientError("invalid_scope", "Chọn ít nhất một phạm vi quyền.")
    codes = sorted(set(agency_codes or []))
    agencies = list(Agency.objects.filter(code__in=codes, is_active=True))
    missing = sorted(set(codes) - {a.code for a in agencies})
    if missing:
        raise ClientError("invalid_request", f"Không có cơ quan đang hoạt động mã: {', '.join(missing)}.")
    if not agencies:
        raise ClientError("invalid_request", "Gắn hệ thống với ít nhất một cơ quan.")
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        client = ApiClient.objects.create(
            name=name[:200],
            client_id="mc-" + secrets.token_hex(8),
            secret_sha256=digest(secret),
            scopes=scope_list,
            created_by=created_by[:150],
        )
        client.agencies.set(agencies)
        audit_record(
            "api.client_create",
            actor=created_by or "system",
            obj=client,
            data={"client_id": client.client_id, "agencies": codes, "scopes": scope_list},
        )
    return client, secret


def deactivate_client(client_id: str, *, by: str = "") -> ApiClient:
    """Turn a client off and revoke its tokens at once."""
    with transaction.atomic():
        client = ApiClient.objects.select_for_update().filter(client_id=client_id).first()
        if client is None:
            raise ClientError("invalid_client", f"Không có hệ thống kết nối “{client_id}”.")
        client.is_active = False
        client.save(update_fields=["is_active"])
        AccessToken.objects.filter(client=client, revoked_at__isnull=True).update(revoked_at=timezone.now())
        audit_record("api.client_deactivate", actor=by or "system", obj=client, data={"client_id": client_id})
    return client


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    scopes: list[str]
    expires_at: datetime


def authenticate_client(client_id: str, secret: str) -> ApiClient:
    """The active client with this id and secret, or ClientError(invalid_client) for any mismatch."""
    client = ApiClient.objects.filter(client_id=(client_id or "")[:64]).first()
    # Compare even when the client does not exist, so timing does not tell which part was wrong.
    expected = client.secret_sha256 if client is not None else digest("")
    if not hmac.compare_digest(expected, digest(secret or "")) or client is None or not client.is_active:
        raise ClientError("invalid_client", "Sai mã hệ thống hoặc khóa bí mật, hoặc hệ thống đã bị khóa.")
    return client


def issue_token(client_id: str, secret: str, requested: str | None = None) -> IssuedToken:
    """OAuth2 client credentials (RFC 6749 §4.4): a bearer token with the requested scopes, which
    must be a subset of the client's (all of them when none is requested)."""
    client = authenticate_client(client_id, secret)
    scopes = parse_scopes(requested) if requested and requested.strip() else list(client.scopes)
    beyond = sorted(set(scopes) - set(client.scopes))
    if beyond:
        raise ClientError("invalid_scope", f"Hệ thống không được cấp phạm vi quyền: {', '.join(beyond)}.")
    raw = secrets.token_urlsafe(32)
    now = timezone.now()
    seconds = token_seconds()
    with transaction.atomic():
        AccessToken.objects.create(
            client=client,
            token_sha256=digest(raw),
            scopes=scopes,
            issued_at=now,
            expires_at=now + timedelta(seconds=seconds),
        )
        audit_record("api.token", actor=f"api:{client.client_id}", obj=client, data={"scopes": scopes})
    return IssuedToken(raw, seconds, scopes, now + timedelta(seconds=seconds))


@dataclass(frozen=True)
class TokenAccess:
    client: ApiClient
    scopes: frozenset[str]
    agency_ids: frozenset[int]


def resolve_token(raw: str) -> TokenAccess | None:
    """The client and scopes of a valid bearer token; None if unknown, expired, revoked or inactive."""
    if not raw or len(raw) > 200:
        return None
    token = (
        AccessToken.objects.select_related("client")
        .filter(token_sha256=digest(raw), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.client.is_active:
        return None
    agencies = frozenset(token.client.agencies.filter(is_active=True).values_list("pk", flat=True))
    return TokenAccess(token.client, frozenset(token.scopes), agencies)


def purge_expired(before: datetime | None = None) -> int:
    """Delete tokens that expired more than a day ago (they only fill the table)."""
    cutoff = before or timezone.now() - timedelta(days=1)
    deleted, _ = AccessToken.objects.filter(expires_at__lt=cutoff).delete()
    return deleted
