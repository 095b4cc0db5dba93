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
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from bench import server
from bench.checks import checked
from bench.database import (
    MIGRATE,
    REFERENCE_DATA,
    bench_env,
    database_url,
    recreate_postgres_database,
    seed,
    signed_in_residents,
)
from bench.server import free_port

DB_NAME = "motcua_bench_submissions"
SERVERS = int(os.environ.get("BENCH_SERVERS", "4"))
SERVER_KIND = os.environ.get("BENCH_SERVER", "gunicorn")
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
SUBMISSIONS = int(os.environ.get("BENCH_SUBMISSIONS", "160"))
CODE = "2.000635"
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _env(postgres: bool) -> dict:
    sqlite_file = None if postgres else Path(tempfile.mkdtemp(prefix="motcua-bench-")) / "submissions.sqlite3"
    # gunicorn: no access log line per request (nginx keeps one)
    return bench_env(database_url(postgres, DB_NAME, sqlite_file), MOTCUA_WEB_ACCESS_LOG="0")


def _prepare(env, postgres: bool, users: int) -> list[str]:
    if postgres:
        recreate_postgres_database(DB_NAME)
    seed(env, [MIGRATE, *REFERENCE_DATA, ["signing", "init"]])
    return signed_in_residents(env, users)


def _start_servers(env, port: int) -> list[subprocess.Popen]:
    if SERVER_KIND == "gunicorn":
        procs = [server.gunicorn(env, port, SERVERS, stdout=subprocess.DEVNULL)]
    else:
        procs = [server.wsgiref(env, port) for _ in range(SERVERS)]
    if server.answers(f"http://127.0.0.1:{port}/healthz", timeout=10):
        return procs
    server.stop(procs)
    raise RuntimeError("the bench server did not start")


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


def _run(count: int, job) -> tuple[float, list]:
    """`job(n, i)` for i in range(count) over CLIENTS threads; the seconds it took and the errors."""
    errors, lock, counter = [], threading.Lock(), iter(range(count))

    def worker(n: int):
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            try:
                job(n, i)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                errors.append(repr(exc)[:200])

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started, errors


def _empty_submission(base: str, session_key: str) -> None:
    """The ceiling's unit: as many requests as a submission makes (7 with the timed /healthz), each the
    cheapest the server has (/healthz: middleware, one query), each checked."""
    http = requests.Session()
    http.cookies.set("sessionid", session_key)
    for _ in range(7):
        checked(http.get(f"{base}/healthz", timeout=30), expect='"status": "ok"', what="/healthz")


def main(postgres: bool = False) -> None:
    env = _env(postgres)
    label = "PostgreSQL" if postgres else "SQLite (WAL)"
    t0 = time.monotonic()
    sessions = _prepare(env, postgres, max(CLIENTS * 4, 32))
    print(
        f"submissions bench on {label}: setup {time.monotonic() - t0:.0f} s, {len(sessions)} residents, "
        f"{SERVERS} server processes ({SERVER_KIND}), {CLIENTS} client threads"
    )
    port = free_port()
    procs = _start_servers(env, port)
    base = f"http://127.0.0.1:{port}"
    page_times, ref_times, codes = [], [], []

    def submission(n: int, i: int):
        # Each thread has its own residents: one person never submits from two threads at once.
        own = sessions[n::CLIENTS]
        codes.append(_submit(base, own[i % len(own)], page_times, ref_times))

    try:
        _submit(base, sessions[0], [], [])  # warm-up: imports, the sandbox's tables
        elapsed, errors = _run(SUBMISSIONS, submission)
        # The same clients and server doing only the cheapest request, as many times: what no
        # tuning of the submission's own code can exceed on this machine (client threads included).
        ceiling_elapsed, ceiling_errors = _run(SUBMISSIONS, lambda n, i: _empty_submission(base, sessions[n]))
    finally:
        server.stop(procs)
    ms = 1000
    print(
        f"  submissions: {len(codes)} in {elapsed:.1f} s = {len(codes) / elapsed:.1f} /s end to end "
        f"(6 HTTP requests each), {len(set(codes))} distinct dossier codes, {len(errors)} errors"
    )
    for error in errors[:3]:
        print(f"    error: {error}")
    done = SUBMISSIONS - len(ceiling_errors)
    if done:
        print(
            f"  ceiling: {done} sequences of 7 × /healthz in {ceiling_elapsed:.1f} s = "
            f"{done / ceiling_elapsed:.1f} /s (same clients, same server, the cheapest request only): "
            f"submissions run at {len(codes) / elapsed / (done / ceiling_elapsed):.2f}× the ceiling"
        )
    else:
        print(f"  ceiling: NOT MEASURED ({ceiling_errors[0] if ceiling_errors else 'no sequence ran'})")
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
