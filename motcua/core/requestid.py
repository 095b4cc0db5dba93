"""The request id (mã yêu cầu): one id per request, on every log line, in the answer's
X-Request-ID header, in the calls to outside systems and in the tasks the request queues.

Kept in a context variable, so it follows the request's thread (and a task's, when the worker
binds it): `current()` reads it, `bind(value)` sets it and returns a token for `reset(token)`.
The task-queue side stores `current()` with the task and calls `bind()` before running it.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from contextlib import contextmanager

HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"
#: What we accept from the trusted proxy: short, printable, no spaces (nothing to smuggle into logs).
_VALID = re.compile(r"^[A-Za-z0-9._:@/+=-]{8,128}$")

_current: contextvars.ContextVar[str] = contextvars.ContextVar("motcua_request_id", default="")


def new() -> str:
    return uuid.uuid4().hex


def current() -> str:
    """The id of the request (or task) being handled; "" outside one."""
    return _current.get()


def bind(value: str) -> contextvars.Token:
    """Make `value` the current id (a task run by the worker binds the id stored with it)."""
    return _current.set(value or "")


def reset(token: contextvars.Token) -> None:
    _current.reset(token)


@contextmanager
def bound(value: str):
    token = bind(value)
    try:
        yield value
    finally:
        reset(token)


def accept(value: str | None) -> str:
    """The id sent by the proxy when it looks like one, else a new one."""
    value = (value or "").strip()
    return value if _VALID.match(value) else new()


class RequestIdFilter(logging.Filter):
    """Puts `request_id` on every log record (empty outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            # django.request logs 4xx/5xx after the middleware returned: the record holds the request.
            request = getattr(record, "request", None)
            record.request_id = current() or getattr(request, "request_id", "") or "-"
        return True


class RequestIdMiddleware:
    """Takes X-Request-ID from the trusted reverse proxy (only when MOTCUA_PROXY_CLIENT_HEADER says
    there is one; a client talking to us directly could otherwise choose the ids of our logs),
    otherwise makes one; binds it for the request and returns it in the answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        trust_proxy = bool(getattr(settings, "MOTCUA_PROXY_CLIENT_HEADER", ""))
        incoming = request.META.get(META_KEY) if trust_proxy else None
        request_id = accept(incoming)
        request.request_id = request_id
        token = bind(request_id)
        try:
            response = self.get_response(request)
        finally:
            reset(token)
        response[HEADER] = request_id
        return response
