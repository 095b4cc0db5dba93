"""Webhooks to subscribed systems (gửi sự kiện hồ sơ tới hệ thống đăng ký nhận) — ADR 0020.

* `on_event(event)` — the core.events subscriber: one WebhookDelivery per matching active
  subscription, in the publisher's transaction (a rolled-back change sends nothing). A subscription
  matches when it chose the event type and the dossier's handling or receiving agency is one of its
  agencies. The body carries codes only (dossier, procedure, agencies, status), never a name or an
  ID number, and a unique event id the receiver deduplicates on.
* `deliver_due()` — the `sync.webhooks` job: POSTs what is due, in order per (subscription,
  dossier), signed as Standard Webhooks: `webhook-id` (the event id), `webhook-timestamp`,
  `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. 2xx = delivered;
  unreachable, timeout, 408, 429, 5xx → retried with the outbox's backoff (exponential, full jitter),
  dead after MOTCUA_WEBHOOK_MAX_ATTEMPTS; any other answer (4xx, 3xx: redirects are not followed) →
  dead at once. A receiver that fails stops its own queue for the round, not the others'.
* `verify_signature(secret, body, headers)` — for receivers (any Standard Webhooks library works too).
* Claim with a lease, backoff, dead letters and replay: the shared delivery kernel
  (`core.delivery.RowQueue`), as for the portal outbox.
* `create_subscription`, `save_subscription`, `rotate_secret`, `replay`, `send_test` — the services
  the admin and `motcua webhooks` call.

Every attempt is written to the exchange message log (service "webhook.<id>") and goes through the
exchange circuit breaker, one per subscription. Target URLs must be https (http only in DEBUG/tests)
and must not resolve to a private, loopback or link-local address unless MOTCUA_WEBHOOK_ALLOW_PRIVATE
— checked when saved and again before each request (SSRF).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from motcua.core.delivery import RowQueue
from motcua.exchange.client import CircuitBreaker

from .models import WebhookDelivery, WebhookSubscription

logger = logging.getLogger(__name__)
State = WebhookDelivery.State

# Standard Webhooks (standardwebhooks.com): receivers verify with off-the-shelf libraries.
ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
EVENT_TYPE_HEADER = "X-Motcua-Event"
ATTEMPT_HEADER = "X-Motcua-Delivery-Attempt"
SECRET_PREFIX = "whsec_"  # noqa: S105 — a prefix, not a secret
TEST_TOPIC = "webhook.test"
#: Statuses worth asking again: the receiver may accept later.
RETRY_STATUSES = frozenset({408, 429})
#: How much of a receiver's answer is read and logged (a hostile receiver cannot fill memory).
MAX_ANSWER_BYTES = 4096


def _setting(name: str, default):
    return getattr(settings, f"MOTCUA_WEBHOOK_{name}", default)


def _allow_http() -> bool:
    return bool(_setting("ALLOW_HTTP", settings.DEBUG or getattr(settings, "TESTING", False)))


def _allow_private() -> bool:
    return bool(_setting("ALLOW_PRIVATE", False))


# --------------------------------------------------------------------------------------------
# Event types
# --------------------------------------------------------------------------------------------


def event_types() -> list[tuple[str, str]]:
    """The dossier events a subscription may choose (published by dossiers and payments)."""
    from motcua.dossiers.services import TRANSITIONS

    return [
        ("dossier.create", "Tạo hồ sơ"),
        *((f"dossier.{t.name}", t.label) for t in TRANSITIONS.values()),
        ("dossier.applicant_supplement", "Người nộp hồ sơ gửi giấy tờ bổ sung trực tuyến"),
        ("payment.paid", "Đã thực hiện nghĩa vụ tài chính (thanh toán)"),
    ]


# --------------------------------------------------------------------------------------------
# Target URLs (SSRF)
# --------------------------------------------------------------------------------------------


def _resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def _is_public(ip) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_target_url(url: str, *, resolve: bool = True) -> str:
    """The URL, cleaned, if motcua may POST to it; else ValidationError with the reason (Vietnamese).

    https only (http too in DEBUG/tests or with MOTCUA_WEBHOOK_ALLOW_HTTP); no user:password@; the host
    must resolve only to public addresses unless MOTCUA_WEBHOOK_ALLOW_PRIVATE.
    """
    url = (url or "").strip()
    schemes = ["https", "http"] if _allow_http() else ["https"]
    parts = urlsplit(url)
    if parts.scheme.lower() == "http" and "http" not in schemes:
        raise ValidationError("Địa chỉ nhận phải dùng https://.", code="insecure")
    try:
        URLValidator(schemes=schemes)(url)
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except (ValidationError, ValueError):
        raise ValidationError(
            "Địa chỉ nhận không hợp lệ: cần dạng https://ten-mien/duong-dan.", code="invalid"
        ) from None
    if parts.username or parts.password:
        raise ValidationError("Địa chỉ nhận không được chứa tên đăng nhập, mật khẩu.", code="credentials")
    if not resolve or _allow_private():
        return url
    try:
        addresses = _resolve(parts.hostname, port)
    except (OSError, UnicodeError):
        raise ValidationError(f"Không phân giải được tên miền {parts.hostname}.", code="unresolved") from None
    if not addresses or not all(_is_public(ip) for ip in addresses):
        raise ValidationError(
            "Địa chỉ nhận trỏ tới mạng nội bộ (loopback, mạng riêng, link-local): không được phép.",
            code="private",
        )
    return url


# --------------------------------------------------------------------------------------------
# Signing
# --------------------------------------------------------------------------------------------


def _as_bytes(body: bytes | str) -> bytes:
    return body.encode() if isinstance(body, str) else body


def secret_key(secret: str) -> bytes:
    """The HMAC key a `whsec_<base64>` secret names (Standard Webhooks: the bytes after the prefix,
    base64-decoded). Secrets issued before the switch were written in the URL-safe alphabet without
    padding; they name their bytes the same way, so both spellings give the same key."""
    text = (secret or "").removeprefix(SECRET_PREFIX).strip()
    if not text:
        raise ValueError("empty webhook secret")
    text = text.replace("-", "+").replace("_", "/")
    text += "=" * (-len(text) % 4)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the webhook secret is not base64") from None


def _mac(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    content = f"{msg_id}.{timestamp}.".encode() + body
    return base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()


def sign(secrets_: str | list[str], msg_id: str, body: bytes | str, timestamp: int) -> str:
    """The `webhook-signature` value: `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`, one
    per secret, space-separated (several while a subscription rotates its secret)."""
    if isinstance(secrets_, str):
        secrets_ = [secrets_]
    return " ".join(
        f"v1,{_mac(secret_key(s), str(msg_id), int(timestamp), _as_bytes(body))}" for s in secrets_
    )


def signed_headers(
    secrets_: str | list[str], msg_id: str, body: bytes | str, timestamp: int | None = None
) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt (a fresh timestamp each time)."""
    stamp = int(time.time() if timestamp is None else timestamp)
    return {
        ID_HEADER: str(msg_id),
        TIMESTAMP_HEADER: str(stamp),
        SIGNATURE_HEADER: sign(secrets_, msg_id, body, stamp),
    }


