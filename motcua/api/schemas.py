"""The shapes the API accepts and returns (pydantic models, via django-ninja).

Field names are English; descriptions are Vietnamese (they appear in the OpenAPI document).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field


class Error(Schema):
    """Every refusal has this shape: a stable code for programs and a sentence for people."""

    error: str = Field(description="Mã lỗi ổn định, để chương trình xử lý (ví dụ not_found, wrong_state).")
    message: str = Field(description="Mô tả lỗi bằng tiếng Việt, để hiển thị cho người dùng.")
    details: list[dict[str, Any]] | None = Field(
        None, description="Chi tiết theo từng trường dữ liệu khi dữ liệu gửi lên không hợp lệ."
    )


class OAuthError(Error):
    """RFC 6749 §5.2: `error` is the OAuth2 code; `error_description` repeats the message."""

    error_description: str


class TokenOut(Schema):
    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int = Field(description="Số giây mã còn hiệu lực.")
    scope: str = Field(description="Các phạm vi quyền của mã, cách nhau bởi dấu cách.")


# --- catalog ------------------------------------------------------------------------------------


class AgencyRef(Schema):
    code: str = Field(description="Mã định danh điện tử của cơ quan.")
    name: str


class ProcedureSummary(Schema):
    code: str = Field(description="Mã thủ tục hành chính (mã TTHC quốc gia).")
    name: str
    field: str | None = Field(description="Lĩnh vực.")
    online_level: str = Field(description="Mức độ cung cấp dịch vụ công trực tuyến.")
    status: str
    levels: list[str] = Field(description="Cấp thực hiện: bo, tinh, xa, khac.")


class ProcedurePage(Schema):
    items: list[ProcedureSummary]
    next_offset: int | None = Field(description="Vị trí để lấy trang sau; null khi đã hết.")


class Requirement(Schema):
    group: str
    name: str
    originals: int
    copies: int
    form_template: str


class Method(Schema):
    channel: str
    processing_time: str
    time_amount: float | None
    time_unit: str
    fee: str
    fee_status: str
    fee_amounts: list[Any]


class ProcedureDetail(ProcedureSummary):
    version: int | None
    decision_no: str
    procedure_type: str
    target_subjects: list[Any]
    competent_agency: str
    implementing_agency: str
    steps: list[Any]
    conditions: str
    result_text: str
    legal_basis: list[Any]
    requirements: list[Requirement]
    methods: list[Method]
    agencies: list[AgencyRef]
    effective_from: date | None
    source_url: str


# --- dossiers -----------------------------------------------------------------------------------


class ProcedureRef(Schema):
    code: str
    name: str


class Applicant(Schema):
    kind: str
    name: str
    id_number: str = Field(description="Số định danh cá nhân hoặc mã số thuế.")
    address: str
    phone: str
    email: str


class DossierSummary(Schema):
    code: str = Field(description="Mã hồ sơ.")
    national_code: str | None
    procedure: ProcedureRef
    channel: str
    status: int = Field(description="Mã trạng thái hồ sơ quốc gia (1–10).")
    status_label: str
    applicant_name: str
    receiving_agency: AgencyRef
    handling_agency: AgencyRef
    submitted_at: datetime | None
    received_at: datetime | None
    due_at: datetime | None
    finished_at: datetime | None
    returned_at: datetime | None
    version: int = Field(description="Phiên bản hồ sơ: gửi kèm khi thực hiện thao tác (khóa lạc quan).")
    updated_at: datetime


class DossierPage(Schema):
    items: list[DossierSummary]
    next_offset: int | None


class HistoryEntry(Schema):
    at: datetime
    action: str
    label: str
    from_status: int | None
    to_status: int
    actor_name: str
    actor_title: str
    agency: AgencyRef | None
    note: str


class DossierDetail(DossierSummary):
    applicant: Applicant
    summary: str
    decision: str
    decision_reason: str
    is_overdue: bool
    supplement_count: int
    fee_due: int
    fee_paid: int
    has_result: bool
    allowed_actions: list[str] = Field(description="Thao tác người gọi được thực hiện lúc này.")
    history: list[HistoryEntry]


Action = Literal[
    "receive",
    "refuse_reception",
    "request_supplement",
    "receive_supplement",
    "assign",
    "complete_step",
    "consult",
    "answer_consultation",
    "request_payment",
    "mark_paid",
    "apologise",
    "approve",
    "refuse",
    "issue_result",
    "return_result",
    "request_withdrawal",
    "stop",
]


class TransitionIn(Schema):
    """One action on one dossier. Only the fields the action uses are read."""

    action: Action
    version: int = Field(ge=1, le=2_000_000_000, description="Phiên bản hồ sơ người gọi đã đọc.")
    note: str = Field("", max_length=1000)
    reason: str = Field("", max_length=2000, description="Lý do (từ chối, bổ sung, xin lỗi, rút hồ sơ).")
    second_allowed_by_law: bool = False
    assignee: str | None = Field(None, max_length=150, description="Tên đăng nhập của người được phân công.")
    to_agencies: list[str] = Field(
        default_factory=list, max_length=50, description="Mã cơ quan được liên thông, xin ý kiến."
    )
    kind: Literal["interlink", "consult"] = "interlink"
    question: str = Field("", max_length=4000)
    days: int | None = Field(None, ge=1, le=30)
    answer: str = Field("", max_length=4000)
    amount: int | None = Field(None, ge=1, le=10**12, description="Số tiền (đồng).")
    reference: str = Field("", max_length=100)
    new_due_date: date | None = Field(None, description="Ngày hẹn trả mới (ngày làm việc).")


class Document(Schema):
    id: int
    name: str
    originals: int
    copies: int
    digitised: bool
    reused: bool
    is_supplement: bool
    content_type: str
    sha256: str
    has_file: bool
    added_at: datetime


class Result(Schema):
    dossier_code: str
    title: str
    result_code: str
    sha256: str
    signed_by: str
    signed_at: datetime


class PublicResult(Schema):
    """What anyone may learn about an issued result: no personal data of the applicant."""

    dossier_code: str
    title: str
    result_code: str
    sha256: str
    signed_by: str
    signed_at: datetime
    issuing_agency: AgencyRef
    procedure: ProcedureRef
    matches: bool | None = Field(
        description="Khi tra cứu bằng cả mã hồ sơ và mã băm: mã băm có khớp kết quả của hồ sơ không."
    )


class RatingIn(Schema):
    level: int = Field(ge=1, le=4, description="4 rất hài lòng, 3 hài lòng, 2 bình thường, 1 không hài lòng.")
    comment: str = Field("", max_length=4000)


class RatingOut(Schema):
    dossier_code: str
    level: int
    level_label: str
    comment: str
    created_at: datetime


class IndexGroup(Schema):
    code: str
    name: str
    points: float
    max_points: float
    indicators: list[dict[str, Any]]


class IndexReport(Schema):
    period: dict[str, Any]
    unit: dict[str, Any]
    total: float
    max_points: float
    max_available: float
    grade: str
    grade_note: str
    groups: list[IndexGroup]
    params: dict[str, Any]
    counts: dict[str, Any]
