"""/tro-ly/: ask the assistant (GET ?hoi=…, so the widget on every page is a plain form) and rate it."""

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from motcua.catalog.models import Procedure
from motcua.eid.acting import current_applicant, id_numbers, is_eid_session
from motcua.eid.decorators import citizen_required

from .services import GuideError, ask, handover, rate


def page(request):
    question = request.GET.get("hoi", "").strip()
    context = {
        "question": question,
        "result": None,
        "error": "",
        "candidates": [],
        "signed_in": is_eid_session(request),
    }
    if question:
        try:
            result = ask(question, user=request.user, channel="web", id_numbers=id_numbers(request))
        except GuideError as exc:
            context["error"] = str(exc)
        else:
            context["result"] = result
            names = dict(Procedure.objects.filter(code__in=result.candidates).values_list("code", "name"))
            context["candidates"] = [(c, names.get(c, c)) for c in result.candidates if c != result.procedure]
    return render(request, "guide/page.html", context, status=422 if context["error"] else 200)


def rate_answer(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        rate(request.POST.get("token", ""), useful=request.POST.get("useful") == "1")
    except GuideError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Cảm ơn bạn đã đánh giá câu trả lời."))
    return redirect("guide:page")


@citizen_required
def hand_over(request):
    """Hỏi cán bộ: the question goes to an officer as a feedback case; the answer comes back on
    the citizen's page (Phản ánh của tôi)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    applicant = current_applicant(request)
    try:
        case = handover(
            request.user,
            request.POST.get("token", ""),
            request.POST.get("question", ""),
            name=applicant["name"],
            id_number=applicant["id_number"],
        )
    except GuideError as exc:
        messages.error(request, str(exc))
        return redirect("guide:page")
    messages.success(
        request,
        _("Đã chuyển câu hỏi cho cán bộ (mã %(code)s). Câu trả lời sẽ hiện trong mục Phản ánh của tôi.")
        % {"code": case.code},
    )
    return redirect("portal:mine_feedback", code=case.code)
