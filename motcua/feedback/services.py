"""Rate a dossier and handle feedback cases (đánh giá, phản ánh kiến nghị): the only code that
changes them. Every change writes an audit entry and an event (insights counts them)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from motcua.audit.services import record as audit_record
from motcua.core import calendar
from motcua.core.codes import next_sequence
from motcua.core.events import publish
from motcua.dossiers import access
from motcua.dossiers.models import Dossier, Status
from motcua.people.models import OfficerRole

from .models import FeedbackCase, Rating, Satisfaction

#: Results exist from status 9; a rating is asked for then (and after the return, status 10).
RATEABLE_STATUSES = {Status.DONE, Status.RETURNED}
MAX_TEXT = 4000
#: Officers who may handle the feedback cases of their agency.
HANDLER_ROLES = {OfficerRole.Role.RECEPTION, OfficerRole.Role.UNIT_HEAD, OfficerRole.Role.APPROVER}


class FeedbackError(Exception):
    """Refused: the message is shown to the person as is (Vietnamese)."""


def _working_days(setting: str, default: int) -> int:
    return int(getattr(settings, setting, default))


def _deadline(start: datetime, days: int) -> datetime:
    return calendar.due_at(start, days, "working_days").due_at


def _clean_text(value: str, what: str, *, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        raise FeedbackError(f"Nhập {what}.")
    if len(text) > MAX_TEXT:
        raise FeedbackError(f"{what.capitalize()} dài quá {MAX_TEXT} ký tự.")
    return text


def can_rate(user, dossier: Dossier, id_numbers: set[str]) -> bool:
    return dossier.status in RATEABLE_STATUSES and access.is_own_dossier(user, dossier, id_numbers)


def rate(user, dossier: Dossier, level: int, comment: str, *, id_numbers: set[str]) -> Rating:
    """The applicant rates the dossier once; "Không hài lòng" opens a feedback case at once."""
    if not access.is_own_dossier(user, dossier, id_numbers):
        raise FeedbackError("Bạn chỉ đánh giá được hồ sơ của chính mình.")
    if dossier.status not in RATEABLE_STATUSES:
        raise FeedbackError("Hồ sơ chưa có kết quả nên chưa đánh giá được.")
    try:
        level = Satisfaction(int(level))
    except (TypeError, ValueError):
        raise FeedbackError("Chọn một mức độ hài lòng.") from None
    comment = _clean_text(comment, "ý kiến", required=level == Satisfaction.DISSATISFIED)
    try:
        with transaction.atomic():
            rating = Rating.objects.create(dossier=dossier, rater=user, level=level, comment=comment)
            audit_record(
                "feedback.rate", actor=user, obj=rating, data={"dossier": dossier.code, "level": level}
            )
            publish(
                "rating.create",
                "dossier",
                dossier.code,
                {"level": int(level), "agency": dossier.handling_agency.code, "channel": dossier.channel},
            )
            if level == Satisfaction.DISSATISFIED:
                _open(
                    user,
                    dossier.handling_agency,
                    subject=f"Không hài lòng với kết quả hồ sơ {dossier.code}",
                    content=comment,
                    dossier=dossier,
                    rating=rating,
                    name=dossier.applicant_name,
                    id_number=dossier.applicant_id_number,
                )
    except IntegrityError:
        raise FeedbackError("Hồ sơ này đã được đánh giá.") from None
    return rating


def open_case(user, dossier: Dossier, subject: str, content: str, *, id_numbers: set[str]) -> FeedbackCase:
    """A feedback case about one of the person's own dossiers, to its handling agency."""
    if not access.is_own_dossier(user, dossier, id_numbers):
        raise FeedbackError("Bạn chỉ phản ánh được về hồ sơ của chính mình.")
    subject = _clean_text(subject, "tiêu đề", required=True)[:200]
    content = _clean_text(content, "nội dung phản ánh", required=True)
    with transaction.atomic():
        return _open(
            user,
            dossier.handling_agency,
            subject=subject,
            content=content,
            dossier=dossier,
            name=dossier.applicant_name,
            id_number=dossier.applicant_id_number,
        )


def open_question(user, agency, subject: str, content: str, *, name: str, id_number: str) -> FeedbackCase:
    """A question handed over by the assistant (chuyển cán bộ trả lời), not about a dossier: answered
    by the agency at /can-bo/phan-anh/ within the same legal times, and shown on the citizen's page."""
    if not getattr(user, "is_authenticated", False) or not id_number:
        raise FeedbackError("Hãy đăng nhập bằng VNeID để gửi câu hỏi cho cán bộ.")
    subject = _clean_text(subject, "tiêu đề", required=True)[:200]
    content = _clean_text(content, "nội dung câu hỏi", required=True)
    with transaction.atomic():
        return _open(
            user, agency, subject=subject, content=content, dossier=None, name=name, id_number=id_number
        )


