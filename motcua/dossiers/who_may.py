"""Who may take an action on a dossier now (ai được thao tác): the acting officer's role at the
receiving, handling, step or consulted agency, the applicant, and the rules of the dossier itself
that hold an action back (`why_unavailable`), with whom it waits for.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext_noop

from motcua.people.models import OfficerRole

from . import access
from .models import Decision, Dossier, DossierResult, DossierStep
from .transitions import CONSULTED, HANDLING, RECEIVING, STEP, TRANSITIONS, Transition

Role = OfficerRole.Role


def current_step(dossier: Dossier) -> DossierStep | None:
    return dossier.steps.filter(finished_at__isnull=True).order_by("position").first()


def acting_agency(user, dossier: Dossier, transition: Transition):
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


def is_applicant(user, dossier: Dossier) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and dossier.applicant_user_id == user.pk


def allowed_actions(user, dossier: Dossier) -> list[Transition]:
    """The transitions this user may take on this dossier now (for the officer's screen)."""
    out = []
    for transition in TRANSITIONS.values():
        if dossier.status not in transition.sources or unavailable_because(transition.name, dossier):
            continue
        if acting_agency(user, dossier, transition) is not None or (
            transition.applicant_may and is_applicant(user, dossier)
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
    if name == "issue_result" and has_result(dossier):
        return Unavailable(gettext_noop("Hồ sơ đã có kết quả được ban hành."))
    if name == "return_result" and dossier.decision == Decision.APPROVED and not has_result(dossier):
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


def unavailable_because(name: str, dossier: Dossier) -> str | None:
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
        if acting_agency(user, dossier, transition) is not None or (
            transition.applicant_may and is_applicant(user, dossier)
        ):
            out.append((transition, why))
    return out


def has_result(dossier: Dossier) -> bool:
    return DossierResult.objects.filter(dossier=dossier).exists()
