"""Fees in the officers' site (phí, lệ phí): the dossier page's section, counter payments
(thu tiền tại quầy) and the daily reconciliation (đối soát) of each gateway — thin views over
`motcua.payments.services` (ADR 0016).

Who may do what:

- the "Phí, lệ phí" section of a dossier: whoever may open the dossier (`visible_dossiers`, else 404);
- record a counter payment: `services.may_record_counter_payment` (a reception officer of the
  receiving agency, or a specialist of the handling agency), for an unpaid charge of an open dossier;
- the reconciliation page (/can-bo/doi-soat/): administrators and monitors see the lines of every
  agency, including lines no dossier could be found for; a reception officer sees the lines of the
  agencies where they receive (the one-stop takes the money); anyone else gets a 403 page;
- resolve a line (xử lý dòng đối soát): an administrator (any line), or a reception officer of the
  line's agency. Monitors watch and do not change anything, as everywhere else; a line with no
  agency is left to administrators. Every resolution is audited by `services.resolve_line`.

Receipts and the reconciliation lines carry no applicant data beyond what the dossier page shows
(and audits); downloading a receipt is audited like a document.
"""

from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from motcua.audit.services import record
from motcua.core.money import format_number
from motcua.payments import services
from motcua.payments.access import (
    access_reconciliation_line,
    may_reconcile,
    may_resolve,
    reconciliation_scope,
)
from motcua.payments.gateways import GatewayError
from motcua.payments.models import Charge, Gateway, Payment, PaymentIntent, ReconciliationLine
from motcua.people.models import OfficerRole

from .guards import forbidden, officer_required
from .views import _get_dossier, _render_dossier

Role = OfficerRole.Role
#: The name under which a refused counter payment is shown again on the dossier page.
COUNTER_ACTION = "counter_payment"
#: Gateways that send a daily statement (counter payments have no other side to compare with).
RECONCILED_GATEWAYS = [(Gateway.NATIONAL, Gateway.NATIONAL.label), (Gateway.VIETQR, Gateway.VIETQR.label)]


# --- the dossier page's section -------------------------------------------------------------------


def parse_amount(text: str) -> int | None:
    """An amount as officers type it: "150000", "150.000", "150 000 đ" (đồng have no decimals)."""
    cleaned = (text or "").strip().lower().removesuffix("đồng").removesuffix("đ").removesuffix("vnd")
    digits = "".join(ch for ch in cleaned if ch not in " .,\u00a0")
    return int(digits) if digits.isdigit() and len(digits) <= 15 else None


class CounterPaymentForm(forms.Form):
    """Money taken at the counter for one charge; the amount is typed again as a check."""

    hinh_thuc = forms.ChoiceField(
        label=gettext_lazy("Hình thức nộp"),
        choices=[
            (Gateway.COUNTER_CASH, gettext_lazy("Tiền mặt")),
            (Gateway.COUNTER_CARD, gettext_lazy("Thẻ qua máy POS")),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Chọn hình thức nộp: tiền mặt hoặc thẻ."),
            "invalid_choice": gettext_lazy("Hình thức nộp không hợp lệ: chọn tiền mặt hoặc thẻ."),
        },
    )
    so_tham_chieu = forms.CharField(
        label=gettext_lazy("Số biên lai thu tiền mặt hoặc mã giao dịch của máy POS"),
        max_length=64,
        error_messages={
            "required": gettext_lazy("Ghi số biên lai thu tiền mặt hoặc mã giao dịch của máy POS."),
            "max_length": gettext_lazy("Số tham chiếu dài tối đa 64 ký tự."),
        },
    )
    so_tien = forms.CharField(
        label=gettext_lazy("Số tiền đã thu (đồng)"),
        max_length=30,
        error_messages={"required": gettext_lazy("Ghi số tiền đã thu.")},
    )

    def __init__(self, *args, charge: Charge, **kwargs):
        kwargs.setdefault("prefix", f"k{charge.pk}")
        super().__init__(*args, **kwargs)
        self.charge = charge
        self.fields["so_tien"].widget.attrs.update(inputmode="numeric", autocomplete="off")
        self.fields["so_tham_chieu"].widget.attrs.update(autocomplete="off")

    def clean_so_tien(self) -> int:
        amount = parse_amount(self.cleaned_data["so_tien"])
        if amount is None:
            raise forms.ValidationError(_("Số tiền chỉ gồm chữ số, ví dụ 150000 hoặc 150.000."))
        if amount != self.charge.amount:
            raise forms.ValidationError(
                _("Số tiền đã thu (%(got)s đồng) khác số phải nộp (%(due)s đồng). Không ghi nhận.")
                % {"got": format_number(amount), "due": format_number(self.charge.amount)}
            )
        return amount


def _payment_row(dossier, payment: Payment) -> dict:
    who = payment.recorded_by
    return {
        "payment": payment,
        "channel": Gateway(payment.gateway).label if payment.gateway in Gateway.values else payment.gateway,
        "recorded_by": (who.full_name or who.username) if who else "",
        "receipt_url": reverse(
            "backoffice:payment_receipt", kwargs={"code": dossier.code, "number": payment.receipt_number}
        )
        if payment.receipt_file
        else "",
    }


