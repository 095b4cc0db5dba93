"""Dossiers through the API: list and read (scoped like the screens), act, documents, rating.

Endpoints stay thin: who sees what is `api.access` (over `dossiers.access`), what may be done is
`dossiers.services.perform` (the back office's guards, optimistic locking, history + audit +
event in one transaction), signing is `dossiers.results.issue_result`, ratings are
`feedback.services.rate`.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.http import FileResponse
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field, field_validator

from motcua.core import calendar
from motcua.core.signing import SigningError
from motcua.core.uploads import ALLOWED_CONTENT_TYPES
from motcua.dossiers import access as dossier_access
from motcua.dossiers import results as dossier_results
from motcua.dossiers import services
from motcua.dossiers.models import Dossier, DossierResult
from motcua.dossiers.models import Status as DossierStatus
from motcua.feedback import services as feedback
from motcua.feedback.models import Satisfaction
from motcua.people.models import User
from motcua.places.models import Agency

from .access import (
    audit_read,
    dossiers_for,
    get_document,
    get_dossier,
    principal,
    require_person,
    require_scope,
)
from .auth import CITIZEN, OFFICER, SIGNED_IN, SYSTEM, Principal
from .errors import SCOPE_MARK, ApiError, not_found
from .schemas import Document, DossierDetail, DossierPage, Error, RatingIn, RatingOut, Result, TransitionIn

logger = logging.getLogger(__name__)
router = Router(tags=["Hồ sơ"], auth=SIGNED_IN)
MAX_OFFSET = 10_000
ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|z|[+-]\d{2}:?\d{2})?)?$")
#: Refusals of services.perform → HTTP status (as on the officers' site).
ERROR_STATUS = {"stale_version": 409, "wrong_state": 409, "not_allowed": 403, "invalid_input": 400}
READ, WRITE, FILES = "dossiers:read", "dossiers:write", "documents:read"


def _agency(a) -> dict | None:
    return {"code": a.code, "name": a.name} if a is not None else None


def summary(d: Dossier) -> dict:
    return {
        "code": d.code,
        "national_code": d.national_code,
        "procedure": {"code": d.procedure.code, "name": d.procedure.name},
        "channel": d.channel,
        "status": d.status,
        "status_label": DossierStatus(d.status).label,
        "applicant_name": d.applicant_name,
        "receiving_agency": _agency(d.receiving_agency),
        "handling_agency": _agency(d.handling_agency),
        "submitted_at": d.submitted_at,
        "received_at": d.received_at,
        "due_at": d.due_at,
        "finished_at": d.finished_at,
        "returned_at": d.returned_at,
        "version": d.version,
        "updated_at": d.updated_at,
    }


def _allowed(who: Principal, d: Dossier) -> list[str]:
    if who.kind == SYSTEM:
        if WRITE not in who.scopes:
            return []
        return [t.name for t in services.TRANSITIONS.values() if t.system_may and d.status in t.sources]
    return [t.name for t in services.allowed_actions(who.user, d)]


def detail(who: Principal, d: Dossier) -> dict:
    history = [
        {
            "at": h.at,
            "action": h.action,
            "label": h.label,
            "from_status": h.from_status,
            "to_status": h.to_status,
            "actor_name": h.actor_name,
            "actor_title": h.actor_title,
            "agency": _agency(h.agency),
            # Officers' notes are internal; the applicant sees reasons (decision_reason), not notes.
            "note": "" if who.kind == CITIZEN else h.note,
        }
        for h in d.history.select_related("agency").order_by("at", "id")
    ]
    return {
        **summary(d),
        "applicant": {
            "kind": d.applicant_kind,
            "name": d.applicant_name,
            "id_number": d.applicant_id_number,
            "address": d.applicant_address,
            "phone": d.applicant_phone,
            "email": d.applicant_email,
        },
        "summary": d.summary,
        "decision": d.decision,
        "decision_reason": d.decision_reason,
        "is_overdue": services.is_overdue(d),
        "supplement_count": d.supplement_count,
        "fee_due": d.fee_due,
        "fee_paid": d.fee_paid,
        "has_result": DossierResult.objects.filter(dossier=d).exists(),
        "allowed_actions": _allowed(who, d),
        "history": history,
    }


class DossierFilters(Schema):
    status: int | None = Field(None, ge=1, le=10, description="Mã trạng thái (1–10).")
    procedure: str | None = Field(None, max_length=32, description="Mã thủ tục.")
    agency: str | None = Field(None, max_length=32, description="Mã cơ quan tiếp nhận hoặc giải quyết.")
    updated_since: datetime | None = Field(
        None, description="Chỉ hồ sơ thay đổi từ thời điểm này (ISO 8601, ví dụ 2026-03-02T08:00:00+07:00)."
    )
    limit: int = Field(50, ge=1, le=100)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)

    @field_validator("updated_since", mode="before")
    @classmethod
    def _iso_only(cls, value):
        # pydantic would read "0.5" as a Unix time; the document promises an ISO 8601 date-time.
        if isinstance(value, str) and not ISO_MOMENT.match(value):
            raise ValueError("cần thời điểm dạng ISO 8601, ví dụ 2026-03-02T08:00:00+07:00")
        return value


@router.get(
    "/dossiers",
    response={200: DossierPage, 401: Error, 403: Error, 422: Error},
    summary="Danh sách hồ sơ người gọi được xem",
    operation_id="list_dossiers",
    openapi_extra={SCOPE_MARK: READ},
)
def list_dossiers(request, filters: Query[DossierFilters]):
    """Hồ sơ mới nhất trước. Hệ thống: hồ sơ của các cơ quan được gắn; cán bộ: theo vai trò;
    người dân: hồ sơ của mình."""
    who = principal(request)
    require_scope(who, READ)
    qs = dossiers_for(who).select_related("procedure", "receiving_agency", "handling_agency")
    if filters.status is not None:
        qs = qs.filter(status=filters.status)
    if filters.procedure:
        qs = qs.filter(procedure__code=filters.procedure)
    if filters.agency:
        agency = Agency.objects.filter(code=filters.agency).values_list("pk", flat=True).first()
        if agency is None:
            return {"items": [], "next_offset": None}
        qs = qs.filter(Q(receiving_agency_id=agency) | Q(handling_agency_id=agency))
    if filters.updated_since is not None:
        since = filters.updated_since
        if timezone.is_naive(since):
            since = timezone.make_aware(since)  # Vietnam time, as everywhere on the sites
        qs = qs.filter(updated_at__gte=since)
    start = filters.offset
    rows = list(qs.order_by("-id")[start : start + filters.limit + 1])
    page, more = rows[: filters.limit], len(rows) > filters.limit
    if page:
        audit_read(who, "dossier_list", codes=[d.code for d in page])
    nxt = start + filters.limit
    return {"items": [summary(d) for d in page], "next_offset": nxt if more and nxt <= MAX_OFFSET else None}


@router.get(
    "/dossiers/{code}",
    response={200: DossierDetail, 401: Error, 403: Error, 404: Error, 422: Error},
    summary="Chi tiết một hồ sơ",
    operation_id="get_dossier",
    openapi_extra={SCOPE_MARK: READ},
)
def get_one(request, code: str):
    """Thông tin người nộp, trạng thái, quá trình xử lý và các thao tác người gọi được thực hiện."""
    who = principal(request)
    require_scope(who, READ)
    dossier = get_dossier(who, code)
    audit_read(who, "dossier_view", dossier, code=dossier.code)
    return detail(who, dossier)


# --- transitions ------------------------------------------------------------------------------


def system_actor(who: Principal) -> services.SystemActor:
    client = who.token.client
    return services.SystemActor(f"api:{client.client_id}", client.name[:150], "Hệ thống kết nối")


def _params(body: TransitionIn) -> dict:
    """The keyword arguments of services.perform(), shaped as the back-office forms shape them."""
    params: dict = {}
    for name in ("note", "reason", "question", "answer", "reference"):
        value = getattr(body, name).strip()
        if value:
            params[name] = value
    if body.second_allowed_by_law:
        params["second_allowed_by_law"] = True
    if body.action == "assign" and body.assignee:
        user = User.objects.filter(username=body.assignee, is_active=True).first()
        if user is None:
            raise ApiError(400, "invalid_input", f"Không có cán bộ có tên đăng nhập “{body.assignee}”.")
        params["assignee"] = user.pk
    if body.action == "consult":
        codes = sorted(set(body.to_agencies))
        found = dict(Agency.objects.filter(code__in=codes, is_active=True).values_list("code", "pk"))
        missing = [c for c in codes if c not in found]
        if missing:
            raise ApiError(400, "invalid_input", f"Không có cơ quan đang hoạt động mã: {', '.join(missing)}.")
        params["to_agencies"] = [found[c] for c in codes]
        params["kind"] = body.kind
        if body.days is not None:
            params["days"] = body.days
    if body.amount is not None:
        params["amount"] = body.amount
    if body.action == "apologise" and body.new_due_date is not None:
        cal = calendar.get_calendar()
        if not cal.is_working_day(body.new_due_date):
            raise ApiError(400, "invalid_input", "Ngày hẹn trả mới phải là ngày làm việc.")
        params["new_due_at"] = cal.closing_time(body.new_due_date)
    return params


@router.post(
    "/dossiers/{code}/transitions",
    response={
        200: DossierDetail,
        400: Error,
        401: Error,
        403: Error,
        404: Error,
        409: Error,
        422: Error,
        503: Error,
    },
    summary="Thực hiện một thao tác trên hồ sơ",
    operation_id="transition_dossier",
    openapi_extra={SCOPE_MARK: WRITE},
)
def transition(request, code: str, body: TransitionIn):
    """Cùng quy tắc như trang cán bộ: trạng thái, vai trò và cơ quan của người thực hiện, phiên bản
    hồ sơ (409 khi hồ sơ đã thay đổi). Hệ thống kết nối chỉ được các thao tác dành cho hệ thống."""
    who = principal(request)
    require_scope(who, WRITE)
    dossier = get_dossier(who, code)
    params = _params(body)
    try:
        if body.action == "issue_result" and who.kind == OFFICER:
            dossier_results.issue_result(dossier, who.user, expected_version=body.version)
        else:
            actor = system_actor(who) if who.kind == SYSTEM else who.user
            services.perform(dossier, body.action, actor, expected_version=body.version, **params)
    except services.TransitionError as exc:
        raise ApiError(ERROR_STATUS.get(exc.code, 400), exc.code, exc.message) from None
    except (SigningError, NotImplementedError, ImproperlyConfigured) as exc:
        logger.exception("api issue_result %s: signing failed", dossier.code)
        raise ApiError(503, "signing_failed", f"Không ký số được kết quả: {exc}") from None
    return detail(who, get_dossier(who, code))


# --- documents ------------------------------------------------------------------------------------

FILE_TYPES = sorted(ALLOWED_CONTENT_TYPES | {"application/octet-stream"})


def _binary(types: list[str], description: str) -> dict:
    return {
        "responses": {
            200: {
                "description": description,
                "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in types},
            }
        }
    }


@router.get(
    "/dossiers/{code}/documents",
    response={200: list[Document], 401: Error, 403: Error, 404: Error, 422: Error},
    summary="Giấy tờ của hồ sơ (thông tin, không kèm tệp)",
    operation_id="list_documents",
    openapi_extra={SCOPE_MARK: READ},
)
def documents(request, code: str):
    who = principal(request)
    require_scope(who, READ)
    dossier = get_dossier(who, code)
    docs = list(dossier_access.documents_of(dossier))
    audit_read(who, "document_list", dossier, code=dossier.code)
    return [
        {
            "id": d.pk,
            "name": d.name,
            "originals": d.originals,
            "copies": d.copies,
            "digitised": d.digitised,
            "reused": d.reused,
            "is_supplement": d.is_supplement,
            "content_type": d.content_type,
            "sha256": d.sha256,
            "has_file": bool(d.file),
            "added_at": d.added_at,
        }
        for d in docs
    ]


@router.get(
    "/dossiers/{code}/documents/{document_id}/file",
    response={401: Error, 403: Error, 404: Error, 422: Error},
    summary="Tải tệp một giấy tờ của hồ sơ",
    operation_id="download_document",
    openapi_extra={SCOPE_MARK: FILES, **_binary(FILE_TYPES, "Tệp giấy tờ")},
)
def document_file(request, code: str, document_id: int):
    """Hệ thống kết nối cần phạm vi quyền documents:read. Mỗi lần tải được ghi nhật ký."""
    who = principal(request)
    require_scope(who, FILES)
    dossier = get_dossier(who, code)
    doc = get_document(dossier, document_id)
    try:
        handle = doc.file.open("rb")
    except FileNotFoundError:
        raise not_found("tệp giấy tờ") from None
    audit_read(who, "document_download", dossier, document=doc.pk, sha256=doc.sha256)
    safe_type = doc.content_type if doc.content_type in ALLOWED_CONTENT_TYPES else "application/octet-stream"
    response = FileResponse(
        handle,
        content_type=safe_type,
        as_attachment=True,
        filename=doc.file.name.rsplit("/", 1)[-1],
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- result of one dossier -----------------------------------------------------------------------


@router.get(
    "/dossiers/{code}/result",
    response={200: Result, 401: Error, 403: Error, 404: Error, 422: Error},
    summary="Kết quả giải quyết của hồ sơ",
    operation_id="get_result",
    openapi_extra={SCOPE_MARK: "results:read"},
)
def result(request, code: str):
    who = principal(request)
    require_scope(who, "results:read")
    dossier = get_dossier(who, code)
    found = DossierResult.objects.filter(dossier=dossier).first()
    if found is None:
        raise not_found("kết quả của hồ sơ")
    audit_read(who, "result_view", dossier, code=dossier.code)
    return {
        "dossier_code": dossier.code,
        "title": found.title,
        "result_code": found.result_code,
        "sha256": found.sha256,
        "signed_by": found.signed_by,
        "signed_at": found.signed_at,
    }


@router.get(
    "/dossiers/{code}/result/file",
    response={401: Error, 403: Error, 404: Error, 422: Error},
    summary="Tải tệp kết quả đã ký số (PDF)",
    operation_id="download_result",
    openapi_extra={SCOPE_MARK: "results:read", **_binary(["application/pdf"], "Kết quả đã ký số (PAdES)")},
)
def result_file(request, code: str):
    who = principal(request)
    require_scope(who, "results:read")
    dossier = get_dossier(who, code)
    found = DossierResult.objects.filter(dossier=dossier).first()
    if found is None or not found.file:
        raise not_found("kết quả của hồ sơ")
    try:
        handle = found.file.open("rb")
    except FileNotFoundError:
        raise not_found("tệp kết quả") from None
    audit_read(who, "result_download", dossier, sha256=found.sha256)
    response = FileResponse(
        handle, content_type="application/pdf", as_attachment=True, filename=f"ket-qua-{dossier.code}.pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- rating -------------------------------------------------------------------------------------


@router.post(
    "/dossiers/{code}/rating",
    response={201: RatingOut, 400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error},
    summary="Người nộp hồ sơ đánh giá mức độ hài lòng",
    operation_id="rate_dossier",
    openapi_extra={SCOPE_MARK: WRITE},
)
def rate(request, code: str, body: RatingIn):
    """Chỉ người dân, doanh nghiệp đăng nhập bằng VNeID, với hồ sơ của mình đã có kết quả;
    mỗi hồ sơ một lần."""
    who = principal(request)
    require_person(who, CITIZEN, "Chỉ người nộp hồ sơ (đăng nhập bằng VNeID) mới đánh giá được.")
    dossier = get_dossier(who, code)
    if _has_rating(dossier):
        raise ApiError(409, "already_rated", "Hồ sơ này đã được đánh giá.")
    try:
        rating = feedback.rate(who.user, dossier, body.level, body.comment, id_numbers=who.id_numbers)
    except feedback.FeedbackError as exc:
        status = 409 if "đã được đánh giá" in str(exc) else 400
        raise ApiError(status, "rating_refused", str(exc)) from None
    return Status(
        201,
        {
            "dossier_code": dossier.code,
            "level": rating.level,
            "level_label": Satisfaction(rating.level).label,
            "comment": rating.comment,
            "created_at": rating.created_at,
        },
    )


def _has_rating(dossier: Dossier) -> bool:
    from motcua.feedback.models import Rating

    return Rating.objects.filter(dossier=dossier).exists()
