"""One HTTP client layer for every outside system (nền tảng tích hợp, chia sẻ dữ liệu: NDXP / LGSP).

`ExchangeClient(service, base_url, …)` sends JSON (or a form, `post_form`; or reads a file,
`get_raw`) over HTTPS with `requests`:

* timeouts (connect, read) on every request;
* retries with exponential backoff and full jitter on timeouts, connection errors, 429 and 5xx
  (never on other 4xx: asking again would get the same answer);
* a circuit breaker per service, shared by every process through the cache (ADR 0047): after K
  consecutive failures (timeouts, connection errors, 408, 429, 5xx, answers that are not JSON) the
  service is not called for T seconds, then one probe is let through (half-open); its result closes
  or re-opens it;
* credentials: an API key (`X-API-Key`), a bearer token or HTTP basic;
* request signing where the platform asks for it: HMAC-SHA256 over method, path with query,
  timestamp and the SHA-256 of the body, sent in `X-Motcua-*` headers (`signature_headers`,
  `verify_signature` for the receiving side);
* a `MessageLog` row for every attempt (and for calls refused by an open circuit), with one
  correlation id shared by the attempts of a call and sent as `X-Correlation-ID`; credentials in the
  bodies (passwords, session tokens) are replaced by "***" before the row is written (`masking`).

Failures raise `ExchangeError` (a ConnectionError); callers map it to their own error
(e.g. `RegistryUnavailable`). A 404 is an answer, not a failure: `get_json` returns None.
`client_for(service)` builds a client from the settings (`MOTCUA_EXCHANGE_SERVICES`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import random
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode, urljoin, urlsplit

import requests
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from motcua.core import requestid

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
SIGNATURE_HEADERS = ("X-Motcua-Key-Id", "X-Motcua-Timestamp", "X-Motcua-Content-SHA256", "X-Motcua-Signature")


@dataclass(frozen=True)
class Answer:
    """An answer as it came, for the exchanges that are not JSON (forms, files, signed bodies)."""

    status: int
    text: str
    content: bytes
    headers: dict

    def json(self):
        return json.loads(self.text)


class ExchangeError(ConnectionError):
    """The outside system could not be reached, timed out, refused or answered badly."""

    def __init__(
        self, message: str, *, service: str, outcome: str, status: int | None = None, correlation_id: str = ""
    ):
        super().__init__(message)
        self.service = service
        self.outcome = outcome
        self.status = status
        self.correlation_id = correlation_id


# --------------------------------------------------------------------------------------------
# Circuit breaker
# --------------------------------------------------------------------------------------------


class CircuitBreaker:
    """Closed → open after `threshold` consecutive failures → half-open after `reset_seconds`
    (one probe at a time) → closed on the probe's success, open again on its failure.

    The state lives in Django's default cache (CACHES: Redis in production, the database cache in the
    embedded mode), so every process and machine shares one breaker per service (ADR 0047): three
    keys per service — the consecutive failures (`add` + `incr`), the moment it opened (wall clock,
    comparable across machines) and the half-open probe (`add`, so one process wins it; it expires
    after `reset_seconds` if its caller dies). The happy path reads one key in `allow()` and one
    `get_many` in `success()`, and writes nothing. A cache that does not answer never stops a call:
    the breaker then lets calls through and logs it."""

    clock = staticmethod(time.time)
    PREFIX = "motcua:breaker:"
    #: The cache key listing the services whose breaker has opened (metrics, `reset_all`).
    INDEX = "motcua:breaker:services"
    #: How long an open state or a failure count is kept without news (a day).
    KEEP_SECONDS = 86_400
    _seen: set[str] = set()  # the services this process has used

    def __init__(self, service: str, threshold: int, reset_seconds: float, cache_alias: str = "default"):
        self.service, self.threshold, self.reset_seconds = service, max(1, threshold), reset_seconds
        self.cache_alias = cache_alias
        safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in service)[:150]
        self._failures, self._opened, self._probe = (f"{self.PREFIX}{safe}:{k}" for k in ("f", "o", "p"))
        self._seen.add(service)

    @property
    def cache(self):
        from django.core.cache import caches

        return caches[self.cache_alias]

    def state(self) -> str:
        """closed, open or half_open; raises when the cache cannot be read (metrics say so)."""
        opened = self.cache.get(self._opened)
        if opened is None:
            return "closed"
        return "open" if self._resting(opened) else "half_open"

    def _resting(self, opened: float) -> bool:
        """Still within the reset period. A clock that went back (an NTP step, another machine's
        clock behind) ends the rest rather than prolonging it."""
        return 0 <= self.clock() - opened < self.reset_seconds

    def allow(self) -> bool:
        try:
            opened = self.cache.get(self._opened)
            if opened is None:
                return True
            if self._resting(opened):
                return False
            # Half-open: one probe across all processes; it expires if its caller never reports.
            return self.cache.add(self._probe, self.clock(), timeout=max(1, math.ceil(self.reset_seconds)))
        except Exception:
            logger.warning("circuit breaker %s: the cache did not answer; call let through", self.service)
            return True

    def success(self) -> None:
        try:
            if self.cache.get_many([self._failures, self._opened]):
                self.cache.delete_many([self._failures, self._opened, self._probe])
        except Exception:
            logger.warning("circuit breaker %s: the cache did not answer (success not kept)", self.service)

    def failure(self) -> None:
        try:
            cache = self.cache
            cache.add(self._failures, 0, timeout=self.KEEP_SECONDS)
            try:
                failures = cache.incr(self._failures)
            except ValueError:  # cleared by a success meanwhile
                cache.add(self._failures, 1, timeout=self.KEEP_SECONDS)
                failures = 1
            opened = cache.get(self._opened)
            half_open = opened is not None and not self._resting(opened)
            if half_open or failures >= self.threshold:
                cache.set(self._opened, self.clock(), timeout=self.KEEP_SECONDS)
                cache.delete(self._probe)
                self._index(cache)
        except Exception:
            logger.warning("circuit breaker %s: the cache did not answer (failure not kept)", self.service)

    def _index(self, cache) -> None:
        """Remember the service in the shared list (read by metrics and reset_all); a lost race
        only delays it to the breaker's next opening."""
        known = cache.get(self.INDEX) or []
        if self.service not in known:
            cache.set(self.INDEX, sorted({*known, self.service}), timeout=None)

    @classmethod
    def known_services(cls, cache_alias: str = "default") -> set[str]:
        """Services whose breaker opened in any process, and those this process has used."""
        from django.core.cache import caches

        return {*(caches[cache_alias].get(cls.INDEX) or []), *cls._seen}

    @classmethod
    def reset_all(cls, cache_alias: str = "default") -> None:
        """Close every circuit, in every process (tests, or an operator after a platform outage)."""
        from django.core.cache import caches

        cache = caches[cache_alias]
        configured = set(getattr(settings, "MOTCUA_EXCHANGE_SERVICES", {}))
        for service in cls.known_services(cache_alias) | configured:
            breaker = cls(service, 1, 0, cache_alias)
            cache.delete_many([breaker._failures, breaker._opened, breaker._probe])
        cache.delete(cls.INDEX)


