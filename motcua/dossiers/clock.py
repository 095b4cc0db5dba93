"""The legal clock of a dossier (thời hạn giải quyết): status changes that pause and resume it,
the appointment date and its changes (DueDateChange), the processing steps with their share of
the legal time, and whether a dossier is overdue (QĐ 766).
"""

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from motcua.core import calendar
from motcua.people.models import OfficerRole

from . import deadlines
from .models import PAUSED_STATUSES, Dossier, DossierStep, DueDateChange, Status
from .transitions import HANDLING, RECEIVING, Context

Role = OfficerRole.Role


def enter(ctx: Context, target: int) -> None:
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
            change_due(
                ctx,
                deadlines.shift_by_pause(dossier.due_at, dossier.paused_at, now),
                "Cộng thời gian tạm dừng (bổ sung hồ sơ / nghĩa vụ tài chính)",
            )
        dossier.paused_at = None
        dossier.restart_on_resume = False
        dossier.resume_status = None
    dossier.status = target


def follow_current_step(dossier: Dossier) -> None:
    """Copy the current step (bước đang xử lý: the first unfinished step) onto the dossier.

    Called by `services.perform` once per transition, after the action has started or finished
    its steps: the only writer of `current_step_agency` / `current_step_role`, which the work
    queues read instead of the steps (ADR 0046). No open step: None and "".
    """
    open_steps = dossier.steps.filter(finished_at__isnull=True).order_by("position")
    step = open_steps.values_list("agency_id", "role").first()
    dossier.current_step_agency_id, dossier.current_step_role = step or (None, "")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def change_due(ctx: Context, new_due, reason: str) -> None:
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
        change_due(ctx, due.due_at, reason)
    plan_steps(dossier, restart=True)


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


def plan_steps(dossier: Dossier, restart: bool = False) -> None:
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


def is_overdue(dossier: Dossier, now: datetime | None = None) -> bool:
    """On time := finished (status 9) by the appointment; >1 supplement counts as overdue (QĐ 766).

    Dossiers refused at reception or stopped never had a result to be late with.
    """
    if dossier.counts_as_overdue:
        return True
    if dossier.due_at is None or dossier.status in (Status.NOT_RECEIVED, Status.STOPPED):
        return False
    return (dossier.finished_at or now or timezone.now()) > dossier.due_at
