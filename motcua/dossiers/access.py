"""Who may see and do what with dossiers: the one place that decides (phân quyền).

Querysets, views, exports and the API all go through `visible_dossiers` and `can_act`.
An officer of one agency sees nothing of another's dossiers unless it was sent to them
(liên thông / xin ý kiến).
"""

from django.db.models import Q, QuerySet

from motcua.people.models import OfficerRole

from .models import Consultation, Dossier, DossierResult

Role = OfficerRole.Role
#: Roles that see every dossier of the province, read-only (monitors) or to administer.
PROVINCE_WIDE_ROLES = {Role.MONITOR, Role.ADMIN}


def roles_of(user) -> dict[int, set[str]]:
    """{agency id: {roles}} of an officer, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return {}
    cached = getattr(user, "_motcua_roles", None)
    if cached is None:
        cached = {}
        for agency_id, role in OfficerRole.objects.filter(user=user, agency__is_active=True).values_list(
            "agency_id", "role"
        ):
            cached.setdefault(agency_id, set()).add(role)
        user._motcua_roles = cached
    return cached


def is_province_wide(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or any(
        PROVINCE_WIDE_ROLES & roles for roles in roles_of(user).values()
    )


def officer_agency_ids(user) -> set[int]:
    return set(roles_of(user))


def visible_dossiers(user, queryset: QuerySet | None = None) -> QuerySet:
    """The dossiers this user may see. Everything that lists or opens dossiers starts here."""
    queryset = Dossier.objects.all() if queryset is None else queryset
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return queryset.none()
    if is_province_wide(user):
        return queryset
    agencies = officer_agency_ids(user)
    if agencies:
        consulted = Consultation.objects.filter(to_agency_id__in=agencies).values("dossier_id")
        return queryset.filter(
            Q(receiving_agency_id__in=agencies) | Q(handling_agency_id__in=agencies) | Q(pk__in=consulted)
        )
    return queryset.filter(applicant_user=user)


def can_view(user, dossier: Dossier) -> bool:
    return visible_dossiers(user, Dossier.objects.filter(pk=dossier.pk)).exists()


def has_role_at(user, agency_id: int | None, roles) -> bool:
    if agency_id is None:
        return False
    return bool(roles_of(user).get(agency_id, set()) & set(roles))


def own_dossiers(user, id_numbers: set[str], queryset: QuerySet | None = None) -> QuerySet:
    """A citizen's or business's own dossiers (hồ sơ của tôi): submitted from their account, or
    filed under an ID number their eID sign-in proved (their own, or the organisation they act for)."""
    queryset = Dossier.objects.all() if queryset is None else queryset
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return queryset.none()
    numbers = {n for n in id_numbers if n}
    return queryset.filter(Q(applicant_user=user) | Q(applicant_id_number__in=numbers))


def is_own_dossier(user, dossier: Dossier, id_numbers: set[str]) -> bool:
    return own_dossiers(user, id_numbers, Dossier.objects.filter(pk=dossier.pk)).exists()


def own_result(user, id_numbers: set[str], code: str) -> DossierResult | None:
    """The signed result of one of the applicant's own dossiers (kết quả điện tử của tôi), or None.

    Scoped by `own_dossiers` (the ID numbers the eID sign-in proved): for anyone else, or a
    dossier without a result, the answer is None and the page a 404.
    """
    return (
        DossierResult.objects.filter(dossier__in=own_dossiers(user, id_numbers), dossier__code=code[:64])
        .select_related("dossier")
        .first()
    )
