"""Each action's own rules (quy định của từng thao tác): reasons required, once-only limits,
the supplement window after appraisal (NĐ 61 Art 19), consultations, fees, the apology and the
decision. `HANDLERS` maps an action to its rule; `services.perform` calls it inside its transaction.
"""

from datetime import datetime

from django.conf import settings
from django.utils import timezone

from motcua.core import calendar
from motcua.people.models import OfficerRole, User
from motcua.places.models import Agency

from . import access
from .clock import change_due, default_workflow, plan_steps, start_clock
from .models import Consultation, Decision, Status
from .transitions import Context, InvalidInput
from .who_may import current_step

Role = OfficerRole.Role
S = Status


def _require_reason(ctx: Context, what: str) -> str:
    reason = (ctx.params.get("reason") or "").strip()
    if not reason:
        raise InvalidInput(f"Cần ghi rõ lý do {what}.")
    ctx.data["reason"] = reason
    return reason


def _receive(ctx: Context) -> None:
    dossier = ctx.dossier
    dossier.replied_at = dossier.replied_at or ctx.now
    start_clock(dossier, ctx.now)
    plan_steps(dossier)
    step = current_step(dossier)
    if step is not None and step.role == Role.RECEPTION:
        step.started_at = ctx.now
        step.save(update_fields=["started_at"])


def _refuse_reception(ctx: Context) -> None:
    _require_reason(ctx, "từ chối tiếp nhận")
    ctx.dossier.refused_at = ctx.now
    ctx.dossier.replied_at = ctx.dossier.replied_at or ctx.now


def _request_supplement(ctx: Context) -> None:
    dossier = ctx.dossier
    _require_reason(ctx, "yêu cầu bổ sung (giấy tờ cần bổ sung)")
    if dossier.supplement_count >= 1:
        if not ctx.params.get("second_allowed_by_law"):
            raise InvalidInput(
                "Hồ sơ đã được yêu cầu bổ sung một lần. Chỉ yêu cầu lần nữa khi pháp luật chuyên ngành "
                "cho phép (đánh dấu “được phép”), và hồ sơ sẽ bị tính là quá hạn."
            )
        dossier.counts_as_overdue = True
    dossier.supplement_count += 1
    dossier.replied_at = dossier.replied_at or ctx.now
    if dossier.status == S.PROCESSING:
        # After appraisal (NĐ 61 Art 19): only within 3 working days, and the clock restarts.
        limit = getattr(settings, "MOTCUA_APPRAISAL_RETURN_DAYS", 3)
        cal = calendar.get_calendar()
        elapsed = cal.working_days_between(cal.local_date(dossier.received_at), cal.local_date(ctx.now))
        if elapsed > limit and not ctx.params.get("second_allowed_by_law"):
            raise InvalidInput(
                f"Đã quá {limit} ngày làm việc kể từ khi tiếp nhận: không còn được trả hồ sơ để bổ sung."
            )
        dossier.restart_on_resume = True


def _receive_supplement(ctx: Context) -> None:
    ctx.target = ctx.dossier.resume_status or S.RECEIVED


def _assign(ctx: Context) -> None:
    assignee = ctx.params.get("assignee")
    if isinstance(assignee, int | str):
        assignee = User.objects.filter(pk=assignee).first()
    if assignee is None:
        assignee = ctx.actor
    if not access.has_role_at(assignee, ctx.dossier.handling_agency_id, {Role.SPECIALIST, Role.UNIT_HEAD}):
        raise InvalidInput("Người được phân công không phải chuyên viên của cơ quan giải quyết hồ sơ.")
    ctx.dossier.assignee = assignee
    ctx.data["assignee"] = assignee.get_username()
    _finish_reception_step(ctx)


def _finish_reception_step(ctx: Context) -> None:
    step = current_step(ctx.dossier)
    if step is not None and step.role == Role.RECEPTION and step.position == 1:
        step.finished_at, step.officer = ctx.now, ctx.actor if getattr(ctx.actor, "pk", None) else None
        step.save(update_fields=["finished_at", "officer"])
        _start_next_step(ctx)


def _start_next_step(ctx: Context) -> None:
    nxt = current_step(ctx.dossier)
    if nxt is not None and nxt.started_at is None:
        nxt.started_at = ctx.now
        nxt.save(update_fields=["started_at"])


def _complete_step(ctx: Context) -> None:
    step = current_step(ctx.dossier)
    if step is None:
        raise InvalidInput("Hồ sơ không còn bước nào đang chờ xử lý.")
    if step.role == Role.APPROVER or step.position == len(default_workflow()):
        raise InvalidInput("Bước phê duyệt và bước trả kết quả được hoàn thành bằng thao tác tương ứng.")
    step.finished_at, step.officer = ctx.now, ctx.actor
    step.save(update_fields=["finished_at", "officer"])
    ctx.data["step"] = step.name
    _start_next_step(ctx)