def section_context(context) -> dict:
    """What the "Phí, lệ phí" section of the dossier page shows (used by its template tag).

    Read-only: the charges were assessed when the officer asked for the financial obligation
    (`payments.services.on_event`), so the counter sees what to collect right after the notice."""
    request, dossier = context["request"], context["d"]
    user = request.user
    charges = services.dossier_charges(dossier)
    may_record = services.accepts_payment(dossier) and services.may_record_counter_payment(user, dossier)
    failed = context.get("failed_action") == COUNTER_ACTION
    failed_charge = request.POST.get("khoan", "") if failed else ""
    rows = []
    for charge in charges:
        payments = list(charge.payments.all())
        form = None
        if may_record and not payments:
            if failed and failed_charge == str(charge.pk):
                form = CounterPaymentForm(request.POST, charge=charge)
                if form.is_valid() and context.get("error"):
                    form.add_error(None, context["error"])
            else:
                form = CounterPaymentForm(charge=charge)
        rows.append(
            {
                "charge": charge,
                "payments": [_payment_row(dossier, p) for p in payments],
                "open": not payments,
                "form": form,
                "failed": form is not None and form.is_bound,
            }
        )
    return {
        "d": dossier,
        "rows": rows,
        "due": sum(c.amount for c in charges),
        "paid": sum(p["payment"].amount for r in rows for p in r["payments"] if not p["payment"].refunded_at),
        "may_record": may_record,
        # A refused form shows its errors itself; this is for a refusal no form can hold (forged charge).
        "error": context.get("error", "") if failed and not any(r["failed"] for r in rows) else "",
        "action_url": reverse("backoffice:counter_payment", kwargs={"code": dossier.code}),
        "csrf_token": context.get("csrf_token"),
    }


@officer_required
@require_POST
def counter_payment(request, code: str):
    """Thu tiền tại quầy: record one charge paid in cash or by card, through the payments service."""
    dossier = _get_dossier(request.user, code)

    def refuse(message: str, status: int):
        return _render_dossier(request, dossier, failed_action=COUNTER_ACTION, error=message, status=status)

    if not services.may_record_counter_payment(request.user, dossier):
        message = _(
            "Chỉ cán bộ tiếp nhận của nơi tiếp nhận hoặc chuyên viên của cơ quan giải quyết được thu tiền."
        )
        return refuse(message, 403)
    if not services.accepts_payment(dossier):
        return refuse(_("Hồ sơ đã kết thúc hoặc bị từ chối, không nhận thu tiền."), 409)
    charge_id = request.POST.get("khoan", "")
    charge = (
        Charge.objects.filter(pk=int(charge_id), dossier=dossier, cancelled=False).first()
        if charge_id.isdigit() and len(charge_id) < 12
        else None
    )
    if charge is None:
        return refuse(_("Không có khoản thu này trong hồ sơ. Hãy tải lại trang rồi làm lại."), 400)
    if charge.payments.exists():
        return refuse(_("Khoản này đã được nộp."), 409)
    form = CounterPaymentForm(request.POST, charge=charge)
    if not form.is_valid():
        return refuse(_("Chưa ghi nhận được: hãy kiểm tra các ô được đánh dấu lỗi."), 400)
    try:
        payment = services.record_counter_payment(
            charge,
            request.user,
            method=form.cleaned_data["hinh_thuc"],
            reference=form.cleaned_data["so_tham_chieu"],
        )
    except services.PaymentError as exc:
        return refuse(str(exc), 409)
    messages.success(
        request,
        _("Đã ghi nhận thu %(amount)s đồng, biên lai số %(number)s.")
        % {"amount": format_number(payment.amount), "number": payment.receipt_number},
    )
    return redirect(reverse("backoffice:dossier", kwargs={"code": dossier.code}) + "#phi-le-phi")


@officer_required
@require_GET
def payment_receipt(request, code: str, number: str):
    """The signed e-receipt of a payment of a dossier the officer may see (biên lai điện tử)."""
    dossier = _get_dossier(request.user, code)
    payment = Payment.objects.filter(charge__dossier=dossier, receipt_number=number[:40]).first()
    if payment is None or not payment.receipt_file:
        raise Http404
    record("payments.receipt_view", actor=request.user, obj=dossier, data={"receipt": number})
    try:
        handle = payment.receipt_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type="application/pdf", filename=f"{payment.receipt_number}.pdf")
    response["Cache-Control"] = "private, no-store"
    return response


# --- reconciliation -------------------------------------------------------------------------------


