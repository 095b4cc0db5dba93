"""The dossier lifecycle: the only code that changes a dossier's state.

One transition table (`TRANSITIONS`) says, for every action, from which statuses it may start,
where it goes, and which role at which agency may take it. `perform()` checks all of that,
applies the action's own rules (deadlines, pauses, once-only limits), and writes the history
row, the audit entry, the event and the notifications in the same transaction, with optimistic
locking: two officers acting on the same version cannot both win.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from motcua.audit.services import record as audit_record
from motcua.core import calendar
from motcua.core.events import publish
from motcua.core.money import format_vnd
from motcua.people.models import OfficerRole, User
from motcua.places.models import Agency

from . import access, deadlines
from .models import (
    PAUSED_STATUSES,
    Consultation,
    Decision,
    Dossier,
    DossierHistory,
    DossierResult,
    DossierStep,
    DueDateChange,
    Status,
)
from .notifications import notify_applicant

Role = OfficerRole.Role


class TransitionError(Exception):
    """A refused transition, with a message an officer can read (Vietnamese)."""

    code = "invalid"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class WrongState(TransitionError):
    code = "wrong_state"


class NotAllowed(TransitionError):
    code = "not_allowed"


class StaleVersion(TransitionError):
    code = "stale_version"


class InvalidInput(TransitionError):
    code = "invalid_input"


STALE_MESSAGE = "Hồ sơ vừa được người khác cập nhật. Hãy tải lại trang để xem trạng thái mới, rồi làm lại."

#: Where the acting officer must hold the role.
RECEIVING, HANDLING, CONSULTED, STEP = "receiving", "handling", "consulted", "step"


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset
    target: int | None  # None: the status does not change
    roles: frozenset
    where: tuple = (RECEIVING,)
    applicant_may: bool = False
    #: A service may take it for the system (e.g. the payments service confirming a payment).
    system_may: bool = False


def _t(name, label, sources, target, roles, where=(RECEIVING,), applicant_may=False, system_may=False):
    return Transition(
        name, label, frozenset(sources), target, frozenset(roles), tuple(where), applicant_may, system_may
    )


@dataclass(frozen=True)
class SystemActor:
    """A service acting for the system (hệ thống), never a person; only for transitions with system_may."""

    username: str
    full_name: str
    title: str
    pk: None = None
    is_authenticated: bool = False

    def get_username(self) -> str:
        return self.username


PAYMENTS_SYSTEM = SystemActor("he-thong-thanh-toan", "Hệ thống thanh toán trực tuyến", "Hệ thống")


S = Status
OPEN = {S.NEW, S.RECEIVED, S.PROCESSING, S.SUPPLEMENT, S.FINANCIAL}
TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        _t("receive", "Tiếp nhận hồ sơ", {S.NEW}, S.RECEIVED, {Role.RECEPTION}),
        _t("refuse_reception", "Từ chối tiếp nhận", {S.NEW}, S.NOT_RECEIVED, {Role.RECEPTION}),
        _t(
            "request_supplement",
            "Yêu cầu bổ sung, hoàn thiện hồ sơ",
            {S.NEW, S.RECEIVED, S.PROCESSING},
            S.SUPPLEMENT,
            {Role.RECEPTION, Role.SPECIALIST},
            (RECEIVING, HANDLING),
        ),
        _t("receive_supplement", "Tiếp nhận hồ sơ bổ sung", {S.SUPPLEMENT}, None, {Role.RECEPTION}),
        _t(
            "assign",
            "Phân công xử lý",
            {S.RECEIVED, S.PROCESSING},
            S.PROCESSING,
            {Role.UNIT_HEAD, Role.SPECIALIST},
            (HANDLING,),
        ),
        _t(
            "complete_step",
            "Hoàn thành bước xử lý",
            {S.RECEIVED, S.PROCESSING},
            S.PROCESSING,
            {Role.RECEPTION, Role.SPECIALIST, Role.UNIT_HEAD, Role.APPROVER},
            (STEP,),
        ),
        _t(
            "consult",
            "Chuyển liên thông, xin ý kiến",
            {S.PROCESSING},
            None,
            {Role.SPECIALIST, Role.UNIT_HEAD},
            (HANDLING,),
        ),
        _t(
            "answer_consultation",
            "Trả lời liên thông, xin ý kiến",
            {S.PROCESSING},
            None,
            {Role.SPECIALIST, Role.UNIT_HEAD, Role.APPROVER},
            (CONSULTED,),
        ),
        _t(
            "request_payment",
            "Yêu cầu thực hiện nghĩa vụ tài chính",
            {S.PROCESSING},
            S.FINANCIAL,
            {Role.SPECIALIST, Role.UNIT_HEAD},
            (HANDLING,),
        ),
        _t(
            "mark_paid",
            "Xác nhận đã thực hiện nghĩa vụ tài chính",
            {S.FINANCIAL},
            S.PROCESSING,
            {Role.RECEPTION, Role.SPECIALIST},
            (RECEIVING, HANDLING),
            system_may=True,
        ),
        _t(
            "apologise",
            "Xin lỗi và hẹn lại ngày trả kết quả",
            {S.RECEIVED, S.PROCESSING, S.FINANCIAL},
            None,
            {Role.UNIT_HEAD, Role.APPROVER},
            (HANDLING,),
        ),
        _t("approve", "Phê duyệt kết quả", {S.PROCESSING}, S.DONE, {Role.APPROVER}, (HANDLING,)),
        _t("refuse", "Từ chối giải quyết", {S.PROCESSING}, S.DONE, {Role.APPROVER}, (HANDLING,)),
        _t("issue_result", "Ban hành kết quả", {S.DONE}, None, {Role.APPROVER}, (HANDLING,)),
        _t("return_result", "Trả kết quả", {S.DONE}, S.RETURNED, {Role.RECEPTION}, (RECEIVING,)),
        _t(
            "request_withdrawal",
            "Công dân yêu cầu rút hồ sơ",
            OPEN,
            S.WITHDRAWAL,
            {Role.RECEPTION},
            (RECEIVING,),
            applicant_may=True,
        ),
        _t(
            "stop",
            "Dừng xử lý hồ sơ",
            {S.WITHDRAWAL},
            S.STOPPED,
            {Role.RECEPTION, Role.UNIT_HEAD},
            (RECEIVING, HANDLING),
        ),
    ]
}


class Readable(NamedTuple):
    """One thing of an action the applicant may read: `key` in the history entry's data."""

    key: str
    label: str
    kind: str = "text"  # "text" | "money"