def verify_signature(
    secret: str, body: bytes | str, headers, tolerance: int = 300, now: float | None = None
) -> bool:
    """True when `headers` (webhook-id, webhook-timestamp, webhook-signature; any mapping, names in
    any case) sign exactly `body` with `secret`, at most `tolerance` seconds from now either way (a
    replayed old request is refused). Compares in constant time; one matching `v1,` entry among
    several is enough (the sender signs with both secrets while rotating)."""
    lowered = {str(k).lower(): v for k, v in dict(headers or {}).items()}
    msg_id = lowered.get(ID_HEADER) or ""
    stamp = (lowered.get(TIMESTAMP_HEADER) or "").strip()
    if not msg_id or not stamp.isdigit():
        return False
    if abs((time.time() if now is None else now) - int(stamp)) > tolerance:
        return False
    try:
        expected = _mac(secret_key(secret), msg_id, int(stamp), _as_bytes(body))
    except ValueError:
        return False
    candidates = [
        value
        for version, _, value in (
            item.partition(",") for item in (lowered.get(SIGNATURE_HEADER) or "").split()
        )
        if version == "v1" and value
    ]
    matches = [hmac.compare_digest(expected, candidate) for candidate in candidates]  # no early exit
    return any(matches)


def signing_secrets(subscription: WebhookSubscription, now=None) -> list[str]:
    """The secrets that sign a request now: the current one, and the previous one for
    MOTCUA_WEBHOOK_ROTATION_GRACE_SECONDS after a rotation (so a receiver can switch when it likes)."""
    current = [subscription.secret]
    grace = timedelta(seconds=_setting("ROTATION_GRACE_SECONDS", 24 * 3600))
    rotated = subscription.secret_rotated_at
    if subscription.previous_secret and rotated and (now or timezone.now()) < rotated + grace:
        return current + [subscription.previous_secret]
    return current


