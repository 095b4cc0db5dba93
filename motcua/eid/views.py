"""Citizen-side pages of the eID sign-in: whom the person acts for."""

from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import acting
from .client import CHOICE_NEXT_KEY, safe_next
from .decorators import citizen_required


@citizen_required
@require_http_methods(["GET", "POST"])
def choose(request):
    """ "Bạn thực hiện thủ tục cho: Bản thân / Công ty …" — checked against the business registry."""
    orgs = acting.organisations(request)
    error, status = "", 200
    if request.method == "POST":
        choice = request.POST.get("thuc_hien_cho", "")
        try:
            acting.choose(request, "" if choice == "ban-than" else choice)
        except acting.NotRepresented:
            error, status = _("Bạn không phải người đại diện theo pháp luật của tổ chức đã chọn."), 403
        else:
            return HttpResponseRedirect(safe_next(request, request.session.pop(CHOICE_NEXT_KEY, None)))
    current = (request.session.get(acting.ACTING_KEY) or {}).get("tax_code", "ban-than")
    return render(
        request, "eid/choose.html", {"organisations": orgs, "error": error, "current": current}, status=status
    )
