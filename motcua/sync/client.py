"""The national portal over HTTP (spec §4.1): session login, then POSTs of {session, madonvi, service,
isUpdating, data}. Built on the shared exchange client (timeouts, short retries, circuit breaker,
MessageLog of every request)."""

from __future__ import annotations

import threading
import time

from django.conf import settings

from motcua.exchange.client import ExchangeClient, ExchangeError, client_for

#: error_code values of the portal's answers (the sandbox gives the same).
OK = 0
SESSION_INVALID = 1
UNKNOWN_SERVICE = 2
INVALID_DATA = 3
NOT_FOUND = 4
BAD_REQUEST = 5


class PortalRefused(Exception):
    """The portal answered and refused the request (error_code ≠ 0): sending it again gives the same."""

    def __init__(self, error_code: int, message: str):
        self.error_code = error_code
        super().__init__(f"Cổng DVCQG từ chối (error_code {error_code}): {message}")


class MalformedAnswer(Exception):
    """The portal's answer is not the JSON the contract says."""


_sessions: dict[str, tuple[str, float]] = {}
_lock = threading.Lock()
#: A session is renewed after this many seconds even if the portal still accepts it.
SESSION_REUSE_SECONDS = 600


class PortalClient:
    """Calls the portal's services with a session, logging in again once when the session is refused."""

    def __init__(self, exchange: ExchangeClient | None = None):
        self.exchange = exchange or client_for("national_portal")

    def _login(self) -> str:
        answer = self.exchange.post_json(
            settings.MOTCUA_NATIONAL_PORTAL_AUTH_PATH,
            {
                "username": settings.MOTCUA_NATIONAL_PORTAL_USERNAME,
                "password": settings.MOTCUA_NATIONAL_PORTAL_PASSWORD,
            },
        )
        if not isinstance(answer, dict) or not isinstance(answer.get("error_code"), int):
            raise MalformedAnswer(f"Trả lời đăng nhập không đúng định dạng: {str(answer)[:200]}")
        if answer["error_code"] != OK or not answer.get("session"):
            raise PortalRefused(answer["error_code"], str(answer.get("message", "đăng nhập thất bại")))
        return str(answer["session"])

    def session(self, renew: bool = False) -> str:
        key = self.exchange.base_url
        with _lock:
            cached = _sessions.get(key)
        if cached and not renew and time.monotonic() - cached[1] < SESSION_REUSE_SECONDS:
            return cached[0]
        token = self._login()
        with _lock:
            _sessions[key] = (token, time.monotonic())
        return token

    def call(self, service: str, data: list, *, agency_code: str, updating: bool = False) -> dict:
        """POST one service call; the decoded answer when error_code is 0.

        Raises ExchangeError (unreachable, timeout, HTTP error, not JSON), MalformedAnswer or PortalRefused.
        """
        for attempt in (1, 2):
            body = {
                "session": self.session(renew=attempt == 2),
                "madonvi": agency_code,
                "service": service,
                "isUpdating": bool(updating),
                "data": data,
            }
            answer = self.exchange.post_json(settings.MOTCUA_NATIONAL_PORTAL_SERVICE_PATH, body)
            if not isinstance(answer, dict) or not isinstance(answer.get("error_code"), int):
                shown = str(answer)[:200]
                raise MalformedAnswer(f"Trả lời của dịch vụ {service} không đúng định dạng: {shown}")
            if answer["error_code"] == SESSION_INVALID and attempt == 1:
                continue
            if answer["error_code"] != OK:
                raise PortalRefused(answer["error_code"], str(answer.get("message", "")))
            return answer
        raise AssertionError("unreachable")


class HttpNationalPortal:
    """The inbound port (`portal.NationalPortal`) over HTTP: LayHoSoMoi since a moment.

    Set MOTCUA_NATIONAL_PORTAL = "motcua.sync.client.HttpNationalPortal" to pull through the portal's
    API (the shipped sandbox answers it with the records of `portal.SandboxPortal`).
    """

    def __init__(self, client: PortalClient | None = None, agency_code: str = "", count: int = 20):
        self.client = client or PortalClient()
        self.agency_code = agency_code or getattr(settings, "MOTCUA_NATIONAL_PORTAL_AGENCY_CODE", "")
        self.count = count

    def fetch_new_dossiers(self, since) -> list[dict]:
        from .portal import format_portal_date

        query = {"SoLuong": self.count}
        if since:
            query["TuNgay"] = format_portal_date(since)
        answer = self.client.call("LayHoSoMoi", [query], agency_code=self.agency_code)
        records = answer.get("data")
        if not isinstance(records, list):
            raise MalformedAnswer("LayHoSoMoi: trả lời không có danh sách hồ sơ (data).")
        return records


def forget_sessions() -> None:
    with _lock:
        _sessions.clear()


__all__ = [
    "ExchangeError",
    "HttpNationalPortal",
    "MalformedAnswer",
    "PortalClient",
    "PortalRefused",
    "forget_sessions",
]