def _consult(ctx: Context) -> None:
    targets = ctx.params.get("to_agencies") or []
    agencies = list(Agency.objects.filter(pk__in=[getattr(a, "pk", a) for a in targets], is_active=True))
    agencies = [a for a in agencies if a.pk != ctx.dossier.handling_agency_id]
    if not agencies:
        raise InvalidInput("Chọn ít nhất một cơ quan khác để liên thông hoặc xin ý kiến.")
    question = (ctx.params.get("question") or "").strip()
    if not question:
        raise InvalidInput("Ghi rõ nội dung cần cơ quan khác xử lý hoặc cho ý kiến.")
    days = int(ctx.params.get("days") or getattr(settings, "MOTCUA_CONSULTATION_DAYS", 5))
    cal = calendar.get_calendar()
    due = cal.closing_time(cal.add_working_days(cal.local_date(ctx.now), days))
    kind = ctx.params.get("kind") or Consultation.Kind.INTERLINK
    for agency in agencies:  # in parallel: every agency gets the dossier at once
        Consultation.objects.create(
            dossier=ctx.dossier,
            kind=kind,
            from_agency=ctx.dossier.handling_agency,
            to_agency=agency,
            question=question,
            requested_at=ctx.now,
            due_at=due,
        )
    ctx.data["to_agencies"] = [a.code for a in agencies]


def _answer_consultation(ctx: Context) -> None:
    answer = (ctx.params.get("answer") or "").strip()
    if not answer:
        raise InvalidInput("Nhập nội dung trả lời.")
    consultation = ctx.dossier.consultations.filter(answered_at__isnull=True, to_agency=ctx.agency).first()
    consultation.answer, consultation.answered_at, consultation.answered_by = answer, ctx.now, ctx.actor
    consultation.save(update_fields=["answer", "answered_at", "answered_by"])
    ctx.data["agency"] = ctx.agency.code


def _request_payment(ctx: Context) -> None:
    try:
        amount = int(ctx.params.get("amount"))
    except (TypeError, ValueError):
        raise InvalidInput("Số tiền phải là số nguyên (đồng).") from None
    if amount <= 0:
        raise InvalidInput("Số tiền phải lớn hơn 0.")
    ctx.dossier.fee_due = amount
    ctx.data["amount"] = amount


def _mark_paid(ctx: Context) -> None:
    amount = ctx.params.get("amount")
    ctx.dossier.fee_paid = ctx.dossier.fee_due if amount is None else int(amount)
    ctx.data["amount"] = ctx.dossier.fee_paid
    ctx.data["reference"] = (ctx.params.get("reference") or "")[:100]


def _apologise(ctx: Context) -> None:
    dossier = ctx.dossier
    if dossier.apology_count >= 1:
        raise InvalidInput("Chỉ được xin lỗi và hẹn lại ngày trả kết quả một lần.")
    reason = _require_reason(ctx, "chậm trễ")
    new_due = ctx.params.get("new_due_at")
    if not isinstance(new_due, datetime) or timezone.is_naive(new_due):
        raise InvalidInput("Ngày hẹn mới không hợp lệ.")
    cal = calendar.get_calendar()
    today, due_day = cal.local_date(ctx.now), cal.local_date(dossier.due_at)
    if (due_day - today).days < 1:
        raise InvalidInput("Văn bản xin lỗi phải gửi chậm nhất trước hạn trả kết quả một ngày.")
    if new_due <= dossier.due_at:
        raise InvalidInput("Ngày hẹn mới phải sau ngày hẹn cũ.")
    dossier.apology_count += 1
    change_due(ctx, new_due, f"Xin lỗi và hẹn lại: {reason}"[:200])


def _decide(ctx: Context, decision: str) -> None:
    dossier = ctx.dossier
    if dossier.consultations.filter(answered_at__isnull=True).exists():
        raise InvalidInput("Còn cơ quan liên thông chưa trả lời.")
    if decision == Decision.REFUSED:
        _require_reason(ctx, "từ chối giải quyết")
        dossier.decision_reason = ctx.data["reason"]
    dossier.decision = decision
    dossier.finished_at = ctx.now
    for step in dossier.steps.filter(finished_at__isnull=True, role__in=[Role.SPECIALIST, Role.APPROVER]):
        step.finished_at, step.officer = ctx.now, ctx.actor
        step.save(update_fields=["finished_at", "officer"])
    _start_next_step(ctx)


def _issue_result(ctx: Context) -> None:
    result = ctx.params.get("result")
    if result is None:
        raise InvalidInput("Chưa có tệp kết quả đã ký số.")
    ctx.data["result"] = {"title": result.title, "sha256": result.sha256}


def _return_result(ctx: Context) -> None:
    ctx.dossier.returned_at = ctx.now
    for step in ctx.dossier.steps.filter(finished_at__isnull=True):
        step.finished_at, step.officer = ctx.now, ctx.actor
        step.save(update_fields=["finished_at", "officer"])


def _request_withdrawal(ctx: Context) -> None:
    ctx.data["reason"] = (ctx.params.get("reason") or "Theo đề nghị của người nộp hồ sơ")[:300]


def _stop(ctx: Context) -> None:
    ctx.dossier.finished_at = ctx.dossier.finished_at or ctx.now


HANDLERS = {
    "receive": _receive,
    "refuse_reception": _refuse_reception,
    "request_supplement": _request_supplement,
    "receive_supplement": _receive_supplement,
    "assign": _assign,
    "complete_step": _complete_step,
    "consult": _consult,
    "answer_consultation": _answer_consultation,
    "request_payment": _request_payment,
    "mark_paid": _mark_paid,
    "apologise": _apologise,
    "approve": lambda ctx: _decide(ctx, Decision.APPROVED),
    "refuse": lambda ctx: _decide(ctx, Decision.REFUSED),
    "issue_result": _issue_result,
    "return_result": _return_result,
    "request_withdrawal": _request_withdrawal,
    "stop": _stop,
}
