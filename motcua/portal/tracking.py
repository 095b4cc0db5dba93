"""Public pages for dossiers: look one up (tra cứu hồ sơ) and check a result (xác thực kết quả).

- ``/tra-cuu/`` and ``/tra-cuu/<code>/`` (the QR code on every paper): the dossier code and the
  applicant's ID number (số định danh cá nhân, or the tax code of an organisation) as a second
  factor → the status page. A wrong code and a wrong ID number give the same answer, so codes
  cannot be probed; lookups are counted per IP address in Django's cache
  (``MOTCUA_LOOKUP_RATE``, 20 per 10 minutes by default) and refused with a clear message beyond.
- ``/xac-thuc/`` lets anyone upload a PDF (≤ 10 MB, starting with ``%PDF-``) and see whether its
  signature is valid and trusted, who signed it and when, and whether it is a result motcua
  issued; ``/xac-thuc/<code>/`` (the QR code on a result) shows the issued result's facts and
  compares an uploaded copy with it. Checks are counted too (``MOTCUA_VERIFY_RATE``).

No sign-in. Personal data is shown only after the second factor, and never cached by the browser.
"""

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from motcua.core.ratelimit import Throttle, throttle
from motcua.core.uploads import LimitedUploadHandler
from motcua.dossiers import access
from motcua.dossiers.models import Dossier, DossierResult, Status
from motcua.dossiers.results import verify_result
from motcua.dossiers.services import APPLICANT_READS

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_CODE_CHARS = 64
MAX_ID_CHARS = 20

STATUS_LABELS = {
    Status.NEW: pgettext_lazy("tra cứu hồ sơ", "Mới đăng ký"),
    Status.RECEIVED: pgettext_lazy("tra cứu hồ sơ", "Được tiếp nhận"),
    Status.NOT_RECEIVED: pgettext_lazy("tra cứu hồ sơ", "Không được tiếp nhận"),
    Status.PROCESSING: pgettext_lazy("tra cứu hồ sơ", "Đang xử lý"),
    Status.SUPPLEMENT: pgettext_lazy("tra cứu hồ sơ", "Yêu cầu bổ sung giấy tờ"),
    Status.FINANCIAL: pgettext_lazy("tra cứu hồ sơ", "Yêu cầu thực hiện nghĩa vụ tài chính"),
    Status.WITHDRAWAL: pgettext_lazy("tra cứu hồ sơ", "Công dân yêu cầu rút hồ sơ"),
    Status.STOPPED: pgettext_lazy("tra cứu hồ sơ", "Dừng xử lý"),
    Status.DONE: pgettext_lazy("tra cứu hồ sơ", "Đã xử lý xong"),
    Status.RETURNED: pgettext_lazy("tra cứu hồ sơ", "Đã trả kết quả"),
}
ACTION_LABELS = {
    "create": pgettext_lazy("tra cứu hồ sơ", "Nộp hồ sơ"),
    "receive": pgettext_lazy("tra cứu hồ sơ", "Tiếp nhận hồ sơ"),
    "refuse_reception": pgettext_lazy("tra cứu hồ sơ", "Từ chối tiếp nhận"),
    "request_supplement": pgettext_lazy("tra cứu hồ sơ", "Yêu cầu bổ sung, hoàn thiện hồ sơ"),
    "receive_supplement": pgettext_lazy("tra cứu hồ sơ", "Tiếp nhận hồ sơ bổ sung"),
    "assign": pgettext_lazy("tra cứu hồ sơ", "Phân công xử lý"),
    "complete_step": pgettext_lazy("tra cứu hồ sơ", "Hoàn thành bước xử lý"),
    "consult": pgettext_lazy("tra cứu hồ sơ", "Chuyển liên thông, xin ý kiến"),
    "answer_consultation": pgettext_lazy("tra cứu hồ sơ", "Trả lời liên thông, xin ý kiến"),
    "request_payment": pgettext_lazy("tra cứu hồ sơ", "Yêu cầu thực hiện nghĩa vụ tài chính"),
    "mark_paid": pgettext_lazy("tra cứu hồ sơ", "Xác nhận đã thực hiện nghĩa vụ tài chính"),
    "apologise": pgettext_lazy("tra cứu hồ sơ", "Xin lỗi và hẹn lại ngày trả kết quả"),
    "approve": pgettext_lazy("tra cứu hồ sơ", "Phê duyệt kết quả"),
    "refuse": pgettext_lazy("tra cứu hồ sơ", "Từ chối giải quyết"),
    "issue_result": pgettext_lazy("tra cứu hồ sơ", "Ban hành kết quả"),
    "return_result": pgettext_lazy("tra cứu hồ sơ", "Trả kết quả"),
    "request_withdrawal": pgettext_lazy("tra cứu hồ sơ", "Công dân yêu cầu rút hồ sơ"),
    "stop": pgettext_lazy("tra cứu hồ sơ", "Dừng xử lý hồ sơ"),
    "applicant_supplement": pgettext_lazy("tra cứu hồ sơ", "Người nộp hồ sơ gửi giấy tờ bổ sung trực tuyến"),
}
TITLE_LABELS = {
    "Tiếp nhận": pgettext_lazy("tra cứu hồ sơ", "Cán bộ tiếp nhận"),
    "Chuyên viên xử lý": pgettext_lazy("tra cứu hồ sơ", "Chuyên viên xử lý"),
    "Lãnh đạo phòng": pgettext_lazy("tra cứu hồ sơ", "Lãnh đạo phòng"),
    "Lãnh đạo phê duyệt": pgettext_lazy("tra cứu hồ sơ", "Lãnh đạo phê duyệt"),
    "Giám sát": pgettext_lazy("tra cứu hồ sơ", "Giám sát"),
    "Quản trị": pgettext_lazy("tra cứu hồ sơ", "Quản trị"),
    "Người nộp hồ sơ": pgettext_lazy("tra cứu hồ sơ", "Người nộp hồ sơ"),
}
#: Actions whose reason is addressed to the applicant (shown on the status page).
#: The actions whose reason the applicant is told: one place, dossiers.services.APPLICANT_READS.
REASON_SHOWN = {name for name, reads in APPLICANT_READS.items() if any(r.key == "reason" for r in reads)}


