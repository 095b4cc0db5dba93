"""The payment sandboxes that ship with motcua (môi trường thử): real HTTP services, own books.

* National platform (/sandbox/thanh-toan/cong/…): hosted payment page with "Thanh toán" and
  "Hủy giao dịch", a signed notification (IPN) to the caller's notify_url, status query,
  refund, daily statement.
* Bank (/sandbox/thanh-toan/ngan-hang/…): a bank app that reads a VietQR payload and transfers;
  signed credit notification to our bank callback; refund; daily statement file (CSV).

Behaviour (`hanh_vi` on the page, else settings.MOTCUA_PAYMENTS_SANDBOX_BEHAVIOUR): decline,
timeout (accepted, but no notification and no way back), twice, late (held until
POST /sandbox/thanh-toan/gui-lai/), out_of_order (the success, then a stale failure and a
pending notice), wrong_amount (the notice names another amount).
"""

import csv
import hashlib
import hmac
import io
import logging
import secrets
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from . import vietqr
from .gateways import BadSignature, check, signed, stamp, unstamp
from .models import Gateway, SandboxTransaction

logger = logging.getLogger(__name__)
BEHAVIOURS = {"", "decline", "timeout", "twice", "late", "out_of_order", "wrong_amount"}
SIGNED_FIELDS = (
    "merchant",
    "txn_ref",
    "amount",
    "order_info",
    "return_url",
    "notify_url",
    "create_at",
    "expire_at",
    "secure_hash",
)


def _enabled(view):
    def wrapped(request, *args, **kwargs):
        if not settings.MOTCUA_PAYMENTS_SANDBOX:
            raise Http404
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    return transaction.non_atomic_requests(wrapped)


def _behaviour(value) -> str:
    value = (value or settings.MOTCUA_PAYMENTS_SANDBOX_BEHAVIOUR or "").strip()
    return value if value in BEHAVIOURS else ""


def _send(url: str, data: dict) -> None:
    try:
        requests.post(url, data=data, timeout=settings.MOTCUA_PAYMENTS_HTTP_TIMEOUT)
    except requests.RequestException:
        logger.warning("sandbox: notification to %s failed", url)


def _deliver(txn: SandboxTransaction, url: str, notices: list[dict], behaviour: str) -> None:
    if behaviour == "timeout":
        return
    if behaviour == "late":
        txn.held = [*txn.held, *[{"url": url, "data": n} for n in notices]]
        txn.save(update_fields=["held"])
        return
    for notice in notices:
        _send(url, notice)


# --- the national platform ----------------------------------------------------------------------


def _nat_secret() -> str:
    return settings.MOTCUA_PAYMENTS_NATIONAL_SECRET


def _order(source) -> dict:
    params = {k: source.get(k, "") for k in SIGNED_FIELDS}
    check(params, _nat_secret())
    if params["merchant"] != settings.MOTCUA_PAYMENTS_NATIONAL_MERCHANT:
        raise BadSignature("merchant")
    return params


@require_GET
@_enabled
def national_page(request):
    try:
        order = _order(request.GET)
    except BadSignature:
        return render(
            request, "payments/sandbox_national.html", {"error": "Yêu cầu thanh toán sai chữ ký."}, status=400
        )
    expired = (unstamp(order["expire_at"]) or timezone.now()) <= timezone.now()
    return render(
        request,
        "payments/sandbox_national.html",
        {
            "order": order,
            "expired": expired,
            "behaviour": _behaviour(request.GET.get("hanh_vi")),
            "amount": int(order["amount"]),
            "fields": [(k, order[k]) for k in SIGNED_FIELDS],
        },
    )


def _national_notice(order: dict, txn: SandboxTransaction, code: str, amount=None) -> dict:
    return signed(
        {
            "merchant": order["merchant"],
            "txn_ref": order["txn_ref"],
            "amount": amount if amount is not None else order["amount"],
            "transaction_no": txn.txn,
            "response_code": code,
            "pay_date": stamp(txn.paid_at),
        },
        _nat_secret(),
    )


