"""HTTP face of the sandbox VNeID provider (/eid-sandbox/…). Thin: the rules are in sandbox_idp."""

import base64
import binascii
import hashlib
import json
import time
from functools import wraps
from urllib.parse import unquote, urlencode

from django.conf import settings
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import sandbox_idp as idp

PENDING = "eid_sandbox_pending"
PENDING_SECONDS = 300


def sandbox_only(view):
    """The sandbox provider does not exist unless MOTCUA_EID is "sandbox"."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.MOTCUA_EID_SANDBOX:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _json(data: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


@sandbox_only
@require_GET
def discovery(request):
    return _json(idp.discovery(request))


@sandbox_only
@require_GET
def jwks(request):
    return _json({"keys": [idp.keys.public_jwk()]})


def _fingerprint(auth: idp.AuthRequest) -> str:
    return hashlib.sha256(json.dumps(auth.as_params(), sort_keys=True).encode()).hexdigest()


def _page(request, template: str, auth, status: int = 200, **context):
    context = {"params": auth.as_params() if auth else {}, **context}
    return render(request, template, context, status=status)


@sandbox_only
@never_cache
@require_http_methods(["GET", "POST"])
def authorize(request):
    params = request.GET if request.method == "GET" else request.POST
    try:
        auth = idp.parse_auth_request(request, params)
    except idp.UnsafeRedirect as exc:
        return _page(request, "eid/sandbox_error.html", None, status=400, message=exc.message)
    except idp.SandboxError as exc:
        client = idp.registered_client(request, params.get("client_id", ""))
        target = params.get("redirect_uri", "")
        query = urlencode(
            {"error": "invalid_request", "error_description": exc.message, "state": params.get("state", "")}
        )
        if client and target in client.redirect_uris:
            return HttpResponseRedirect(f"{target}?{query}")
        return _page(request, "eid/sandbox_error.html", None, status=400, message=exc.message)

    if request.method == "GET":
        request.session.pop(PENDING, None)
        return _page(request, "eid/sandbox_login.html", auth)

    if request.POST.get("step") == "consent":
        return _consent(request, auth)

    id_number = request.POST.get("so_dinh_danh", "").strip()
    if idp.throttled(request):
        return _page(
            request,
            "eid/sandbox_login.html",
            auth,
            status=429,
            id_number=id_number,
            errors={"form": "Bạn đã thử quá nhiều lần. Vui lòng thử lại sau ít phút."},
        )
    try:
        person = idp.authenticate_resident(id_number, request.POST.get("ma_dang_nhap", ""))
    except idp.SandboxError as exc:
        idp.record_failure(request)
        return _page(
            request,
            "eid/sandbox_login.html",
            auth,
            status=400,
            id_number=id_number,
            errors={exc.field: exc.message},
        )
    request.session[PENDING] = {"id": person.id_number, "req": _fingerprint(auth), "at": time.time()}
    return _page(request, "eid/sandbox_consent.html", auth, claims=idp.claims_for(person))


def _consent(request, auth):
    pending = request.session.get(PENDING) or {}
    fresh = time.time() - pending.get("at", 0) < PENDING_SECONDS
    if pending.get("req") != _fingerprint(auth) or not fresh:
        request.session.pop(PENDING, None)
        return _page(
            request,
            "eid/sandbox_login.html",
            auth,
            status=400,
            errors={"form": "Phiên đăng nhập VNeID đã hết hạn. Vui lòng đăng nhập lại."},
        )
    del request.session[PENDING]
    if request.POST.get("quyet_dinh") != "dong_y":
        return HttpResponseRedirect(auth.error_redirect("access_denied"))
    code = idp.issue_code(auth, pending["id"])
    return HttpResponseRedirect(auth.redirect_uri + "?" + urlencode({"code": code, "state": auth.state}))


def _basic_auth(request) -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return None
    try:
        client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return ("", "")
    return unquote(client_id), unquote(secret)


@sandbox_only
@csrf_exempt  # a back-channel call authenticated by the client secret, not a browser form
@require_POST
def token(request):
    try:
        return _json(idp.exchange_code(request, request.POST, _basic_auth(request)))
    except idp.SandboxError as exc:
        return _json({"error": exc.error, "error_description": exc.message}, status=exc.status)


@sandbox_only
@csrf_exempt
@require_http_methods(["GET", "POST"])
def userinfo(request):
    header = request.headers.get("Authorization", "")
    access_token = header[7:] if header.startswith("Bearer ") else ""
    try:
        return _json(idp.userinfo(access_token))
    except idp.SandboxError as exc:
        response = _json({"error": exc.error, "error_description": exc.message}, status=exc.status)
        response["WWW-Authenticate"] = f'Bearer error="{exc.error}"'
        return response