#: What the applicant may read of each action in their notifications and on the tracking page,
#: besides the action, the status and the legal appointment date (ngày hẹn trả). Only what the
#: law says they are told: the papers to supplement, the reasons of a refusal, an apology or a
#: withdrawal, the amount to pay. The officer's note (ghi chú) and everything else an action
#: records (assignee, consultation question and answer, step names) is internal and never leaves
#: the back office. Every action is listed: a new one must decide here (a test checks).
APPLICANT_READS: dict[str, tuple[Readable, ...]] = {
    "create": (),
    "receive": (),
    "refuse_reception": (Readable("reason", "Lý do từ chối tiếp nhận"),),
    "request_supplement": (Readable("reason", "Giấy tờ cần bổ sung, hoàn thiện"),),
    "receive_supplement": (),
    "assign": (),
    "complete_step": (),
    "consult": (),
    "answer_consultation": (),
    "request_payment": (Readable("amount", "Số tiền phải nộp", "money"),),
    "mark_paid": (
        Readable("amount", "Số tiền đã nộp", "money"),
        Readable("reference", "Số biên lai hoặc mã giao dịch"),
    ),
    "apologise": (Readable("reason", "Lý do chậm trễ"),),
    "approve": (),
    "refuse": (Readable("reason", "Lý do từ chối giải quyết"),),
    "issue_result": (),
    "return_result": (),
    "request_withdrawal": (Readable("reason", "Lý do rút hồ sơ"),),
    "stop": (),
}


def _money(value) -> str:
    # Notifications are stored in Vietnamese: 100.000 đồng (the one formatter, motcua.core.money).
    with translation.override("vi"):
        return format_vnd(int(value))


def applicant_details(action: str, data: dict | None) -> list[tuple[str, str]]:
    """(label, text) the applicant may read of this action, per APPLICANT_READS; nothing for an
    action that is not listed, and never the officer's note."""
    out = []
    for item in APPLICANT_READS.get(action, ()):
        value = (data or {}).get(item.key)
        if value is None or value == "":
            continue
        out.append((item.label, _money(value) if item.kind == "money" else str(value)))
    return out


