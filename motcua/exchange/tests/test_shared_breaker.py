"""ADR 0047: one circuit breaker per service for every process, its state in the shared cache —
Redis in production, the database cache in the embedded mode. Each test opens a breaker in another
Python process (its own Django, its own cache client) and reads it here, and the other way round."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import override_settings

from motcua.exchange.client import CircuitBreaker

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = os.environ.get("MOTCUA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
#: Nothing listens on port 9 (discard) on loopback: a Redis that does not answer.
UNREACHABLE = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}
}

#: The other process: a bare Django with only the cache (and the database it may live in).
OTHER = textwrap.dedent(
    """
    import json, sys
    import django
    from django.conf import settings

    conf = json.loads(sys.argv[1])
    settings.configure(CACHES=conf["caches"], DATABASES=conf["databases"], USE_TZ=True, INSTALLED_APPS=[])
    django.setup()
    from motcua.exchange.client import CircuitBreaker

    breaker = CircuitBreaker(conf["service"], 3, 30)
    out = {"before": breaker.state()}
    for _ in range(conf["failures"]):
        breaker.failure()
    if conf.get("fake_clock"):  # the reset period is over: a probe may go, if nobody else took it
        CircuitBreaker.clock = staticmethod(lambda: conf["fake_clock"])
    out["allowed"] = breaker.allow()
    out["after"] = breaker.state()
    print(json.dumps(out))
    """
)


def _other(caches_conf: dict, service: str, failures: int, databases: dict | None = None, fake_clock=None):
    conf = {
        "caches": caches_conf,
        "databases": databases or {},
        "service": service,
        "failures": failures,
        "fake_clock": fake_clock,
    }
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, "-c", OTHER, json.dumps(conf)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _shared_breaker_across_processes(caches_conf: dict, databases: dict | None = None) -> None:
    service = f"shared_{os.getpid()}"
    with override_settings(CACHES=caches_conf):
        caches.close_all()
        try:
            here = CircuitBreaker(service, threshold=3, reset_seconds=30)
            CircuitBreaker.reset_all()
            # Two failures here, one there: consecutive failures are counted across processes.
            here.failure()
            here.failure()
            there = _other(caches_conf, service, failures=1, databases=databases)
            assert there == {"before": "closed", "allowed": False, "after": "open"}
            assert here.state() == "open" and not here.allow()  # opened by the other process
            assert service in CircuitBreaker.known_services()

            # Half-open: one probe for all processes. This process takes it; the other is refused.
            later = here.clock() + 31
            with pytest.MonkeyPatch.context() as mp:
                mp.setattr(CircuitBreaker, "clock", staticmethod(lambda: later))
                assert here.state() == "half_open" and here.allow()
                assert _other(caches_conf, service, 0, databases, fake_clock=later)["allowed"] is False
                here.success()  # the probe succeeded: closed for everyone
            assert _other(caches_conf, service, 0, databases) == {
                "before": "closed",
                "allowed": True,
                "after": "closed",
            }

            # reset_all (an operator after an outage) closes a breaker another process opened.
            assert _other(caches_conf, service, failures=3, databases=databases)["after"] == "open"
            assert here.state() == "open"
            CircuitBreaker.reset_all()
            assert here.state() == "closed" and here.allow()
        finally:
            CircuitBreaker.reset_all()
            caches.close_all()


def _redis_or_skip() -> None:
    redis = pytest.importorskip("redis", reason="the redis package is not installed")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        pytest.skip(f"NOT CHECKED: no Redis at {REDIS_URL} ({exc}); start one or set MOTCUA_TEST_REDIS_URL")


def test_two_processes_share_one_breaker_on_redis():
    _redis_or_skip()
    conf = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    _shared_breaker_across_processes(conf)


@pytest.mark.django_db(transaction=True)
def test_two_processes_share_one_breaker_on_the_database_cache():
    settings_dict = connection.settings_dict
    name = str(settings_dict["NAME"])
    if connection.vendor == "sqlite" and (":memory:" in name or "mode=memory" in name):
        pytest.skip("NOT CHECKED: an in-memory SQLite test database cannot be opened by a second process")
    databases = {
        "default": {
            k: settings_dict[k] for k in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")
        }
    }
    conf = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "motcua_cache"}}
    _shared_breaker_across_processes(conf, databases)


def test_a_cache_that_does_not_answer_never_stops_a_call():
    with override_settings(CACHES=UNREACHABLE):
        caches.close_all()
        breaker = CircuitBreaker("cacheless", threshold=1, reset_seconds=30)
        breaker.failure()  # logged, not raised
        assert breaker.allow()
        breaker.success()
        with pytest.raises(Exception):  # noqa: B017,PT011 - metrics turn this into motcua_scrape_error
            breaker.state()
    caches.close_all()


@pytest.mark.django_db
def test_metrics_read_the_breakers_from_the_cache(client, settings):
    """A breaker opened elsewhere (here: known only through the cache) is on /metrics; an unreadable
    cache sets motcua_scrape_error{part="breakers"} instead of failing the scrape."""
    from motcua.core.metrics import DatabaseCollector

    settings.MOTCUA_METRICS_TOKEN = "s3cret-token"
    CircuitBreaker.reset_all()
    try:
        CircuitBreaker("webhook.987654", threshold=1, reset_seconds=30).failure()
        CircuitBreaker._seen.discard("webhook.987654")  # as if it had opened in another process
        text = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token").content.decode()
        assert 'motcua_breaker_state{service="webhook.987654"} 2.0' in text
        assert 'motcua_breaker_state{service="national_portal"} 0.0' in text
        assert 'motcua_scrape_error{part="breakers"} 0.0' in text
        with override_settings(CACHES=UNREACHABLE):
            caches.close_all()
            families = {f.name: f for f in DatabaseCollector().collect()}
        assert "motcua_breaker_state" not in families
        errors = {s.labels["part"]: s.value for s in families["motcua_scrape_error"].samples}
        assert errors["breakers"] == 1.0 and errors["queues"] == 0.0
    finally:
        caches.close_all()
        CircuitBreaker.reset_all()
