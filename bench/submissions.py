"""Online submissions end to end over HTTP, and the prefilled form page's latency.

    python -m bench submissions             # SQLite file (WAL)
    python -m bench submissions --postgres  # PostgreSQL at 127.0.0.1 (database motcua_bench_submissions)

Method: a fresh database (migrate, calendar, places, catalogue, forms, in subprocesses); the
production server, gunicorn with `deploy/gunicorn.conf.py` and SERVERS workers (BENCH_SERVER=wsgiref
gives the earlier baseline: SERVERS processes of Python's wsgiref on one port with SO_REUSEPORT,
the kernel spreading connections over them); eID sessions
for USERS synthetic residents of the registries' sandbox written into the session store (the
sign-in itself is the eID's bench, not this one). Then CLIENTS threads with `requests` each run
whole submissions of "Cấp bản sao trích lục hộ tịch" (2.000635): open the form (draft + prefill from
the sandbox registries), GET page 1 (timed: the prefilled form page), POST page 1, POST page 2,
POST "Nộp hồ sơ", GET the receipt. Printed: submissions per second, and the p50/p95 of the prefilled
page beside the p50/p95 of /healthz measured against the same server in the same run (ratio).
"""

import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from bench.checks import checked

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "motcua_bench_submissions"
SERVERS = int(os.environ.get("BENCH_SERVERS", "4"))
SERVER_KIND = os.environ.get("BENCH_SERVER", "gunicorn")
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
SUBMISSIONS = int(os.environ.get("BENCH_SUBMISSIONS", "160"))
CODE = "2.000635"
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _env(postgres: bool) -> dict:
    env = {
        **os.environ,
        "MOTCUA_EMBEDDED": "1",
        "MOTCUA_INSECURE_HTTP": "1",
        "MOTCUA_WEB_ACCESS_LOG": "0",  # gunicorn: no access log line per request (nginx keeps one)
        "DJANGO_SETTINGS_MODULE": "motcua.settings",
    }
    if postgres:
        env["DATABASE_URL"] = os.environ.get(
            "BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
        )
    else:
        env["DATABASE_URL"] = (
            f"sqlite:///{Path(tempfile.mkdtemp(prefix='motcua-bench-')) / 'submissions.sqlite3'}"
        )
    return env


def _manage(env, *args):
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


