"""Requests that no view should see (yêu cầu không hợp lệ): refused first, with a clear error.

- A NUL byte in the path, the query or a form body: PostgreSQL cannot store it in text, so
  letting it through turns a typo or a probe into a server error (500). It is a 400. JSON bodies
  are the API's: its schemas accept any string, so each operation validates its own fields.
- An API body over the size limit (`DATA_UPLOAD_MAX_MEMORY_SIZE`): the API answers in its own JSON
  error shape (`{"error": …, "message": …}`), not the site's HTML page.
"""

from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.views.defaults import bad_request

API_PREFIX = "/api/"
_FORM = "application/x-www-form-urlencoded"


def _has_nul(raw: bytes) -> bool:
    return b"\x00" in raw or b"\x00" in unquote_to_bytes(raw.replace(b"+", b" "))


def _json_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": code, "message": message}, status=status)


class RequestHygieneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        is_api = request.path.startswith(API_PREFIX)
        if is_api and int(request.META.get("CONTENT_LENGTH") or 0) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return self._too_big()
        raw_path = request.META.get("PATH_INFO", "").encode("utf-8", "surrogateescape")
        if _has_nul(raw_path) or _has_nul(request.META.get("QUERY_STRING", "").encode("latin-1", "replace")):
            return self._nul(request, is_api)
        if request.method in ("POST", "PUT", "PATCH") and request.content_type == _FORM:
            try:
                body = request.body
            except RequestDataTooBig:
                if is_api:
                    return self._too_big()
                raise
            if _has_nul(body):
                return self._nul(request, is_api)
        return self.get_response(request)

    @staticmethod
    def _too_big():
        limit_kb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
        return _json_error(413, "payload_too_large", f"Nội dung yêu cầu vượt quá giới hạn {limit_kb} KB.")

    @staticmethod
    def _nul(request, is_api: bool):
        if is_api:
            return _json_error(400, "invalid_request", "Yêu cầu chứa ký tự không hợp lệ (NUL).")
        return bad_request(request, ValueError("NUL byte in the request"))
