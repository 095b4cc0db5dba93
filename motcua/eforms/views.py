"""Citizen pages of the e-forms (thin: every change goes through services)."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from motcua.core.pdf import render_pdf
from motcua.core.uploads import LimitedUploadHandler
from motcua.dossiers.models import Dossier
from motcua.eid.acting import SIGNED_IN_AT_KEY, current_applicant
from motcua.eid.decorators import citizen_required

from . import engine, presenters, services
from .models import Draft


def _draft(request, pk: int, *, open_only: bool = False, related: tuple = (), deferred: tuple = ()) -> Draft:
    drafts = services.drafts_of(request.user)
    if related:  # select_related() without names would follow every relation (owner and all)
        drafts = drafts.select_related(*related).defer(*deferred)
    draft = services.with_definition(get_object_or_404(drafts, pk=pk))  # another person's draft: 404
    Draft.owner.field.set_cached_value(draft, request.user)  # it is theirs: draft.owner without a query
    if open_only and draft.state != Draft.State.OPEN:
        if draft.dossier_id:
            raise _Redirect(reverse("eforms:receipt", args=[draft.pk]))
        raise Http404
    return draft


class _Redirect(Exception):
    def __init__(self, url):
        self.url = url


def _guard(view):
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except _Redirect as exc:
            return redirect(exc.url)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@never_cache
@citizen_required
def start(request, code: str):
    """Create (prefilled) or resume the draft, and go to the page it was left on."""
    definition = services.current_form(code[:32])
    if definition is None:
        raise Http404
    draft, _created = services.start_draft(
        request.user,
        definition,
        acting=current_applicant(request),
        signed_in_at=request.session.get(SIGNED_IN_AT_KEY),
    )
    return redirect("eforms:page", draft.pk, draft.current_page)


@never_cache
@citizen_required
@_guard
@require_http_methods(["GET", "POST"])
def page(request, pk: int, index: int):
    draft = _draft(request, pk, open_only=True)
    ui = draft.definition.ui
    if index >= len(ui.get("pages", [])) or index not in engine.visible_pages(ui, draft.answers):
        return redirect("eforms:page", draft.pk, draft.current_page)
    errors, shown = {}, draft.answers
    if request.method == "POST":
        later = "save_later" in request.POST
        try:
            errors = services.save_page(
                draft, index, request.POST, acting=current_applicant(request), require=not later
            )
        except services.FormError as exc:
            messages.error(request, exc.message)
            return redirect("eforms:page", draft.pk, index)
        if not errors:
            if later:
                return redirect("eforms:saved", draft.pk)
            following = services.next_step(draft, index)
            if following is not None:
                return redirect("eforms:page", draft.pk, following)
            return redirect("eforms:papers" if services.papers_to_upload(draft) else "eforms:check", draft.pk)
        shown = services.posted_answers(draft, index, request.POST)
    context = presenters.page_context(draft, index, shown, errors)
    return render(request, "eforms/page.html", context, status=400 if errors else 200)


#: Papers sent in one go, each up to MOTCUA_FORM_MAX_UPLOAD_BYTES: a bound on what one request may carry.
PAPERS_PER_SEND = 10


@csrf_exempt  # checked by csrf_protect below, once the upload handler is in place
def papers(request, pk: int):
    """Giấy tờ kèm theo: stop reading an oversized file instead of receiving all of it first."""
    limiter = None
    if request.method == "POST":
        per_file = settings.MOTCUA_FORM_MAX_UPLOAD_BYTES
        limiter = LimitedUploadHandler(request, limit=per_file * PAPERS_PER_SEND, per_file=per_file)
        request.upload_handlers.insert(0, limiter)
    return _papers(request, pk, limiter=limiter)


@never_cache
@csrf_protect
@citizen_required
@_guard
@require_http_methods(["GET", "POST"])
def _papers(request, pk: int, limiter: LimitedUploadHandler | None = None):
    draft = _draft(request, pk, open_only=True)
    wanted = services.papers_to_upload(draft)
    if not wanted:
        return redirect("eforms:check", draft.pk)
    # Read the body now (csrf_protect may not have): only then does the limiter know.
    if limiter is not None and request.FILES is not None and limiter.too_large:
        # The rest of the request was not read: say which paper was too large and keep the draft.
        key = limiter.too_large_field if any(p["key"] == limiter.too_large_field for p in wanted) else None
        message = _("Tệp lớn hơn %(mb)s MB: hãy quét lại với độ phân giải thấp hơn.") % {
            "mb": settings.MOTCUA_FORM_MAX_UPLOAD_BYTES >> 20
        }
        context = presenters.papers_context(draft, {key or wanted[0]["key"]: message})
        return render(request, "eforms/papers.html", context, status=400)
    errors = {}
    if request.method == "POST":
        for paper in wanted:
            key = paper["key"]
            upload = request.FILES.get(key)
            reuse = request.POST.get(f"{key}-reuse", "")
            try:
                if upload is not None:
                    services.attach_paper(draft, key, upload=upload)
                elif reuse.isdigit():
                    services.attach_paper(draft, key, reuse_item_id=int(reuse))
            except services.FormError as exc:
                errors[key] = exc.errors.get(key, exc.message)
        if not errors:
            page_index, absent = services.missing(draft)
            if page_index == -1:
                errors = absent
            elif "save_later" in request.POST:
                return redirect("eforms:saved", draft.pk)
            else:
                return redirect("eforms:check", draft.pk)
    context = presenters.papers_context(draft, errors)
    return render(request, "eforms/papers.html", context, status=400 if errors else 200)


@never_cache
@citizen_required
@_guard
@require_http_methods(["GET", "POST"])
def check(request, pk: int):
    """Kiểm tra lại thông tin; POST submits (idempotent on the draft's key)."""
    draft = _draft(request, pk)
    if draft.dossier_id:
        return redirect("eforms:receipt", draft.pk)
    if draft.state != Draft.State.OPEN:
        raise Http404
    if request.method == "POST":
        try:
            services.submit(
                draft, acting=current_applicant(request), signed_in_at=request.session.get(SIGNED_IN_AT_KEY)
            )
        except services.FormError as exc:
            messages.error(request, exc.message)
            if exc.page is not None and exc.page >= 0:
                return redirect("eforms:page", draft.pk, exc.page)
            return redirect("eforms:papers", draft.pk)
        return redirect("eforms:receipt", draft.pk)
    return render(request, "eforms/check.html", presenters.check_context(draft))


@never_cache
@citizen_required
def saved(request, pk: int):
    draft = _draft(request, pk)
    context = {"draft": draft, "definition": draft.definition, "hours": settings.MOTCUA_FORM_ABANDON_HOURS}
    return render(request, "eforms/saved.html", context)


#: What the receipt and the copy of the answers show of the dossier, read with the draft in one query.
RECEIPT_RELATED = ("dossier__procedure", "dossier__procedure_version", "dossier__receiving_agency")
#: The dossier's columns they show or compute the expected appointment with (expected_due); its ≈ 40
#: others (some encrypted: decrypted on every read) are left in the database. A template that shows
#: one more must add it here, or pay one query per field (tests/test_budgets.py counts them).
RECEIPT_DOSSIER_FIELDS = (
    "code",
    "submitted_at",
    "channel",
    "procedure",
    "procedure_version",
    "receiving_agency",
)
RECEIPT_DEFERRED = tuple(
    f"dossier__{f.name}"
    for f in Dossier._meta.concrete_fields
    if not f.primary_key and f.name not in RECEIPT_DOSSIER_FIELDS
)


@never_cache
@citizen_required
def receipt(request, pk: int):
    draft = _draft(request, pk, related=RECEIPT_RELATED, deferred=RECEIPT_DEFERRED)
    if draft.dossier_id is None:
        return redirect("eforms:check", draft.pk)
    return render(request, "eforms/receipt.html", presenters.receipt_context(draft))


@never_cache
@citizen_required
def answers_pdf(request, pk: int):
    """A copy of the answers as PDF (bản sao tờ khai)."""
    draft = _draft(request, pk, related=RECEIPT_RELATED, deferred=RECEIPT_DEFERRED)
    if draft.dossier_id is None:
        raise Http404
    context = {**presenters.receipt_context(draft), "document_title": draft.definition.title}
    pdf = render_pdf("eforms/answers_pdf.html", context)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="to-khai-{draft.dossier.code}.pdf"'
    return response
