"""The API's error vocabulary and operation marks, shared by the NinjaAPI object and its routers.

Kept apart from `api.py` (which builds the NinjaAPI and registers the routers) so that a router
imports its refusals without importing the object that imports it (no import loop)."""

from __future__ import annotations

#: Operation marks read by `api._complete` when it writes the OpenAPI document.
PUBLIC_MARK = "x-motcua-public"
SCOPE_MARK = "x-motcua-scope"


class ApiError(Exception):
    """A refusal with its HTTP status, stable code and Vietnamese message."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def not_found(what: str = "hồ sơ") -> ApiError:
    return ApiError(404, "not_found", f"Không tìm thấy {what}, hoặc bạn không có quyền xem.")
