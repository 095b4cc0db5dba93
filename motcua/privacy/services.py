"""The only code that changes data-subject requests, and the citizen's copy of their data.

Luật 91/2025/QH15 Điều 4 and NĐ 356/2025/NĐ-CP Điều 5 (research spec §7.2): every request is
acknowledged within 2 working days and completed within 10 days (view, correct, copy), 15 days
(withdraw consent, restrict, object) or 20 days (delete), extendable once by as much again. The
clocks come from the legal calendar (`core.calendar`); whether the completion periods count plain
days or working days is not settled in the spec ([INFERRED]), so it is the setting
``MOTCUA_PRIVACY_DUE_UNIT`` ("days", the stricter reading, by default).

Every request, acknowledgement, extension, answer and export is written to the audit log. Dossiers
and what archive, accounting and complaint law makes the state keep are never deleted: a deletion
answer lists what was deleted and what was kept, with the legal basis of each.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from motcua.audit.services import record as audit_record
from motcua.core import calendar
from motcua.dossiers import access
from motcua.dossiers.models import Notification
from motcua.eforms.models import Draft
from motcua.foryou import services as foryou
from motcua.foryou.models import ConsentRecord, RecommendationShown, Suggestion, Watch
from motcua.guide.models import Exchange
from motcua.people import datastore
from motcua.people.models import OfficerRole

from .models import DataSubjectRequest

Kind = DataSubjectRequest.Kind
Status = DataSubjectRequest.Status

#: Version of the privacy notice (thông báo xử lý dữ liệu cá nhân) shown at /cua-toi/du-lieu/.
NOTICE_VERSION = "2026-12-v1"

#: Completion periods (NĐ 356/2025 Điều 5), before the one extension of as much again.
DUE_DAYS = {
    Kind.ACCESS: 10,
    Kind.CORRECTION: 10,
    Kind.RESTRICTION: 15,
    Kind.OBJECTION: 15,
    Kind.WITHDRAW: 15,
    Kind.DELETION: 20,
}
#: Every request is acknowledged within 2 working days (xác nhận đã nhận yêu cầu).
ACK_WORKING_DAYS = 2

LEGAL_BASIS = {
    Kind.ACCESS: "Luật 91/2025/QH15 Điều 4; NĐ 356/2025/NĐ-CP Điều 5",
    Kind.CORRECTION: "Luật 91/2025/QH15 Điều 4; NĐ 356/2025/NĐ-CP Điều 5",
    Kind.RESTRICTION: "Luật 91/2025/QH15 Điều 4; NĐ 356/2025/NĐ-CP Điều 5",
    Kind.OBJECTION: "Luật 91/2025/QH15 Điều 4; NĐ 356/2025/NĐ-CP Điều 5",
    Kind.WITHDRAW: "Luật 91/2025/QH15 Điều 4 và Điều 9; NĐ 356/2025/NĐ-CP Điều 5",
    Kind.DELETION: "Luật 91/2025/QH15 Điều 4, Điều 14 và Điều 19; NĐ 356/2025/NĐ-CP Điều 5",
}

#: What a deletion never removes, and why (the answer quotes these).
KEPT = [
    {
        "what": "Hồ sơ thủ tục hành chính, lịch sử xử lý và kết quả giải quyết",
        "basis": "Cơ quan nhà nước xử lý dữ liệu để thực hiện nhiệm vụ theo luật (Luật 91/2025 Điều 19); "
        "hồ sơ được lưu trữ theo Luật Lưu trữ 2024 và Thông tư 13/2023/TT-BNV, không được xóa trước "
        "thời hạn bảo quản (Luật 91/2025 Điều 14.2)",
    },
    {
        "what": "Kho dữ liệu điện tử của bạn (kết quả, giấy chứng sinh, biên lai)",
        "basis": "Kết quả giải quyết thủ tục được lưu vào kho quản lý dữ liệu điện tử của tổ chức, cá nhân "
        "(NĐ 45/2020/NĐ-CP Điều 16) để dùng lại; biên lai là chứng từ kế toán (Luật Kế toán 2015)",
    },
    {
        "what": "Phản ánh, kiến nghị và đánh giá mức độ hài lòng",
        "basis": "Hồ sơ giải quyết phản ánh, kiến nghị được lưu theo NĐ 20/2008/NĐ-CP và Luật Lưu trữ 2024",
    },
    {
        "what": "Bản ghi đồng ý, từ chối và nhật ký kiểm toán",
        "basis": "Chứng cứ về sự đồng ý (Luật 91/2025 Điều 9) và nhật ký hệ thống thông tin cấp độ 3 "
        "(TCVN 14423:2026), được bảo vệ không bị sửa, xóa",
    },
]

#: What a withdrawal may name: proactive services (all), e-mail/SMS reminders.
WITHDRAW_SCOPES = {"*": "Dịch vụ công chủ động và gợi ý cá nhân hóa", "reminders": foryou.REMINDER_PURPOSE}


class RequestError(ValueError):
    """A request or an answer that cannot be accepted (the message is for the user)."""


# ---- clocks ------------------------------------------------------------------------------------


def due_unit() -> str:
    unit = getattr(settings, "MOTCUA_PRIVACY_DUE_UNIT", calendar.DAYS)
    return unit if unit in (calendar.DAYS, calendar.WORKING_DAYS) else calendar.DAYS


def clocks(kind: str, received_at, *, extended: bool = False) -> tuple:
    """(acknowledge by, complete by, explanation) for a request of `kind` received at `received_at`."""
    ack = calendar.due_at(received_at, ACK_WORKING_DAYS, calendar.WORKING_DAYS)
    days = DUE_DAYS[kind] * (2 if extended else 1)
    due = calendar.due_at(received_at, days, due_unit())
    return ack.due_at, due.due_at, due.explanation


# ---- scoping -----------------------------------------------------------------------------------


def requests_of(user):
    """The signed-in person's own requests: someone else's is never in this queryset."""
    person_id = getattr(user, "personal_id", "") or ""
    if not person_id:
        return DataSubjectRequest.objects.none()
    return DataSubjectRequest.objects.filter(person_id=person_id)


def may_handle(user) -> bool:
    """The province's data-protection staff: superusers and officers holding the administrator role."""
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return False
    # roles_of is cached on the user for the request: the back office's menu costs no query.
    return bool(user.is_superuser) or any(
        OfficerRole.Role.ADMIN in held for held in access.roles_of(user).values()
    )


