"""The dossier lifecycle: the only code that changes a dossier's state.

One transition table (`TRANSITIONS`) says, for every action, from which statuses it may start,
where it goes, and which role at which agency may take it. `perform()` checks all of that,
applies the action's own rules (deadlines, pauses, once-only limits), and writes the history
row, the audit entry, the event and the notifications in the same transaction, with optimistic
locking: two officers acting on the same version cannot both win.

This module is the entry point that views, the API, commands and other apps use; the parts live
beside it, one purpose each:

- `transitions`: the table, the refusals (TransitionError …), the system actors, `Context`;
- `who_may`: who may take an action now, and the rules that hold one back;
- `actions`: each action's own rules (`HANDLERS`);
- `clock`: status changes that pause and resume the legal clock, the appointment, the steps,
  `is_overdue`;
- `records`: history, audit, event and notification of every change;
- `applicant_reads`: what the applicant is told of each action.
"""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .actions import HANDLERS
from .applicant_reads import APPLICANT_READS, Readable, applicant_details
from .clock import default_workflow, enter, follow_current_step, is_overdue, is_transfer_step, start_clock
from .models import PAUSED_STATUSES, Dossier, Status
from .records import actor_title, record_applicant_step, record_creation, record_transition
from .transitions import (
    CONSULTED,
    HANDLING,
    OPEN,
    PAYMENTS_SYSTEM,
    RECEIVING,
    STALE_MESSAGE,
    STEP,
    TRANSITIONS,
    Context,
    InvalidInput,
    NotAllowed,
    StaleVersion,
    SystemActor,
    Transition,
    TransitionError,
    WrongState,
)
from .who_may import (
    Awaited,
    Unavailable,
    acting_agency,
    allowed_actions,
    current_step,
    is_applicant,
    unavailable_because,
    why_unavailable,
    withheld_actions,
)

__all__ = [
    "APPLICANT_READS",
    "CONSULTED",
    "HANDLING",
    "OPEN",
    "PAUSED_STATUSES",
    "PAYMENTS_SYSTEM",
    "RECEIVING",
    "STALE_MESSAGE",
    "STEP",
    "TRANSITIONS",
    "Awaited",
    "InvalidInput",
    "NotAllowed",
    "Readable",
    "StaleVersion",
    "SystemActor",
    "Transition",
    "TransitionError",
    "Unavailable",
    "WrongState",
    "actor_title",
    "allowed_actions",
    "applicant_details",
    "confirm_payment",
    "current_step",
    "default_workflow",
    "is_overdue",
    "is_transfer_step",
    "perform",
    "record_applicant_step",
    "record_creation",
    "start_clock",
    "why_unavailable",
    "withheld_actions",
]


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
        blocked = unavailable_because(action, current)
        if blocked:
            raise InvalidInput(blocked)
        if isinstance(actor, SystemActor):
            if not transition.system_may:
                raise NotAllowed(f"Hệ thống không được tự “{transition.label}”.")
            agency = current.receiving_agency
        else:
            agency = acting_agency(actor, current, transition)
        if agency is None and not (transition.applicant_may and is_applicant(actor, current)):
            raise NotAllowed(f"Bạn không có quyền “{transition.label}” đối với hồ sơ này.")
        ctx = Context(current, actor, agency, timezone.now(), params, note=(params.get("note") or "").strip())
        from_status = current.status
        HANDLERS.get(action, lambda c: None)(ctx)
        target = ctx.target if ctx.target is not None else transition.target
        if target is not None:
            enter(ctx, target)
        follow_current_step(current)
        # Optimistic lock: the row must still be at the version we read.
        updated = Dossier.objects.filter(pk=pk, version=current.version).update(version=F("version") + 1)
        if updated != 1:
            raise StaleVersion(STALE_MESSAGE)
        current.version += 1
        current.save()
        record_transition(ctx, transition, from_status)
    return current


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