def _too_many(request, template: str, context: dict, t: Throttle):
    context = {
        **context,
        "rate_limited": True,
        "limit": t.limit,
        "window_minutes": t.window_minutes,
        "retry_minutes": t.retry_minutes,
    }
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(t.retry_after)
    return response


def _private(response):
    response["Cache-Control"] = "private, no-store"
    return response


# --- lookup --------------------------------------------------------------------------------------


def normalise_code(raw: str) -> str:
    return "".join(raw.split())[:MAX_CODE_CHARS]


def normalise_id(raw: str) -> str:
    return "".join(ch for ch in raw if ch.isalnum())[:MAX_ID_CHARS]


def find_dossier(code: str, id_number: str) -> Dossier | None:
    """The dossier with this code whose applicant has this ID number; None for any mismatch."""
    return access.access_dossier_by_lookup(code, id_number, normalise_id)


def status_context(dossier: Dossier) -> dict:
    history = []
    for entry in dossier.history.select_related("agency").order_by("at", "id"):
        reason = str((entry.data or {}).get("reason") or "") if entry.action in REASON_SHOWN else ""
        history.append(
            {
                "at": entry.at,
                "agency": entry.agency.name if entry.agency_id else "",
                "action": ACTION_LABELS.get(entry.action, entry.label),
                "officer": entry.actor_name if entry.actor_id or entry.agency_id else "",
                "title": TITLE_LABELS.get(entry.actor_title, entry.actor_title),
                "reason": reason,
            }
        )
    return {
        "dossier": dossier,
        "status_label": STATUS_LABELS.get(dossier.status, ""),
        "history": history,
        "result": DossierResult.objects.filter(dossier=dossier).first(),
        "is_final": dossier.is_final,
    }


