"""What each caller may see and do through the API; endpoints call these, never filter themselves.

- a system sees dossiers whose receiving or handling agency is one its client is bound to, and
  only with the scope the operation names;
- an officer sees `dossiers.access.visible_dossiers` (the same as the back office);
- a citizen sees `dossiers.access.own_dossiers` under the ID numbers the eID proved.

A dossier outside this is a 404, exactly like one that does not exist. Every read of a dossier's
personal data by a system or an officer is written to the audit log.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

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
    queryset = Dossier.objects.all() if queryset is None else queryset
    if who.kind == SYSTEM:
        agencies = who.token.agency_ids
        return queryset.filter(Q(receiving_agency_id__in=agencies) | Q(handling_agency_id__in=agencies))
    if who.kind == OFFICER:
        return dossier_access.visible_dossiers(who.user, queryset)
    if who.kind == CITIZEN:
        return dossier_access.own_dossiers(who.user, who.id_numbers, queryset)
    return queryset.none()


def get_dossier(who: Principal, code: str) -> Dossier:
    dossier = (
        dossiers_for(who)
        .select_related("procedure", "procedure_version", "receiving_agency", "handling_agency")
        .filter(code=code[:64])
        .first()
    )
    if dossier is None:
        raise not_found()
    return dossier


def audit_read(who: Principal, action: str, dossier: Dossier | None = None, **data) -> None:
    """Log a read of someone else's personal data (a system's or an officer's, not the applicant's)."""
    if who.kind not in (SYSTEM, OFFICER):
        return
    actor = who.user if who.kind == OFFICER else who.actor_name
    audit_record(f"api.{action}", actor=actor, obj=dossier, data={"via": "api", **data})


__all__ = ["ANONYMOUS", "audit_read", "dossiers_for", "get_dossier", "principal", "require_scope"]