@require_POST
@_enabled
def national_confirm(request):
    try:
        order = _order(request.POST)
    except BadSignature:
        return HttpResponseBadRequest("Yêu cầu thanh toán sai chữ ký.")
    if (unstamp(order["expire_at"]) or timezone.now()) <= timezone.now():
        return render(
            request,
            "payments/sandbox_national.html",
            {"order": order, "expired": True, "amount": int(order["amount"])},
            status=400,
        )
    behaviour = _behaviour(request.POST.get("hanh_vi"))
    declined = request.POST.get("action") != "pay" or behaviour == "decline"
    txn = SandboxTransaction.objects.create(
        gateway=Gateway.NATIONAL,
        txn=f"{secrets.randbelow(10**9):09d}",
        reference=order["txn_ref"],
        amount=int(order["amount"]),
        status="declined" if declined else "paid",
        paid_at=timezone.now(),
    )
    if declined:
        notices = [_national_notice(order, txn, "24")]
    else:
        notices = [_national_notice(order, txn, "00")]
        if behaviour == "twice":
            notices.append(notices[0])
        elif behaviour == "wrong_amount":
            notices = [_national_notice(order, txn, "00", amount=int(order["amount"]) - 1000)]
        elif behaviour == "out_of_order":
            notices += [_national_notice(order, txn, "24"), _national_notice(order, txn, "01")]
    _deliver(txn, order["notify_url"], notices, "" if declined else behaviour)
    if behaviour == "timeout" and not declined:
        return render(request, "payments/sandbox_timeout.html", {"return_url": order["return_url"]})
    back = {k: v for k, v in notices[0].items()}
    return redirect(f"{order['return_url']}?{urlencode(back)}")


def _api(request) -> dict:
    data = {k: request.POST.get(k, "") for k in request.POST}
    check(data, _nat_secret())
    return data


def _signed_json(payload: dict) -> JsonResponse:
    return JsonResponse(signed(payload, _nat_secret()))


@csrf_exempt
@require_POST
@_enabled
def national_query(request):
    try:
        data = _api(request)
    except BadSignature:
        return _signed_json({"response_code": "97"})
    txn = (
        SandboxTransaction.objects.filter(gateway=Gateway.NATIONAL, reference=data["txn_ref"])
        .order_by("-paid_at")
        .first()
    )
    if txn is None:
        return _signed_json({"response_code": "91", "txn_ref": data["txn_ref"]})
    code = {"paid": "00", "refunded": "00", "declined": "24"}.get(txn.status, "01")
    return _signed_json(
        {
            "merchant": data["merchant"],
            "txn_ref": txn.reference,
            "amount": txn.amount,
            "transaction_no": txn.txn,
            "response_code": code,
            "pay_date": stamp(txn.paid_at),
        }
    )


@csrf_exempt
@require_POST
@_enabled
def national_refund(request):
    try:
        data = _api(request)
    except BadSignature:
        return _signed_json({"response_code": "97"})
    with transaction.atomic():
        txn = (
            SandboxTransaction.objects.select_for_update()
            .filter(
                gateway=Gateway.NATIONAL, txn=data.get("transaction_no", ""), reference=data.get("txn_ref")
            )
            .first()
        )
        amount = _refund_amount(data.get("amount"))
        if txn is None or txn.status not in ("paid", "refunded") or not 0 < amount <= txn.amount:
            return _signed_json({"response_code": "94"})
        if txn.status == "paid":
            _refund(txn, amount)
    return _signed_json({"response_code": "00", "refund_no": txn.refund_txn, "txn_ref": txn.reference})


def _refund_amount(raw) -> int:
    text = str(raw or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 16 else 0


def _refund(txn: SandboxTransaction, amount: int) -> None:
    """The whole amount: the transaction is refunded. Less (a partial refund of an excess): the
    transaction stays paid for the rest, with the refund's number, as a real gateway's refund type 03."""
    txn.refund_txn = f"HT{secrets.randbelow(10**9):09d}"
    if amount >= txn.amount:
        txn.status = "refunded"
    txn.save(update_fields=["status", "refund_txn"])


def _statement_rows(gateway: str, day_text: str) -> list[SandboxTransaction]:
    day = unstamp(day_text + "000000")
    if day is None:
        return []
    return list(
        SandboxTransaction.objects.filter(
            gateway=gateway, status__in=["paid", "refunded"], paid_at__date=day.date()
        ).order_by("paid_at")
    )


@csrf_exempt
@require_POST
@_enabled
def national_statement(request):
    try:
        data = _api(request)
    except BadSignature:
        return _signed_json({"response_code": "97"})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["txn_ref", "transaction_no", "amount", "pay_date", "status"])
    for txn in _statement_rows(Gateway.NATIONAL, data.get("date", "")):
        writer.writerow([txn.reference, txn.txn, txn.amount, stamp(txn.paid_at), txn.status])
    return _signed_json({"response_code": "00", "date": data.get("date", ""), "lines": out.getvalue()})


# --- the bank -----------------------------------------------------------------------------------


def _bank_secret() -> str:
    return settings.MOTCUA_PAYMENTS_BANK_SECRET


