""" "Dành cho bạn" (/danh-cho-ban/): the signed-in person's proactive suggestions (thin views)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from motcua.catalog.models import Procedure
from motcua.eid.acting import SIGNED_IN_AT_KEY, current_applicant
from motcua.eid.decorators import citizen_required

from . import engine, presenters, services
from .models import Bundle, BundleCase, Level, Preference

#: Suggestions whose life event has a bundle: the card offers its one form.
BUNDLE_OF = {"birth_registration": "birth", "death_registration": "death"}


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
    # The suggested procedures' names and channels come with the evaluation's one cache read; a
    # procedure it does not hold (a kind edited within the minute) is read from the catalog.
    procedures = dict(evaluation.catalog) if evaluation else {}
    missing = {s.candidate.procedure for s in shown} - set(procedures)
    for p in Procedure.objects.filter(code__in=missing) if missing else []:
        procedures[p.code] = {"name": p.name, "options": presenters.channel_options(p)}
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
            "bundle_url": reverse("foryou:bundle_start", args=[BUNDLE_OF[c.kind]])
            if c.kind in BUNDLE_OF
            else "",
        }
        if c.level >= Level.PREPARED:
            card["draft_url"] = presenters.prepared_draft_url(
                request.user, c.procedure, current_applicant(request), request.session.get(SIGNED_IN_AT_KEY)
            ) or reverse("eforms:start", args=[c.procedure])
        if c.level >= Level.OPTIONS and c.procedure in procedures:
            card["options"] = procedures[c.procedure]["options"]
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
            for k in (evaluation.kinds if evaluation and evaluation.kinds else engine.kinds())
        ],
        # Read once by the evaluation; the "also needed" block honours the same refusal.
        "foryou_preference": pref,
        "foryou_dossiers": evaluation.dossiers if evaluation else None,
        "reminders": services.reminder_consent(person_id),
        "notice": services.REFUSE_TEXT,
        "reminder_text": services.REMINDER_CONSENT_TEXT,
        "delayed": bool(evaluation and evaluation.delayed),
        "cases": list(
            BundleCase.objects.filter(person_id=person_id).select_related("bundle").order_by("-id")[:10]
        ),
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


@never_cache
@citizen_required
def bundle_start(request, code: str):
    """The one form of a life-event bundle: what the registries hold is shown, the rest asked once."""
    from . import bundles

    person_id = _person(request)
    bundles.ensure_bundles()
    bundle = get_object_or_404(Bundle, code=code, active=True)
    asks = bundles.ASKS.get(bundle.code, [])
    choices = [s for s in bundle.steps if s.get("choice")]
    try:
        known, defaults = bundles.prefill(bundle, person_id)
    except bundles.BundleError as exc:
        messages.error(request, str(exc))
        return redirect("foryou:home")
    values, errors = dict(defaults), {}
    chosen = []
    if request.method == "POST":
        values = {name: request.POST.get(name, "").strip()[:300] for name, _label, _req in asks}
        errors = {
            name: _("Vui lòng nhập thông tin này.") for name, _label, req in asks if req and not values[name]
        }
        chosen = [key for key in request.POST.getlist("chon") if key in {c["key"] for c in choices}]
        if choices and not chosen:
            errors["chon"] = _("Hãy chọn ít nhất một chế độ đề nghị giải quyết.")
        if not errors:
            answers = {**{k: v for k, v in known.items() if k != "commune_code"}, **values}
            try:
                case = bundles.start(
                    request.user, bundle.code, answers, chosen, commune_code=known.get("commune_code", "")
                )
            except bundles.BundleError as exc:
                messages.error(request, str(exc))
            else:
                return redirect("foryou:bundle_case", code=case.code)
    fields = [
        {
            "name": name,
            "label": label,
            "required": req,
            "value": values.get(name, ""),
            "error": errors.get(name),
        }
        for name, label, req in asks
    ]
    context = {
        "bundle": bundle,
        "known": [(KNOWN_LABELS.get(k, k), v) for k, v in known.items() if k in KNOWN_LABELS and v],
        "fields": fields,
        "choices": choices,
        "chosen": chosen,
        "choice_error": errors.get("chon"),
    }
    return render(request, "foryou/bundle_start.html", context, status=400 if errors else 200)


@never_cache
@citizen_required
def bundle_case(request, code: str):
    from . import bundles

    case = get_object_or_404(bundles.cases_of(_person(request)), code=code)  # another person's: 404
    return _bundle_page(request, case)


def _bundle_page(request, case, error: str = ""):
    import uuid

    from . import bundles

    context = {
        "status": bundles.status(case),
        "fees": bundles.fees(case),
        "key": uuid.uuid4().hex,
        "error": error,
    }
    return render(request, "foryou/bundle_case.html", context, status=400 if error else 200)


@never_cache
@citizen_required
@require_POST
def bundle_pay(request, code: str):
    """Pay every open charge of the bundle's dossiers at once: one transaction at the gateway."""
    from motcua.payments.gateways import GatewayError

    from . import bundles

    case = get_object_or_404(bundles.cases_of(_person(request)), code=code)  # another person's: 404
    back = request.build_absolute_uri(reverse("foryou:bundle_case", args=[code]))
    try:
        _members, start = bundles.pay(
            case,
            "national",
            idempotency_key=f"{request.user.pk}:{request.POST.get('khoa', '')}",
            return_url=back,
        )
    except (bundles.BundleError, GatewayError) as exc:
        return _bundle_page(request, case, str(exc))
    return redirect(start.redirect_url)


KNOWN_LABELS = {
    "full_name": gettext_lazy("Người đề nghị"),
    "id_number": gettext_lazy("Số định danh cá nhân"),
    "permanent_address": gettext_lazy("Nơi thường trú"),
    "relation": gettext_lazy("Quan hệ với trẻ"),
    "child_birth_date": gettext_lazy("Ngày sinh của trẻ"),
    "child_gender": gettext_lazy("Giới tính của trẻ"),
    "child_birth_place": gettext_lazy("Nơi sinh"),
    "died_on": gettext_lazy("Ngày mất"),
}
