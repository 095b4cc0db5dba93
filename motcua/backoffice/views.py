"""The officers' site (trang cán bộ, /can-bo/): thin views over the dossier services.

Views read dossiers only through `visible_dossiers` and the `access_*` functions of
`dossiers.access` (a dossier the user may not see is a 404, so codes cannot be probed) and
change them only through `services.perform` and `intake.receive_in_person`. Every read of a
dossier page, a document or an export is recorded in the audit log.
"""

import uuid
from urllib.parse import urlencode

from axes.helpers import get_lockout_response
from django.contrib import messages
from django.contrib.auth.views import LoginView, LogoutView
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from motcua.audit.services import record
from motcua.catalog.models import Procedure
from motcua.catalog.search import search_procedures
from motcua.core import calendar
from motcua.dossiers import services
from motcua.dossiers.access import access_document, access_dossier_for_officer, visible_dossiers
from motcua.dossiers.intake import Applicant, Paper, receive_in_person
from motcua.dossiers.models import DossierResult, Status
from motcua.eid import officers
from motcua.places.models import Agency

from . import exports, forms, labels, queues
from .guards import forbidden, officer_required, reception_agency_ids
from .timing import countdown, lacks_legal_time
from .uploads import ALLOWED_CONTENT_TYPES

#: How an officer's refused action is answered (HTTP status of the re-rendered page).
ERROR_STATUS = {"stale_version": 409, "wrong_state": 409, "not_allowed": 403, "invalid_input": 400}


# --- sign-in ----------------------------------------------------------------------------------


class OfficerLoginView(LoginView):
    """Step 1: user name and password (django-axes counts failures and locks the account)."""

    template_name = "backoffice/login.html"

    def get_default_redirect_url(self):
        return reverse("backoffice:queue")

    def form_valid(self, form):
        # Not signed in yet: the second factor comes first (level-3 security, MFA for officers).
        user = form.get_user()
        officers.begin(self.request, user)
        step = "backoffice:login_code" if officers.confirmed_device(user) else "backoffice:login_enrol"
        return redirect(_with_next(reverse(step), self.get_success_url()))


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _safe_next(request) -> str:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        return next_url
    return reverse("backoffice:queue")


def _second_step(request, enrol: bool):
    user = officers.pending_user(request)
    if user is None:
        messages.warning(request, _("Phiên đăng nhập đã hết hạn. Vui lòng nhập lại mật khẩu."))
        return redirect(_with_next(reverse("backoffice:login"), _safe_next(request)))
    if officers.is_locked(request, user):
        request.session.flush()
        return get_lockout_response(request, credentials={"username": user.get_username()})
    if enrol and officers.confirmed_device(user):
        return redirect(_with_next(reverse("backoffice:login_code"), _safe_next(request)))
    if not enrol and not officers.confirmed_device(user):
        return redirect(_with_next(reverse("backoffice:login_enrol"), _safe_next(request)))
    error, status = "", 200
    if request.method == "POST":
        code = request.POST.get("ma_xac_thuc", "")
        try:
            device = officers.confirm(request, user, code) if enrol else officers.verify(request, user, code)
        except officers.TryLater:
            device, status = None, 429
            error = _("Bạn vừa nhập sai mã. Vui lòng đợi vài giây rồi nhập mã mới đang hiện trên ứng dụng.")
        else:
            status = 400
            error = _("Mã xác thực không đúng hoặc đã hết hạn. Hãy nhập mã đang hiện trên ứng dụng.")
        if device is not None:
            officers.complete(request, user, device)
            return redirect(_safe_next(request))
    context = {"error": error, "next": _safe_next(request), "enrol": enrol, "officer": user}
    if enrol:
        device = officers.pending_device(user)
        context.update(qr=officers.qr_data_uri(device), key=officers.base32_key(device))
    return render(request, "backoffice/login_code.html", context, status=status)


@require_http_methods(["GET", "POST"])
def login_code(request):
    """Step 2: the six-digit code from the officer's authenticator app."""
    return _second_step(request, enrol=False)


