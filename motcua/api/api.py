"""The NinjaAPI object: errors in one shape, authentication answers, and the OpenAPI document.

Every refusal is `schemas.Error` ({error, message, details}) with a Vietnamese message. The
OpenAPI document is generated from this code (`motcua openapi` writes docs/api/openapi.json);
`document()` adds what django-ninja does not express by itself: the scope each operation needs
from a system's token, and that public operations may be called without credentials.
"""

from __future__ import annotations

import json

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from . import assistant, dossiers, oauth, procedures, results, statistics
from .auth import CsrfFailed, InvalidToken
from .errors import PUBLIC_MARK, SCOPE_MARK, ApiError

REALM = 'Bearer realm="motcua"'
VERSION = "1.0.0"


DESCRIPTION = """API REST của hệ thống một cửa điện tử (motcua), phiên bản 1.

**Xác thực.** Hệ thống kết nối lấy mã truy cập bằng OAuth2 client credentials
(`POST /api/v1/oauth/token`, dạng form, RFC 6749 §4.4) rồi gửi `Authorization: Bearer <mã>`.
Mỗi hệ thống chỉ thấy hồ sơ của các cơ quan được gắn với nó, trong phạm vi quyền của mã.
Cán bộ (đã xác thực hai bước) và người dân (đăng nhập VNeID) dùng phiên đăng nhập của trang web;
yêu cầu thay đổi dữ liệu phải kèm tiêu đề `X-CSRFToken`.

**Lỗi.** Mọi lỗi có dạng `{"error": "<mã>", "message": "<mô tả tiếng Việt>"}`: 401 chưa xác thực
hoặc mã truy cập sai/hết hạn; 403 thiếu phạm vi quyền hoặc không được thực hiện thao tác; 404 không
có hoặc không được xem; 409 hồ sơ đã thay đổi hoặc không ở trạng thái phù hợp; 422 dữ liệu không hợp lệ;
429 quá số lần cho phép.
"""


class MotcuaAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return _complete(json.loads(json.dumps(schema, default=str)))


api = MotcuaAPI(
    title="motcua API",
    version=VERSION,
    description=DESCRIPTION,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def error_response(request, status: int, code: str, message: str, *, details=None, headers=None):
    body = {"error": code, "message": message}
    if details is not None:
        body["details"] = details
    response = api.create_response(request, body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    response["Cache-Control"] = "no-store"
    return response


@api.exception_handler(ApiError)
def _api_error(request, exc: ApiError):
    return error_response(request, exc.status, exc.code, exc.message, headers=exc.headers)


@api.exception_handler(InvalidToken)
def _invalid_token(request, exc):
    return error_response(
        request,
        401,
        "invalid_token",
        "Mã truy cập không hợp lệ, đã hết hạn hoặc đã bị thu hồi. Hãy lấy mã mới.",
        headers={"WWW-Authenticate": f'{REALM}, error="invalid_token"'},
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return error_response(
        request,
        401,
        "unauthenticated",
        "Cần xác thực: gửi mã truy cập (Bearer) hoặc đăng nhập.",
        headers={"WWW-Authenticate": REALM},
    )


@api.exception_handler(CsrfFailed)
def _csrf(request, exc):
    return error_response(
        request, 403, "csrf_failed", "Thiếu hoặc sai mã CSRF: gửi kèm tiêu đề X-CSRFToken của phiên."
    )


def _clean_details(errors) -> list[dict]:
    out = []
    for item in errors:
        loc = [str(part) for part in item.get("loc", ())]
        out.append({"loc": loc, "msg": str(item.get("msg", "")), "type": str(item.get("type", ""))})
    return out


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    details = _clean_details(exc.errors)
    fields = ", ".join(sorted({d["loc"][-1] for d in details if d["loc"]}))
    message = "Dữ liệu gửi lên không hợp lệ" + (f" ở: {fields}." if fields else ".")
    return error_response(request, 422, "validation_error", message, details=details)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return error_response(request, 404, "not_found", "Không tìm thấy.")


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return error_response(request, exc.status_code, "http_error", str(exc))


# --- the OpenAPI document -----------------------------------------------------------------------


def document() -> dict:
    """The OpenAPI 3.1 document of the API, as served at /api/v1/openapi.json."""
    return api.get_openapi_schema(path_prefix="/api/v1")


def _complete(schema: dict) -> dict:
    """Fill in the scope each operation needs from a token, and that public ones need nothing."""
    bearer = schema.get("components", {}).get("securitySchemes", {}).get("BearerAuth")
    if bearer is not None:
        bearer.pop("scheme", None)  # an HTTP-scheme attribute; OAuth2 schemes have none
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            if not isinstance(operation, dict):
                continue
            # Refused before any operation (core.middleware.RequestHygieneMiddleware): a NUL byte
            # anywhere in the request, and a body over the size limit.
            responses = operation.setdefault("responses", {})
            responses.setdefault("400", {"description": "Bad Request", "content": error})
            if method in ("post", "put", "patch"):
                responses.setdefault("413", {"description": "Content Too Large", "content": error})
            public = operation.pop(PUBLIC_MARK, False)
            scope = operation.pop(SCOPE_MARK, None)
            security = operation.get("security")
            if not security:
                continue
            fixed = []
            for requirement in security:
                if "BearerAuth" in requirement:
                    requirement = {"BearerAuth": [scope] if scope else []}
                fixed.append(requirement)
            if public:
                fixed.append({})
            operation["security"] = fixed
    return schema


def render_document() -> str:
    """The committed form: sorted keys, two-space indent, UTF-8, newline at the end."""
    return json.dumps(document(), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


for _module in (oauth, procedures, dossiers, results, statistics, assistant):
    api.add_router("", _module.router)