# --------------------------------------------------------------------------------------------
# Subscriptions (services)
# --------------------------------------------------------------------------------------------


def new_secret() -> str:
    """`whsec_` + base64 of 32 random bytes (the Standard Webhooks form)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _audit(action: str, subscription: WebhookSubscription, actor, **data) -> None:
    from motcua.audit.services import record

    record(action, actor=actor, obj=subscription, data={"name": subscription.name, **data})


def save_subscription(subscription: WebhookSubscription, actor=None) -> str | None:
    """Check and save a subscription (the admin's save); a new one gets a secret, returned once."""
    subscription.url = check_target_url(subscription.url)
    known = {code for code, _ in event_types()}
    unknown = sorted(set(subscription.event_types or []) - known)
    if unknown:
        raise ValidationError(f"Loại sự kiện không có: {', '.join(unknown)}.")
    created = subscription.pk is None
    secret = new_secret() if created else None
    with transaction.atomic():
        if created:
            subscription.secret = secret
        subscription.save()
        _audit(
            "webhooks.subscription." + ("create" if created else "change"),
            subscription,
            actor,
            url=subscription.url,
            event_types=subscription.event_types,
            active=subscription.active,
        )
    return secret


def create_subscription(
    name: str, url: str, event_types: list[str], agencies, *, active: bool = True, actor=None
) -> tuple[WebhookSubscription, str]:
    """A new subscription and its secret (shown to the operator once, never stored elsewhere)."""
    with transaction.atomic():
        subscription = WebhookSubscription(name=name, url=url, event_types=list(event_types), active=active)
        secret = save_subscription(subscription, actor)
        subscription.agencies.set(agencies)
    return subscription, secret


def rotate_secret(subscription: WebhookSubscription, actor=None) -> str:
    """A new secret, effective for the next attempt (pending rows are signed when sent). For
    MOTCUA_WEBHOOK_ROTATION_GRACE_SECONDS requests carry a second signature with the old secret."""
    secret, now = new_secret(), timezone.now()
    with transaction.atomic():
        current = (
            WebhookSubscription.objects.select_for_update()
            .values_list("secret", flat=True)
            .get(pk=subscription.pk)
        )
        WebhookSubscription.objects.filter(pk=subscription.pk).update(
            secret=secret, previous_secret=current, secret_rotated_at=now
        )
        _audit("webhooks.subscription.rotate_secret", subscription, actor)
    subscription.secret, subscription.previous_secret, subscription.secret_rotated_at = secret, current, now
    return secret


def secret_hint(secret: str) -> str:
    return f"{SECRET_PREFIX}…{secret[-4:]}" if secret else ""


# --------------------------------------------------------------------------------------------
# Events → deliveries (in the publisher's transaction)
# --------------------------------------------------------------------------------------------


def _body(event_id: uuid.UUID, topic: str, at, data: dict) -> str:
    payload = {
        "id": str(event_id),
        "type": topic,
        "created_at": timezone.localtime(at).isoformat(),
        "data": data,
    }
    # Sorted and compact: the same bytes on every attempt, whatever the database does to JSON.
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@functools.cache
def _topics() -> frozenset[str]:
    return frozenset(code for code, _ in event_types())


def on_event(event) -> list[WebhookDelivery]:
    """core.events subscriber; runs inside the transaction that published the event.

    A topic no subscription may choose (save_subscription refuses any other than event_types(),
    e.g. eforms.submitted) has no subscribers: the subscriptions are not read for it."""
    if event.aggregate_type != "dossier" or event.topic not in _topics():
        return []
    candidates = [
        pk
        for pk, topics in WebhookSubscription.objects.filter(active=True).values_list("pk", "event_types")
        if event.topic in (topics or [])
    ]
    if not candidates:
        return []
    from motcua.dossiers.models import Dossier

    dossier = (
        Dossier.objects.select_related("procedure", "handling_agency", "receiving_agency")
        .only(
            "code",
            "status",
            "procedure__code",
            "handling_agency__code",
            "receiving_agency__code",
        )
        .filter(code=event.aggregate_id)
        .first()
    )
    if dossier is None:
        return []
    through = WebhookSubscription.agencies.through
    allowed = sorted(
        set(
            through.objects.filter(
                webhooksubscription_id__in=candidates,
                agency_id__in=[dossier.handling_agency_id, dossier.receiving_agency_id],
            ).values_list("webhooksubscription_id", flat=True)
        )
    )
    if not allowed:
        return []
    data = {
        "dossier_code": dossier.code,
        "procedure_code": dossier.procedure.code,
        "agency_code": dossier.handling_agency.code,
        "receiving_agency_code": dossier.receiving_agency.code,
        "status": dossier.status,
    }
    if isinstance(event.payload, dict) and event.payload.get("from_status") is not None:
        data["from_status"] = event.payload["from_status"]
    now = timezone.now()
    at = event.created_at or now
    rows = []
    for pk in allowed:
        event_id = uuid.uuid4()
        rows.append(
            WebhookDelivery(
                subscription_id=pk,
                event_id=event_id,
                source_event=event.pk,
                topic=event.topic,
                dossier_code=dossier.code,
                body=_body(event_id, event.topic, at, data),
                next_try_at=now,
                created_at=at,
            )
        )
    return WebhookDelivery.objects.bulk_create(rows)


# --------------------------------------------------------------------------------------------
# Delivery
# --------------------------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    skipped: int = 0

    def __str__(self) -> str:
        return f"sent={self.sent} retried={self.retried} dead={self.dead} skipped={self.skipped}"

    def add(self, other: DeliveryReport) -> None:
        for name in ("sent", "retried", "dead", "skipped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Outcome:
    delivered: bool
    #: Worth trying again later (the receiver is down or busy).
    transient: bool = False
    status: int | None = None
    error: str = ""
    retry_after: float | None = None


def due_deliveries(now, limit: int):
    """Pending, due rows of active subscriptions with no earlier pending or dead row of the same
    (subscription, dossier)."""
    earlier = WebhookDelivery.objects.filter(
        subscription=OuterRef("subscription"),
        dossier_code=OuterRef("dossier_code"),
        id__lt=OuterRef("id"),
        state__in=[State.PENDING, State.DEAD],
    )
    return (
        WebhookDelivery.objects.filter(state=State.PENDING, next_try_at__lte=now, subscription__active=True)
        .exclude(Exists(earlier))
        .select_related("subscription")
        .order_by("id")[:limit]
    )


#: Claim with a lease, backoff with full jitter (the outbox's settings), dead letters, replay: the
#: shared delivery kernel.
QUEUE = RowQueue(
    WebhookDelivery,
    "webhooks",
    lease_seconds=lambda: _setting("LEASE_SECONDS", settings.MOTCUA_SYNC_LEASE_SECONDS),
    max_attempts=lambda: _setting("MAX_ATTEMPTS", settings.MOTCUA_SYNC_MAX_ATTEMPTS),
    backoff_seconds=lambda: settings.MOTCUA_SYNC_BACKOFF_SECONDS,
    backoff_cap_seconds=lambda: settings.MOTCUA_SYNC_BACKOFF_MAX_SECONDS,
)


def _claim(delivery: WebhookDelivery, now) -> bool:
    """Take the row for this worker: a conditional UPDATE moving `next_try_at` by a lease."""
    return QUEUE.claim(delivery, now)


def _next_in_chain(delivery: WebhookDelivery, now) -> WebhookDelivery | None:
    """The following row of the same (subscription, dossier), claimed, if it is due now."""
    follower = (
        WebhookDelivery.objects.filter(
            subscription_id=delivery.subscription_id,
            dossier_code=delivery.dossier_code,
            state=State.PENDING,
            id__gt=delivery.pk,
        )
        .select_related("subscription")
        .order_by("id")
        .first()
    )
    if follower is None or follower.next_try_at > now or not _claim(follower, timezone.now()):
        return None
    return follower


def _breaker(subscription: WebhookSubscription) -> CircuitBreaker:
    return CircuitBreaker(
        f"webhook.{subscription.pk}", _setting("BREAKER_FAILURES", 5), _setting("BREAKER_RESET_SECONDS", 30.0)
    )


def _log(
    delivery: WebhookDelivery, attempt: int, outcome: str, status, answer: str, duration_ms: int
) -> None:
    from motcua.exchange.models import MessageLog

    limit = getattr(settings, "MOTCUA_EXCHANGE_LOG_MAX_CHARS", 20_000)
    try:
        MessageLog.objects.create(
            service=f"webhook.{delivery.subscription_id}"[:40],
            method="POST",
            url=delivery.subscription.url[:1000],
            request_body=delivery.body[:limit],
            response_status=status,
            response_body=answer[:limit],
            duration_ms=duration_ms,
            outcome=outcome,
            attempt=min(attempt, 32767),
            correlation_id=delivery.event_id.hex,
        )
    except Exception:  # the log must never hide the outcome
        logger.exception("webhooks: could not write the message log for delivery %s", delivery.pk)


def _retry_after(response) -> float | None:
    value = (response.headers.get("Retry-After") or "").strip()
    return float(value) if value.isdigit() else None


def _post(delivery: WebhookDelivery, session: requests.Session) -> Outcome:
    """One signed POST of the row's body; never raises for the receiver's faults."""
    subscription = delivery.subscription
    attempt = delivery.attempts + 1
    breaker = _breaker(subscription)
    if not breaker.allow():
        _log(delivery, attempt, "circuit_open", None, "", 0)
        return Outcome(False, transient=True, error="Tạm ngừng gửi: hệ thống nhận lỗi liên tiếp.")
    try:
        check_target_url(subscription.url)
    except ValidationError as exc:
        breaker.success()  # a refusal of ours, not an outage; release a half-open probe
        unresolved = exc.code == "unresolved"
        return Outcome(False, transient=unresolved, error=" ".join(exc.messages))
    body = delivery.body.encode()
    try:
        signature = signed_headers(signing_secrets(subscription), str(delivery.event_id), body)
    except ValueError:
        breaker.success()
        return Outcome(False, error="Khóa bí mật của đăng ký không hợp lệ: hãy đổi khóa.")
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "motcua-webhooks/1",
        EVENT_TYPE_HEADER: delivery.topic,
        ATTEMPT_HEADER: str(attempt),
        # webhook-id is the event id: the same on every attempt and replay (receivers deduplicate on it).
        **signature,
    }
    timeout = tuple(_setting("TIMEOUT", (3.05, 10.0)))
    started = time.monotonic()
    try:
        with session.post(
            subscription.url, data=body, headers=headers, timeout=timeout, allow_redirects=False, stream=True
        ) as response:
            status = response.status_code
            answer = response.raw.read(MAX_ANSWER_BYTES, decode_content=True).decode("utf-8", "replace")
            retry_after = _retry_after(response)
    except requests.Timeout as exc:
        outcome = Outcome(False, transient=True, error=f"Hệ thống nhận không trả lời kịp: {exc}")
        _log(delivery, attempt, "timeout", None, str(exc), int((time.monotonic() - started) * 1000))
        breaker.failure()
        return outcome
    except (requests.RequestException, OSError) as exc:
        outcome = Outcome(False, transient=True, error=f"Không kết nối được tới hệ thống nhận: {exc}")
        _log(delivery, attempt, "connection_error", None, str(exc), int((time.monotonic() - started) * 1000))
        breaker.failure()
        return outcome
    duration = int((time.monotonic() - started) * 1000)
    if 200 <= status < 300:
        _log(delivery, attempt, "ok", status, answer, duration)
        breaker.success()
        return Outcome(True, status=status)
    _log(delivery, attempt, "http_error", status, answer, duration)
    transient = status >= 500 or status in RETRY_STATUSES
    if transient:
        breaker.failure()
    else:
        breaker.success()  # it answered: a refusal of this request is not an outage
    what = "chuyển hướng (không được theo)" if 300 <= status < 400 else "lỗi"
    return Outcome(
        False,
        transient=transient,
        status=status,
        error=f"Hệ thống nhận trả {what} HTTP {status}: {answer[:300]}",
        retry_after=retry_after if transient else None,
    )


def _settle(
    delivery: WebhookDelivery, outcome: Outcome, report: DeliveryReport, *, final: bool = False
) -> None:
    """Write the attempt's result in the row."""
    if outcome.delivered:
        attempts = delivery.attempts + 1
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            state=State.SENT,
            attempts=attempts,
            sent_at=timezone.now(),
            last_status=outcome.status,
            last_error="",
        )
        report.sent += 1
        delivery.state, delivery.attempts, delivery.last_status = State.SENT, attempts, outcome.status
        return
    dead, attempts = QUEUE.fail(
        delivery,
        outcome.error,
        permanent=final or not outcome.transient,
        min_wait=outcome.retry_after or 0.0,
        last_status=outcome.status,
    )
    delivery.state = State.DEAD if dead else State.PENDING
    delivery.attempts, delivery.last_status, delivery.last_error = attempts, outcome.status, outcome.error
    if dead:
        report.dead += 1
    else:
        report.retried += 1