@require_http_methods(["GET", "POST"])
def login_enrol(request):
    """Step 2 the first time: scan the QR (or type the key), then confirm with one code."""
    return _second_step(request, enrol=True)


class OfficerLogoutView(LogoutView):
    http_method_names = ["post", "options"]

    def get_default_redirect_url(self):
        return reverse("backoffice:login")


# --- queues -----------------------------------------------------------------------------------


def _url(name: str, params: dict | None = None, **kwargs) -> str:
    url = reverse(name, kwargs=kwargs or None)
    return f"{url}?{urlencode(params)}" if params else url


def _queue_url(queue, params: dict | None = None) -> str:
    if queue.slug == queues.MINE:
        return _url("backoffice:queue", params)
    return _url("backoffice:queue_named", params, slug=queue.slug)


def _moment(value) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else "—"


def _row(d, q, now, cal=None, select_label: str = "") -> dict:
    """What one line of a queue shows, computed once (the template only prints). Numbers and
    moments are text already (digits, "/", ":" and "—": nothing to localise or escape), the labels
    translated once; `cal` and `select_label` are the page's, shared by its rows."""
    assignee = d.assignee
    return {
        "pk": SafeString(d.pk),
        "version": SafeString(d.version),
        "code": d.code,
        "url": reverse("backoffice:dossier", kwargs={"code": d.code}),
        "applicant": d.applicant_name,
        "procedure_code": d.procedure.code,
        "procedure_name": d.procedure.name if len(d.procedure.name) <= 80 else d.procedure.name[:79] + "…",
        "status": SafeString(d.status),
        "status_label": str(labels.status_label(d.status)),
        "channel": str(labels.channel_label(d.channel)),
        "received": SafeString(_moment(d.received_at)),
        "due": SafeString(_moment(d.reply_due_at if q.slug == queues.RECEPTION else d.due_at)),
        "no_legal_time": q.slug != queues.RECEPTION and lacks_legal_time(d),
        "countdown": countdown(d, now, cal),
        "agency": d.handling_agency.short_name or d.handling_agency.name,
        "assignee": (assignee.full_name or assignee.username) if assignee else "",
        "select_label": (select_label or _("Chọn hồ sơ %(code)s")) % {"code": d.code},
    }


#: One line of a queue's table. Written here, not in the template: the template engine took 4–5 ms
#: for a page's 50 lines (≈ 1,500 variable nodes, each looked up, localised and escaped), this
#: format_html call a fifth of it; every value is still escaped (issue 18 §3, ADR 0046).
ROW_HTML = (
    '<tr>\n        <td><input type="checkbox" name="ho_so" value="{pk}:{version}" id="chon-{pk}">'
    '<label for="chon-{pk}" class="visually-hidden">{select_label}</label></td>\n'
    '        <td class="code"><a href="{url}">{code}</a><br><span class="hint">{channel}</span></td>\n'
    "        <td>{applicant}</td>\n"
    '        <td><span class="procedure-code">{procedure_code}</span> {procedure_name}</td>\n'
    '        <td><span class="status status-{status}">{status}. {status_label}</span></td>\n'
    '        <td class="when">{received}</td>\n'
    '        <td class="when">{due}</td>\n'
    '        <td><span class="{countdown_css}">{countdown_text}</span></td>\n'
    "        <td>{agency}</td>\n"
    "        <td>{assignee}</td>\n"
    "      </tr>"
)


def _row_html(row: dict, no_legal_time: str, unassigned: str) -> str:
    """The table line of a row of `_row` (the same markup the template wrote for it)."""
    return format_html(
        ROW_HTML,
        **{k: v for k, v in row.items() if k not in ("countdown", "no_legal_time", "due", "assignee")},
        due=format_html('<span class="badge badge-warn">{}</span>', no_legal_time)
        if row["no_legal_time"]
        else row["due"],
        countdown_css=row["countdown"].css,
        countdown_text=row["countdown"].text,
        assignee=row["assignee"] or format_html('<span class="hint">{}</span>', unassigned),
    )


