"""The eID client (bên sử dụng định danh): mozilla-django-oidc with PKCE, keyed on the personal ID.

The library runs the flow (state, nonce, PKCE verifier in the session; code exchange; JWKS). This
module adds what an eID needs: users keyed on `sub` (số định danh cá nhân), a strict ID-token check
(audience, issuer, expiry and issue time required, not only the signature), the sandbox endpoints
derived per request, and failures answered with a clear Vietnamese page and no session.
"""

from __future__ import annotations

import logging
import re

import jwt
import requests
from django.conf import settings
from django.contrib import auth
from django.core.exceptions import SuspiciousOperation
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
    OIDCLogoutView,
)

from motcua.audit.services import record
from motcua.core import adapters
from motcua.people.models import User

from . import sandbox_idp
from .acting import ACTING_KEY, EID_KEY, SIGNED_IN_AT_KEY
from .decorators import WAS_SIGNED_IN_COOKIE

log = logging.getLogger(__name__)
SUB = re.compile(r"^\d{12}$")
#: Session key: the organisations the person may act for, offered on the choice page.
CHOICE_NEXT_KEY = "eid_choice_next"


def provider(request) -> dict:
    """Endpoints and issuer of the provider MOTCUA_EID names (family "eid" of core.adapters):
    "sandbox" (derived from the request) or "vneid" (the national eID's, from the settings)."""
    return adapters.get("eid")(request)


def register_adapters() -> None:
    """The "eid" family (EidConfig.ready)."""
    adapters.declare("eid", setting="MOTCUA_EID", default="sandbox")
    adapters.register("eid", "sandbox", sandbox_idp.endpoints)
    adapters.register("eid", "vneid", national_endpoints)


def national_endpoints(request) -> dict:
    """The national eID's endpoints (MOTCUA_EID_ISSUER and the four MOTCUA_EID_*_ENDPOINT)."""
    return {
        "issuer": settings.OIDC_OP_ISSUER,
        "authorization_endpoint": settings.OIDC_OP_AUTHORIZATION_ENDPOINT,
        "token_endpoint": settings.OIDC_OP_TOKEN_ENDPOINT,
        "userinfo_endpoint": settings.OIDC_OP_USER_ENDPOINT,
        "jwks_uri": settings.OIDC_OP_JWKS_ENDPOINT,
    }


class SignInRefused(SuspiciousOperation):
    """Refused with a message the person can read."""


class EidBackend(OIDCAuthenticationBackend):
    """Authenticate with the national eID; one `people.User` per personal ID number."""

    def authenticate(self, request, **kwargs):
        if request is None or "code" not in request.GET or "state" not in request.GET:
            return None  # not an eID callback (e.g. an officer's password sign-in)
        op = provider(request)
        self.OIDC_OP_TOKEN_ENDPOINT = op["token_endpoint"]
        self.OIDC_OP_USER_ENDPOINT = op["userinfo_endpoint"]
        self.OIDC_OP_JWKS_ENDPOINT = op["jwks_uri"]
        self.issuer = op["issuer"]
        return super().authenticate(request, **kwargs)

    def _verify_jws(self, payload, key):
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SignInRefused("ID token: unexpected algorithm")
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=self.issuer or None,
                leeway=settings.MOTCUA_EID_LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "aud", "iss", "sub", "nonce"]},
            )
        except jwt.InvalidTokenError as exc:
            raise SignInRefused(f"ID token refused: {exc}") from exc

    def get_or_create_user(self, access_token, id_token, payload):
        self.id_token_sub = payload.get("sub")
        return super().get_or_create_user(access_token, id_token, payload)

    def verify_claims(self, claims):
        sub = claims.get("sub", "")
        # OpenID Connect Core §5.3.2: the userinfo subject must be the ID token's.
        return (
            bool(SUB.match(sub)) and sub == getattr(self, "id_token_sub", None) and bool(claims.get("name"))
        )

    def filter_users_by_claims(self, claims):
        users = User.objects.filter(personal_id_index=claims["sub"])
        if users.exclude(kind__in=[User.Kind.CITIZEN, User.Kind.BUSINESS]).exists():
            raise SignInRefused("an officer account holds this personal ID")
        return users

    def create_user(self, claims):
        user = User(username=f"vneid-{claims['sub']}", kind=User.Kind.CITIZEN, personal_id=claims["sub"])
        user.set_unusable_password()  # citizens sign in only through the eID
        return self.update_user(user, claims)

    def update_user(self, user, claims):
        user.full_name = claims.get("name", "")[:150]
        user.phone = (claims.get("phone_number") or "")[:20]
        user.email = (claims.get("email") or "")[:254]
        user.save()
        self.request.session["eid_claims"] = {
            "address": (claims.get("address") or {}).get("formatted", ""),
            "organisations": [o.get("tax_code") for o in claims.get(sandbox_idp.ORGANISATIONS_CLAIM) or []],
        }
        return user


