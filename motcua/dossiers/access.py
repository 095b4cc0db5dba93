"""Who may see and do what with dossiers: the one place that decides (phân quyền).

Querysets, views, exports and the API all go through `visible_dossiers` and `can_act`.
An officer of one agency sees nothing of another's dossiers unless it was sent to them
(liên thông / xin ý kiến).

One way to reach a dossier (issue 19 §4): a view, an API endpoint or a command never loads a
dossier and checks it afterwards; it calls one of the `access_*` functions below, which load
through the scope in one query and raise Http404 for a dossier that does not exist and for one
the caller may not see alike (codes cannot be probed). `tests/test_one_way_to_a_dossier.py`
fails when one of them queries `Dossier.objects` or `DossierDocument.objects` itself.
Reading is audited where it was (the view that shows or streams it), not here.
"""

import hmac

from django.db.models import Q, QuerySet
from django.http import Http404

from motcua.people.models import OfficerRole

from .models import Consultation, Dossier, DossierDocument, DossierResult

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


#: The two sides of a dossier an agency can be on, and their column.
AGENCY_SIDES = {"handling": "handling_agency_id", "receiving": "receiving_agency_id"}


def agency_side_dossiers(user, side: str, agency_id: int) -> QuerySet:
    """The dossiers one of the user's agencies handles (`side` "handling") or receives
    ("receiving"): a part of `visible_dossiers(user)` that needs no other condition, so that a work
    queue's piece over it is one index range (its plan without the consultation subquery). Nothing
    for an agency that is not one of the user's, and for a user who may not see dossiers."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return Dossier.objects.none()
    if agency_id not in officer_agency_ids(user):
        return Dossier.objects.none()
    return Dossier.objects.filter(**{AGENCY_SIDES[side]: agency_id})


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
    return queryset.filter(Q(applicant_user=user) | Q(applicant_id_index__in=numbers))


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


# --- one way to reach a dossier (issue 19 §4) -------------------------------------------------------

#: What an officer's page or API answer of one dossier shows next to it (one query with the dossier).
OFFICER_RELATED = ("procedure", "procedure_version", "receiving_agency", "handling_agency", "assignee")
#: What the applicant's pages show next to it.
APPLICANT_RELATED = ("procedure", "receiving_agency", "handling_agency")


def _one(queryset: QuerySet, code: str, related, message: str = "") -> Dossier:
    dossier = queryset.select_related(*related).filter(code=code[:64]).first()
    if dossier is None:
        raise Http404(message) if message else Http404
    return dossier


def access_dossier_for_officer(user, code: str, *, related=OFFICER_RELATED) -> Dossier:
    """The dossier with this code within the officer's scope (`visible_dossiers`), else Http404."""
    return _one(visible_dossiers(user), code, related)


def access_dossier_for_applicant(user, id_numbers: set[str], code: str, *, message: str = "") -> Dossier:
    """One of the applicant's own dossiers (`own_dossiers`: their account or the ID numbers their
    eID proved), else Http404 (with `message` shown on the 404 page when given)."""
    return _one(own_dossiers(user, id_numbers), code, APPLICANT_RELATED, message)


def no_dossiers(queryset: QuerySet | None = None) -> QuerySet:
    """Nothing: what a caller who is nobody in particular sees."""
    return (Dossier.objects.all() if queryset is None else queryset).none()


def agency_dossiers(agency_ids, queryset: QuerySet | None = None) -> QuerySet:
    """Dossiers received or handled by these agencies: what a connected system bound to them sees."""
    queryset = Dossier.objects.all() if queryset is None else queryset
    return queryset.filter(Q(receiving_agency_id__in=agency_ids) | Q(handling_agency_id__in=agency_ids))


def access_dossier_for_agencies(agency_ids, code: str, *, related=OFFICER_RELATED) -> Dossier:
    """The dossier with this code received or handled by one of these agencies, else Http404."""
    return _one(agency_dossiers(agency_ids), code, related)


def _alnum(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


def access_dossier_by_lookup(code: str, id_number: str, normalise=_alnum) -> Dossier | None:
    """Public tracking (tra cứu hồ sơ): the dossier with this code whose applicant has this ID
    number (`id_number` already normalised by `normalise`, which the number on file goes through
    too); None for any mismatch, so a code alone tells nothing. Compared in constant time."""
    if not code or not id_number:
        return None
    dossier = (
        Dossier.objects.select_related("procedure", "receiving_agency", "handling_agency")
        .filter(code__iexact=code)
        .first()
    )
    if dossier is None:
        return None
    if not hmac.compare_digest(normalise(dossier.applicant_id_number).encode(), id_number.encode()):
        return None
    return dossier


def documents_of(dossier: Dossier) -> QuerySet:
    """The papers of a dossier already reached through an `access_*` function, oldest first."""
    return DossierDocument.objects.filter(dossier=dossier).order_by("id")


def access_document(dossier: Dossier, doc_id, *, with_file: bool = True) -> DossierDocument:
    """Paper `doc_id` of a dossier already reached through an `access_*` function (so within the
    caller's scope); Http404 when it is not this dossier's, or (`with_file`) has no scan."""
    try:
        doc = DossierDocument.objects.filter(pk=int(doc_id), dossier=dossier).first()
    except (TypeError, ValueError):
        doc = None
    if doc is None or (with_file and not doc.file):
        raise Http404
    doc.dossier = dossier  # the caller's object: no second load
    return doc