@officer_required
@require_GET
def queue(request, slug: str = queues.MINE):
    q = queues.QUEUES.get(slug)
    if q is None:
        raise Http404
    filters = queues.parse_filters(request.GET, q)
    now = timezone.now()
    query = queues.build(request.user, q, filters, now)
    fmt = request.GET.get("format", "")
    if fmt in exports.FORMATS:
        return exports.export(query, fmt, user=request.user, queue_slug=q.slug, filters=filters.describe())
    page = queues.page_of(query, filters.page)
    # One calendar for the page's countdowns (each day's office hours worked out once), one label.
    cal, select_label = calendar.FrozenCalendar(), _("Chọn hồ sơ %(code)s")
    rows = [_row(d, q, now, cal, select_label) for d in page.rows]
    no_legal_time, unassigned = _("Chưa có thời hạn luật định"), _("chưa phân công")
    for row in rows:
        row["html"] = _row_html(row, no_legal_time, unassigned)
    # A queue page shows applicants' names (and a search may be by ID number): an officer's read of
    # other people's personal data, recorded with what was asked and which dossiers were shown.
    record(
        "dossier.queue_view",
        actor=request.user,
        object_type="backoffice.queue",
        object_id=q.slug,
        data={"filters": filters.describe(), "page": page.number, "shown": [d.code for d in page.rows]},
    )
    params = filters.params
    # The bulk actions are shown under the rows: an empty page reads no assignees.
    bulk_form = (
        forms.BulkForm(
            assignees=forms.bulk_assignee_choices(request.user), initial={"next": request.get_full_path()}
        )
        if rows
        else None
    )
    context = {
        "queue": q,
        "queues": [(item, _queue_url(item), item.slug == q.slug) for item in queues.QUEUES.values()],
        "filters": filters,
        "rows": rows,
        "page": page,
        "previous_url": _queue_url(q, {**params, "trang": page.number - 1}) if page.has_previous else "",
        "next_url": _queue_url(q, {**params, "trang": page.number + 1}) if page.has_next else "",
        "export_csv_url": _queue_url(q, {**params, "format": "csv"}),
        "export_xlsx_url": _queue_url(q, {**params, "format": "xlsx"}),
        "reset_url": _queue_url(q),
        "statuses": queues.status_choices(),
        "channels": list(labels.CHANNEL_LABELS.items()),
        "agencies": queues.agency_choices(request.user),
        "sorts": list(queues.SORTS.items()),
        "within_units": list(queues.WITHIN_UNITS.items()),
        "count_cap": queues.COUNT_CAP,
        "export_cap": exports.EXPORT_CAP,
        "bulk_form": bulk_form,
        "current_url": request.get_full_path(),
    }
    return render(request, "backoffice/queue.html", context)


@officer_required
@require_POST
def bulk(request):
    """Several dossiers, one action each through perform() with its own version; a report per dossier."""
    user = request.user
    form = forms.BulkForm(request.POST, assignees=forms.bulk_assignee_choices(user))
    selection = forms.parse_selection(request.POST.getlist("ho_so"))
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = reverse("backoffice:queue")
    context = {"form": form, "next_url": next_url, "results": [], "max_bulk": forms.MAX_BULK}
    if not selection:
        context["error"] = _("Chưa chọn hồ sơ nào.")
    if not form.is_valid() or not selection:
        return render(request, "backoffice/bulk_result.html", context, status=400)
    action = form.cleaned_data["action"]
    params = {"assignee": int(form.cleaned_data["assignee"])} if action == "assign" else {}
    found = {
        d.pk: d
        for d in visible_dossiers(user)
        .filter(pk__in=[pk for pk, _v in selection])
        .only("pk", "code", "version")
    }
    results = []
    for pk, version in selection:
        dossier = found.get(pk)
        if dossier is None:
            results.append(
                {"code": "", "ok": False, "message": _("Không tìm thấy hồ sơ (hoặc bạn không được xem).")}
            )
            continue
        try:
            services.perform(dossier.pk, action, user, expected_version=version, **params)
        except services.TransitionError as exc:
            results.append({"code": dossier.code, "ok": False, "message": exc.message})
        else:
            results.append({"code": dossier.code, "ok": True, "message": _("Đã thực hiện.")})
    context.update(
        results=results,
        action_label=labels.action_label(action),
        succeeded=sum(1 for r in results if r["ok"]),
        failed=sum(1 for r in results if not r["ok"]),
    )
    return render(request, "backoffice/bulk_result.html", context)