# --- who may --------------------------------------------------------------------------------


def current_step(dossier: Dossier) -> DossierStep | None:
    return dossier.steps.filter(finished_at__isnull=True).order_by("position").first()


def _acting_agency(user, dossier: Dossier, transition: Transition):
    """The agency at which `user` may take `transition` on `dossier`, or None."""
    for where in transition.where:
        if where == RECEIVING and access.has_role_at(user, dossier.receiving_agency_id, transition.roles):
            return dossier.receiving_agency
        if where == HANDLING and access.has_role_at(user, dossier.handling_agency_id, transition.roles):
            return dossier.handling_agency
        if where == STEP:
            step = current_step(dossier)
            if step is not None and access.has_role_at(user, step.agency_id, {step.role}):
                return step.agency
        if where == CONSULTED:
            for consultation in dossier.consultations.filter(answered_at__isnull=True).select_related(
                "to_agency"
            ):
                if access.has_role_at(user, consultation.to_agency_id, transition.roles):
                    return consultation.to_agency
    return None


def _is_applicant(user, dossier: Dossier) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and dossier.applicant_user_id == user.pk


def allowed_actions(user, dossier: Dossier) -> list[Transition]:
    """The transitions this user may take on this dossier now (for the officer's screen)."""
    out = []
    for transition in TRANSITIONS.values():
        if dossier.status not in transition.sources or _unavailable_because(transition.name, dossier):
            continue
        if _acting_agency(user, dossier, transition) is not None or (
            transition.applicant_may and _is_applicant(user, dossier)
        ):
            out.append(transition)
    return out


@dataclass(frozen=True)
class Awaited:
    """Whom a held-back action waits for (an agency, a role) and, when known, by when."""

    who: str
    due_at: datetime | None = None


@dataclass(frozen=True)
class Unavailable:
    """Why an action is held back by a rule of the dossier itself, and whom it waits for."""

    rule: str
    awaiting: tuple[Awaited, ...] = ()


def why_unavailable(name: str, dossier: Dossier) -> Unavailable | None:
    """Rules that depend on the dossier itself; checked by perform() and shown on screens.

    The rules stay Vietnamese here (like every refusal of perform()); screens translate them.
    """
    if name == "apologise" and dossier.apology_count:
        return Unavailable(gettext_noop("Chỉ được xin lỗi và hẹn lại ngày trả kết quả một lần."))
    if name == "apologise" and dossier.due_at is None:
        return Unavailable(gettext_noop("Hồ sơ chưa có ngày hẹn trả."))
    if name == "issue_result" and dossier.decision != Decision.APPROVED:
        return Unavailable(gettext_noop("Chỉ ban hành kết quả cho hồ sơ đã được phê duyệt."))
    if name == "issue_result" and _has_result(dossier):
        return Unavailable(gettext_noop("Hồ sơ đã có kết quả được ban hành."))
    if name == "return_result" and dossier.decision == Decision.APPROVED and not _has_result(dossier):
        approver = OfficerRole.Role(Role.APPROVER).label
        return Unavailable(
            gettext_noop("Kết quả chưa được ký số và ban hành, chưa thể trả."),
            (Awaited(f"{approver} — {dossier.handling_agency.name}"),),
        )
    if name in {"approve", "refuse"}:
        open_ = dossier.consultations.filter(answered_at__isnull=True).select_related("to_agency")
        awaited = tuple(
            Awaited(f"{c.to_agency.name} ({c.get_kind_display().lower()})", c.due_at) for c in open_
        )
        if awaited:
            return Unavailable(gettext_noop("Còn cơ quan liên thông chưa trả lời."), awaited)
    return None


def _unavailable_because(name: str, dossier: Dossier) -> str | None:
    why = why_unavailable(name, dossier)
    return why.rule if why is not None else None


def withheld_actions(user, dossier: Dossier) -> list[tuple[Transition, Unavailable]]:
    """The transitions this user could take in this state but a rule holds back now, each with the
    rule and whom it waits for: the officer's screen says why an action is missing."""
    out = []
    for transition in TRANSITIONS.values():
        if dossier.status not in transition.sources:
            continue
        why = why_unavailable(transition.name, dossier)
        if why is None:
            continue
        if _acting_agency(user, dossier, transition) is not None or (
            transition.applicant_may and _is_applicant(user, dossier)
        ):
            out.append((transition, why))
    return out