def _open(user, agency, *, subject, content, dossier, name, id_number, rating=None) -> FeedbackCase:
    now = timezone.now()
    day = calendar.get_calendar().local_date(now)
    code = f"PAKN-{agency.code}-{day:%y%m%d}-{next_sequence('pakn:' + agency.code, day):04d}"
    # Repeated: the same person about the same dossier (a question without a dossier never is).
    repeated = (
        dossier is not None
        and FeedbackCase.objects.filter(dossier=dossier, submitter_id_index=id_number).exists()
    )
    case = FeedbackCase.objects.create(
        code=code,
        dossier=dossier,
        rating=rating,
        submitter=user,
        submitter_name=name,
        submitter_id_number=id_number,
        agency=agency,
        subject=subject,
        content=content,
        repeated=repeated,
        opened_at=now,
        accept_due_at=_deadline(now, _working_days("MOTCUA_PAKN_ACCEPT_DAYS", 2)),
        answer_due_at=_deadline(now, _working_days("MOTCUA_PAKN_ANSWER_DAYS", 15)),
    )
    audit_record("feedback.open", actor=user, obj=case, data={"dossier": getattr(dossier, "code", "")})
    publish("feedback.open", "feedback", case.code, {"agency": agency.code, "repeated": repeated})
    return case


# --- the agency's side ---------------------------------------------------------------------------


def handled_cases(officer):
    """The feedback cases an officer may see: those of agencies where they hold a handling role."""
    if access.is_province_wide(officer):
        return FeedbackCase.objects.all()
    agencies = [a for a, roles in access.roles_of(officer).items() if roles & HANDLER_ROLES]
    return FeedbackCase.objects.filter(agency_id__in=agencies)


ACTIONS = {
    # action: (allowed from, target, text required, label)
    "accept": ({FeedbackCase.Status.NEW}, FeedbackCase.Status.ACCEPTED, False, "Thụ lý"),
    "reject": ({FeedbackCase.Status.NEW}, FeedbackCase.Status.REJECTED, True, "Không thụ lý"),
    "request_info": (
        {FeedbackCase.Status.NEW, FeedbackCase.Status.ACCEPTED},
        FeedbackCase.Status.INFO_REQUESTED,
        True,
        "Đề nghị bổ sung thông tin",
    ),
    "answer": (
        {FeedbackCase.Status.ACCEPTED, FeedbackCase.Status.INFO_REQUESTED},
        FeedbackCase.Status.ANSWERED,
        True,
        "Trả lời",
    ),
    "publish": ({FeedbackCase.Status.ANSWERED}, FeedbackCase.Status.PUBLISHED, False, "Công khai trả lời"),
}


def allowed_actions(officer, case: FeedbackCase) -> list[str]:
    if not handled_cases(officer).filter(pk=case.pk).exists():
        return []
    return [name for name, (sources, *_rest) in ACTIONS.items() if case.status in sources]


def act(officer, case: FeedbackCase, action: str, text: str = "", *, expected_version: int) -> FeedbackCase:
    """An officer moves a case on; checked against the table, the officer's agency and the version."""
    if action not in ACTIONS:
        raise FeedbackError("Thao tác không hợp lệ.")
    sources, target, text_required, label = ACTIONS[action]
    with transaction.atomic():
        current = handled_cases(officer).select_for_update().filter(pk=case.pk).first()
        if current is None:
            raise FeedbackError("Bạn không có quyền xử lý phản ánh này.")
        if current.version != expected_version:
            raise FeedbackError("Phản ánh vừa được người khác cập nhật. Hãy tải lại trang.")
        if current.status not in sources:
            raise FeedbackError(f"Không thể “{label}” khi phản ánh đang “{current.get_status_display()}”.")
        text = _clean_text(text, "nội dung", required=text_required)
        now = timezone.now()
        if action in ("accept", "reject"):
            current.decided_at = now
        if action == "request_info" and current.decided_at is None:
            current.decided_at = now
        if action in ("reject", "request_info"):
            current.officer_note = text
        if action == "answer":
            current.answer, current.answered_at = text, now
            current.publish_due_at = _deadline(now, _working_days("MOTCUA_PAKN_PUBLISH_DAYS", 2))
        if action == "publish":
            current.published_at = now
        current.status = target
        current.handled_by = officer
        FeedbackCase.objects.filter(pk=current.pk).update(version=F("version") + 1)
        current.version += 1
        current.save()
        audit_record(f"feedback.{action}", actor=officer, obj=current, data={"status": target})
        publish(
            f"feedback.{action}",
            "feedback",
            current.code,
            {"agency": current.agency.code, "on_time": current.answered_on_time()},
        )
    return current


def react(user, case: FeedbackCase, reaction: str, *, id_numbers: set[str]) -> FeedbackCase:
    """The person says whether the answer satisfied them (counts in PAKN satisfaction)."""
    if case.submitter_id != user.pk and case.submitter_id_number not in id_numbers:
        raise FeedbackError("Bạn chỉ đánh giá được trả lời phản ánh của chính mình.")
    if case.status not in {FeedbackCase.Status.ANSWERED, FeedbackCase.Status.PUBLISHED}:
        raise FeedbackError("Phản ánh chưa được trả lời.")
    if reaction not in {FeedbackCase.Reaction.LIKE, FeedbackCase.Reaction.DISLIKE}:
        raise FeedbackError("Chọn hài lòng hoặc không hài lòng với trả lời.")
    with transaction.atomic():
        case.reaction = reaction
        case.save(update_fields=["reaction"])
        audit_record("feedback.react", actor=user, obj=case, data={"reaction": reaction})
        publish("feedback.react", "feedback", case.code, {"agency": case.agency.code, "reaction": reaction})
    return case