# --- the dossier page ---------------------------------------------------------------------------


def dossier_paper_url(code: str, name: str, **kwargs) -> str:
    """A URL of the dossiers app's officer views (papers, result, signing), mounted under
    /can-bo/ho-so/<code>/ by motcua/urls.py; its known path if it is not mounted."""
    fallback = {
        "paper": f"/can-bo/ho-so/{code}/phieu/{kwargs.get('number', '01')}/",
        "result": f"/can-bo/ho-so/{code}/ket-qua/",
        "sign_result": f"/can-bo/ho-so/{code}/ky-ket-qua/",
    }[name]
    try:
        return reverse(f"dossiers:{name}", kwargs={"code": code, **kwargs})
    except NoReverseMatch:
        return fallback


def _get_dossier(user, code: str):
    return access_dossier_for_officer(user, code)


def _render_dossier(
    request, dossier, *, failed_action: str = "", failed_data=None, error: str = "", status=200
):
    user = request.user
    record("dossier.view", actor=user, obj=dossier)
    now = timezone.now()
    actions = []
    for transition in services.allowed_actions(user, dossier):
        if transition.name == failed_action and failed_data is not None:
            data = failed_data.copy()
            data["version"] = str(dossier.version)  # the page now shows this version
            form = forms.action_form(transition.name, dossier, data)
            form.is_valid()
        else:
            form = forms.action_form(transition.name, dossier)
        actions.append(
            {
                "name": transition.name,
                "label": labels.action_label(transition.name, transition.label),
                "form": form,
                "url": dossier_paper_url(dossier.code, "sign_result")
                if transition.name == "issue_result"
                else reverse("backoffice:act", kwargs={"code": dossier.code, "action": transition.name}),
                "failed": transition.name == failed_action,
                "needs_signature": transition.name == "issue_result",
            }
        )
    try:
        result = dossier.result
    except DossierResult.DoesNotExist:
        result = None
    steps = list(dossier.steps.select_related("agency", "officer"))
    for step in steps:
        step.role_label = labels.ROLE_LABELS.get(step.role, step.role)
    current = next((s for s in steps if s.finished_at is None), None)
    context = {
        "d": dossier,
        "status_label": labels.status_label(dossier.status),
        "channel_label": labels.channel_label(dossier.channel),
        "kind_label": labels.APPLICANT_KIND_LABELS.get(dossier.applicant_kind, dossier.applicant_kind),
        "countdown": countdown(dossier, now),
        "no_legal_time": lacks_legal_time(dossier),
        "is_overdue": services.is_overdue(dossier, now),
        "due_changes": list(dossier.due_date_changes.all()),
        "steps": steps,
        "current_step": current,
        "consultations": list(
            dossier.consultations.select_related("from_agency", "to_agency", "answered_by")
        ),
        "documents": list(dossier.documents.all()),
        "notifications": list(dossier.notifications.all()),
        "history": [
            {
                "entry": h,
                "label": labels.action_label(h.action, h.label),
                "to": labels.status_label(h.to_status),
            }
            for h in dossier.history.select_related("agency")
        ],
        "result": result,
        "actions": actions,
        # Say why an action is missing: the rule that holds it back and whom it waits for.
        "withheld": [
            {"label": labels.action_label(t.name, t.label), "rule": _(why.rule), "awaiting": why.awaiting}
            for t, why in services.withheld_actions(user, dossier)
        ],
        "failed_action": failed_action,
        "error": error,
        "receipt_url": dossier_paper_url(dossier.code, "paper", number="01"),
        "papers": [
            (number, title, dossier_paper_url(dossier.code, "paper", number=number))
            for number, title in labels.PAPER_TITLES.items()
        ],
        "result_url": dossier_paper_url(dossier.code, "result") if result else "",
    }
    return render(request, "backoffice/dossier.html", context, status=status)