def handled_requests(user):
    return DataSubjectRequest.objects.all() if may_handle(user) else DataSubjectRequest.objects.none()


# ---- the citizen's side ------------------------------------------------------------------------


def _new_code(now) -> str:
    return f"DL-{timezone.localtime(now):%y%m%d}-{secrets.token_hex(3).upper()}"


def submit(
    user, kind: str, details: str = "", scope: str = "", *, channel: str = "web"
) -> DataSubjectRequest:
    """Nộp yêu cầu: recorded, audited and clocked; a withdrawal of consent takes effect at once."""
    person_id = getattr(user, "personal_id", "") or ""
    if not person_id:
        raise RequestError("Cần đăng nhập bằng tài khoản định danh điện tử để gửi yêu cầu.")
    if kind not in Kind.values:
        raise RequestError("Loại yêu cầu không hợp lệ.")
    details = (details or "").strip()[:4000]
    if kind == Kind.WITHDRAW:
        scope = scope or "*"
        if scope not in WITHDRAW_SCOPES:
            raise RequestError("Phạm vi rút lại đồng ý không hợp lệ.")
    elif kind in (Kind.CORRECTION, Kind.RESTRICTION, Kind.OBJECTION) and not details:
        raise RequestError("Xin cho biết dữ liệu nào và nội dung yêu cầu.")
    now = timezone.now()
    ack, due, why = clocks(kind, now)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                req = DataSubjectRequest.objects.create(
                    code=_new_code(now),
                    person_number=person_id,
                    user=user,
                    kind=kind,
                    scope=scope if kind == Kind.WITHDRAW else "",
                    details=details,
                    received_at=now,
                    ack_due_at=ack,
                    due_at=due,
                    due_explanation=why,
                )
                audit_record(
                    "privacy.request",
                    actor=user,
                    obj=req,
                    data={"kind": kind, "scope": req.scope, "channel": channel, "due_at": due},
                )
                if kind == Kind.WITHDRAW:
                    _withdraw(req, user, channel)
            return req
        except IntegrityError:  # two codes alike in the same day: draw again
            continue
    raise RequestError("Không tạo được mã yêu cầu, xin thử lại.")