def _round(now, limit: int, session: requests.Session, report: DeliveryReport) -> None:
    down: set[int] = set()  # subscriptions whose receiver failed this round: their queue waits
    for head in list(due_deliveries(now, limit)):
        if head.subscription_id in down:
            continue
        if not _claim(head, timezone.now()):
            report.skipped += 1
            continue
        delivery = head
        while delivery is not None:
            outcome = _post(delivery, session)
            _settle(delivery, outcome, report)
            if not outcome.delivered:
                if outcome.transient:
                    down.add(delivery.subscription_id)
                break
            delivery = _next_in_chain(delivery, timezone.now())


def deliver_due(
    now=None, limit: int | None = None, session: requests.Session | None = None
) -> DeliveryReport:
    """Send what is due, round after round (each receiver's chains in order), for at most
    MOTCUA_WEBHOOK_RUN_SECONDS: the `sync.webhooks` job."""
    report = DeliveryReport()
    limit = limit or _setting("BATCH", 200)
    session = session or requests.Session()
    started = time.monotonic()
    while True:
        before = report.sent + report.dead
        _round(now or timezone.now(), limit, session, report)
        now = None
        progressed = report.sent + report.dead > before
        if not progressed or time.monotonic() - started > _setting("RUN_SECONDS", 20.0):
            return report