@officer_required
@require_GET
def dossier_detail(request, code: str):
    return _render_dossier(request, _get_dossier(request.user, code))


@officer_required
@require_POST
def act(request, code: str, action: str):
    """One action on one dossier: perform() with the version the officer saw, or a clear refusal."""
    dossier = _get_dossier(request.user, code)
    if action not in services.TRANSITIONS:
        raise Http404
    form = forms.action_form(action, dossier, request.POST)
    if not form.is_valid():
        message = _("Chưa thực hiện được: hãy kiểm tra các ô được đánh dấu lỗi.")
        if "version" in form.errors:
            message = _("Biểu mẫu thiếu phiên bản hồ sơ: hãy tải lại trang rồi làm lại.")
        return _render_dossier(
            request, dossier, failed_action=action, failed_data=request.POST, error=message, status=400
        )
    try:
        services.perform(
            dossier, action, request.user, expected_version=form.cleaned_data["version"], **form.params()
        )
    except services.TransitionError as exc:
        dossier = _get_dossier(request.user, code)  # what it is now: nothing has changed
        return _render_dossier(
            request,
            dossier,
            failed_action=action,
            failed_data=request.POST,
            error=exc.message,
            status=ERROR_STATUS.get(exc.code, 400),
        )
    messages.success(request, _("Đã thực hiện: %(action)s.") % {"action": labels.action_label(action)})
    return redirect("backoffice:dossier", code=dossier.code)