def _prepare(env, postgres: bool, users: int) -> list[str]:
    if postgres:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    for command in (
        ["migrate", "--no-input", "-v", "0"],
        ["load_calendar"],
        ["load_places"],
        ["import_catalog"],
        ["load_forms"],
        ["signing", "init"],
    ):
        _manage(env, *command)
    script = (
        "import django,sys; django.setup()\n"
        "from django.contrib.sessions.backends.db import SessionStore\n"
        "from django.utils import timezone\n"
        "from motcua.people.models import User\n"
        "from motcua.registries.sandbox import person_at\n"
        f"for i in range(100, 100 + {users}):\n"
        "    p = person_at(i)\n"
        "    if p.deceased_on: continue\n"
        "    u, _ = User.objects.get_or_create(username='bench-'+p.id_number, defaults={'kind': 'citizen',"
        " 'personal_id': p.id_number, 'full_name': p.full_name})\n"
        "    s = SessionStore(); s['_auth_user_id'] = str(u.pk);"
        " s['_auth_user_backend'] = 'django.contrib.auth.backends.ModelBackend';"
        " s['_auth_user_hash'] = u.get_session_auth_hash(); s['eid_sub'] = p.id_number;"
        " s['signed_in_at'] = timezone.now().isoformat(); s.create(); print(s.session_key)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return out.stdout.split()


SERVER = """
import os, socket, sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
from motcua.wsgi import application

class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass

class Server(WSGIServer):
    def server_bind(self):
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        super().server_bind()

server = make_server("127.0.0.1", int(sys.argv[1]), application, server_class=Server, handler_class=Quiet)
server.serve_forever()
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_servers(env, port: int) -> list[subprocess.Popen]:
    if SERVER_KIND == "gunicorn":
        command = [
            sys.executable, "-m", "gunicorn", "motcua.wsgi:application",
            "--config", str(ROOT / "deploy" / "gunicorn.conf.py"),
            "--bind", f"127.0.0.1:{port}", "--workers", str(SERVERS),
        ]  # fmt: skip
        procs = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)]
    else:
        procs = [
            subprocess.Popen([sys.executable, "-c", SERVER, str(port)], cwd=ROOT, env=env)
            for _ in range(SERVERS)
        ]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200:
                return procs
        except requests.RequestException:
            time.sleep(0.5)
    _stop(procs)
    raise RuntimeError("the bench server did not start")


def _stop(procs) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:  # gunicorn lets its workers finish (graceful_timeout); then it is stopped for good
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))] if values else float("nan")


def _submit(base: str, session_key: str, page_times: list, ref_times: list) -> str:
    http = requests.Session()
    http.cookies.set("sessionid", session_key)
    started = time.perf_counter()
    health = http.get(f"{base}/healthz", timeout=30)
    elapsed = time.perf_counter() - started
    checked(health, what="/healthz")
    ref_times.append(elapsed)
    response = checked(
        http.get(f"{base}/nop-ho-so/{CODE}/", allow_redirects=False, timeout=30), status=302, what="start"
    )
    page1 = base + response.headers["Location"]
    started = time.perf_counter()
    response = http.get(page1, allow_redirects=False, timeout=30)
    elapsed = time.perf_counter() - started
    # Timed only when it is the form itself, prefilled from the registries (not a sign-in redirect).
    html = checked(response, expect="Đã điền sẵn từ", what="the prefilled form page").text
    page_times.append(elapsed)
    token = _CSRF.search(html).group(1)
    values = dict(
        re.findall(r'<input type="(?:text|tel|email|date)" name="([a-z_]+)" id="[^"]+" value="([^"]*)"', html)
    )
    values.setdefault("phone", "")
    values.update(
        {"csrfmiddlewaretoken": token, "permanent_address": values.get("permanent_address") or "Sơn La"}
    )
    response = http.post(page1, data=values, allow_redirects=False, timeout=30)
    assert response.status_code == 302, response.text[:300]
    page2 = base + response.headers["Location"]
    data = {
        "csrfmiddlewaretoken": token,
        "record_kind": "Khai sinh",
        "birth_registration_number": "12/2026",
        "copies": "1",
        "result_delivery": "Nhận trực tuyến",
    }
    response = http.post(page2, data=data, allow_redirects=False, timeout=30)
    assert response.status_code == 302 and "kiem-tra" in response.headers["Location"], response.text[:300]
    check = base + response.headers["Location"]
    response = http.post(check, data={"csrfmiddlewaretoken": token}, allow_redirects=False, timeout=30)
    assert response.status_code == 302 and "bien-nhan" in response.headers["Location"], response.text[:300]
    receipt = http.get(base + response.headers["Location"], timeout=30).text
    return re.search(r'class="dossier-code">([^<]+)<', receipt).group(1)


def main(postgres: bool = False) -> None:
    env = _env(postgres)
    label = "PostgreSQL" if postgres else "SQLite (WAL)"
    t0 = time.monotonic()
    sessions = _prepare(env, postgres, max(CLIENTS * 4, 32))
    print(
        f"submissions bench on {label}: setup {time.monotonic() - t0:.0f} s, {len(sessions)} residents, "
        f"{SERVERS} server processes ({SERVER_KIND}), {CLIENTS} client threads"
    )
    port = _free_port()
    procs = _start_servers(env, port)
    base = f"http://127.0.0.1:{port}"
    page_times, ref_times, codes, errors = [], [], [], []
    lock = threading.Lock()
    counter = iter(range(SUBMISSIONS))

    def worker(n: int):
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            try:
                # Each thread has its own residents: one person never submits from two threads at once.
                own = sessions[n::CLIENTS]
                codes.append(_submit(base, own[i % len(own)], page_times, ref_times))
            except Exception as exc:  # noqa: BLE001 - counted and reported
                errors.append(repr(exc)[:200])

    try:
        _submit(base, sessions[0], [], [])  # warm-up: imports, the sandbox's tables
        started = time.monotonic()
        threads = [threading.Thread(target=worker, args=(n,)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    finally:
        _stop(procs)
    ms = 1000
    print(
        f"  submissions: {len(codes)} in {elapsed:.1f} s = {len(codes) / elapsed:.1f} /s end to end "
        f"(6 HTTP requests each), {len(set(codes))} distinct dossier codes, {len(errors)} errors"
    )
    for error in errors[:3]:
        print(f"    error: {error}")
    if not page_times or not codes:
        print("  prefilled form page: NOT MEASURED (no page or submission succeeded)")
        return
    page95, ref95 = _pct(page_times, 95), _pct(ref_times, 95)
    print(f"  prefilled form page: p50 {_pct(page_times, 50) * ms:.1f} ms, p95 {page95 * ms:.1f} ms")
    print(
        f"  reference /healthz : p50 {_pct(ref_times, 50) * ms:.1f} ms, p95 {ref95 * ms:.1f} ms "
        f"(same server, same run) → ratio p95 {page95 / ref95:.1f}×"
    )


if __name__ == "__main__":
    main("--postgres" in sys.argv)