class ReconciliationFilter(forms.Form):
    ngay = forms.DateField(
        label=gettext_lazy("Ngày đối soát"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={
            "invalid": gettext_lazy("Ngày không hợp lệ; chọn ngày theo dạng ngày/tháng/năm."),
            "required": gettext_lazy("Chọn ngày đối soát."),
        },
    )
    kenh = forms.ChoiceField(
        label=gettext_lazy("Kênh thanh toán"),
        choices=RECONCILED_GATEWAYS,
        error_messages={"invalid_choice": gettext_lazy("Chọn một kênh thanh toán trong danh sách.")},
    )

    def clean_ngay(self) -> date:
        day = self.cleaned_data["ngay"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("Chưa thể đối soát một ngày trong tương lai."))
        return day


def _filter(data) -> ReconciliationFilter:
    yesterday = timezone.localdate() - timedelta(days=1)
    if not data.get("ngay") and not data.get("kenh"):
        data = {"ngay": yesterday.isoformat(), "kenh": Gateway.NATIONAL}
    return ReconciliationFilter(data)


def _page_url(day: date, gateway: str, anchor: str = "") -> str:
    url = reverse("backoffice:reconciliation") + "?" + urlencode({"ngay": day.isoformat(), "kenh": gateway})
    return url + (f"#{anchor}" if anchor else "")


def _render_reconciliation(request, form, *, failed_line=None, error: str = "", status: int = 200):
    user = request.user
    scope = reconciliation_scope(user)
    rows, day, gateway = [], None, ""
    if form.is_valid():
        day, gateway = form.cleaned_data["ngay"], form.cleaned_data["kenh"]
        lines = list(services.reconciliation_lines(day, gateway, scope)[:500])
        intents = {
            i.reference: i
            for i in PaymentIntent.objects.filter(reference__in=[line.reference for line in lines])
            .select_related("charge__dossier")
            .only("reference", "status", "charge__dossier__code")
        }
        for line in lines:
            intent = intents.get(line.reference)
            failed = failed_line is not None and failed_line == line.pk
            rows.append(
                {
                    "line": line,
                    "kind_label": ReconciliationLine.Kind(line.kind).label,
                    "dossier_code": intent.charge.dossier.code if intent else "",
                    "intent_status": PaymentIntent.Status(intent.status).label if intent else "",
                    "may_resolve": line.resolved_at is None and may_resolve(user, line),
                    "failed": failed,
                    "note": request.POST.get("cach_xu_ly", "") if failed else "",
                }
            )
    context = {
        "form": form,
        "rows": rows,
        "day": day,
        "gateway_label": dict(RECONCILED_GATEWAYS).get(gateway, ""),
        "gateway": gateway,
        "open_count": sum(1 for r in rows if r["line"].resolved_at is None and r["line"].kind != "matched"),
        "province_wide": scope is None,
        "error": error,
        "failed_line": failed_line,
    }
    return render(request, "backoffice/payments_reconciliation.html", context, status=status)


@officer_required
@require_http_methods(["GET", "POST"])
def reconciliation(request):
    """Đối soát: choose a day and a gateway; show the stored lines, or (POST) run the comparison."""
    if not may_reconcile(request.user):
        return forbidden(
            request, _("Chỉ cán bộ tiếp nhận, cán bộ giám sát và quản trị được xem đối soát thanh toán.")
        )
    if request.method == "GET":
        form = _filter(request.GET)
        return _render_reconciliation(request, form, status=200 if form.is_valid() else 400)
    form = ReconciliationFilter(request.POST)
    if not form.is_valid():
        return _render_reconciliation(
            request, form, error=_("Chưa đối soát được: hãy kiểm tra các ô được đánh dấu lỗi."), status=400
        )
    day, gateway = form.cleaned_data["ngay"], form.cleaned_data["kenh"]
    try:
        lines = services.reconcile(day, gateway)
    except GatewayError as exc:
        return _render_reconciliation(
            request,
            form,
            error=_("Chưa lấy được sao kê của kênh thanh toán, chưa đối soát: %(why)s") % {"why": exc},
            status=502,
        )
    scope = reconciliation_scope(request.user)
    mine = [line for line in lines if scope is None or line.agency_id in scope]
    messages.success(
        request,
        _("Đã đối soát ngày %(day)s: %(count)s giao dịch trong phạm vi của bạn, %(odd)s dòng lệch.")
        % {
            "day": day.strftime("%d/%m/%Y"),
            "count": len(mine),
            "odd": sum(1 for line in mine if line.kind != "matched"),
        },
    )
    return redirect(_page_url(day, gateway))


@officer_required
@require_POST
def resolve_line(request, pk: int):
    """Xử lý một dòng đối soát: a note of what was done, recorded and audited by the service."""
    line = access_reconciliation_line(request.user, pk)
    form = _filter({"ngay": line.day.isoformat(), "kenh": line.gateway})
    if not may_resolve(request.user, line):
        return _render_reconciliation(
            request,
            form,
            failed_line=line.pk,
            error=_("Chỉ quản trị hoặc cán bộ tiếp nhận của cơ quan có giao dịch được xử lý dòng này."),
            status=403,
        )
    try:
        services.resolve_line(line, request.user, request.POST.get("cach_xu_ly", ""))
    except services.PaymentError as exc:
        status = 409 if line.resolved_at is not None else 400
        return _render_reconciliation(request, form, failed_line=line.pk, error=str(exc), status=status)
    messages.success(request, _("Đã ghi cách xử lý giao dịch %(ref)s.") % {"ref": line.reference})
    return redirect(_page_url(line.day, line.gateway, f"dong-{line.pk}"))