@officer_required
@require_GET
def document(request, code: str, doc_id: int):
    """A paper's scan, streamed from a dossier the officer may open (never a public MEDIA_URL)."""
    doc = access_document(access_dossier_for_officer(request.user, code), doc_id)
    record("dossier.document_view", actor=request.user, obj=doc.dossier, data={"document": doc.pk})
    try:
        handle = doc.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    safe_type = doc.content_type if doc.content_type in ALLOWED_CONTENT_TYPES else "application/octet-stream"
    response = FileResponse(
        handle,
        content_type=safe_type,
        as_attachment=safe_type == "application/octet-stream",
        filename=doc.file.name.rsplit("/", 1)[-1],
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- counter reception ----------------------------------------------------------------------------

SESSION_KEYS = "backoffice_reception_keys"


def _reception_agencies(user) -> list[Agency]:
    return list(Agency.objects.filter(pk__in=reception_agency_ids(user), is_active=True).order_by("code"))


APPLICANT_FIELDS = ("receiving_agency", "kind", "name", "id_number", "phone", "email", "address")
CHANNEL_FIELDS = ("channel", "result_by_post", "summary")


def _reception_context(procedure, form, papers, extra, **extra_context) -> dict:
    return {
        "procedure": procedure,
        "form": form,
        "applicant_fields": [form[name] for name in APPLICANT_FIELDS],
        "channel_fields": [form[name] for name in CHANNEL_FIELDS],
        "papers": papers,
        "extra": extra,
        **extra_context,
    }


def _paper_forms(requirements, data=None, files=None):
    return [
        forms.PaperForm(
            data,
            files,
            prefix=f"gt{r.pk}",
            requirement=r,
            initial={"originals": r.originals, "copies": r.copies},
        )
        for r in requirements
    ]


def _paper(form, name: str, requirement_id: int | None) -> Paper:
    data = form.cleaned_data
    upload, checked = data.get("file"), form.checked
    extra = {}
    if upload and checked:
        upload.name = f"{uuid.uuid4().hex}.{checked.extension}"  # never the client's file name
        extra = {"content_type": checked.content_type, "sha256": checked.sha256}
    return Paper(
        name=name,
        requirement_id=requirement_id,
        originals=data.get("originals") or 0,
        copies=data.get("copies") or 0,
        file=upload or None,
        digitised=bool(data.get("digitised") or upload),
        extra=extra,
    )


@officer_required
@require_http_methods(["GET", "POST"])
def reception(request):
    """Tiếp nhận hồ sơ tại quầy / qua bưu chính: find the procedure, then the applicant and papers."""
    user = request.user
    agencies = _reception_agencies(user)
    if not agencies:
        return forbidden(request, _("Chỉ cán bộ tiếp nhận (bộ phận một cửa) mới tiếp nhận hồ sơ tại quầy."))
    code = (request.POST.get("thu_tuc") or request.GET.get("thu_tuc") or "").strip()[:32]
    procedure = None
    if code:
        procedure = (
            Procedure.objects.filter(
                code=code, status=Procedure.Status.IN_FORCE, current_version__isnull=False
            )
            .select_related("current_version", "field")
            .first()
        )
    if procedure is None:
        query = " ".join(request.GET.get("q", "").split())[:300]
        hits = search_procedures(query, 20) if query else []
        found = {
            p.code: p
            for p in Procedure.objects.filter(
                code__in=[h.code for h in hits], status=Procedure.Status.IN_FORCE
            ).only("code", "name")
        }
        context = {
            "query": query,
            "procedures": [found[h.code] for h in hits if h.code in found],
            "unknown_code": code,
        }
        status = 404 if code and request.method == "POST" else 200
        return render(request, "backoffice/reception_search.html", context, status=status)

    requirements = list(procedure.current_version.documents.all())
    if request.method == "GET":
        context = _reception_context(
            procedure,
            forms.ApplicantForm(agencies=agencies),
            _paper_forms(requirements),
            forms.ExtraPaperForm(prefix="khac"),
        )
        return render(request, "backoffice/reception_form.html", context)

    done = request.session.get(SESSION_KEYS, {})
    key = request.POST.get("key", "")
    if key and key in done:  # the same form sent twice (double click, reload): one dossier only
        return redirect("backoffice:reception_done", code=done[key])
    form = forms.ApplicantForm(request.POST, agencies=agencies)
    papers = _paper_forms(requirements, request.POST, request.FILES)
    extra = forms.ExtraPaperForm(request.POST, request.FILES, prefix="khac")
    valid = all([form.is_valid(), *[p.is_valid() for p in papers], extra.is_valid()])
    error = ""
    if valid:
        chosen = [
            _paper(p, p.requirement.name, p.requirement.pk) for p in papers if p.cleaned_data.get("received")
        ]
        if extra.cleaned_data.get("received"):
            chosen.append(_paper(extra, extra.cleaned_data["name"], None))
        if requirements and not chosen:
            valid, error = False, _("Chưa đánh dấu giấy tờ nào đã nhận.")
    if valid:
        data = form.cleaned_data
        agency = next(a for a in agencies if str(a.pk) == data["receiving_agency"])
        applicant = Applicant(
            name=data["name"],
            id_number=data["id_number"],
            kind=data["kind"],
            address=data["address"],
            phone=data["phone"],
            email=data["email"],
        )
        try:
            dossier = receive_in_person(
                user,
                agency,
                procedure,
                applicant,
                chosen,
                channel=data["channel"],
                summary=data["summary"],
                result_by_post=data["result_by_post"],
            )
        except services.TransitionError as exc:
            error = exc.message
        else:
            done = dict(list(done.items())[-19:])
            done[data["key"]] = dossier.code
            request.session[SESSION_KEYS] = done
            return redirect("backoffice:reception_done", code=dossier.code)
    context = _reception_context(
        procedure,
        form,
        papers,
        extra,
        error=error or _("Chưa tiếp nhận được: hãy kiểm tra các ô được đánh dấu lỗi."),
        files_dropped=bool(request.FILES),
    )
    return render(request, "backoffice/reception_form.html", context, status=400)


@officer_required
@require_GET
def reception_done(request, code: str):
    dossier = _get_dossier(request.user, code)
    return render(
        request,
        "backoffice/receipt.html",
        {
            "d": dossier,
            "documents": list(dossier.documents.all()),
            "status_label": labels.status_label(dossier.status),
            "channel_label": labels.channel_label(dossier.channel),
            "receipt_url": dossier_paper_url(dossier.code, "paper", number="01"),
            "is_received": dossier.status == Status.RECEIVED,
        },
    )
