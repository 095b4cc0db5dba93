"""View decorators for the citizen side."""

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .acting import is_eid_session

#: A harmless cookie that says "this browser was signed in", so an expired session gets a message.
WAS_SIGNED_IN_COOKIE = "motcua_eid_seen"


def sign_in_url(next_url: str) -> str:
    return reverse("eid:start") + "?" + urlencode({"next": next_url})


def citizen_required(view):
    """A citizen or business signed in through the national eID; else to the sign-in with `next`.

    After an expired session (even in the middle of a form) the person signs in again and comes
    back to the same address; the form keeps its draft.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if is_eid_session(request):
            return view(request, *args, **kwargs)
        if request.COOKIES.get(WAS_SIGNED_IN_COOKIE):
            messages.warning(
                request,
                _(
                    "Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại bằng VNeID; "
                    "thông tin đang khai được giữ lại."
                ),
            )
        # After a POST, come back to the page (GET) the form was on.
        return redirect(sign_in_url(request.get_full_path()))

    return wrapper
