"""My page (trang cá nhân): the signed-in citizen's or business's dossiers, what is expected of
them now, their results and papers in the data store, notifications, ratings and feedback.

Every query starts from `access.own_dossiers` with the ID numbers the eID sign-in proved (the
person's own and, when they act for an organisation, its tax code): someone else's dossier,
rating or feedback case is a 404, whatever the URL.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from motcua.audit.services import record as audit_record
from motcua.core.uploads import MAX_BYTES, LimitedUploadHandler, UploadRejected, check_upload
from motcua.dossiers import access, intake, services
from motcua.dossiers.models import Dossier, Notification, Status
from motcua.dossiers.notifications import mark_read
from motcua.eid.acting import current_applicant, id_numbers
from motcua.eid.decorators import citizen_required
from motcua.feedback import services as feedback
from motcua.feedback.models import FeedbackCase, Satisfaction
from motcua.payments import services as payments
from motcua.people import datastore

from .tracking import STATUS_LABELS, status_context

PAGE_SIZE = 20
#: All the files of one supplement together; each file is also held to core.uploads.MAX_BYTES.
SUPPLEMENT_MAX_BYTES = 2 * MAX_BYTES
#: What the person must do now, by status.
EXPECTED = {
    Status.SUPPLEMENT: gettext_lazy("Bổ sung, hoàn thiện hồ sơ theo yêu cầu"),
    Status.FINANCIAL: gettext_lazy("Nộp phí, lệ phí"),
}


def _own(request):
    return access.own_dossiers(request.user, id_numbers(request)).select_related(
        "procedure", "handling_agency", "receiving_agency"
    )


def _get_own(request, code: str) -> Dossier:
    return access.access_dossier_for_applicant(
        request.user, id_numbers(request), code, message=_("Không có hồ sơ này trong tài khoản của bạn.")
    )


def _private(response):
    response["Cache-Control"] = "private, no-store"
    return response


def _fees_todo(dossiers, fees_now: dict[int, int]) -> list[dict]:
    """A full-online dossier's fee, payable from submission before any notice (payments)."""
    return [
        {"dossier": d, "what": EXPECTED[Status.FINANCIAL], "kind": "pay", "amount": fees_now[d.pk]}
        for d in dossiers
        if d.pk in fees_now
    ]


def _todo(dossiers) -> list[dict]:
    items = []
    for d in dossiers:
        if d.status in EXPECTED:
            items.append({"dossier": d, "what": EXPECTED[d.status], "kind": d.status})
        elif d.status in feedback.RATEABLE_STATUSES and not hasattr(d, "rating"):
            items.append({"dossier": d, "what": _("Đánh giá mức độ hài lòng"), "kind": "rate"})
    return items


@citizen_required
def home(request):
    dossiers = _own(request).select_related("rating").order_by("-submitted_at", "-id")
    open_statuses = [*EXPECTED, *feedback.RATEABLE_STATUSES]
    fees_now = payments.unpaid_before_notice(_own(request).values("pk"))
    todo = _fees_todo(dossiers.filter(pk__in=list(fees_now))[:50], fees_now)
    todo += _todo(dossiers.filter(status__in=open_statuses)[:50])
    page = Paginator(dossiers, PAGE_SIZE).get_page(request.GET.get("trang"))
    unread = Notification.objects.filter(dossier__in=_own(request), read_at__isnull=True).count()
    context = {
        "todo": todo,
        "page": page,
        "rows": [{"dossier": d, "status_label": STATUS_LABELS.get(d.status, "")} for d in page],
        "unread": unread,
        "applicant": current_applicant(request),
    }
    return _private(render(request, "portal/mine/home.html", context))


def _dossier_context(request, d: Dossier) -> dict:
    context = status_context(d)
    context.update(
        {
            "can_rate": feedback.can_rate(request.user, d, id_numbers(request)) and not hasattr(d, "rating"),
            "rating": getattr(d, "rating", None),
            "levels": Satisfaction.choices,
            "cases": d.feedback_cases.order_by("-opened_at"),
            "expected": EXPECTED.get(d.status),
            "fee_now": payments.unpaid_before_notice([d.pk]).get(d.pk),
            "supplement_reason": _last_reason(d, "request_supplement")
            if d.status == Status.SUPPLEMENT
            else "",
            "sent_supplements": d.documents.filter(is_supplement=True).order_by("-added_at"),
            "max_mb": MAX_BYTES >> 20,
            "mine": True,
        }
    )
    return context


@citizen_required
def dossier(request, code: str):
    d = _get_own(request, code)
    return _private(render(request, "portal/mine/dossier.html", _dossier_context(request, d)))


@citizen_required
@require_GET
def result_download(request, code: str):
    """The signed e-result (kết quả điện tử) of the applicant's own dossier, as the PDF that was signed.

    Scoped by `access.own_result` (a 404 for anyone else or before a result exists); every
    download is recorded in the audit log.
    """
    result = access.own_result(request.user, id_numbers(request), code)
    if result is None or not result.file:
        raise Http404(_("Không có kết quả điện tử của hồ sơ này trong tài khoản của bạn."))
    try:
        handle = result.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    audit_record(
        "dossier.result_download",
        actor=request.user,
        obj=result.dossier,
        data={"sha256": result.sha256, "by": "applicant"},
    )
    return _private(
        FileResponse(
            handle,
            content_type="application/pdf",
            as_attachment=True,
            filename=f"ket-qua-{result.dossier.code}.pdf",
        )
    )