def _withdraw(req: DataSubjectRequest, user, channel: str) -> None:
    """Withdrawing consent is as easy as giving it: done at once through foryou's own services."""
    if req.scope == "reminders":
        foryou.set_reminder_consent(req.person_number, False, channel=channel, actor=user)
        text = "Đã rút lại đồng ý nhận nhắc việc qua thư điện tử và SMS. Bạn không còn nhận các tin nhắc này."
    else:
        foryou.refuse(req.person_number, "*", channel=channel, actor=user)
        text = (
            "Đã rút lại đồng ý và từ chối dịch vụ công chủ động: không còn gợi ý, nhắc việc hay hồ sơ soạn "
            "sẵn từ dữ liệu của bạn. Bạn có thể bật lại trong trang Dành cho bạn."
        )
    _close(req, None, Status.DONE, text, {"withdrawn": req.scope})


# ---- the officer's side ------------------------------------------------------------------------


def _locked(req: DataSubjectRequest, version) -> DataSubjectRequest:
    current = DataSubjectRequest.objects.select_for_update().get(pk=req.pk)
    if version is not None and int(version) != current.version:
        raise RequestError("Yêu cầu vừa được người khác xử lý; xin tải lại trang.")
    if not current.is_open:
        raise RequestError("Yêu cầu này đã được trả lời.")
    return current


def acknowledge(req: DataSubjectRequest, officer, *, version=None) -> DataSubjectRequest:
    """Xác nhận đã nhận yêu cầu (within 2 working days)."""
    with transaction.atomic():
        req = _locked(req, version)
        if req.status != Status.RECEIVED:
            raise RequestError("Yêu cầu đã được xác nhận.")
        req.status, req.acknowledged_at, req.handled_by = Status.ACKNOWLEDGED, timezone.now(), officer
        req.version += 1
        req.save()
        audit_record(
            "privacy.acknowledge", actor=officer, obj=req, data={"late": req.acknowledged_at > req.ack_due_at}
        )
    return req


def extend(req: DataSubjectRequest, officer, reason: str, *, version=None) -> DataSubjectRequest:
    """Gia hạn một lần, thêm đúng bằng thời hạn ban đầu, có lý do gửi người yêu cầu."""
    reason = (reason or "").strip()
    if not reason:
        raise RequestError("Cần nêu lý do gia hạn.")
    with transaction.atomic():
        req = _locked(req, version)
        if req.extended:
            raise RequestError("Yêu cầu chỉ được gia hạn một lần.")
        _ack, due, why = clocks(req.kind, req.received_at, extended=True)
        req.extended, req.extension_reason, req.due_at, req.due_explanation = True, reason[:2000], due, why
        req.handled_by = officer
        if req.status == Status.RECEIVED:
            req.status, req.acknowledged_at = Status.ACKNOWLEDGED, timezone.now()
        req.version += 1
        req.save()
        audit_record("privacy.extend", actor=officer, obj=req, data={"due_at": due})
    return req


def answer(
    req: DataSubjectRequest, officer, decision: str, text: str, *, legal_basis: str = "", version=None
) -> DataSubjectRequest:
    """Trả lời: done, partly done or refused with a reason; a deletion deletes what may be deleted."""
    if decision not in (Status.DONE, Status.PARTLY, Status.REFUSED):
        raise RequestError("Kết quả xử lý không hợp lệ.")
    text = (text or "").strip()
    if not text:
        raise RequestError("Cần nhập nội dung trả lời.")
    if decision == Status.REFUSED and not legal_basis.strip():
        raise RequestError("Từ chối thực hiện phải nêu căn cứ pháp lý.")
    with transaction.atomic():
        req = _locked(req, version)
        outcome: dict = {}
        if req.kind == Kind.DELETION and decision != Status.REFUSED:
            outcome = erase(req.person_number, req.user, actor=officer)
            text = text + "\n\n" + deletion_summary(outcome)
        elif req.kind in (Kind.RESTRICTION, Kind.OBJECTION) and decision != Status.REFUSED:
            # Restricting or objecting stops the processing that rests on consent: proactive services.
            foryou.refuse(req.person_number, "*", channel="officer", actor=officer)
            outcome = {"withdrawn": "*"}
        req.legal_basis = legal_basis.strip() or LEGAL_BASIS[req.kind]
        _close(req, officer, decision, text, outcome)
    return req


