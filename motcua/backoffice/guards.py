"""Who may use the officers' site (trang cán bộ): signed in, and an officer or a superuser.

An officer is a user with at least one role (OfficerRole) at an active agency. Everyone else
who is signed in gets a 403 page that says so in plain words; anonymous visitors, and sessions
not verified by a TOTP code (a password alone), are sent to the officers' sign-in page. What
an officer may see and do is decided by `motcua.dossiers.access` and `motcua.dossiers.services`, never here.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.urls import reverse

from motcua.dossiers.access import roles_of
from motcua.people.models import OfficerRole


def is_officer(user) -> bool:
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return False
    return bool(user.is_superuser) or bool(roles_of(user))


def agencies_with_role(user, *roles: str) -> set[int]:
    """The agencies at which the user holds any of `roles`."""
    wanted = set(roles)
    return {agency_id for agency_id, held in roles_of(user).items() if held & wanted}


def reception_agency_ids(user) -> set[int]:
    return agencies_with_role(user, OfficerRole.Role.RECEPTION)


def forbidden(request, message: str = "", status: int = 403):
    return render(request, "backoffice/forbidden.html", {"message": message}, status=status)


def officer_required(view):
    """login_required with the officers' sign-in page, then a 403 for non-officers."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        # Officers need a session verified by their second factor (django-otp's OTPMiddleware);
        # an idle or too old session was already signed out (middleware.OfficerSessionMiddleware).
        if not user.is_authenticated or not (hasattr(user, "is_verified") and user.is_verified()):
            return redirect_to_login(request.get_full_path(), reverse("backoffice:login"))
        if not is_officer(request.user):
            return forbidden(request)
        return view(request, *args, **kwargs)

    return wrapper