@csrf_exempt  # checked by csrf_protect below, once the upload handler is in place
@require_POST
def supplement(request, code: str):
    """The applicant sends supplement papers (status 5) from the dossier page."""
    limiter = LimitedUploadHandler(request, limit=SUPPLEMENT_MAX_BYTES)
    request.upload_handlers.insert(0, limiter)
    return _supplement(request, code, limiter)


@csrf_protect
@citizen_required
def _supplement(request, code: str, limiter: LimitedUploadHandler):
    d = _get_own(request, code)
    uploads = request.FILES.getlist("tep")  # reading the body first: the limiter then knows
    errors = []
    if limiter.too_large:
        errors.append(
            _("Các tệp gửi một lần không được quá %(mb)s MB: hãy quét lại với độ phân giải thấp hơn.")
            % {"mb": SUPPLEMENT_MAX_BYTES >> 20}
        )
    papers = []
    for upload in uploads if not errors else []:
        try:
            checked = check_upload(upload)
        except UploadRejected as rejected:
            errors.append(rejected.message)
            continue
        papers.append(
            intake.Paper(
                name=f"Bổ sung: {upload.name}"[:200],
                file=upload,
                extra={"content_type": checked.content_type, "sha256": checked.sha256},
            )
        )
    if not errors:
        try:
            intake.submit_supplement_online(d, request.user, papers, request.POST.get("ghi_chu", ""))
        except services.TransitionError as error:
            errors.append(str(error))
    if errors:
        context = _dossier_context(request, d)
        context["supplement_errors"] = errors
        return _private(render(request, "portal/mine/dossier.html", context, status=400))
    messages.success(request, _("Đã gửi giấy tờ bổ sung. Cán bộ tiếp nhận sẽ kiểm tra và thông báo cho bạn."))
    return redirect("portal:mine_dossier", code=d.code)


def _last_reason(dossier: Dossier, action: str) -> str:
    entry = dossier.history.filter(action=action).order_by("-at", "-id").first()
    # The reason the applicant is told, never the officer's internal note (services.APPLICANT_READS).
    return str((entry.data or {}).get("reason") or "") if entry else ""


@citizen_required
@require_POST
def rate(request, code: str):
    d = _get_own(request, code)
    try:
        feedback.rate(
            request.user,
            d,
            request.POST.get("muc_do"),
            request.POST.get("y_kien", ""),
            id_numbers=id_numbers(request),
        )
    except feedback.FeedbackError as error:
        context = _dossier_context(request, d)
        context.update({"rating_error": str(error), "comment": request.POST.get("y_kien", "")[:4000]})
        return _private(render(request, "portal/mine/dossier.html", context, status=400))
    messages.success(request, _("Cảm ơn bạn đã đánh giá. Ý kiến của bạn giúp cải thiện dịch vụ."))
    return redirect("portal:mine_dossier", code=d.code)


@citizen_required
@require_http_methods(["GET", "POST"])
def feedback_new(request, code: str):
    d = _get_own(request, code)
    context = {"dossier": d, "errors": [], "subject": "", "content": ""}
    if request.method == "POST":
        context["subject"] = request.POST.get("tieu_de", "")[:200]
        context["content"] = request.POST.get("noi_dung", "")[:4000]
        try:
            case = feedback.open_case(
                request.user, d, context["subject"], context["content"], id_numbers=id_numbers(request)
            )
        except feedback.FeedbackError as error:
            context["errors"].append(str(error))
            return _private(render(request, "portal/mine/feedback_new.html", context, status=400))
        messages.success(
            request,
            _("Đã gửi phản ánh %(code)s. Cơ quan phải trả lời trước %(due)s.")
            % {"code": case.code, "due": timezone.localtime(case.answer_due_at).strftime("%d/%m/%Y")},
        )
        return redirect("portal:mine_feedback", code=case.code)
    return _private(render(request, "portal/mine/feedback_new.html", context))


def _own_cases(request):
    numbers = id_numbers(request)
    return FeedbackCase.objects.filter(submitter_id_index__in=numbers).select_related("agency", "dossier")


@citizen_required
def feedback_list(request):
    return _private(render(request, "portal/mine/feedback_list.html", {"cases": _own_cases(request)[:100]}))


@citizen_required
@require_http_methods(["GET", "POST"])
def feedback_detail(request, code: str):
    case = _own_cases(request).filter(code=code).first()
    if case is None:
        raise Http404(_("Không có phản ánh này trong tài khoản của bạn."))
    error = ""
    if request.method == "POST":
        try:
            feedback.react(
                request.user, case, request.POST.get("danh_gia", ""), id_numbers=id_numbers(request)
            )
            messages.success(request, _("Đã ghi nhận đánh giá của bạn về nội dung trả lời."))
            return redirect("portal:mine_feedback", code=case.code)
        except feedback.FeedbackError as exc:
            error = str(exc)
    return _private(
        render(
            request,
            "portal/mine/feedback_detail.html",
            {"case": case, "error": error},
            status=400 if error else 200,
        )
    )


@citizen_required
def data_store(request):
    items = []
    for number in sorted(id_numbers(request)):
        items.extend(datastore.items_of(number)[:200])
    items.sort(key=lambda item: item.issued_at, reverse=True)
    return _private(render(request, "portal/mine/data_store.html", {"items": items}))


@citizen_required
def notifications(request):
    own = Notification.objects.filter(dossier__in=_own(request)).select_related("dossier")
    page = Paginator(own.order_by("-created_at"), PAGE_SIZE).get_page(request.GET.get("trang"))
    unread = [n.pk for n in page if n.read_at is None]
    response = _private(
        render(request, "portal/mine/notifications.html", {"page": page, "unread": set(unread)})
    )
    mark_read(unread)
    return response