# --------------------------------------------------------------------------------------------
# Signing
# --------------------------------------------------------------------------------------------


def _canonical(method: str, path: str, timestamp: str, body: bytes) -> tuple[str, bytes]:
    digest = hashlib.sha256(body or b"").hexdigest()
    return digest, f"{method.upper()}\n{path}\n{timestamp}\n{digest}".encode()


def signature_headers(
    method: str, path: str, body: bytes, *, key_id: str, secret: str, timestamp: int | None = None
) -> dict[str, str]:
    """Headers that sign a request; `path` includes the query string (e.g. "/a/b?x=1")."""
    stamp = str(int(time.time() if timestamp is None else timestamp))
    digest, message = _canonical(method, path, stamp, body)
    signature = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return dict(zip(SIGNATURE_HEADERS, (key_id, stamp, digest, signature), strict=True))


def verify_signature(
    method: str,
    path: str,
    body: bytes,
    headers,
    *,
    secret: str,
    max_skew_seconds: int = 300,
    now: float | None = None,
) -> bool:
    """True when the `X-Motcua-*` headers sign this request with `secret` within the time skew."""
    key_id, stamp, digest, signature = (headers.get(name, "") for name in SIGNATURE_HEADERS)
    if not (key_id and stamp.isdigit() and signature):
        return False
    if abs((time.time() if now is None else now) - int(stamp)) > max_skew_seconds:
        return False
    expected_digest, message = _canonical(method, path, stamp, body)
    expected = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected_digest, digest) and hmac.compare_digest(expected, signature)


# --------------------------------------------------------------------------------------------
# The client
# --------------------------------------------------------------------------------------------


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f"… [cắt bớt, tổng {len(text)} ký tự]"


