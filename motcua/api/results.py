"""Anyone checks that a result was issued by motcua (xác thực kết quả), without signing in.

- ``GET /results/verify?sha256=…``: is a file with this SHA-256 a result motcua issued?
- ``GET /results/{code}/verify[?sha256=…]``: the result of this dossier (the code printed on it,
  its QR code), and whether a file with this SHA-256 is exactly that result.

The answer names the result, the agency, the procedure and the signer, never the applicant.
Checks are counted per IP address like the public verification page (`MOTCUA_VERIFY_RATE`).
"""

from __future__ import annotations

from ninja import Query, Router, Schema
from pydantic import Field

from motcua.core.ratelimit import throttle
from motcua.dossiers.models import DossierResult
from motcua.portal.tracking import normalise_code

from .access import principal, require_scope
from .auth import PUBLIC
from .errors import PUBLIC_MARK, SCOPE_MARK, ApiError
from .schemas import Error, PublicResult

router = Router(tags=["Kết quả giải quyết"], auth=PUBLIC)
SCOPE = "results:read"
SHA256 = r"^[0-9a-fA-F]{64}$"
RESPONSES = {200: PublicResult, 401: Error, 403: Error, 404: Error, 422: Error, 429: Error}


class ByHash(Schema):
    sha256: str = Field(pattern=SHA256, description="Mã băm SHA-256 của tệp kết quả (64 ký tự hex).")


class ByCode(Schema):
    sha256: str | None = Field(
        None, pattern=SHA256, description="Mã băm của tệp cần so với kết quả của hồ sơ."
    )


def _checked(request) -> None:
    require_scope(principal(request), SCOPE)
    t = throttle(request, "api-verify", "MOTCUA_VERIFY_RATE", (30, 600))
    if not t.allowed:
        raise ApiError(
            429,
            "rate_limited",
            f"Quá nhiều lượt kiểm tra. Thử lại sau {t.retry_minutes} phút.",
            headers={"Retry-After": str(t.retry_after)},
        )


def _public(found: DossierResult, digest: str | None) -> dict:
    dossier = found.dossier
    return {
        "dossier_code": dossier.code,
        "title": found.title,
        "result_code": found.result_code,
        "sha256": found.sha256,
        "signed_by": found.signed_by,
        "signed_at": found.signed_at,
        "issuing_agency": {"code": dossier.handling_agency.code, "name": dossier.handling_agency.name},
        "procedure": {"code": dossier.procedure.code, "name": dossier.procedure.name},
        "matches": (found.sha256 == digest) if digest else None,
    }


def _results():
    return DossierResult.objects.select_related("dossier", "dossier__procedure", "dossier__handling_agency")


NOT_OURS = "Không có kết quả nào do hệ thống ban hành khớp với thông tin này."


@router.get(
    "/results/verify",
    response=RESPONSES,
    summary="Xác thực tệp kết quả theo mã băm (công khai)",
    operation_id="verify_result_by_hash",
    openapi_extra={PUBLIC_MARK: True, SCOPE_MARK: SCOPE},
)
def verify_by_hash(request, query: Query[ByHash]):
    """Tệp có mã băm này có đúng là một kết quả do hệ thống ban hành, chưa bị sửa không."""
    _checked(request)
    digest = query.sha256.lower()
    found = _results().filter(sha256=digest).first()
    if found is None:
        raise ApiError(404, "not_found", NOT_OURS)
    return _public(found, digest)


@router.get(
    "/results/{code}/verify",
    response=RESPONSES,
    summary="Xác thực kết quả của một hồ sơ (công khai)",
    operation_id="verify_result_of_dossier",
    openapi_extra={PUBLIC_MARK: True, SCOPE_MARK: SCOPE},
)
def verify_by_code(request, code: str, query: Query[ByCode]):
    """Thông tin kết quả đã ban hành của hồ sơ (không có dữ liệu cá nhân của người nộp); có
    `sha256` thì cho biết tệp đó có đúng là kết quả ấy không (`matches`)."""
    _checked(request)
    found = _results().filter(dossier__code=normalise_code(code)).first()
    if found is None:
        raise ApiError(404, "not_found", NOT_OURS)
    return _public(found, query.sha256.lower() if query.sha256 else None)
