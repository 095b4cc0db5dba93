"""The citizen's pages under "Hồ sơ của tôi" (/cua-toi/du-lieu/): the privacy notice, "Dữ liệu của
tôi" with its JSON and PDF copies, and the requests (thin views over `services`)."""

import json

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from motcua.core.pdf import render_pdf
from motcua.eid.decorators import citizen_required
from motcua.foryou import services as foryou

from . import services
from .models import DataSubjectRequest

Kind = DataSubjectRequest.Kind


def _private(response):
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def notice(request):
    """Thông báo xử lý dữ liệu cá nhân (Luật 91 Điều 9.2, 13): public, no sign-in needed."""
    context = {
        "version": services.NOTICE_VERSION,
        "kept": services.KEPT,
        "due_days": [(Kind(k).label, n) for k, n in services.DUE_DAYS.items()],
        "ack_days": services.ACK_WORKING_DAYS,
        "unit_days": services.due_unit() == "days",
    }
    return render(request, "privacy/notice.html", context)


@never_cache
@citizen_required
def my_data(request):
    """Dữ liệu của tôi: what is held, the consents, the requests, and the forms to ask."""
    person_id = request.user.personal_id or ""
    context = {
        "summary": services.summary(request.user),
        "requests": services.requests_of(request.user).order_by("-received_at")[:50],
        "kinds": [(k, label) for k, label in Kind.choices if k != Kind.ACCESS],
        "withdraw_scopes": services.WITHDRAW_SCOPES.items(),
        "reminders": foryou.reminder_consent(person_id) if person_id else False,
        "refused_all": foryou.preference(person_id).refused_all if person_id else False,
        "consents": foryou_consents(person_id),
        "now": timezone.now(),
    }
    return _private(render(request, "privacy/my_data.html", context))


def foryou_consents(person_id: str):
    from motcua.foryou.models import ConsentRecord

    if not person_id:
        return []
    return ConsentRecord.objects.filter(person_id=person_id).order_by("-at", "-pk")[:20]


@require_GET
@citizen_required
def download_json(request):
    data = services.export(request.user, fmt="json")
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="du-lieu-cua-toi.json"'
    return _private(response)


@require_GET
@citizen_required
def download_pdf(request):
    data = services.export(request.user, fmt="pdf")
    pdf = render_pdf(
        "privacy/my_data_pdf.html",
        {"data": data, "document_title": "BẢN SAO DỮ LIỆU CÁ NHÂN", "kept": services.KEPT},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="du-lieu-cua-toi.pdf"'
    return _private(response)


@require_http_methods(["POST"])
@citizen_required
def new_request(request):
    try:
        req = services.submit(
            request.user,
            request.POST.get("kind", ""),
            request.POST.get("details", ""),
            request.POST.get("scope", ""),
        )
    except services.RequestError as exc:
        messages.error(request, str(exc))
        return redirect("privacy:my_data")
    if req.status == DataSubjectRequest.Status.DONE:
        messages.info(request, _("Đã thực hiện yêu cầu %(code)s.") % {"code": req.code})
    else:
        messages.info(
            request,
            _("Đã nhận yêu cầu %(code)s. Hạn trả lời: %(due)s.")
            % {"code": req.code, "due": timezone.localtime(req.due_at).strftime("%d/%m/%Y")},
        )
    return redirect("privacy:request", code=req.code)


@never_cache
@citizen_required
def request_detail(request, code: str):
    req = services.requests_of(request.user).filter(code=code).first()
    if req is None:
        raise Http404(_("Không có yêu cầu này trong tài khoản của bạn."))
    return _private(render(request, "privacy/request.html", {"req": req, "now": timezone.now()}))
