"""The production profile as shipped (deploy/, ADR 0042): gunicorn started with
deploy/gunicorn.conf.py serves the application, with production settings, several workers and the
Prometheus multiprocess folder; nginx accepts deploy/nginx/*.conf (`nginx -t`) and, run as shipped in
front of that gunicorn, keeps the client from choosing its address or request id."""

import base64
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, headers: dict | None = None, timeout: float = 5):
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 — loopback only
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 — loopback only
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


TOKEN = "metrics-token-for-the-test"


def _healthz_count(base: str) -> float:
    status, _, body = _get(base + "/metrics", {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200, body[:500]
    line = 'motcua_http_request_duration_seconds_count{method="GET",status="2xx",view="healthz"}'
    counted = [row for row in body.decode().splitlines() if row.startswith(line)]
    return float(counted[0].split()[-1]) if counted else 0.0


@pytest.fixture
def gunicorn(tmp_path):
    port = _free_port()
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("MOTCUA_", "DATABASE_URL", "PG"))}
    env = {
        **keep,
        "MOTCUA_SECRET_KEY": "production-profile-test-key-0123456789",
        "MOTCUA_ALLOWED_HOSTS": "127.0.0.1",
        "MOTCUA_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/motcua.sqlite3",
        "MOTCUA_WEB_BIND": f"127.0.0.1:{port}",
        "MOTCUA_WEB_WORKERS": "2",
        "MOTCUA_METRICS_TOKEN": TOKEN,
        "MOTCUA_PROXY_CLIENT_HEADER": "X-Forwarded-For",
        "MOTCUA_METRICS_ALLOWED_IPS": "10.9.9.9",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
        # What docs/deploy.md asks for: real providers, no sandbox secrets, keys for data at rest.
        "MOTCUA_EID": "vneid",
        "MOTCUA_EID_CLIENT_ID": "motcua-test",
        "MOTCUA_EID_CLIENT_SECRET": "eid-client-secret-for-the-test",
        "MOTCUA_EID_ISSUER": "https://eid.invalid",
        **{
            f"MOTCUA_EID_{name}_ENDPOINT": f"https://eid.invalid/{name.lower()}"
            for name in ("AUTHORIZATION", "TOKEN", "USERINFO", "JWKS")
        },
        "MOTCUA_NATIONAL_PORTAL_PASSWORD": "portal-password-for-the-test",
        "MOTCUA_PAYMENTS_NATIONAL_SECRET": "national-secret-for-the-test",
        "MOTCUA_PAYMENTS_BANK_SECRET": "bank-secret-for-the-test",
        "MOTCUA_DATA_KEYS": Fernet.generate_key().decode(),
        "MOTCUA_BLIND_INDEX_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
    }
    log = (tmp_path / "gunicorn.log").open("wb")
    gunicorn_bin = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(  # noqa: S603 — our own binary and config
        [str(gunicorn_bin), "-c", str(DEPLOY / "gunicorn.conf.py"), "motcua.wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            # A long timeout: a request given up on while the workers boot would still be answered
            # later, and counted after the test's first reading of the metrics.
            if _get(base + "/healthz", timeout=90)[0] == 200:
                break
        except OSError:
            pass
        time.sleep(0.2)
    try:
        yield base, tmp_path / "gunicorn.log"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def test_gunicorn_with_the_shipped_config_serves_the_application(gunicorn):
    base, log = gunicorn
    status, headers, body = _get(base + "/healthz")
    assert status == 200, log.read_text()[-2000:]
    assert json.loads(body) == {"status": "ok", "database": "sqlite"}
    # Behind the trusted proxy (loopback), its request id is kept and logged by gunicorn too.
    status, headers, _ = _get(
        base + "/healthz", {"X-Request-ID": "nginx-req-0123456789", "X-Forwarded-For": "1.2.3.4"}
    )
    assert status == 200 and headers["X-Request-ID"] == "nginx-req-0123456789"
    # Ten answers, whichever of the two workers gave them, summed from the multiprocess folder.
    before = _healthz_count(base)
    for _ in range(10):
        assert _get(base + "/healthz")[0] == 200
    assert _healthz_count(base) - before == 10.0
    assert list((log.parent / "prometheus").glob("histogram_*.db"))  # the workers' files
    status, _, body = _get(base + "/metrics", {"Authorization": f"Bearer {TOKEN}"})
    text = body.decode()
    # An empty database: the database-read gauges say they could not be read, the scrape still answers.
    assert 'motcua_scrape_error{part="jobs"} 1.0' in text
    assert _get(base + "/metrics")[0] == 403
    assert "rid=nginx-req-0123456789" in log.read_text()


def _nginx() -> str | None:
    return shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


NO_NGINX = (
    "NOT CHECKED: nginx is not installed (apt-get install nginx-light, "
    "or scripts/ensure-system-packages.sh); deploy/nginx/motcua.conf was not tested"
)


def _nginx_config(tmp_path: Path, *, https: int = 0, http: int = 0, upstream: int = 0) -> Path:
    """deploy/nginx as shipped, with a throwaway certificate and files under tmp_path; with ports,
    listening on loopback and passing to the gunicorn under test."""
    subprocess.run(  # noqa: S603, S607 — a self-signed certificate for the check
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=motcua.test",
         "-keyout", str(tmp_path / "privkey.pem"), "-out", str(tmp_path / "fullchain.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    (tmp_path / "motcua-proxy.conf").write_text((DEPLOY / "nginx" / "motcua-proxy.conf").read_text())
    site = (DEPLOY / "nginx" / "motcua.conf").read_text()
    site = site.replace("/etc/ssl/motcua/", f"{tmp_path}/").replace("/var/log/nginx/", f"{tmp_path}/")
    site = site.replace("/etc/nginx/snippets/motcua-proxy.conf", str(tmp_path / "motcua-proxy.conf"))
    if https:
        site = site.replace("listen [::]:443 ssl http2;", "").replace("listen [::]:80;", "")
        site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;")
        site = site.replace("listen 80;", f"listen 127.0.0.1:{http};")
        site = site.replace("server 127.0.0.1:8000", f"server 127.0.0.1:{upstream}")
        site = site.replace("/var/lib/motcua/static/", f"{tmp_path}/static/")
    (tmp_path / "site.conf").write_text(site)
    # The test's own main file (Debian's /etc/nginx/nginx.conf in production). Workers run as the
    # test's user so they can read pytest's private temporary folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    main = user + (
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  include /etc/nginx/mime.types;\n  access_log off;\n  include {tmp_path}/site.conf;\n}}\n"
    )
    (tmp_path / "nginx.conf").write_text(main)
    return tmp_path / "nginx.conf"


def test_the_nginx_config_passes_nginx_t(tmp_path):
    nginx = _nginx()
    if nginx is None:
        pytest.skip(NO_NGINX)
    config = _nginx_config(tmp_path)
    result = subprocess.run(  # noqa: S603
        [nginx, "-t", "-p", str(tmp_path), "-c", str(config)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr


def _https(url: str, headers: dict | None = None, data: bytes | None = None):
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # the throwaway certificate
    request = urllib.request.Request(url, headers=headers or {}, data=data)  # noqa: S310 — loopback only
    try:
        with urllib.request.urlopen(request, timeout=10, context=context) as answer:  # noqa: S310
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_through_nginx_the_client_cannot_choose_its_address_or_request_id(gunicorn, tmp_path):
    nginx = _nginx()
    if nginx is None:
        pytest.skip(NO_NGINX)
    base, _log = gunicorn
    https, http = _free_port(), _free_port()
    (tmp_path / "static" / "portal").mkdir(parents=True)
    (tmp_path / "static" / "portal" / "site.css").write_text("body { color: #1b1f24; }\n")
    config = _nginx_config(tmp_path, https=https, http=http, upstream=int(base.rsplit(":", 1)[1]))
    server = subprocess.Popen(  # noqa: S603
        [nginx, "-p", str(tmp_path), "-c", str(config), "-g", "daemon off;"], stderr=subprocess.PIPE
    )
    try:
        front = f"https://127.0.0.1:{https}"
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                status, headers, body = _https(front + "/healthz", {"X-Request-ID": "chosen-by-the-client"})
                break
            except OSError:
                time.sleep(0.2)
        assert status == 200 and json.loads(body)["status"] == "ok"
        # nginx replaces the client's id with its own $request_id (32 hex), which the application keeps.
        assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"]), headers["X-Request-ID"]
        # /metrics lets 10.9.9.9 in (MOTCUA_METRICS_ALLOWED_IPS): a client writing that address into
        # X-Forwarded-For is still 127.0.0.1 (the right-most entry, appended by nginx), so refused.
        assert _https(front + "/metrics", {"X-Forwarded-For": "10.9.9.9"})[0] == 403
        # Static files come from nginx itself, with a year of caching.
        status, headers, body = _https(front + "/static/portal/site.css")
        assert (
            status == 200
            and body.startswith(b"body")
            and headers["Cache-Control"] == "public, max-age=31536000, immutable"
        )
        # Plain HTTP only redirects to HTTPS.
        request = urllib.request.Request(f"http://127.0.0.1:{http}/tra-cuu/")  # noqa: S310
        opener = urllib.request.build_opener(_NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as caught:
            opener.open(request, timeout=5)
        assert caught.value.code == 301 and caught.value.headers["Location"].startswith("https://")
        # A body far over the limit stops at nginx (413) before it reaches the application.
        assert _https(front + "/tra-cuu/", data=b"x" * (13 * 1024 * 1024))[0] == 413
    finally:
        server.terminate()
        server.wait(timeout=10)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.parametrize("unit", ["motcua-web.service", "motcua-worker.service"])
def test_the_systemd_units_pass_systemd_analyze(unit):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("NOT CHECKED: systemd-analyze is not installed; deploy/systemd was not verified")
    result = subprocess.run(
        [analyze, "verify", str(DEPLOY / "systemd" / unit)], capture_output=True, text=True
    )  # noqa: S603
    # The programs live in /opt/motcua on a province's machine, not here: that is the only complaint allowed.
    complaints = [
        line for line in (result.stdout + result.stderr).splitlines()
        if line.strip() and "/opt/motcua/venv/bin/" not in line
    ]  # fmt: skip
    assert complaints == []


def test_postgresql_connections_persist_across_requests_outside_tests():
    """A fresh PostgreSQL connection per request cost more than /healthz itself (bench submissions:
    9.9 → 13.7 submissions/s with persistent connections); the production settings keep them, checked."""
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'motcua.settings'; django.setup(); "
        "from django.conf import settings as s; d = s.DATABASES; "
        "print(d['default']['CONN_MAX_AGE'], d['default']['CONN_HEALTH_CHECKS'], d['log']['CONN_MAX_AGE'])"
    )
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("MOTCUA_", "DATABASE_URL", "PG"))}
    env = {**keep, "MOTCUA_EMBEDDED": "1", "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused"}
    printed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()
    assert printed == ["60", "True", "60"]
    env["MOTCUA_DB_CONN_MAX_AGE"] = "0"
    printed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()
    assert printed[0] == "0"
