"""The production profile as shipped (deploy/, ADR 0042): gunicorn started with
deploy/gunicorn.conf.py serves the application, with production settings, several workers and the
Prometheus multiprocess folder; nginx accepts deploy/nginx/*.conf (`nginx -t`)."""

import base64
import json
import os
import shutil
import signal
import socket
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


def _get(url: str, headers: dict | None = None):
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 — loopback only
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 — loopback only
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
            if _get(base + "/healthz")[0] == 200:
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


def test_the_nginx_config_passes_nginx_t(tmp_path):
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.skip(
            "NOT CHECKED: nginx is not installed (apt-get install nginx-light, "
            "or scripts/ensure-system-packages.sh); deploy/nginx/motcua.conf was not tested"
        )
    subprocess.run(  # noqa: S603, S607 — a throwaway self-signed certificate for the check
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=motcua.test",
         "-keyout", str(tmp_path / "privkey.pem"), "-out", str(tmp_path / "fullchain.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    snippet = (DEPLOY / "nginx" / "motcua-proxy.conf").read_text()
    (tmp_path / "motcua-proxy.conf").write_text(snippet)
    site = (DEPLOY / "nginx" / "motcua.conf").read_text()
    site = site.replace("/etc/ssl/motcua/", f"{tmp_path}/").replace("/var/log/nginx/", f"{tmp_path}/")
    site = site.replace("/etc/nginx/snippets/motcua-proxy.conf", str(tmp_path / "motcua-proxy.conf"))
    (tmp_path / "site.conf").write_text(site)
    mime = "/etc/nginx/mime.types"
    main = (
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  include {mime};\n  access_log off;\n  include {tmp_path}/site.conf;\n}}\n"
    )
    (tmp_path / "nginx.conf").write_text(main)
    result = subprocess.run(  # noqa: S603
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr
