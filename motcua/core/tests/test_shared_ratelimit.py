"""Issue 17 item 3: rate limits shared by every server process (the database cache) and counted per
client behind the documented reverse proxy."""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.db import connection
from django.test import RequestFactory, override_settings

from motcua import settings as motcua_settings
from motcua.core.ratelimit import axes_client_ip, client_ip, throttle

ROOT = Path(__file__).resolve().parents[3]
DB_CACHE = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "motcua_cache"}}


# --- the client's address ------------------------------------------------------------------------


def request(**meta):
    return RequestFactory().get("/", **meta)


def test_without_a_proxy_the_peer_is_the_client_and_forwarded_headers_are_ignored():
    assert client_ip(request(REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="1.2.3.4")) == "198.51.100.7"


@override_settings(MOTCUA_PROXY_CLIENT_HEADER="X-Forwarded-For", MOTCUA_PROXY_COUNT=1)
def test_behind_one_proxy_the_right_most_entry_is_the_client():
    assert client_ip(request(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")) == (
        "198.51.100.7"
    )
    # Missing or garbage: the proxy itself (never an error, never the client's claim).
    assert client_ip(request(REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"
    assert client_ip(request(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="<script>")) == "10.0.0.2"


@override_settings(MOTCUA_PROXY_CLIENT_HEADER="X-Forwarded-For", MOTCUA_PROXY_COUNT=2)
def test_behind_two_proxies_the_second_entry_from_the_right_is_the_client():
    meta = {"REMOTE_ADDR": "10.0.0.3", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 2001:db8::1, 10.0.0.2"}
    assert client_ip(request(**meta)) == "2001:db8::1"
    assert client_ip(request(REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR="10.0.0.2")) == "10.0.0.3"


def test_axes_gets_an_address_or_none_never_a_placeholder():
    # Its logs have an IP address column: PostgreSQL refuses "unknown" (a 500 at sign-in).
    assert axes_client_ip(request(REMOTE_ADDR="")) is None
    assert axes_client_ip(request(REMOTE_ADDR="198.51.100.7")) == "198.51.100.7"


@override_settings(MOTCUA_PROXY_CLIENT_HEADER="X-Real-IP")
def test_a_single_value_header_works_too():
    assert client_ip(request(REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="203.0.113.9")) == "203.0.113.9"


# --- the shared cache ----------------------------------------------------------------------------


def test_the_default_cache_is_shared_unless_a_url_says_otherwise():
    db = motcua_settings.cache_config("", testing=False)["default"]
    assert db["BACKEND"].endswith("db.DatabaseCache") and db["LOCATION"] == "motcua_cache"
    assert db["OPTIONS"]["MAX_ENTRIES"] >= 100_000  # not culled at 300 entries, counters and all
    redis = motcua_settings.cache_config("redis://cache:6379/0", testing=False)["default"]
    assert redis["BACKEND"].endswith("redis.RedisCache") and redis["LOCATION"] == "redis://cache:6379/0"
    assert motcua_settings.cache_config("file:///var/cache/motcua", testing=False)["default"]["LOCATION"] == (
        "/var/cache/motcua"
    )


@pytest.mark.django_db
def test_the_migrated_test_database_has_the_cache_table_and_counters_survive_a_new_cache_handler():
    assert "motcua_cache" in connection.introspection.table_names()
    with override_settings(CACHES=DB_CACHE, MOTCUA_LOOKUP_RATE=(2, 600)):
        from django.core.cache import caches

        ask = request(REMOTE_ADDR="198.51.100.7")
        assert throttle(ask, "lookup", "MOTCUA_LOOKUP_RATE", (2, 600)).allowed
        caches.close_all()
        caches._settings = None  # a fresh handler, as in another process or after a restart
        del caches._connections.default
        assert throttle(ask, "lookup", "MOTCUA_LOOKUP_RATE", (2, 600)).allowed
        assert not throttle(ask, "lookup", "MOTCUA_LOOKUP_RATE", (2, 600)).allowed
        assert throttle(request(REMOTE_ADDR="198.51.100.8"), "lookup", "MOTCUA_LOOKUP_RATE", (2, 600)).allowed


# --- three server processes, one database ---------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(port: int, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stderr.read().decode()[-2000:]
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"server on port {port} did not start")


def test_three_server_processes_share_one_limit(tmp_path):
    """/tra-cuu/ allowed 60 tries for a documented 20 with 3 workers; now the three share one count."""
    limit, per_server = 6, 6
    env = {k: v for k, v in os.environ.items() if k not in {"MOTCUA_TESTING", "DATABASE_URL", "PGDATABASE"}}
    env.update(
        MOTCUA_EMBEDDED="1",
        MOTCUA_INSECURE_HTTP="1",
        MOTCUA_LOOKUP_LIMIT=str(limit),
        MOTCUA_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'shared.sqlite3'}",
        DJANGO_SETTINGS_MODULE="motcua.settings",
    )
    env.pop("MOTCUA_CACHE_URL", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=300)
    ports = [_free_port() for _ in range(3)]
    servers = [
        subprocess.Popen(
            [*manage, "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for port in ports
    ]
    try:
        for port, server in zip(ports, servers, strict=True):
            _wait(port, server)
        session = requests.Session()
        page = session.get(f"http://127.0.0.1:{ports[0]}/tra-cuu/", timeout=30)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        form = {"csrfmiddlewaretoken": token, "ma_ho_so": "G22.99-260302-9999", "so_giay_to": "014090009999"}
        answers = []
        for _ in range(per_server):
            for port in ports:  # round robin, as a load balancer would
                url = f"http://127.0.0.1:{port}/tra-cuu/"
                answers.append(session.post(url, data=form, headers={"Referer": url}, timeout=30).status_code)
        allowed = sum(code != 429 for code in answers)
        assert set(answers) <= {404, 429}, answers
        assert allowed == limit, answers  # sequential requests: exact (per process it would be 3 × 6 = 18)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
