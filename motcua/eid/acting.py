"""Who the signed-in person acts for (người thực hiện thủ tục): themselves or an organisation.

A business user (người đại diện theo pháp luật) chooses after signing in; the choice is checked
against the business registry at that moment and kept in the session.
"""

from __future__ import annotations

from django.utils import timezone

from . import registry

EID_KEY = "eid_sub"
SIGNED_IN_AT_KEY = "signed_in_at"
ACTING_KEY = "eid_acting_for"


class NotSignedIn(PermissionError):
    """No eID session: call current_applicant() only behind `citizen_required`."""


class NotRepresented(PermissionError):
    """The person is not the legal representative of that organisation (or it is not active)."""


def is_eid_session(request) -> bool:
    user = request.user
    return bool(
        user.is_authenticated
        and user.personal_id
        and request.session.get(EID_KEY) == user.personal_id
        and user.kind in ("citizen", "business")
    )


def organisations(request) -> list:
    """The active organisations the signed-in person represents, from the business registry now."""
    if not is_eid_session(request):
        return []
    return [org for org in registry.represented_by(request.user.personal_id) if org.status == "active"]


def choose(request, tax_code: str | None) -> dict:
    """Act for oneself (None or "") or for the organisation with `tax_code`; raises NotRepresented."""
    if not is_eid_session(request):
        raise NotRepresented("not signed in with the eID")
    if not tax_code:
        request.session.pop(ACTING_KEY, None)
        return current_applicant(request)
    org = next((o for o in organisations(request) if o.tax_code == tax_code), None)
    if org is None:
        raise NotRepresented(tax_code)
    request.session[ACTING_KEY] = {
        "tax_code": org.tax_code,
        "name": org.name,
        "address": org.address,
        "verified_at": timezone.now().isoformat(),
    }
    return current_applicant(request)


def current_applicant(request) -> dict:
    """The applicant of a submission: keys kind ("citizen"|"organisation"), name, id_number,
    address, phone, email. The person, or the organisation they chose to act for."""
    if not is_eid_session(request):
        raise NotSignedIn("not signed in with the eID")
    user = request.user
    claims = request.session.get("eid_claims") or {}
    acting = request.session.get(ACTING_KEY)
    if acting:
        return {
            "kind": "organisation",
            "name": acting["name"],
            "id_number": acting["tax_code"],
            "address": acting["address"],
            "phone": user.phone,
            "email": user.email,
        }
    return {
        "kind": "citizen",
        "name": user.full_name,
        "id_number": user.personal_id or "",
        "address": claims.get("address", ""),
        "phone": user.phone,
        "email": user.email,
    }


def id_numbers(request) -> set[str]:
    """The ID numbers this session may act under: the person's own, and the tax code of the
    organisation they chose to act for. Empty without an eID session."""
    if not is_eid_session(request):
        return set()
    numbers = {request.user.personal_id, current_applicant(request).get("id_number")}
    return {n for n in numbers if n}
