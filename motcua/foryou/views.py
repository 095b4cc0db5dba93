""" "Dành cho bạn" (/danh-cho-ban/): the signed-in person's proactive suggestions (thin views)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from motcua.catalog.models import Procedure
from motcua.eid.acting import SIGNED_IN_AT_KEY, current_applicant
from motcua.eid.decorators import citizen_required

from . import engine, presenters, services
from .models import Level, Preference


def _person(request) -> str:
    person_id = request.user.personal_id or ""
    if not person_id:
        raise Http404
    return person_id


@never_cache
@citizen_required
def home(request):
    person_id = _person(request)
    try:
        evaluation, shown = services.show(person_id, channel="page")
    except engine.UnknownPerson:
        evaluation, shown = None, []
    procedures = {
        p.code: p for p in Procedure.objects.filter(code__in={s.candidate.procedure for s in shown})
    }
    cards = []
    for item in shown:
        c = item.candidate
        card = {
            "id": item.suggestion.pk,
            "kind": c.kind,
            "procedure": procedures.get(c.procedure),
            "procedure_code": c.procedure,
            "level": c.level,
            "because": c.because,
            "due": c.due,
            "overdue": evaluation is not None and c.due < evaluation.as_of,
            "draft_url": "",
            "options": [],
        }
        if c.level >= Level.PREPARED:
            card["draft_url"] = presenters.prepared_draft_url(
                request.user, c.procedure, current_applicant(request), request.session.get(SIGNED_IN_AT_KEY)
            ) or reverse("eforms:start", args=[c.procedure])
        if c.level >= Level.OPTIONS and c.procedure in procedures:
            card["options"] = presenters.channel_options(procedures[c.procedure])
        cards.append(card)
    # The evaluation read the person's refusals already (None: they never refused anything).
    pref = (
        (evaluation.preference or Preference(person_id=person_id))
        if evaluation
        else services.preference(person_id)
    )
    context = {
        "evaluation": evaluation,
        "cards": cards,
        "refused_all": pref.refused_all,
        "kinds": [
            {"code": k.code, "name": k.name, "refused": pref.refuses(k.code), "basis": k.data_basis}
            for k in engine.kinds()
        ],
        "reminders": services.reminder_consent(person_id),
        "notice": services.REFUSE_TEXT,
        "reminder_text": services.REMINDER_CONSENT_TEXT,
        "delayed": bool(evaluation and evaluation.delayed),
    }
    response = render(request, "foryou/home.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@citizen_required
def dismiss(request, pk: int):
    if services.dismiss(_person(request), pk):
        messages.info(request, _("Đã bỏ qua gợi ý này."))
    return redirect("foryou:home")


@require_POST
@citizen_required
def choices(request):
    """Refuse or allow again (all or one kind), and consent to e-mail/SMS reminders."""
    person_id = _person(request)
    action, scope = request.POST.get("action", ""), request.POST.get("scope", "*")
    try:
        if action == "refuse":
            services.refuse(person_id, scope, actor=request.user)
            messages.info(request, _("Đã ghi nhận: bạn không nhận loại gợi ý này nữa."))
        elif action == "allow":
            services.allow(person_id, scope, actor=request.user)
            messages.info(request, _("Đã bật lại gợi ý."))
        elif action in ("consent", "withdraw"):
            services.set_reminder_consent(person_id, action == "consent", actor=request.user)
            messages.info(request, _("Đã ghi nhận lựa chọn của bạn về nhắc việc qua thư điện tử và SMS."))
        else:
            messages.error(request, _("Yêu cầu không hợp lệ."))
    except ValueError:
        messages.error(request, _("Loại gợi ý không tồn tại."))
    return redirect("foryou:home")