def _close(req: DataSubjectRequest, officer, decision: str, text: str, outcome: dict) -> None:
    now = timezone.now()
    req.status, req.answer, req.answered_at, req.handled_by = decision, text[:8000], now, officer
    req.outcome = outcome
    req.legal_basis = req.legal_basis or LEGAL_BASIS[req.kind]
    if req.acknowledged_at is None:
        req.acknowledged_at = now
    req.version += 1
    req.save()
    audit_record(
        "privacy.answer",
        actor=officer or "system",
        obj=req,
        data={"kind": req.kind, "status": decision, "late": now > req.due_at, "outcome": outcome},
    )


def overdue(req: DataSubjectRequest, now=None) -> bool:
    return req.is_open and (now or timezone.now()) > req.due_at


def ack_overdue(req: DataSubjectRequest, now=None) -> bool:
    return req.status == Status.RECEIVED and (now or timezone.now()) > req.ack_due_at


# ---- deletion ----------------------------------------------------------------------------------


def erase(person_id: str, user, *, actor) -> dict:
    """Delete what no law makes the state keep; returns {"deleted": {what: n}, "kept": KEPT}.

    Proactive services are refused as well, or the nightly pass would build the suggestions again.
    """
    deleted = {}
    if user is not None:
        drafts = Draft.objects.filter(owner=user, dossier__isnull=True).exclude(state=Draft.State.SUBMITTED)
        deleted["drafts"] = drafts.delete()[1].get("eforms.Draft", 0)
        deleted["assistant_links"] = Exchange.objects.filter(user=user).update(user=None)
        deleted["read_notifications"] = (
            Notification.objects.filter(user=user, channel=Notification.Channel.IN_APP, read_at__isnull=False)
            .delete()[1]
            .get("dossiers.Notification", 0)
        )
    deleted["suggestions"] = (
        Suggestion.objects.filter(person_id=person_id, acted_at__isnull=True)
        .delete()[1]
        .get("foryou.Suggestion", 0)
    )
    deleted["watches"] = Watch.objects.filter(person_id=person_id).delete()[1].get("foryou.Watch", 0)
    deleted["recommendations"] = (
        RecommendationShown.objects.filter(person_id=person_id)
        .delete()[1]
        .get("foryou.RecommendationShown", 0)
    )
    foryou.refuse(person_id, "*", channel="officer", actor=actor)
    audit_record("privacy.erase", actor=actor, object_type="person", object_id=person_id, data=deleted)
    return {"deleted": deleted, "kept": KEPT}


DELETED_LABELS = {
    "drafts": "tờ khai điện tử chưa nộp",
    "assistant_links": "liên kết giữa tài khoản và các câu hỏi trợ lý ảo",
    "read_notifications": "thông báo đã đọc trong ứng dụng",
    "suggestions": "gợi ý dịch vụ công chủ động",
    "watches": "lịch nhắc việc",
    "recommendations": "gợi ý dịch vụ đã hiển thị",
}


def deletion_summary(outcome: dict) -> str:
    lines = ["Đã xóa:"]
    for key, n in outcome.get("deleted", {}).items():
        lines.append(f"- {DELETED_LABELS.get(key, key)}: {n}")
    lines.append("Được giữ lại theo quy định của pháp luật:")
    for item in outcome.get("kept", []):
        lines.append(f"- {item['what']}: {item['basis']}.")
    return "\n".join(lines)


# ---- the copy of my data -----------------------------------------------------------------------


def summary(user) -> list[tuple[str, int]]:
    """What is held about the person, counted per kind, for the page (the copy has the rows)."""
    person_id = user.personal_id or ""
    return [
        (gettext_lazy("Hồ sơ thủ tục hành chính"), access.own_dossiers(user, {person_id}).count()),
        (
            gettext_lazy("Giấy tờ trong kho dữ liệu"),
            datastore.items_of(person_id).count() if person_id else 0,
        ),
        (
            gettext_lazy("Tờ khai điện tử (đang soạn, bỏ dở, đã nộp)"),
            Draft.objects.filter(owner=user).count(),
        ),
        (gettext_lazy("Thông báo"), Notification.objects.filter(user=user).count()),
        (gettext_lazy("Gợi ý dịch vụ công chủ động"), Suggestion.objects.filter(person_id=person_id).count()),
        (gettext_lazy("Bản ghi đồng ý, từ chối"), ConsentRecord.objects.filter(person_id=person_id).count()),
        (gettext_lazy("Câu hỏi gửi trợ lý ảo"), Exchange.objects.filter(user=user).count()),
    ]