def deliver_all(timeout: float = 60.0) -> DeliveryReport:
    """Deliver until nothing more goes through (or `timeout` seconds): `motcua webhooks deliver --once`."""
    total = DeliveryReport()
    started = time.monotonic()
    session = requests.Session()
    while time.monotonic() - started < timeout:
        report = deliver_due(session=session)
        total.add(report)
        if not (report.sent or report.dead or report.skipped):
            break
    return total


def send_test(subscription: WebhookSubscription) -> WebhookDelivery:
    """POST a `webhook.test` ping now (no dossier data), once: a failure is dead-lettered at once,
    not retried, and shown to the operator (`motcua webhooks test <name>`)."""
    now = timezone.now()
    event_id = uuid.uuid4()
    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        event_id=event_id,
        topic=TEST_TOPIC,
        body=_body(event_id, TEST_TOPIC, now, {"subscription": subscription.name}),
        next_try_at=now + timedelta(days=1),  # not due for the job: sent right here
        created_at=now,
    )
    delivery.subscription = subscription
    _settle(delivery, _post(delivery, requests.Session()), DeliveryReport(), final=True)
    return delivery


def dead_letters():
    return WebhookDelivery.objects.filter(state=State.DEAD).select_related("subscription").order_by("id")


def replay(ids: list[int] | None = None) -> int:
    """Put dead letters (all, or these ids) back in the queue, due now, same event id and body."""
    return QUEUE.replay(ids)


def register():
    """Hook the jobs and subscribers of this module (called from SyncConfig.ready)."""
    from motcua.core import events, jobs

    events.subscribe(on_event)
    jobs.register("sync.webhooks", deliver_due, int(_setting("DELIVER_EVERY", 5)))
