"""What every change of a dossier leaves behind, in the caller's transaction: the history row
(lịch sử xử lý), the audit entry, the event and the applicant's notification.

The event carries the dossier as just saved and its history entry (`publish(held=…)`): its
subscribers in the same transaction (outbox, payments, foryou, insights) take them instead of
reading them again.
"""

from django.utils import timezone

from motcua.audit.services import record as audit_record
from motcua.core.events import publish
from motcua.people.models import OfficerRole

from . import access
from .applicant_reads import applicant_details
from .models import Dossier, DossierHistory
from .notifications import notify_applicant
from .transitions import Context, SystemActor, Transition

Role = OfficerRole.Role


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


def record_transition(ctx: Context, transition: Transition, from_status: int) -> None:
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
        held={"dossier": dossier, "history": entry},
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
        held={"dossier": dossier, "history": entry},
    )
    notify_applicant(dossier, entry, applicant_details(entry.action, entry.data))


def record_applicant_step(dossier: Dossier, user, action: str, label: str, data: dict) -> None:
    """History, audit and event for something the applicant did that does not change the status
    (e.g. sending supplement papers online). The caller holds the transaction."""
    entry = DossierHistory.objects.create(
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
    publish(
        f"dossier.{action}",
        "dossier",
        dossier.code,
        {"status": dossier.status, **data},
        held={"dossier": dossier, "history": entry},
    )
