"""One lock for every officer surface: idle and absolute session lifetimes (khóa phiên làm việc).

Level 3 (spec §8.2) locks a session idle for 15 minutes, 5 for administrators. The lock must hold
wherever an officer's session cookie is accepted — the officers' site, the admin, the REST API
with a session, exports and downloads — so it is enforced here, once, for every request, rather
than in each view's decorator. An expired session is signed out and the request goes on as
anonymous: each surface then answers as it does to anyone not signed in (the officers' sign-in
page, the admin's sign-in page, the API's 401), so no surface can forget the check.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils.translation import gettext as _

from motcua.dossiers.access import roles_of
from motcua.people.models import OfficerRole, User

LAST_SEEN_KEY = "officer_last_seen"
STARTED_KEY = "officer_session_started"
#: A minute's precision spares a session write on every request.
_TOUCH_SECONDS = 60


def _is_officer_account(user) -> bool:
    return user.is_authenticated and (user.kind == User.Kind.OFFICER or user.is_staff or user.is_superuser)


def _is_administrator(user) -> bool:
    # roles_of caches on the user for the request: the views' own scoping reuses it, no extra query.
    return user.is_superuser or any(OfficerRole.Role.ADMIN in held for held in roles_of(user).values())


def idle_limit_seconds(user) -> int:
    minutes = (
        settings.MOTCUA_ADMIN_IDLE_MINUTES
        if _is_administrator(user)
        else settings.MOTCUA_OFFICER_IDLE_MINUTES
    )
    return minutes * 60


def session_expired(request, now: float | None = None) -> bool:
    """Whether this officer session is past its idle or absolute lifetime; records it was seen."""
    now = time.time() if now is None else now
    session = request.session
    started = session.get(STARTED_KEY)
    last = session.get(LAST_SEEN_KEY)
    if started is None:
        session[STARTED_KEY] = started = now
    if last is not None and now - last > idle_limit_seconds(request.user):
        return True
    if now - started > settings.MOTCUA_OFFICER_SESSION_MAX_HOURS * 3600:
        return True
    if last is None or now - last > _TOUCH_SECONDS:
        session[LAST_SEEN_KEY] = now
    return False


class OfficerSessionMiddleware:
    """Signs out an officer session past its idle or absolute lifetime, on every path."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and _is_officer_account(user) and session_expired(request):
            logout(request)
            messages.warning(
                request,
                _("Phiên làm việc đã tạm khóa vì lâu không thao tác. Vui lòng đăng nhập lại."),
                fail_silently=True,
            )
        return self.get_response(request)
