"""The exchange client: signing, the circuit breaker, retries with backoff, the message log."""

import time

import pytest
from django.test import override_settings

from motcua.exchange import client as exchange
from motcua.exchange.client import CircuitBreaker, ExchangeClient, ExchangeError
from motcua.exchange.models import MessageLog


@pytest.fixture(autouse=True)
def _closed_circuits():
    CircuitBreaker.reset_all()
    yield
    CircuitBreaker.reset_all()


def test_a_signature_verifies_and_any_change_breaks_it():
    headers = exchange.signature_headers("GET", "/dan-cu/cong-dan/1?x=2", b"", key_id="motcua", secret="k")
    assert exchange.verify_signature("GET", "/dan-cu/cong-dan/1?x=2", b"", headers, secret="k")
    assert not exchange.verify_signature("GET", "/dan-cu/cong-dan/2?x=2", b"", headers, secret="k")
    assert not exchange.verify_signature("POST", "/dan-cu/cong-dan/1?x=2", b"", headers, secret="k")
    assert not exchange.verify_signature("GET", "/dan-cu/cong-dan/1?x=2", b"{}", headers, secret="k")
    assert not exchange.verify_signature("GET", "/dan-cu/cong-dan/1?x=2", b"", headers, secret="other")
    old = exchange.signature_headers("GET", "/a", b"", key_id="m", secret="k", timestamp=time.time() - 3600)
    assert not exchange.verify_signature("GET", "/a", b"", old, secret="k")
    assert not exchange.verify_signature("GET", "/a", b"", {}, secret="k")


def test_the_breaker_opens_half_opens_and_closes(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(CircuitBreaker, "clock", staticmethod(lambda: now[0]))
    breaker = CircuitBreaker("unit", threshold=3, reset_seconds=30)
    for _ in range(2):
        breaker.failure()
    assert breaker.state() == "closed" and breaker.allow()
    breaker.success()
    for _ in range(3):
        breaker.failure()
    assert breaker.state() == "open" and not breaker.allow()
    now[0] += 31
    assert breaker.state() == "half_open"
    assert breaker.allow() and not breaker.allow()  # one probe at a time
    breaker.failure()
    assert breaker.state() == "open"
    now[0] += 31
    assert breaker.allow()
    breaker.success()
    assert breaker.state() == "closed" and breaker.allow()
    # State is per service: another service is unaffected.
    assert CircuitBreaker("other", 3, 30).state() == "closed"


@pytest.mark.django_db
def test_an_unreachable_service_is_retried_with_backoff_and_logged():
    sleeps = []
    client = ExchangeClient("nowhere", "http://127.0.0.1:9/", retries=2, timeout=(0.5, 0.5), backoff=0.1)
    client.sleep = sleeps.append
    with pytest.raises(ExchangeError) as caught:
        client.get_json("ping", {"q": "1"}, correlation_id="abc123")
    assert isinstance(caught.value, ConnectionError) and caught.value.outcome == "connection_error"
    assert "không kết nối được" in str(caught.value)
    rows = list(MessageLog.objects.order_by("id"))
    assert [(r.attempt, r.outcome, r.correlation_id) for r in rows] == [
        (1, "connection_error", "abc123"),
        (2, "connection_error", "abc123"),
        (3, "connection_error", "abc123"),
    ]
    assert rows[0].url == "http://127.0.0.1:9/ping?q=1"
    # Full jitter: each pause is random but within the exponential cap.
    assert len(sleeps) == 2 and 0 <= sleeps[0] <= 0.1 and 0 <= sleeps[1] <= 0.2


def test_json_answers_errors_and_truncated_bodies(live_server, transactional_db):
    client = ExchangeClient("local", live_server.url, retries=3, log_max_chars=120)
    assert client.get_json("healthz") == {"status": "ok", "database": client_vendor()}
    assert client.get_json("khong-co-trang-nay/") is None  # 404 is an answer, not a failure
    with pytest.raises(ExchangeError) as caught:
        client.post_json("healthz", {"hoVaTen": "Lò Văn Pâng"})  # refused (no CSRF token): not retried
    assert caught.value.status == 403 and caught.value.outcome == "http_error"
    rows = list(MessageLog.objects.order_by("id"))
    assert [(r.method, r.response_status, r.outcome) for r in rows] == [
        ("GET", 200, "ok"),
        ("GET", 404, "not_found"),
        ("POST", 403, "http_error"),
    ]
    # At rest (ADR 0040): the searchable column masked, the exchange kept whole only encrypted.
    assert rows[2].request_body == '{"hoVaTen": "Lò V. P."}'
    assert rows[2].sealed["request_body"] == '{"hoVaTen": "Lò Văn Pâng"}'
    assert rows[1].response_body.endswith("ký tự]") and len(rows[1].response_body) < 160
    assert client.breaker.state() == "closed"


def client_vendor():
    from django.db import connection

    return connection.vendor


@pytest.mark.django_db
def test_client_for_reads_the_settings():
    services = {"population": {"base_url": "https://lgsp.example.vn/api", "retries": 4, "timeout": (1, 2)}}
    with override_settings(MOTCUA_EXCHANGE_SERVICES=services):
        client = exchange.client_for("population")
        assert client.base_url == "https://lgsp.example.vn/api/" and client.retries == 4
        assert client.timeout == (1, 2)
        with pytest.raises(ExchangeError, match="Chưa cấu hình"):
            exchange.client_for("business")
