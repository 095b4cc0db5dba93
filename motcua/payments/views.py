"""The citizen's payment pages (/thanh-toan/<mã hồ sơ>/…) and the gateways' callbacks.

Only the applicant — signed in with the eID, under the ID number the dossier is filed under, or
the account that submitted it (`dossiers.access.own_dossiers`) — sees a dossier's payment pages;
anyone else gets a 404 whatever the URL. The return from the national platform changes nothing
by itself: state changes come from signed notifications, or from our own status query when none
came.
"""

import uuid

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from motcua.audit.services import record as audit_record
from motcua.core.qr import qr_png_data_uri
from motcua.dossiers import access
from motcua.dossiers.models import Dossier, Status
from motcua.eid.acting import id_numbers
from motcua.eid.decorators import citizen_required

from . import services
from .gateways import BankTransfer, GatewayError
from .models import Charge, Gateway, Notification, Payment, PaymentIntent

PAYABLE = {Status.RECEIVED, Status.PROCESSING, Status.FINANCIAL, Status.NEW}
#: VNPAY-style answers to a notification, so the gateway knows whether to retry.
ANSWERS = {
    Notification.Outcome.APPLIED: ("00", "Confirm Success"),
    Notification.Outcome.REFUNDED: ("00", "Confirm Success"),
    Notification.Outcome.DUPLICATE: ("02", "Order already confirmed"),
    Notification.Outcome.STALE: ("02", "Order already confirmed"),
    Notification.Outcome.UNKNOWN: ("01", "Order not found"),
    Notification.Outcome.BAD_AMOUNT: ("04", "Invalid amount"),
    Notification.Outcome.BAD_SIGNATURE: ("97", "Invalid signature"),
}


def _own(request, code: str) -> Dossier:
    return access.access_dossier_for_applicant(request.user, id_numbers(request), code)


def _private(response):
    response["Cache-Control"] = "private, no-store"
    return response


@citizen_required
@require_http_methods(["GET", "POST"])
def pay(request, code: str):
    dossier = _own(request, code)
    error = ""
    if request.method == "POST":
        charge = Charge.objects.filter(dossier=dossier, pk=request.POST.get("khoan", "")).first()
        gateway = request.POST.get("kenh", "")
        if charge is None or gateway not in (Gateway.NATIONAL, Gateway.VIETQR):
            error = _("Chọn khoản cần nộp và kênh thanh toán.")
        elif dossier.status not in PAYABLE:
            error = _("Hồ sơ không ở trạng thái nhận thanh toán.")
        else:
            try:
                back = request.build_absolute_uri(reverse("payments:returned", args=[code]))
                intent, start = services.start_payment(
                    charge,
                    gateway,
                    idempotency_key=f"{request.user.pk}:{request.POST.get('khoa', '')}"[:80],
                    return_url=back,
                )
            except (services.PaymentError, GatewayError) as exc:
                error = str(exc)
            else:
                if start.redirect_url:
                    return redirect(start.redirect_url)
                return redirect("payments:vietqr", code=code, reference=intent.reference)
    charges = (
        services.open_charges(dossier)
        if dossier.status in PAYABLE
        else list(Charge.objects.filter(dossier=dossier, cancelled=False))
    )
    rows = [{"charge": c, "payment": c.payments.first()} for c in charges]
    context = {
        "dossier": dossier,
        "rows": rows,
        "error": error,
        "key": uuid.uuid4().hex,
        "payable": dossier.status in PAYABLE,
        "total": sum(c.amount for c in charges),
        "unpaid": [r for r in rows if r["payment"] is None],
    }
    return _private(render(request, "payments/pay.html", context, status=400 if error else 200))


def _intent(dossier: Dossier, reference: str) -> PaymentIntent:
    return get_object_or_404(
        PaymentIntent.objects.select_related("charge"), reference=reference, charge__dossier=dossier
    )


@citizen_required
def vietqr_page(request, code: str, reference: str):
    dossier = _own(request, code)
    intent = _intent(dossier, reference)
    if request.GET.get("kiem_tra") and intent.status == PaymentIntent.Status.PENDING:
        try:
            services.resolve_pending(intent)
        except GatewayError as exc:
            messages.warning(request, str(exc))
        intent.refresh_from_db()
    if intent.status == PaymentIntent.Status.PAID:
        return redirect("payments:pay", code=code)
    start = BankTransfer().start(intent, return_url="")
    back = request.build_absolute_uri(reverse("payments:vietqr", args=[code, reference]))
    context = {
        "dossier": dossier,
        "intent": intent,
        "payload": start.qr_payload,
        "qr": qr_png_data_uri(start.qr_payload, scale=6),
        "account": settings.MOTCUA_PAYMENTS_BANK_ACCOUNT,
        "bank_bin": settings.MOTCUA_PAYMENTS_BANK_BIN,
        "sandbox_url": (
            f"{settings.MOTCUA_PAYMENTS_BANK_URL}/ngan-hang/" if settings.MOTCUA_PAYMENTS_SANDBOX else ""
        ),
        "back": back,
    }
    return _private(render(request, "payments/vietqr.html", context))


@citizen_required
def returned(request, code: str):
    """Back from the national platform: what we know, after asking the platform if we heard nothing."""
    dossier = _own(request, code)
    reference = request.GET.get("txn_ref", "")
    intent = PaymentIntent.objects.filter(reference=reference, charge__dossier=dossier).first()
    if intent is not None and intent.status in (PaymentIntent.Status.PENDING, PaymentIntent.Status.EXPIRED):
        try:
            services.resolve_pending(intent)
        except GatewayError:
            messages.warning(
                request,
                _("Chưa xác nhận được kết quả từ nền tảng thanh toán; vui lòng kiểm tra lại sau ít phút."),
            )
        intent.refresh_from_db()
    if intent is not None and intent.status == PaymentIntent.Status.PAID:
        messages.success(
            request, _("Thanh toán thành công. Biên lai điện tử đã được gửi vào kho dữ liệu của bạn.")
        )
    elif intent is not None and intent.status == PaymentIntent.Status.FAILED:
        messages.warning(request, _("Giao dịch không thành công hoặc đã bị hủy. Bạn có thể thanh toán lại."))
    return redirect("payments:pay", code=code)


@citizen_required
def receipt(request, code: str, number: str):
    dossier = _own(request, code)
    payment = get_object_or_404(Payment, charge__dossier=dossier, receipt_number=number)
    if not payment.receipt_file:
        raise Http404
    audit_record("payments.receipt_download", actor=request.user, obj=dossier, data={"receipt": number})
    return _private(
        FileResponse(
            payment.receipt_file.open("rb"), content_type="application/pdf", filename=f"{number}.pdf"
        )
    )


@csrf_exempt  # server-to-server: authenticated by the HMAC signature, not a browser session
@require_POST
def notify(request, gateway: str):
    if gateway not in (Gateway.NATIONAL, Gateway.VIETQR):
        raise Http404
    outcome = services.receive_notification(gateway, request.POST.dict())
    code, message = ANSWERS[outcome]
    return JsonResponse({"RspCode": code, "Message": message})
