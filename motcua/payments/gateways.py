"""The payment port and its two adapters (ADR 0014).

* `NationalPlatform`: the payment platform of the national public-service portal (Nền tảng
  thanh toán trên Cổng DVCQG). Modelled on VNPAY 2.1 (what the platform's intermediaries use):
  the citizen is redirected with a signed query string; the platform sends a signed
  server-to-server notification (IPN) to our callback; status query, refund and the daily
  statement are signed requests. Signature: HMAC-SHA512 over the parameters sorted by name and
  URL-encoded, the hash field excluded.
* `BankTransfer`: a transfer to the agency's collection account by VietQR; the bank notifies each
  credit (signed, HMAC-SHA256) and publishes a statement file (CSV) per day; credits are matched
  to intents by the reference in the transfer content.

Both talk HTTP through the exchange layer (`motcua.exchange.client`: timeouts, retries of the
reads — never of a refund —, a circuit breaker, a message log row per call); the default base
URLs are the sandboxes that ship with motcua (/sandbox/thanh-toan/…), which are real HTTP
services, never called as Python.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from motcua.core import adapters
from motcua.exchange.client import Answer, ExchangeClient, ExchangeError

from . import vietqr

VN = ZoneInfo("Asia/Ho_Chi_Minh")
HASH_FIELD = "secure_hash"


class GatewayError(Exception):
    """The gateway could not be reached or answered nonsense (message in Vietnamese)."""


class Kind:
    PAID, FAILED, PENDING = "paid", "failed", "pending"


@dataclass(frozen=True)
class Notice:
    """What a gateway says about one transaction, after its signature was checked."""

    reference: str
    amount: int
    kind: str  # Kind.PAID | FAILED | PENDING
    transaction_no: str = ""
    paid_at: datetime | None = None
    raw: dict | None = None


@dataclass(frozen=True)
class StatementLine:
    reference: str
    transaction_no: str
    amount: int
    paid_at: datetime | None


@dataclass(frozen=True)
class Start:
    """How the citizen pays: go to `redirect_url`, or scan `qr_payload`."""

    redirect_url: str = ""
    qr_payload: str = ""


class PaymentGateway(Protocol):
    code: str

    def start(self, intent, *, return_url: str) -> Start: ...
    def parse_notification(self, data: dict, body: bytes = b"") -> Notice: ...
    def query(self, intent) -> Notice | None: ...
    def refund(self, reference: str, transaction_no: str, amount: int) -> str: ...
    def statement(self, day: date) -> list[StatementLine]: ...


class BadSignature(Exception):
    pass


def canonical(params: dict) -> str:
    return urlencode(sorted((k, str(v)) for k, v in params.items() if k != HASH_FIELD and v is not None))


def sign(params: dict, secret: str, algo=hashlib.sha512) -> str:
    return hmac.new(secret.encode(), canonical(params).encode(), algo).hexdigest()


def signed(params: dict, secret: str, algo=hashlib.sha512) -> dict:
    return {**params, HASH_FIELD: sign(params, secret, algo)}


def check(params: dict, secret: str, algo=hashlib.sha512) -> None:
    if not secret:  # no key configured: nothing can be trusted
        raise BadSignature("Chưa cấu hình khóa bí mật của cổng thanh toán.")
    given = str(params.get(HASH_FIELD) or "")
    if not given or not hmac.compare_digest(given.lower(), sign(params, secret, algo)):
        raise BadSignature("Chữ ký không hợp lệ.")


def stamp(moment: datetime) -> str:
    return timezone.localtime(moment, VN).strftime("%Y%m%d%H%M%S")


def unstamp(text: str) -> datetime | None:
    try:
        return datetime.strptime(str(text), "%Y%m%d%H%M%S").replace(tzinfo=VN)
    except ValueError:
        return None


def _amount(value) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise BadSignature("Số tiền không hợp lệ.") from None


def _callback(name: str) -> str:
    return f"{settings.MOTCUA_PAYMENTS_CALLBACK_BASE_URL}/thanh-toan/thong-bao/{name}/"


class NationalPlatform:
    code = "national"

    def __init__(self, base_url: str | None = None):
        self.base_url = (base_url or settings.MOTCUA_PAYMENTS_NATIONAL_URL).rstrip("/")
        self.merchant = settings.MOTCUA_PAYMENTS_NATIONAL_MERCHANT
        self.secret = settings.MOTCUA_PAYMENTS_NATIONAL_SECRET
        self.client = _client("payments.national", self.base_url)

    def start(self, intent, *, return_url: str) -> Start:
        params = {
            "merchant": self.merchant,
            "txn_ref": intent.reference,
            "amount": intent.amount,
            "order_info": f"Thanh toan ho so {intent.charge.dossier.code}",
            "return_url": return_url,
            "notify_url": _callback(self.code),
            "create_at": stamp(intent.created_at),
            "expire_at": stamp(intent.expires_at),
        }
        return Start(redirect_url=f"{self.base_url}/cong/?{urlencode(signed(params, self.secret))}")

    def parse_notification(self, data: dict, body: bytes = b"") -> Notice:
        data = {k: str(v) for k, v in data.items()}
        check(data, self.secret)
        if data.get("merchant") != self.merchant:
            raise BadSignature("Sai mã đơn vị chấp nhận thanh toán.")
        code = data.get("response_code", "")
        kind = Kind.PAID if code == "00" else Kind.PENDING if code == "01" else Kind.FAILED
        return Notice(
            reference=data.get("txn_ref", ""),
            amount=_amount(data.get("amount", "")),
            kind=kind,
            transaction_no=data.get("transaction_no", ""),
            paid_at=unstamp(data.get("pay_date", "")),
            raw=data,
        )

    def _post(self, path: str, params: dict, *, retry: bool = True) -> dict:
        try:
            answer = _answer(self.client.post_form(path, signed(params, self.secret), retry=retry)).json()
        except (ExchangeError, ValueError) as exc:
            raise GatewayError(f"Không kết nối được nền tảng thanh toán: {exc}") from exc
        try:
            check(answer, self.secret)
        except BadSignature:
            raise GatewayError("Phản hồi của nền tảng thanh toán sai chữ ký.") from None
        return answer

    def query(self, intent) -> Notice | None:
        answer = self._post("/cong/truy-van/", {"merchant": self.merchant, "txn_ref": intent.reference})
        if answer.get("response_code") == "91":  # no such transaction: the citizen never paid
            return None
        return self.parse_notification(answer)

    def refund(self, reference: str, transaction_no: str, amount: int) -> str:
        answer = self._post(
            "/cong/hoan-tien/",
            {
                "merchant": self.merchant,
                "txn_ref": reference,
                "transaction_no": transaction_no,
                "amount": amount,
            },
            retry=False,  # money goes out: a lost answer is settled by the statement, not a resend
        )
        if answer.get("response_code") != "00":
            raise GatewayError(f"Nền tảng thanh toán từ chối hoàn tiền (mã {answer.get('response_code')}).")
        return answer.get("refund_no", "")

    def statement(self, day: date) -> list[StatementLine]:
        answer = self._post("/cong/doi-soat/", {"merchant": self.merchant, "date": day.strftime("%Y%m%d")})
        return [
            StatementLine(row["txn_ref"], row["transaction_no"], int(row["amount"]), unstamp(row["pay_date"]))
            for row in _rows(answer.get("lines", ""))
        ]


def _client(service: str, base_url: str) -> ExchangeClient:
    """The exchange client of a gateway: timeouts, retries of reads, a circuit breaker and a
    message log row for every call, as for every other outside system."""
    timeout = settings.MOTCUA_PAYMENTS_HTTP_TIMEOUT
    return ExchangeClient(
        service, base_url, timeout=timeout if isinstance(timeout, tuple) else (timeout, timeout)
    )


def _answer(answer: Answer | None) -> Answer:
    if answer is None:  # 404: the gateway does not know this address
        raise ExchangeError(
            "Cổng thanh toán không có địa chỉ này (HTTP 404).", service="payments", outcome="not_found"
        )
    return answer


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


class BankTransfer:
    """VietQR to the collection account; the bank notifies credits and publishes a daily statement."""

    code = "vietqr"

    def __init__(self, base_url: str | None = None):
        self.base_url = (base_url or settings.MOTCUA_PAYMENTS_BANK_URL).rstrip("/")
        self.bank_bin = settings.MOTCUA_PAYMENTS_BANK_BIN
        self.account = settings.MOTCUA_PAYMENTS_BANK_ACCOUNT
        self.secret = settings.MOTCUA_PAYMENTS_BANK_SECRET
        self.client = _client("payments.bank", self.base_url)

    def start(self, intent, *, return_url: str) -> Start:
        return Start(
            qr_payload=vietqr.payload(
                bank_bin=self.bank_bin, account=self.account, amount=intent.amount, reference=intent.reference
            )
        )

    def parse_notification(self, data: dict, body: bytes = b"") -> Notice:
        data = {k: str(v) for k, v in data.items()}
        check(data, self.secret, hashlib.sha256)
        if data.get("account") != self.account:
            raise BadSignature("Không phải tài khoản chuyên thu của cơ quan.")
        return Notice(
            reference=match_reference(data.get("content", "")),
            amount=_amount(data.get("amount", "")),
            kind=Kind.PAID,
            transaction_no=data.get("transaction_id", ""),
            paid_at=unstamp(data.get("transaction_time", "")),
            raw=data,
        )

    def query(self, intent) -> Notice | None:
        # A bank has no per-order status: look for the credit in today's statement.
        for line in self.statement(timezone.localdate()):
            if line.reference == intent.reference:
                return Notice(line.reference, line.amount, Kind.PAID, line.transaction_no, line.paid_at)
        return None

    def refund(self, reference: str, transaction_no: str, amount: int) -> str:
        params = signed(
            {"account": self.account, "transaction_id": transaction_no, "amount": amount},
            self.secret,
            hashlib.sha256,
        )
        try:
            answer = _answer(self.client.post_form("/ngan-hang/hoan-tien/", params, retry=False)).json()
            check(answer, self.secret, hashlib.sha256)
        except (ExchangeError, ValueError, BadSignature) as exc:
            raise GatewayError(f"Ngân hàng chưa thực hiện hoàn tiền: {exc}") from exc
        return answer.get("refund_id", "")

    def statement(self, day: date) -> list[StatementLine]:
        params = signed(
            {"account": self.account, "date": day.strftime("%Y%m%d")}, self.secret, hashlib.sha256
        )
        try:
            response = _answer(self.client.get_raw("/ngan-hang/sao-ke/", params))
        except ExchangeError as exc:
            raise GatewayError(f"Không tải được sao kê ngân hàng: {exc}") from exc
        expected = hmac.new(self.secret.encode(), response.content, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(response.headers.get("X-Signature", ""), expected):
            raise GatewayError("Tệp sao kê sai chữ ký.")
        return [
            StatementLine(
                match_reference(row["content"]),
                row["transaction_id"],
                int(row["amount"]),
                unstamp(row["transaction_time"]),
            )
            for row in _rows(response.content.decode("utf-8"))
        ]


#: Our references: "TT" + 10 characters (see services.new_reference); banks may add words around them.
REFERENCE_IN_TEXT = re.compile(r"\b(TT[0-9A-Z]{10})\b")


def match_reference(content: str) -> str:
    found = REFERENCE_IN_TEXT.search((content or "").upper())
    return found.group(1) if found else ""


def get_gateway(code: str) -> PaymentGateway:
    """The adapter of the online gateway `code` (family "payment_gateway" of core.adapters)."""
    try:
        return adapters.get("payment_gateway", code)()
    except adapters.UnknownAdapter:
        raise GatewayError(f"Không có kênh thanh toán “{code}”.") from None


def register_adapters() -> None:
    """The "payment_gateway" family (PaymentsConfig.ready), chosen per intent by its gateway code;
    both reach the payment sandbox when MOTCUA_PAYMENTS_SANDBOX is on (their default base URLs)."""
    online = [NationalPlatform.code, BankTransfer.code]
    adapters.declare("payment_gateway", default=NationalPlatform.code, required=lambda: online)
    adapters.register("payment_gateway", NationalPlatform.code, NationalPlatform)
    adapters.register("payment_gateway", BankTransfer.code, BankTransfer)
