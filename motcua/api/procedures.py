"""GET /procedures and /procedures/{code}: the public catalog (danh mục thủ tục hành chính)."""

from __future__ import annotations

from typing import Literal

from django.db.models import Q
from ninja import Query, Router, Schema
from pydantic import Field

from motcua.catalog.models import Level, OnlineLevel, Procedure
from motcua.catalog.search import search_procedures

from .access import principal, require_scope
from .auth import PUBLIC
from .errors import PUBLIC_MARK, SCOPE_MARK, not_found
from .schemas import Error, ProcedureDetail, ProcedurePage

router = Router(tags=["Thủ tục hành chính"], auth=PUBLIC)
SCOPE = "procedures:read"
PUBLIC_READ = {PUBLIC_MARK: True, SCOPE_MARK: SCOPE}
#: Search ranks at most this many procedures (offset + limit).
MAX_SEARCH = 200
MAX_OFFSET = 5000
LEVEL_FIELDS = {
    Level.MINISTRY: "at_ministry",
    Level.PROVINCE: "at_province",
    Level.COMMUNE: "at_commune",
    Level.OTHER: "at_other",
}


class ProcedureFilters(Schema):
    q: str | None = Field(
        None, max_length=300, description="Từ khóa, viết thế nào cũng được (có dấu hay không)."
    )
    level: Literal["ministry", "province", "commune", "other"] | None = Field(
        None, description="Cấp thực hiện."
    )
    online_level: Literal["full", "partial", "none", "unknown"] | None = None
    field: str | None = Field(None, max_length=255, description="Đường dẫn (slug) của lĩnh vực.")
    include_inactive: bool = Field(False, description="Cả thủ tục đã hết hiệu lực hoặc bãi bỏ.")
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


def summary(p: Procedure) -> dict:
    return {
        "code": p.code,
        "name": p.name,
        "field": p.field.name if p.field_id else None,
        "online_level": p.online_level,
        "status": p.status,
        "levels": p.levels,
    }


@router.get(
    "/procedures",
    response={200: ProcedurePage, 401: Error, 403: Error, 422: Error},
    summary="Tìm, liệt kê thủ tục hành chính",
    operation_id="list_procedures",
    openapi_extra=PUBLIC_READ,
)
def list_procedures(request, filters: Query[ProcedureFilters]):
    """Không có `q`: theo mã thủ tục. Có `q`: theo mức độ phù hợp (tìm kiếm tiếng Việt)."""
    require_scope(principal(request), SCOPE)
    qs = Procedure.objects.select_related("field")
    if not filters.include_inactive:
        qs = qs.filter(status=Procedure.Status.IN_FORCE)
    if filters.level:
        qs = qs.filter(**{LEVEL_FIELDS[Level(filters.level)]: True})
    if filters.online_level:
        qs = qs.filter(online_level=OnlineLevel(filters.online_level))
    if filters.field:
        qs = qs.filter(field__slug=filters.field)
    start, stop = filters.offset, filters.offset + filters.limit
    query = (filters.q or "").strip()
    if query:
        if start >= MAX_SEARCH:
            return {"items": [], "next_offset": None}
        codes = [hit.code for hit in search_procedures(query, limit=MAX_SEARCH)]
        found = {p.code: p for p in qs.filter(code__in=codes)}
        ranked = [found[c] for c in codes if c in found]
        page = ranked[start:stop]
        more = len(ranked) > stop
    else:
        rows = list(qs.order_by("code")[start : stop + 1])
        page, more = rows[: filters.limit], len(rows) > filters.limit
    return {"items": [summary(p) for p in page], "next_offset": stop if more and stop <= MAX_OFFSET else None}


@router.get(
    "/procedures/{code}",
    response={200: ProcedureDetail, 401: Error, 403: Error, 404: Error, 422: Error},
    summary="Chi tiết một thủ tục hành chính",
    operation_id="get_procedure",
    openapi_extra=PUBLIC_READ,
)
def get_procedure(request, code: str):
    """Thành phần hồ sơ, cách thức thực hiện (thời hạn, phí), trình tự, căn cứ pháp lý, cơ quan."""
    require_scope(principal(request), SCOPE)
    p = (
        Procedure.objects.select_related("field", "current_version")
        .filter(Q(code=code[:32]))
        .prefetch_related("agencies")
        .first()
    )
    if p is None:
        raise not_found("thủ tục")
    v = p.current_version
    data = {
        **summary(p),
        "version": v.number if v else None,
        "decision_no": v.decision_no if v else "",
        "procedure_type": v.procedure_type if v else "",
        "target_subjects": list(v.target_subjects or []) if v else [],
        "competent_agency": v.competent_agency if v else "",
        "implementing_agency": v.implementing_agency if v else "",
        "steps": list(v.steps or []) if v else [],
        "conditions": v.conditions if v else "",
        "result_text": v.result_text if v else "",
        "legal_basis": list(v.legal_basis or []) if v else [],
        "requirements": [
            {
                "group": d.group,
                "name": d.name,
                "originals": d.originals,
                "copies": d.copies,
                "form_template": d.form_template,
            }
            for d in (v.documents.all() if v else [])
        ],
        "methods": [
            {
                "channel": m.channel,
                "processing_time": m.processing_time_text,
                "time_amount": float(m.time_amount) if m.time_amount is not None else None,
                "time_unit": m.time_unit or "",
                "fee": m.fee_text,
                "fee_status": m.fee_status,
                "fee_amounts": list(m.fee_amounts or []),
            }
            for m in (v.methods.all() if v else [])
        ],
        "agencies": [{"code": a.code, "name": a.name} for a in p.agencies.all()],
        "effective_from": p.effective_from,
        "source_url": v.source_url if v else "",
    }
    return data
