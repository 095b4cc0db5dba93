"""Who may see and resolve the lines of the daily reconciliation (dòng đối soát).

The one way to reach a line (issue 19 §4), like `dossiers.access` for dossiers: the back office
and `motcua payments resolve-line` call `access_reconciliation_line`, which loads the line
through the user's scope in one query or raises Http404 (a line outside the scope is answered as
one that does not exist).
"""

from django.http import Http404
from django.utils.translation import gettext as _

from motcua.dossiers.access import has_role_at, is_province_wide, roles_of
from motcua.people.models import OfficerRole

from .models import ReconciliationLine

Role = OfficerRole.Role


def reconciliation_scope(user) -> set[int] | None:
    """The agencies whose lines the user sees: None for every agency; an empty set for none.

    Province-wide roles (monitor, administrator) see every agency; a reception officer the
    agencies where they receive dossiers (and take payments at the counter)."""
    if is_province_wide(user):
        return None
    return {agency_id for agency_id, held in roles_of(user).items() if Role.RECEPTION in held}


def may_reconcile(user) -> bool:
    return reconciliation_scope(user) != set()


def may_resolve(user, line: ReconciliationLine) -> bool:
    """Administrators anywhere, reception officers of the line's agency (monitors only read)."""
    if getattr(user, "is_superuser", False) or any(Role.ADMIN in held for held in roles_of(user).values()):
        return True
    return has_role_at(user, line.agency_id, {Role.RECEPTION})


def access_reconciliation_line(user, pk) -> ReconciliationLine:
    """The line `pk` within the user's reconciliation scope, else Http404."""
    scope = reconciliation_scope(user)
    lines = ReconciliationLine.objects.filter(pk=pk)
    if scope is not None:
        lines = lines.filter(agency_id__in=scope)
    line = lines.first()
    if line is None:
        raise Http404(_("Không có dòng đối soát này trong phạm vi của bạn."))
    return line
