"""Feedback cases (phản ánh, kiến nghị) for the officers of the agency that must answer them."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from motcua.audit.services import record as audit_record
from motcua.feedback import services
from motcua.feedback.models import FeedbackCase

from .guards import officer_required

ACTION_LABELS = {name: label for name, (_s, _t, _r, label) in services.ACTIONS.items()}


@officer_required
def case_list(request):
    show = request.GET.get("xem", "mo")
    cases = services.handled_cases(request.user).select_related("agency", "dossier")
    if show != "tat-ca":
        cases = cases.filter(
            status__in=[
                FeedbackCase.Status.NEW,
                FeedbackCase.Status.ACCEPTED,
                FeedbackCase.Status.INFO_REQUESTED,
            ]
        )
    context = {"cases": cases.order_by("answer_due_at")[:200], "show": show, "now": timezone.now()}
    return render(request, "backoffice/feedback_list.html", context)


def _case(request, code: str) -> FeedbackCase:
    case = services.handled_cases(request.user).select_related("agency", "dossier").filter(code=code).first()
    if case is None:
        raise Http404(_("Không có phản ánh này trong phạm vi của bạn."))
    return case


@officer_required
def case_detail(request, code: str, error: str = "", status: int = 200):
    case = _case(request, code)
    # The submitter's name, ID number and text are someone else's personal data.
    audit_record("feedback.view", actor=request.user, obj=case)
    context = {
        "case": case,
        "actions": [(a, ACTION_LABELS[a]) for a in services.allowed_actions(request.user, case)],
        "error": error,
    }
    return render(request, "backoffice/feedback_detail.html", context, status=status)


@officer_required
@require_POST
def case_act(request, code: str, action: str):
    case = _case(request, code)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        return case_detail(request, code, _("Yêu cầu không hợp lệ. Hãy tải lại trang."), 400)
    try:
        services.act(request.user, case, action, request.POST.get("noi_dung", ""), expected_version=version)
    except services.FeedbackError as exc:
        return case_detail(request, code, str(exc), 409)
    messages.success(request, _("Đã cập nhật phản ánh %(code)s.") % {"code": case.code})
    return redirect("backoffice:feedback", code=case.code)
