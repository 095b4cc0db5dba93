"""Rate limits per client address (giới hạn tần suất), kept in the cache: shared by the citizen
site, the public verification pages and the API."""

from __future__ import annotations

import ipaddress
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class Throttle:
    allowed: bool
    limit: int
    window: int
    retry_after: int = 0

    @property
    def retry_minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))

    @property
    def window_minutes(self) -> int:
        return max(1, round(self.window / 60))


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or behind the documented reverse proxy the entry
    MOTCUA_PROXY_COUNT from the right of MOTCUA_PROXY_CLIENT_HEADER (what the proxies appended;
    anything further left came from the client and is ignored). django-axes uses it too (axes_client_ip)."""
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    header = getattr(settings, "MOTCUA_PROXY_CLIENT_HEADER", "")
    if not header:
        return remote
    raw = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
    hops = [hop.strip() for hop in raw.split(",") if hop.strip()]
    count = max(1, int(getattr(settings, "MOTCUA_PROXY_COUNT", 1)))
    if len(hops) < count:
        return remote  # not through the proxy chain: the direct peer is all we know
    candidate = hops[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def axes_client_ip(request) -> str | None:
    """client_ip for django-axes, whose logs store an IP address column: None when there is none."""
    address = client_ip(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def throttle(request, bucket: str, setting: str, default: tuple[int, int]) -> Throttle:
    """Count one attempt of this IP in `bucket`; refuse beyond `limit` per `window` seconds."""
    limit, window = getattr(settings, setting, default)
    key = f"motcua:rate:{bucket}:{client_ip(request)}"
    now = time.time()
    cache.add(key + ":reset", now + window, window)
    if cache.add(key, 1, window):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, window)
            count = 1
    if count > limit:
        reset = cache.get(key + ":reset") or now + window
        return Throttle(False, limit, window, max(1, int(reset - now)))
    return Throttle(True, limit, window)