@require_http_methods(["GET", "POST"])
def lookup(request, code: str | None = None):
    """/tra-cuu/ (code and ID number) and /tra-cuu/<code>/ (ID number only) → the status page."""
    template = "portal/lookup.html"
    fixed_code = normalise_code(code or "")
    context = {"fixed_code": fixed_code, "code_value": fixed_code, "errors": {}}
    if request.method == "GET":
        return render(request, template, context)

    entered_code = fixed_code or normalise_code(request.POST.get("ma_ho_so", ""))
    id_number = normalise_id(request.POST.get("so_giay_to", ""))
    context["code_value"] = entered_code
    if not entered_code:
        context["errors"]["ma_ho_so"] = _("Nhập mã hồ sơ (in trên giấy tiếp nhận hồ sơ).")
    if not id_number:
        context["errors"]["so_giay_to"] = _("Nhập số định danh cá nhân hoặc mã số thuế của người nộp hồ sơ.")
    if context["errors"]:
        return render(request, template, context, status=400)
    t = throttle(request, "lookup", "MOTCUA_LOOKUP_RATE", (20, 600))
    if not t.allowed:
        return _too_many(request, template, context, t)
    dossier = find_dossier(entered_code, id_number)
    if dossier is None:
        context["not_found"] = True
        return render(request, template, context, status=404)
    return _private(render(request, "portal/lookup_status.html", status_context(dossier)))


# --- verification --------------------------------------------------------------------------------


@csrf_exempt  # the token is checked by csrf_protect below, once the upload handler is in place
@require_http_methods(["GET", "POST"])
def verify(request, code: str | None = None):
    """/xac-thuc/ and /xac-thuc/<code>/: check an uploaded PDF (and compare it with an issued result)."""
    limiter = None
    if request.method == "POST":
        limiter = LimitedUploadHandler(request, limit=MAX_UPLOAD_BYTES)
        request.upload_handlers.insert(0, limiter)
    return _verify(request, code, limiter)


@csrf_protect
def _verify(request, code: str | None, limiter: LimitedUploadHandler | None):
    template = "portal/verify.html"
    context: dict = {"code": None, "issued": None, "errors": [], "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
    if code is not None or request.method == "POST":
        t = throttle(request, "verify", "MOTCUA_VERIFY_RATE", (30, 600))
        if not t.allowed:
            return _too_many(request, template, context, t)
    if code is not None:
        context["code"] = normalise_code(code)
        context["issued"] = (
            DossierResult.objects.select_related("dossier", "dossier__procedure", "dossier__handling_agency")
            .filter(dossier__code=context["code"])
            .first()
        )
        if context["issued"] is None:
            context["not_found"] = True
            return render(request, template, context, status=404)
        context["issued_name"] = masked_name(context["issued"].dossier.applicant_name)
    if request.method == "GET":
        return render(request, template, context)

    upload = request.FILES.get("tep")
    if (limiter is not None and limiter.too_large) or (upload is not None and upload.size > MAX_UPLOAD_BYTES):
        context["errors"].append(
            _("Tệp lớn hơn %(mb)s MB: không kiểm tra được. Hãy tải lên đúng tệp kết quả (PDF).")
            % {"mb": context["max_mb"]}
        )
        return render(request, template, context, status=413)
    if upload is None:
        context["errors"].append(_("Chọn một tệp PDF để kiểm tra."))
        return render(request, template, context, status=400)
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if not data.startswith(b"%PDF-"):
        context["errors"].append(
            _("Tệp “%(name)s” không phải là văn bản PDF: chỉ kiểm tra được chữ ký số trên tệp PDF.")
            % {"name": (upload.name or "")[:80]}
        )
        return render(request, template, context, status=400)
    report = verify_result(data)
    context["report"] = report
    if report.matched is not None:
        context["matched_name"] = masked_name(report.matched.dossier.applicant_name)
    context["file_name"] = (upload.name or "")[:120]
    issued = context["issued"]
    if issued is not None:
        context["matches_issued"] = report.result is not None and report.result.pk == issued.pk
    return _private(render(request, template, context))


def masked_name(name: str) -> str:
    """ "Nguyễn Thị Ánh" → "N. T. Ánh": enough to recognise, not to index people by code."""
    parts = name.split()
    if len(parts) <= 1:
        return name
    return " ".join([p[0] + "." for p in parts[:-1]] + [parts[-1]])
