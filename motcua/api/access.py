"""What each caller may see and do through the API; endpoints call these, never filter themselves.

- a system sees dossiers whose receiving or handling agency is one its client is bound to, and
  only with the scope the operation names;
- an officer sees `dossiers.access.visible_dossiers` (the same as the back office);
- a citizen sees `dossiers.access.own_dossiers` under the ID numbers the eID proved.

A dossier outside this is a 404, exactly like one that does not exist. Every read of a dossier's
personal data by a system or an officer is written to the audit log.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from motcua.audit.services import record as audit_record
from motcua.dossiers import access as dossier_access
from motcua.dossiers.models import Dossier

from .auth import ANONYMOUS, CITIZEN, OFFICER, SYSTEM, Principal
from .errors import ApiError, not_found


def principal(request) -> Principal:
    return request.auth


def require_scope(who: Principal, scope: str) -> None:
    """403 when a system's token lacks `scope` (people's rights come from their roles)."""
    if who.kind == SYSTEM and scope not in who.scopes:
        raise ApiError(
            403,
            "insufficient_scope",
            f"Mã truy cập không có phạm vi quyền “{scope}”.",
            headers={
                "WWW-Authenticate": f'Bearer realm="motcua", error="insufficient_scope", scope="{scope}"'
            },
        )


def require_person(who: Principal, kind: str | None = None, message: str = "") -> None:
    if not who.is_person or (kind is not None and who.kind != kind):
        raise ApiError(403, "not_allowed", message or "Thao tác này chỉ dành cho người đăng nhập.")


def dossiers_for(who: Principal, queryset: QuerySet | None = None) -> QuerySet:
    if who.kind == SYSTEM:
        return dossier_access.agency_dossiers(who.token.agency_ids, queryset)
    if who.kind == OFFICER:
        return dossier_access.visible_dossiers(who.user, queryset)
    if who.kind == CITIZEN:
        return dossier_access.own_dossiers(who.user, who.id_numbers, queryset)
    return dossier_access.no_dossiers(queryset)


def get_dossier(who: Principal, code: str) -> Dossier:
    """The dossier through the caller's scope (`dossiers.access`), else the API's 404."""
    try:
        if who.kind == SYSTEM:
            return dossier_access.access_dossier_for_agencies(who.token.agency_ids, code)
        if who.kind == OFFICER:
            return dossier_access.access_dossier_for_officer(who.user, code)
        if who.kind == CITIZEN:
            return dossier_access.access_dossier_for_applicant(who.user, who.id_numbers, code)
    except Http404:
        pass
    raise not_found()


def get_document(dossier: Dossier, document_id: int):
    """A paper with a file of a dossier reached by `get_dossier`, else the API's 404."""
    try:
        return dossier_access.access_document(dossier, document_id)
    except Http404:
        raise not_found("tệp giấy tờ") from None


def audit_read(who: Principal, action: str, dossier: Dossier | None = None, **data) -> None:
    """Log a read of someone else's personal data (a system's or an officer's, not the applicant's)."""
    if who.kind not in (SYSTEM, OFFICER):
        return
    actor = who.user if who.kind == OFFICER else who.actor_name
    audit_record(f"api.{action}", actor=actor, obj=dossier, data={"via": "api", **data})


__all__ = [
    "ANONYMOUS",
    "audit_read",
    "dossiers_for",
    "get_document",
    "get_dossier",
    "principal",
    "require_scope",
]