def _refused(request, message: str, status: int = 400):
    if request.user.is_authenticated:
        auth.logout(request)
    else:
        request.session.flush()
    return render(request, "eid/sign_in_failed.html", {"message": message}, status=status)


class StartView(OIDCAuthenticationRequestView):
    """/oidc/authenticate/?next=… — to the provider, with state, nonce and a PKCE challenge."""

    def get(self, request):
        self.OIDC_OP_AUTH_ENDPOINT = provider(request)["authorization_endpoint"]
        return super().get(request)


class CallbackView(OIDCAuthenticationCallbackView):
    """/oidc/callback/ — every failure ends on a readable page, signed out."""

    def get(self, request):
        if request.GET.get("error") == "access_denied":
            super().get(request)
            return _refused(
                request, _("Bạn đã không đồng ý chia sẻ thông tin với VNeID, nên chưa đăng nhập.")
            )
        try:
            response = super().get(request)
        except SuspiciousOperation as exc:
            log.warning("eID sign-in refused: %s", exc)
            return _refused(request, _("Đăng nhập không hợp lệ hoặc đã được dùng. Vui lòng đăng nhập lại."))
        except requests.HTTPError as exc:
            log.warning("eID provider refused the code: %s", exc)
            if exc.response is not None and exc.response.status_code < 500:
                return _refused(
                    request, _("Đăng nhập không hợp lệ hoặc đã được dùng. Vui lòng đăng nhập lại.")
                )
            return _refused(
                request, _("Không đăng nhập được bằng VNeID lúc này. Vui lòng thử lại sau ít phút."), 502
            )
        except (requests.RequestException, ValueError, KeyError) as exc:
            log.warning("eID sign-in failed: %s", exc)
            return _refused(
                request, _("Không đăng nhập được bằng VNeID lúc này. Vui lòng thử lại sau ít phút."), 502
            )
        if not request.user.is_authenticated:
            return _refused(request, _("Đăng nhập bằng VNeID không thành công. Vui lòng đăng nhập lại."))
        return response

    def login_success(self):
        response = super().login_success()
        session = self.request.session
        session[EID_KEY] = self.user.personal_id
        session[SIGNED_IN_AT_KEY] = timezone.now().isoformat()
        session.pop(ACTING_KEY, None)
        record("eid.sign_in", actor=self.user, obj=self.user)
        if session.get("eid_claims", {}).get("organisations"):
            session[CHOICE_NEXT_KEY] = self.success_url
            response = HttpResponseRedirect(reverse("eid:choose"))
        response.set_cookie(
            WAS_SIGNED_IN_COOKIE,
            "1",
            max_age=30 * 86400,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
        return response


class LogoutView(OIDCLogoutView):
    """POST only: sign out of motcua (the sandbox keeps no provider session)."""

    http_method_names = ["post"]

    def post(self, request):
        response = super().post(request)
        response.delete_cookie(WAS_SIGNED_IN_COOKIE)
        return response


def safe_next(request, url: str | None, default: str = "/") -> str:
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    return default
