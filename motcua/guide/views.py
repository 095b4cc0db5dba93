"""/tro-ly/: ask the assistant (GET ?hoi=…, so the widget on every page is a plain form) and rate it."""

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from motcua.catalog.models import Procedure

from .services import GuideError, ask, rate


def page(request):
    question = request.GET.get("hoi", "").strip()
    context = {"question": question, "result": None, "error": "", "candidates": []}
    if question:
        try:
            result = ask(question, user=request.user, channel="web")
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