def log_database() -> str:
    """The database alias a message-log row is written on.

    Outside a transaction: "default", in autocommit, so the row is committed at once. Inside one:
    the alias named by MOTCUA_EXCHANGE_LOG_DATABASE ("log" on PostgreSQL: a second connection to
    the same database, in autocommit), so that the record of an outside call survives the rollback
    of the caller's transaction (X-Road keeps every message). SQLite has one writer at a time, so
    there the row stays on "default" and the services make their outside calls before their
    transactions (eforms.services.submit)."""
    alias = getattr(settings, "MOTCUA_EXCHANGE_LOG_DATABASE", "default")
    if alias not in settings.DATABASES or not connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return alias


class ExchangeClient:
    def __init__(
        self,
        service: str,
        base_url: str,
        *,
        credentials=None,
        timeout: tuple[float, float] = (3.05, 10.0),
        retries: int = 2,
        backoff: float = 0.2,
        backoff_max: float = 2.0,
        breaker_failures: int = 5,
        breaker_reset_seconds: float = 30.0,
        signing_secret: str = "",
        signing_key_id: str = "motcua",
        session: requests.Session | None = None,
        log_max_chars: int | None = None,
    ):
        """`credentials`: None, {"api_key": …}, {"token": …} or a (user, password) pair."""
        self.service = service
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.credentials = credentials
        self.timeout = tuple(timeout)
        self.retries = max(0, int(retries))
        self.backoff, self.backoff_max = backoff, backoff_max
        self.breaker = CircuitBreaker(service, breaker_failures, breaker_reset_seconds)
        self.signing_secret, self.signing_key_id = signing_secret, signing_key_id
        self.session = session or requests.Session()
        self.log_max_chars = log_max_chars or getattr(settings, "MOTCUA_EXCHANGE_LOG_MAX_CHARS", 20_000)
        self.sleep = time.sleep

    # public -----------------------------------------------------------------------------------

    def get_json(self, path: str, params: dict | None = None, *, correlation_id: str = ""):
        """GET `path` (relative to the base URL): the decoded JSON, or None on 404."""
        return self._call("GET", path, params=params, data=b"", correlation_id=correlation_id)

    def post_json(self, path: str, body, *, correlation_id: str = ""):
        """POST `body` as JSON: the decoded JSON answer (None for 404 or an empty answer)."""
        data = json.dumps(body, ensure_ascii=False).encode()
        return self._call("POST", path, params=None, data=data, correlation_id=correlation_id)

    def post_form(
        self, path: str, form: dict, *, retry: bool = True, correlation_id: str = ""
    ) -> Answer | None:
        """POST a form (application/x-www-form-urlencoded): the answer as it came (None for 404).
        `retry=False` for a request that must not be sent twice (a refund)."""
        data = urlencode(form).encode()
        return self._call(
            "POST",
            path,
            params=None,
            data=data,
            content_type="application/x-www-form-urlencoded",
            raw=True,
            retries=None if retry else 0,
            correlation_id=correlation_id,
        )

    def get_raw(self, path: str, params: dict | None = None, *, correlation_id: str = "") -> Answer | None:
        """GET `path`: the answer as it came (a file, a signed statement), None for 404."""
        return self._call("GET", path, params=params, data=b"", raw=True, correlation_id=correlation_id)

    # internals --------------------------------------------------------------------------------

    def _url(self, path: str, params: dict | None) -> str:
        url = urljoin(self.base_url, path.lstrip("/"))
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params, doseq=True)
        return url

    def _headers(
        self, method: str, url: str, data: bytes, correlation_id: str, content_type: str
    ) -> tuple[dict, object]:
        headers = {"Accept": "application/json", "X-Correlation-ID": correlation_id}
        if request_id := requestid.current():
            headers[requestid.HEADER] = request_id  # the request or task that made this call
        if data:
            headers["Content-Type"] = content_type
        auth = None
        creds = self.credentials
        if isinstance(creds, dict):
            if creds.get("api_key"):
                headers["X-API-Key"] = creds["api_key"]
            if creds.get("token"):
                headers["Authorization"] = f"Bearer {creds['token']}"
        elif isinstance(creds, tuple | list) and len(creds) == 2:
            auth = tuple(creds)
        if self.signing_secret:
            parts = urlsplit(url)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            headers.update(
                signature_headers(method, path, data, key_id=self.signing_key_id, secret=self.signing_secret)
            )
        return headers, auth

    def _log(self, **fields) -> None:
        from .masking import redact_secrets
        from .models import MessageLog

        limit = self.log_max_chars
        # Credentials (a login's password, the session token it returns) are never kept in the log.
        fields["request_body"] = _truncate(redact_secrets(fields.get("request_body") or ""), limit)
        fields["response_body"] = _truncate(redact_secrets(fields.get("response_body") or ""), limit)
        fields["url"] = fields["url"][:1000]
        try:
            MessageLog.objects.using(log_database()).create(service=self.service, **fields)
        except Exception:  # the log must never hide the answer; the failure is reported loudly
            logger.exception("exchange: could not write the message log for %s", self.service)

    def _call(
        self,
        method: str,
        path: str,
        *,
        params,
        data: bytes,
        correlation_id: str,
        content_type: str = "application/json; charset=utf-8",
        raw: bool = False,
        retries: int | None = None,
    ):
        """JSON in and out, or (`raw`) the answer as an `Answer`; `retries` overrides the client's."""
        correlation_id = correlation_id or uuid.uuid4().hex
        url = self._url(path, params)
        request_text = data.decode()
        retries = self.retries if retries is None else retries
        last: ExchangeError | None = None
        for attempt in range(1, retries + 2):
            if not self.breaker.allow():
                self._log(
                    method=method,
                    url=url,
                    request_body=request_text,
                    outcome="circuit_open",
                    attempt=attempt,
                    correlation_id=correlation_id,
                )
                raise ExchangeError(
                    f"Tạm ngừng gọi {self.service}: hệ thống ngoài lỗi liên tiếp, sẽ thử lại sau.",
                    service=self.service,
                    outcome="circuit_open",
                    correlation_id=correlation_id,
                )
            headers, auth = self._headers(method, url, data, correlation_id, content_type)
            started = time.monotonic()
            status, text, outcome, result = None, "", "ok", None
            try:
                response = self.session.request(
                    method, url, data=data or None, headers=headers, auth=auth, timeout=self.timeout
                )
                status, text = response.status_code, response.text
                if raw:
                    result = Answer(
                        status,
                        text,
                        response.content,
                        requests.structures.CaseInsensitiveDict(response.headers),
                    )
            except requests.Timeout as exc:
                outcome, text = "timeout", str(exc)
            except requests.RequestException as exc:
                outcome, text = "connection_error", str(exc)
            duration = int((time.monotonic() - started) * 1000)
            if outcome == "ok":
                if status == 404:
                    outcome, result = "not_found", None
                elif status >= 400:
                    outcome = "http_error"
                elif not raw and text.strip():
                    try:
                        result = json.loads(text)
                    except ValueError:
                        outcome = "bad_response"
            self._log(
                method=method,
                url=url,
                request_body=request_text,
                response_status=status,
                response_body=text,
                duration_ms=duration,
                outcome=outcome,
                attempt=attempt,
                correlation_id=correlation_id,
            )
            if outcome in ("ok", "not_found"):
                self.breaker.success()
                return result
            if outcome == "http_error" and status < 500 and status not in RETRY_STATUSES | {408}:
                self.breaker.success()  # it answered: a refusal of this request is not an outage
            else:
                self.breaker.failure()
            last = ExchangeError(
                _message(self.service, outcome, status),
                service=self.service,
                outcome=outcome,
                status=status,
                correlation_id=correlation_id,
            )
            retriable = outcome in ("timeout", "connection_error") or status in RETRY_STATUSES
            if not retriable or attempt > retries:
                break
            self.sleep(random.uniform(0, min(self.backoff_max, self.backoff * 2 ** (attempt - 1))))
        raise last


def _message(service: str, outcome: str, status: int | None) -> str:
    if outcome == "timeout":
        return f"{service}: hệ thống ngoài không trả lời trong thời gian cho phép."
    if outcome == "connection_error":
        return f"{service}: không kết nối được tới hệ thống ngoài."
    if outcome == "bad_response":
        return f"{service}: hệ thống ngoài trả về dữ liệu không đúng định dạng JSON."
    return f"{service}: hệ thống ngoài trả lỗi HTTP {status}."


def client_for(service: str) -> ExchangeClient:
    """A client configured from `MOTCUA_EXCHANGE_SERVICES[service]` (see settings)."""
    config = dict(getattr(settings, "MOTCUA_EXCHANGE_SERVICES", {}).get(service) or {})
    if not config.get("base_url"):
        raise ExchangeError(
            f"Chưa cấu hình địa chỉ cho dịch vụ {service} (MOTCUA_EXCHANGE_{service.upper()}_URL).",
            service=service,
            outcome="connection_error",
        )
    base_url = config.pop("base_url")
    return ExchangeClient(service, base_url, **config)