def _has_result(dossier: Dossier) -> bool:
    return DossierResult.objects.filter(dossier=dossier).exists()


# --- perform --------------------------------------------------------------------------------


@dataclass
class Context:
    dossier: Dossier
    actor: object
    agency: object
    now: datetime
    params: dict
    note: str = ""
    data: dict = field(default_factory=dict)
    target: int | None = None


def perform(
    dossier: Dossier | int, action: str, actor, *, expected_version: int | None = None, **params
) -> Dossier:
    """Take `action` on the dossier as `actor`. Raises a TransitionError subclass if refused."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise InvalidInput(f"Không có thao tác “{action}”.")
    pk = dossier.pk if isinstance(dossier, Dossier) else dossier
    if expected_version is None and isinstance(dossier, Dossier):
        expected_version = dossier.version
    with transaction.atomic():
        current = Dossier.objects.select_related(
            "procedure", "procedure_version", "receiving_agency", "handling_agency"
        ).get(pk=pk)
        if expected_version is not None and current.version != expected_version:
            raise StaleVersion(STALE_MESSAGE)
        if current.status not in transition.sources:
            state = Status(current.status).label
            raise WrongState(f"Không thể “{transition.label}” khi hồ sơ đang ở trạng thái “{state}”.")
        blocked = _unavailable_because(action, current)
        if blocked:
            raise InvalidInput(blocked)
        if isinstance(actor, SystemActor):
            if not transition.system_may:
                raise NotAllowed(f"Hệ thống không được tự “{transition.label}”.")
            agency = current.receiving_agency
        else:
            agency = _acting_agency(actor, current, transition)
        if agency is None and not (transition.applicant_may and _is_applicant(actor, current)):
            raise NotAllowed(f"Bạn không có quyền “{transition.label}” đối với hồ sơ này.")
        ctx = Context(current, actor, agency, timezone.now(), params, note=(params.get("note") or "").strip())
        from_status = current.status
        HANDLERS.get(action, lambda c: None)(ctx)
        target = ctx.target if ctx.target is not None else transition.target
        if target is not None:
            _enter(ctx, target)
        # Optimistic lock: the row must still be at the version we read.
        updated = Dossier.objects.filter(pk=pk, version=current.version).update(version=F("version") + 1)
        if updated != 1:
            raise StaleVersion(STALE_MESSAGE)
        current.version += 1
        current.save()
        _record(ctx, transition, from_status)
    return current


def _enter(ctx: Context, target: int) -> None:
    """Change status, pausing or resuming the legal clock as the law says."""
    dossier, now = ctx.dossier, ctx.now
    was_paused = dossier.status in PAUSED_STATUSES
    will_pause = target in PAUSED_STATUSES
    if will_pause and not was_paused:
        dossier.paused_at = now
        dossier.resume_status = dossier.status
    if was_paused and not will_pause and dossier.paused_at is not None:
        if dossier.restart_on_resume:
            _restart_clock(ctx, reason="Tính lại thời hạn từ đầu sau khi nhận hồ sơ bổ sung")
        elif dossier.due_at is not None:
            _change_due(
                ctx,
                deadlines.shift_by_pause(dossier.due_at, dossier.paused_at, now),
                "Cộng thời gian tạm dừng (bổ sung hồ sơ / nghĩa vụ tài chính)",
            )
        dossier.paused_at = None
        dossier.restart_on_resume = False
        dossier.resume_status = None
    dossier.status = target


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _change_due(ctx: Context, new_due, reason: str) -> None:
    dossier = ctx.dossier
    if new_due == dossier.due_at:
        return
    DueDateChange.objects.create(
        dossier=dossier, at=ctx.now, old_due_at=dossier.due_at, new_due_at=new_due, reason=reason
    )
    ctx.data.setdefault("due_at", []).append([_iso(dossier.due_at), _iso(new_due)])
    dossier.due_at = new_due


def _restart_clock(ctx: Context, reason: str) -> None:
    dossier = ctx.dossier
    due = deadlines.compute_due(ctx.now, dossier.time_amount, dossier.time_unit, dossier.procedure)
    if due is not None:
        dossier.counting_start = due.counting_start
        _change_due(ctx, due.due_at, reason)
    _plan_steps(dossier, restart=True)


def start_clock(dossier: Dossier, received_at: datetime) -> None:
    """Set the legal time, the counting start and the appointment at reception."""
    dossier.received_at = received_at
    amount, unit = deadlines.legal_time(dossier.procedure_version, dossier.channel)
    dossier.time_amount, dossier.time_unit = amount, unit
    due = deadlines.compute_due(received_at, amount, unit, dossier.procedure)
    if due is not None:
        dossier.counting_start, dossier.due_at = due.counting_start, due.due_at


def default_workflow() -> list[tuple[str, str, str, float]]:
    return getattr(
        settings,
        "MOTCUA_DEFAULT_WORKFLOW",
        [
            ("Tiếp nhận, chuyển hồ sơ", Role.RECEPTION, RECEIVING, 0.1),
            ("Thẩm định hồ sơ", Role.SPECIALIST, HANDLING, 0.6),
            ("Phê duyệt", Role.APPROVER, HANDLING, 0.2),
            ("Trả kết quả", Role.RECEPTION, RECEIVING, 0.1),
        ],
    )


def is_transfer_step(position: int, role: str) -> bool:
    """The first step, reception and transfer (tiếp nhận, chuyển hồ sơ): timed by NĐ 61 Art 18."""
    return position == 1 and role == Role.RECEPTION


def _plan_steps(dossier: Dossier, restart: bool = False) -> None:
    """The steps of the processing, each with a share of the legal time (in working hours).

    The transfer step is anchored at receipt (deadlines.transfer_due) and takes no share: the
    other steps split the whole legal time in the proportions of the workflow.
    """
    if restart:
        dossier.steps.filter(finished_at__isnull=True).delete()
        done = dossier.steps.count()
    else:
        done = 0
    total = deadlines.legal_hours(dossier.time_amount, dossier.time_unit) or Decimal(0)
    start = dossier.counting_start or dossier.received_at or timezone.now()
    workflow = default_workflow()
    shares = {
        position: Decimal(str(share))
        for position, (_name, role, _where, share) in enumerate(workflow, start=1)
        if not is_transfer_step(position, role)
    }
    weight = sum(shares.values()) or Decimal(1)
    hours_of = {p: (total * share / weight).quantize(Decimal("0.01")) for p, share in shares.items()}
    if hours_of:  # the last shared step takes what rounding left: the shares add up to the legal time
        last = max(hours_of)
        hours_of[last] = total - sum(h for p, h in hours_of.items() if p != last)
    cursor = start
    for position, (name, role, where, _share) in enumerate(workflow, start=1):
        if position <= done:
            continue
        agency = dossier.receiving_agency if where == RECEIVING else dossier.handling_agency
        if position in hours_of:
            hours = hours_of[position]
            step_due = calendar.add_working_hours(cursor, hours) if hours > 0 else None
            if step_due is not None:
                cursor = step_due
        else:
            hours, step_due = Decimal(0), deadlines.transfer_due(dossier.received_at or start)
        DossierStep.objects.create(
            dossier=dossier,
            position=position,
            name=name,
            role=role,
            agency=agency,
            share_hours=hours,
            due_at=step_due,
        )


# --- the actions' own rules -------------------------------------------------------------------


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
    _plan_steps(dossier)
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
    _change_due(ctx, new_due, f"Xin lỗi và hẹn lại: {reason}"[:200])


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


# --- history, audit, event, notifications -------------------------------------------------------


def confirm_payment(dossier: Dossier | int, *, amount: int, reference: str) -> Dossier:
    """The payments service: the financial obligation is met (status 6 → 4), as `mark_paid` by the system.

    Same machinery as an officer's mark_paid (history, audit, event, notification); raises WrongState
    unless the dossier is waiting for payment, and InvalidInput when `amount` is below what is due.
    """
    current = dossier if isinstance(dossier, Dossier) else Dossier.objects.get(pk=dossier)
    current.refresh_from_db(fields=["fee_due", "version"])
    if int(amount) < current.fee_due:
        raise InvalidInput("Số tiền đã nộp chưa đủ nghĩa vụ tài chính.")
    return perform(
        current,
        "mark_paid",
        PAYMENTS_SYSTEM,
        expected_version=current.version,
        amount=int(amount),
        reference=reference,
    )


def actor_title(actor, agency) -> str:
    if isinstance(actor, SystemActor):
        return actor.title
    if agency is None:
        return "Người nộp hồ sơ"
    roles = access.roles_of(actor).get(agency.pk, set())
    for role in (Role.APPROVER, Role.UNIT_HEAD, Role.SPECIALIST, Role.RECEPTION, Role.ADMIN):
        if role in roles:
            return OfficerRole.Role(role).label
    return ""


def _record(ctx: Context, transition: Transition, from_status: int) -> None:
    dossier, actor = ctx.dossier, ctx.actor
    name = (getattr(actor, "full_name", "") or getattr(actor, "get_username", lambda: "")()) or "hệ thống"
    entry = DossierHistory.objects.create(
        dossier=dossier,
        at=ctx.now,
        action=transition.name,
        label=transition.label,
        from_status=from_status,
        to_status=dossier.status,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=name,
        actor_title=actor_title(actor, ctx.agency),
        agency=ctx.agency,
        note=ctx.note,
        data=ctx.data,
    )
    audit_record(
        f"dossier.{transition.name}",
        actor=actor,
        obj=dossier,
        data={"from": from_status, "to": dossier.status, "version": dossier.version, **ctx.data},
    )
    publish(
        f"dossier.{transition.name}",
        "dossier",
        dossier.code,
        {
            "status": dossier.status,
            "from_status": from_status,
            "at": ctx.now,
            "agency": getattr(ctx.agency, "code", ""),
            "actor": name,
            "title": entry.actor_title,
            "due_at": dossier.due_at,
            "version": dossier.version,
        },
    )
    notify_applicant(dossier, entry, applicant_details(entry.action, entry.data))


def record_creation(dossier: Dossier, actor, agency, label: str, data: dict | None = None) -> None:
    """History, audit and event for a dossier that has just been created (status 1 or 2)."""
    now = dossier.submitted_at or timezone.now()
    name = (getattr(actor, "full_name", "") or getattr(actor, "get_username", lambda: "")()) or "hệ thống"
    entry = DossierHistory.objects.create(
        dossier=dossier,
        at=now,
        action="create",
        label=label,
        from_status=None,
        to_status=dossier.status,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=name,
        actor_title=actor_title(actor, agency) if agency else "",
        agency=agency,
        data=data or {},
    )
    audit_record(
        "dossier.create",
        actor=actor,
        obj=dossier,
        data={"status": dossier.status, "channel": dossier.channel},
    )
    publish(
        "dossier.create",
        "dossier",
        dossier.code,
        {
            "status": dossier.status,
            "channel": dossier.channel,
            "at": now,
            "agency": getattr(agency, "code", ""),
            "due_at": dossier.due_at,
            "version": dossier.version,
        },
    )
    notify_applicant(dossier, entry, applicant_details(entry.action, entry.data))


def is_overdue(dossier: Dossier, now: datetime | None = None) -> bool:
    """On time := finished (status 9) by the appointment; >1 supplement counts as overdue (QĐ 766).

    Dossiers refused at reception or stopped never had a result to be late with.
    """
    if dossier.counts_as_overdue:
        return True
    if dossier.due_at is None or dossier.status in (Status.NOT_RECEIVED, Status.STOPPED):
        return False
    return (dossier.finished_at or now or timezone.now()) > dossier.due_at


def record_applicant_step(dossier: Dossier, user, action: str, label: str, data: dict) -> None:
    """History, audit and event for something the applicant did that does not change the status
    (e.g. sending supplement papers online). The caller holds the transaction."""
    DossierHistory.objects.create(
        dossier=dossier,
        at=timezone.now(),
        action=action,
        label=label,
        from_status=dossier.status,
        to_status=dossier.status,
        actor=user if getattr(user, "pk", None) else None,
        actor_name=getattr(user, "full_name", "") or dossier.applicant_name,
        actor_title="Người nộp hồ sơ",
        data=data,
    )
    audit_record(f"dossier.{action}", actor=user, obj=dossier, data=data)
    publish(f"dossier.{action}", "dossier", dossier.code, {"status": dossier.status, **data})