@_enabled
def bank_app(request):
    text = request.POST.get("payload") if request.method == "POST" else request.GET.get("payload")
    try:
        info = vietqr.parse(text or "")
    except vietqr.PayloadError as exc:
        return render(request, "payments/sandbox_bank.html", {"error": str(exc)}, status=400)
    context = {
        "info": info,
        "payload": text,
        "behaviour": _behaviour(request.GET.get("hanh_vi")),
        "back": request.GET.get("ve", ""),
    }
    return render(request, "payments/sandbox_bank.html", context)


def _bank_notice(txn: SandboxTransaction, content: str, account: str, amount=None) -> dict:
    return signed(
        {
            "account": account,
            "amount": amount if amount is not None else txn.amount,
            "content": content,
            "transaction_id": txn.txn,
            "transaction_time": stamp(txn.paid_at),
        },
        _bank_secret(),
        hashlib.sha256,
    )


@require_POST
@_enabled
def bank_transfer(request):
    try:
        info = vietqr.parse(request.POST.get("payload", ""))
    except vietqr.PayloadError as exc:
        return render(request, "payments/sandbox_bank.html", {"error": str(exc)}, status=400)
    if info["account"] != settings.MOTCUA_PAYMENTS_BANK_ACCOUNT or not info["amount"]:
        return render(
            request,
            "payments/sandbox_bank.html",
            {"error": "Tài khoản nhận không thuộc ngân hàng thử nghiệm."},
            status=400,
        )
    behaviour = _behaviour(request.POST.get("hanh_vi"))
    content = f"{info['reference']} chuyen tien"
    txn = SandboxTransaction.objects.create(
        gateway=Gateway.VIETQR,
        txn=f"FT{secrets.randbelow(10**10):010d}",
        reference=info["reference"],
        amount=info["amount"],
        status="paid",
        paid_at=timezone.now(),
    )
    notices = [_bank_notice(txn, content, info["account"])]
    if behaviour == "twice":
        notices.append(notices[0])
    elif behaviour == "wrong_amount":
        notices = [_bank_notice(txn, content, info["account"], amount=txn.amount - 1000)]
    url = f"{settings.MOTCUA_PAYMENTS_CALLBACK_BASE_URL}/thanh-toan/thong-bao/vietqr/"
    _deliver(txn, url, notices, "" if behaviour in ("decline", "out_of_order") else behaviour)
    return render(request, "payments/sandbox_bank.html", {"done": txn, "back": request.POST.get("ve", "")})


@csrf_exempt
@require_POST
@_enabled
def bank_refund(request):
    data = {k: request.POST.get(k, "") for k in request.POST}
    try:
        check(data, _bank_secret(), hashlib.sha256)
    except BadSignature:
        return JsonResponse({"error": "chữ ký"}, status=403)
    with transaction.atomic():
        txn = (
            SandboxTransaction.objects.select_for_update()
            .filter(gateway=Gateway.VIETQR, txn=data.get("transaction_id", ""))
            .first()
        )
        if txn is None:
            return JsonResponse({"error": "không có giao dịch"}, status=404)
        amount = _refund_amount(data.get("amount"))
        if not 0 < amount <= txn.amount:
            return JsonResponse({"error": "số tiền hoàn không hợp lệ"}, status=400)
        if txn.status == "paid":
            _refund(txn, amount)
    return JsonResponse(signed({"refund_id": txn.refund_txn}, _bank_secret(), hashlib.sha256))


@require_GET
@_enabled
def bank_statement(request):
    data = {k: request.GET.get(k, "") for k in request.GET}
    try:
        check(data, _bank_secret(), hashlib.sha256)
    except BadSignature:
        return HttpResponse("chữ ký không hợp lệ", status=403)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["transaction_id", "amount", "content", "transaction_time"])
    for txn in _statement_rows(Gateway.VIETQR, data.get("date", "")):
        writer.writerow([txn.txn, txn.amount, f"{txn.reference} chuyen tien", stamp(txn.paid_at)])
    body = out.getvalue().encode("utf-8")
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["X-Signature"] = hmac.new(_bank_secret().encode(), body, hashlib.sha256).hexdigest()
    return response


@csrf_exempt
@require_POST
@_enabled
def flush_late(request):
    """Send the notifications held back by the "late" behaviour (an operator's or a test's button)."""
    sent = 0
    for txn in SandboxTransaction.objects.exclude(held=[]):
        held, txn.held = txn.held, []
        txn.save(update_fields=["held"])
        for item in held:
            _send(item["url"], item["data"])
            sent += 1
    return JsonResponse({"sent": sent})
