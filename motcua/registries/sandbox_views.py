"""The LGSP sandbox: the synthetic registries served over HTTP in the platform's JSON (wire.py), so
the HTTP adapters and the exchange client run their real code path against it. Served only when
MOTCUA_LGSP_SANDBOX is on; every request needs the sandbox API key (and a valid HMAC signature
when MOTCUA_LGSP_SANDBOX_SECRET is set). The sandbox behaviour switches apply: slow, fail (500),
empty (404)."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import Http404, JsonResponse
from django.views.decorators.http import require_GET

from motcua.exchange.client import verify_signature

from . import sandbox, wire
from .ports import RegistryUnavailable

_CALLS = {
    "person": lambda key: sandbox.SandboxPopulation().person(key),
    "household": lambda key: {wire.LIST_KEYS["household"]: sandbox.SandboxPopulation().household(key)},
    "events_of": lambda key: {wire.LIST_KEYS["events_of"]: sandbox.SandboxCivilStatus().events_of(key)},
    "organisation": lambda key: sandbox.SandboxBusiness().organisation(key),
    "represented_by": lambda key: {
        wire.LIST_KEYS["represented_by"]: sandbox.SandboxBusiness().represented_by(key)
    },
    "insurance_of": lambda key: sandbox.SandboxSocialInsurance().insurance_of(key),
    "birth_notices": lambda key: {
        wire.LIST_KEYS["birth_notices"]: sandbox.SandboxSocialInsurance().birth_notices(key)
    },
    "licences_of": lambda key: {
        wire.LIST_KEYS["licences_of"]: sandbox.SandboxDrivingLicences().licences_of(key)
    },
}


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status, json_dumps_params={"ensure_ascii": False})


@require_GET
def lookup(request, method: str, key: str):
    if not getattr(settings, "MOTCUA_LGSP_SANDBOX", False):
        raise Http404
    expected = getattr(settings, "MOTCUA_LGSP_SANDBOX_API_KEY", "")
    if not hmac.compare_digest(request.headers.get("X-API-Key", ""), expected):
        return _error("Thiếu hoặc sai khóa truy cập (X-API-Key).", 401)
    secret = getattr(settings, "MOTCUA_LGSP_SANDBOX_SECRET", "")
    if secret and not verify_signature(
        request.method, request.get_full_path(), request.body, request.headers, secret=secret
    ):
        return _error("Chữ ký yêu cầu không hợp lệ hoặc đã quá hạn.", 401)
    try:
        answer = _CALLS[method](key)
    except RegistryUnavailable as exc:
        return _error(str(exc), 500)
    if answer is None:
        return _error("Không tìm thấy dữ liệu.", 404)
    if isinstance(answer, dict):
        return JsonResponse(
            {k: [wire.encode(r) for r in v] for k, v in answer.items()},
            json_dumps_params={"ensure_ascii": False},
        )
    return JsonResponse(wire.encode(answer), json_dumps_params={"ensure_ascii": False})