def _iso(value):
    return value.isoformat() if value else None


def export(user, *, actor=None, fmt: str = "json") -> dict:
    """Everything motcua holds about the signed-in person (bản sao dữ liệu cá nhân), audited."""
    person_id = user.personal_id or ""
    dossiers = (
        access.own_dossiers(user, {person_id})
        .select_related("procedure", "handling_agency")
        .select_related("result")
        .prefetch_related("history", "documents")
        .order_by("-submitted_at", "-id")
    )
    data = {
        "generated_at": timezone.now().isoformat(),
        "notice_version": NOTICE_VERSION,
        "account": {
            "username": user.get_username(),
            "full_name": user.full_name,
            "personal_id": person_id,
            "email": user.email,
            "phone": user.phone,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        },
        "dossiers": [
            {
                "code": d.code,
                "procedure": d.procedure.name,
                "procedure_code": d.procedure.code,
                "agency": d.handling_agency.name,
                "channel": d.get_channel_display(),
                "status": d.get_status_display(),
                "submitted_at": _iso(d.submitted_at),
                "due_at": _iso(d.due_at),
                "applicant": {
                    "name": d.applicant_name,
                    "id_number": d.applicant_id_number,
                    "address": d.applicant_address,
                    "phone": d.applicant_phone,
                    "email": d.applicant_email,
                },
                "form_data": d.form_data,
                "history": [{"at": _iso(h.at), "action": h.label, "note": h.note} for h in d.history.all()],
                "documents": [doc.name for doc in d.documents.all()],
                "result": d.result.title if hasattr(d, "result") else None,
            }
            for d in dossiers
        ],
        "data_store": [
            {
                "title": i.title,
                "kind": i.kind,
                "issuer": i.issuer,
                "issued_at": _iso(i.issued_at),
                "data": i.data,
            }
            for i in datastore.items_of(person_id)
        ]
        if person_id
        else [],
        "form_drafts": [
            {
                "procedure": d.definition.procedure.code,
                "state": d.get_state_display(),
                "opened_at": _iso(d.opened_at),
                "updated_at": _iso(d.updated_at),
                "answers": d.answers,
            }
            for d in Draft.objects.filter(owner=user).select_related("definition__procedure")
        ],
        "notifications": [
            {"at": _iso(n.created_at), "channel": n.channel, "subject": n.subject, "body": n.body}
            for n in Notification.objects.filter(user=user).order_by("-created_at")[:500]
        ],
        "proactive_services": {
            "preference": {
                "refused_all": foryou.preference(person_id).refused_all,
                "refused_kinds": foryou.preference(person_id).refused_kinds,
            },
            "suggestions": [
                {
                    "procedure": s.procedure_code,
                    "due": _iso(s.due),
                    "because": s.because,
                    "created_at": _iso(s.created_at),
                }
                for s in Suggestion.objects.filter(person_id=person_id).order_by("-created_at")[:500]
            ],
        },
        "consents": [
            {
                "at": _iso(c.at),
                "action": c.get_action_display(),
                "scope": c.scope,
                "purpose": c.purpose,
                "text_version": c.text_version,
                "text": c.text,
                "channel": c.channel,
            }
            for c in ConsentRecord.objects.filter(person_id=person_id).order_by("at", "pk")
        ],
        "assistant_questions": [
            {"at": _iso(e.asked_at), "question": e.question}
            for e in Exchange.objects.filter(user=user).order_by("-asked_at")[:500]
        ],
        "privacy_requests": [
            {
                "code": r.code,
                "kind": r.get_kind_display(),
                "status": r.get_status_display(),
                "received_at": _iso(r.received_at),
                "due_at": _iso(r.due_at),
                "answer": r.answer,
            }
            for r in requests_of(user).order_by("-received_at")
        ],
    }
    audit_record(
        "privacy.export",
        actor=actor or user,
        object_type="person",
        object_id=person_id,
        data={"format": fmt, "dossiers": len(data["dossiers"])},
    )
    return data
