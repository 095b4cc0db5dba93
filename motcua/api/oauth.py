"""POST /api/v1/oauth/token: the OAuth2 client-credentials grant (RFC 6749 §4.4).

The client authenticates with HTTP Basic (`client_id:client_secret`, §2.3.1) or with
`client_id` and `client_secret` in the form. Attempts are counted per IP address
(`MOTCUA_API_TOKEN_RATE`, 30 per 10 minutes by default) and refused with 429 beyond.
"""

from __future__ import annotations

import base64
import binascii
import json
from urllib.parse import unquote_plus

from django.http import HttpResponse
from ninja import Form, Router, Schema

from motcua.core.ratelimit import throttle

from . import services
from .schemas import OAuthError, TokenOut

router = Router(tags=["Xác thực"])


class TokenForm(Schema):
    grant_type: str | None = None
    scope: str | None = None
    client_id: str | None = None
    client_secret: str | None = None


class BadBasic(ValueError):
    pass


def _answer(status: int, body: dict, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type="application/json; charset=utf-8"
    )
    for name, value in (headers or {}).items():
        response[name] = value
    # Tokens and their errors are never cached (RFC 6749 §5.1).
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def _error(status: int, code: str, message: str, headers: dict | None = None) -> HttpResponse:
    return _answer(status, {"error": code, "message": message, "error_description": message}, headers)


def _basic(request) -> tuple[str, str] | None:
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise BadBasic from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise BadBasic
    return unquote_plus(client_id), unquote_plus(secret)


BASIC_CHALLENGE = {"WWW-Authenticate": 'Basic realm="motcua"'}


@router.post(
    "/oauth/token",
    response={200: TokenOut, 400: OAuthError, 401: OAuthError, 429: OAuthError},
    summary="Lấy mã truy cập (OAuth2 client credentials)",
    operation_id="oauth_token",
)
def token(request, form: Form[TokenForm]):
    """Đổi mã hệ thống và khóa bí mật lấy mã truy cập ngắn hạn (mặc định 15 phút)."""
    t = throttle(request, "api-token", "MOTCUA_API_TOKEN_RATE", (30, 600))
    if not t.allowed:
        return _error(
            429,
            "slow_down",
            f"Quá nhiều yêu cầu lấy mã truy cập. Thử lại sau {t.retry_minutes} phút.",
            {"Retry-After": str(t.retry_after)},
        )
    try:
        basic = _basic(request)
    except BadBasic:
        return _error(400, "invalid_request", "Tiêu đề Authorization (Basic) không đọc được.")
    if basic and (form.client_id or form.client_secret):
        return _error(
            400, "invalid_request", "Chỉ dùng một cách xác thực hệ thống: Basic hoặc các trường của form."
        )
    if not form.grant_type:
        return _error(400, "invalid_request", "Thiếu grant_type (client_credentials).")
    if form.grant_type != "client_credentials":
        return _error(400, "unsupported_grant_type", "Chỉ hỗ trợ grant_type=client_credentials.")
    client_id, secret = basic or (form.client_id or "", form.client_secret or "")
    if not client_id or not secret:
        return _error(401, "invalid_client", "Thiếu mã hệ thống hoặc khóa bí mật.", BASIC_CHALLENGE)
    try:
        issued = services.issue_token(client_id, secret, form.scope)
    except services.ClientError as exc:
        if exc.code == "invalid_client":
            return _error(401, exc.code, exc.message, BASIC_CHALLENGE)
        return _error(400, exc.code, exc.message)
    body = {
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
        "scope": " ".join(issued.scopes),
    }
    return _answer(200, body)
