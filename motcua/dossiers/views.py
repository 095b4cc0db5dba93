"""Papers and results of one dossier, for the officers' site (/can-bo/ho-so/<code>/…).

- ``phieu/<nn>/``   GET: paper nn (01–06, TT 03/2025) as a PDF, for officers who can see the dossier;
- ``ket-qua/``      GET: the signed result, for officers who can see the dossier and the applicant;
- ``ky-ket-qua/``   POST: an approver of the handling agency signs and issues the result.

A dossier the user may not see is a 404 (codes cannot be probed); an anonymous visitor is sent to
the officers' sign-in page. Every download is recorded in the audit log. These views are thin:
what may be done is decided by `access` and `services`.
"""

import logging
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from motcua.audit.services import record
from motcua.core.signing import SigningError

from . import access, papers, results, services
from .models import Dossier, DossierResult

logger = logging.getLogger(__name__)


def _url(name: str, fallback: str, **kwargs) -> str:
    """The officers' site may be mounted or not (it is another app): fall back to its known path."""
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return fallback


def login_url() -> str:
    return _url("backoffice:login", "/can-bo/dang-nhap/")


def dossier_url(code: str) -> str:
    return _url("backoffice:dossier", f"/can-bo/ho-so/{code}/", code=code)


def _visible(request, code: str) -> Dossier:
    return access.access_dossier_for_officer(request.user, code)


def _is_officer(user) -> bool:
    return bool(user.is_superuser) or bool(access.roles_of(user))


def signed_in(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated or not user.is_active:
            return redirect_to_login(request.get_full_path(), login_url())
        # An officer's password alone is not enough: the session must have passed the TOTP step.
        if _is_officer(user) and not (hasattr(user, "is_verified") and user.is_verified()):
            return redirect_to_login(request.get_full_path(), login_url())
        return view(request, *args, **kwargs)

    return wrapper


@signed_in
@require_GET
def paper(request, code: str, number: str):
    """Paper `number` of the dossier as a PDF (inline), rendered from the history."""
    if not _is_officer(request.user):
        raise Http404
    dossier = _visible(request, code)
    try:
        pdf = papers.render_paper(dossier, number)
    except papers.PaperNotApplicable as exc:
        return render(
            request,
            "dossiers/paper_unavailable.html",
            {"dossier": dossier, "message": exc.message, "back_url": dossier_url(dossier.code)},
            status=409,
        )
    record("dossier.paper", actor=request.user, obj=dossier, data={"paper": number, "code": dossier.code})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="mau-{number}-{dossier.code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@signed_in
@require_GET
def result_file(request, code: str):
    """The signed result file (officers who can see the dossier, and its applicant)."""
    dossier = _visible(request, code)
    result = DossierResult.objects.filter(dossier=dossier).first()
    if result is None or not result.file:
        raise Http404
    try:
        handle = result.file.open("rb")
    except FileNotFoundError:
        logger.error("result file missing for %s: %s", dossier.code, result.file.name)
        raise Http404 from None
    record("dossier.result_download", actor=request.user, obj=dossier, data={"sha256": result.sha256})
    response = FileResponse(
        handle, content_type="application/pdf", as_attachment=True, filename=f"ket-qua-{dossier.code}.pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@signed_in
@require_POST
def sign_result(request, code: str):
    """Sign and issue the result (an approver of the handling agency); back to the dossier page."""
    dossier = _visible(request, code)
    back = dossier_url(dossier.code)
    raw = request.POST.get("version", "")
    if not (raw.isascii() and raw.isdigit() and len(raw) < 10):
        messages.error(request, _("Thiếu phiên bản hồ sơ: hãy tải lại trang rồi làm lại."))
        return redirect(back)
    try:
        result = results.issue_result(dossier, request.user, expected_version=int(raw))
    except services.TransitionError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    except (SigningError, NotImplementedError, ImproperlyConfigured) as exc:
        logger.exception("sign_result %s: signing failed", dossier.code)
        messages.error(request, _("Không ký số được kết quả: %(error)s") % {"error": exc})
        return redirect(back)
    messages.success(
        request,
        _(
            "Đã ký số và ban hành kết quả “%(title)s”; "
            "kết quả đã được đưa vào kho dữ liệu của người nộp hồ sơ."
        )
        % {"title": result.title},
    )
    return redirect(back)
