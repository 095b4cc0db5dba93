"""Data-subject requests (yêu cầu về dữ liệu cá nhân) for the province's data-protection staff.

The queue shows each request's acknowledgement and completion clocks (NĐ 356/2025 Điều 5) with the
overdue ones flagged; opening a request reads someone else's personal data and is audited; every
action goes through `motcua.privacy.services`.
"""

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from motcua.audit.services import record as audit_record
from motcua.privacy import services
from motcua.privacy.models import DataSubjectRequest

from .guards import forbidden, officer_required

Status = DataSubjectRequest.Status


@officer_required
def request_list(request):
    if not services.may_handle(request.user):
        return forbidden(request, _("Chỉ bộ phận bảo vệ dữ liệu cá nhân xử lý các yêu cầu này."))
    show = request.GET.get("xem", "mo")
    rows = services.handled_requests(request.user)
    if show != "tat-ca":
        rows = rows.filter(status__in=DataSubjectRequest.OPEN)
    now = timezone.now()
    items = [
        {"req": r, "overdue": services.overdue(r, now), "ack_overdue": services.ack_overdue(r, now)}
        for r in rows.order_by("due_at", "id")[:200]
    ]
    audit_record(
        "privacy.queue_view", actor=request.user, object_type="privacy.queue", data={"rows": len(items)}
    )
    return render(request, "backoffice/privacy_list.html", {"items": items, "show": show})


def _request(request, code: str) -> DataSubjectRequest:
    req = services.handled_requests(request.user).filter(code=code).first()
    if req is None:
        raise Http404(_("Không có yêu cầu này trong phạm vi của bạn."))
    return req


@officer_required
def request_detail(request, code: str, error: str = "", status: int = 200):
    req = _request(request, code)
    audit_record("privacy.view", actor=request.user, obj=req)
    now = timezone.now()
    context = {
        "req": req,
        "error": error,
        "overdue": services.overdue(req, now),
        "ack_overdue": services.ack_overdue(req, now),
        "decisions": [
            (Status.DONE, Status.DONE.label),
            (Status.PARTLY, Status.PARTLY.label),
            (Status.REFUSED, Status.REFUSED.label),
        ],
        "kept": services.KEPT if req.kind == DataSubjectRequest.Kind.DELETION else [],
    }
    return render(request, "backoffice/privacy_detail.html", context, status=status)


@officer_required
@require_POST
def request_act(request, code: str, action: str):
    req = _request(request, code)
    version = request.POST.get("version") or None
    try:
        if action == "xac-nhan":
            services.acknowledge(req, request.user, version=version)
        elif action == "gia-han":
            services.extend(req, request.user, request.POST.get("reason", ""), version=version)
        elif action == "tra-loi":
            services.answer(
                req,
                request.user,
                request.POST.get("decision", ""),
                request.POST.get("answer", ""),
                legal_basis=request.POST.get("legal_basis", ""),
                version=version,
            )
        else:
            raise Http404
    except services.RequestError as exc:
        return request_detail(request, code, error=str(exc), status=400)
    return redirect("backoffice:privacy_request", code=code)


urlpatterns = [
    path("du-lieu-ca-nhan/", request_list, name="privacy_list"),
    path("du-lieu-ca-nhan/<str:code>/", request_detail, name="privacy_request"),
    path("du-lieu-ca-nhan/<str:code>/<slug:action>/", request_act, name="privacy_act"),
]
