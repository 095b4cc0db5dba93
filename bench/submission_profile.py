"""Where the time of one online submission goes: the six requests of `bench submissions`, in process.

    python -m bench.submission_profile --setup      # a fresh database first (migrate + reference data)
    python -m bench.submission_profile [-n 20] [--top 25]

The same sequence as bench/submissions.py (open the form: draft + prefill, GET page 1 prefilled,
POST page 1, POST page 2, POST "Nộp hồ sơ", GET the receipt) through Django's test client in this
process, on the database of DATABASE_URL (default: PostgreSQL, database motcua_profile_submissions),
embedded settings with the database cache, as the bench's server has them. Printed per request:
CPU milliseconds (process time, so a loaded machine changes it little) and SQL queries, each the
median over `-n` submissions after warm-up submissions; then the top functions of a cProfile of
those submissions by own time and by cumulative time. Figures are CPU time, not latency: no network,
no server, no client.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/motcua_profile_submissions"
CODE = "2.000635"
STEPS = ("start", "page 1 (GET, prefilled)", "page 1 (POST)", "page 2 (POST)", "submit (POST)", "receipt")


def _setup(url: str) -> None:
    from bench.database import MIGRATE, REFERENCE_DATA, bench_env, recreate_postgres_database, seed

    if url.startswith("postgres"):
        recreate_postgres_database(url.rsplit("/", 1)[1])
    seed(bench_env(url), [MIGRATE, *REFERENCE_DATA, ["signing", "init"], ["createcachetable"]])


def _residents(count: int) -> list:
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from motcua.people.models import User
    from motcua.registries.sandbox import person_at

    keys, index = [], 100
    while len(keys) < count:
        person = person_at(index)
        index += 1
        if person.deceased_on:
            continue
        user, _ = User.objects.get_or_create(
            username="profile-" + person.id_number,
            defaults={"kind": "citizen", "personal_id": person.id_number, "full_name": person.full_name},
        )
        session = SessionStore()
        session.update(
            {
                "_auth_user_id": str(user.pk),
                "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                "_auth_user_hash": user.get_session_auth_hash(),
                "eid_sub": person.id_number,
                "signed_in_at": timezone.now().isoformat(),
            }
        )
        session.create()
        keys.append(session.session_key)
    return keys


def _submission(client, session_key: str, observe) -> str:
    """One submission; `observe(step, call)` runs each request and returns its response."""
    import re

    client.cookies.clear()
    client.cookies["sessionid"] = session_key
    response = observe(0, lambda: client.get(f"/nop-ho-so/{CODE}/"))
    assert response.status_code == 302, response.status_code
    page1 = response["Location"]
    response = observe(1, lambda: client.get(page1))
    html = response.content.decode()
    assert "Đã điền sẵn từ" in html, html[:500]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    values = dict(
        re.findall(r'<input type="(?:text|tel|email|date)" name="([a-z_]+)" id="[^"]+" value="([^"]*)"', html)
    )
    values.setdefault("phone", "")
    values["permanent_address"] = values.get("permanent_address") or "Sơn La"
    if token:
        values["csrfmiddlewaretoken"] = token.group(1)
    response = observe(2, lambda: client.post(page1, values))
    assert response.status_code == 302, response.content[:300]
    page2 = response["Location"]
    data = {
        "record_kind": "Khai sinh",
        "birth_registration_number": "12/2026",
        "copies": "1",
        "result_delivery": "Nhận trực tuyến",
    }
    response = observe(3, lambda: client.post(page2, data))
    assert response.status_code == 302 and "kiem-tra" in response["Location"], response.content[:300]
    check = response["Location"]
    response = observe(4, lambda: client.post(check, {}))
    assert response.status_code == 302 and "bien-nhan" in response["Location"], response.content[:300]
    receipt = response["Location"]
    response = observe(5, lambda: client.get(receipt))
    return re.search(r'class="dossier-code">([^<]+)<', response.content.decode()).group(1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--setup", action="store_true", help="recreate and seed the database first")
    parser.add_argument("-n", type=int, default=20, help="submissions measured (default 20)")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--dump", help="write the cProfile statistics to this file")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if args.setup:
        started = time.monotonic()
        _setup(url)
        print(f"setup {time.monotonic() - started:.0f} s")
    os.environ.update(
        MOTCUA_EMBEDDED="1",
        MOTCUA_INSECURE_HTTP="1",
        DJANGO_SETTINGS_MODULE="motcua.settings",
        DATABASE_URL=url,
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()  # the test client's response.templates etc.; DEBUG stays off
    sessions = _residents(3 * args.n + 3)
    # One client, one handler, as one server process: a new Client would load the middleware
    # again (WhiteNoise scans every static file when it starts).
    client = Client(HTTP_HOST="127.0.0.1")
    it = iter(sessions)

    def plain(step, call):
        return call()

    for _ in range(3):  # warm-up: imports, templates, per-process caches
        _submission(client, next(it), plain)

    cpu = {i: [] for i in range(len(STEPS))}
    queries = {i: [] for i in range(len(STEPS))}
    samples = {i: {} for i in range(len(STEPS))}

    def timed(step, call):
        started = time.process_time()
        response = call()
        cpu[step].append((time.process_time() - started) * 1000)
        return response

    def counted(step, call):
        with CaptureQueriesContext(connection) as captured:
            response = call()
        queries[step].append(len(captured.captured_queries))
        if not samples[step]:
            for query in captured.captured_queries:
                sql = query["sql"]
                key = sql[:90]
                samples[step][key] = samples[step].get(key, 0) + 1
        return response

    for _ in range(args.n):
        _submission(client, next(it), timed)
    for _ in range(args.n):
        _submission(client, next(it), counted)
    profiler = cProfile.Profile(time.process_time)  # CPU, not waits on the database
    profiled = 0.0
    for _ in range(args.n):
        started = time.process_time()
        profiler.enable()
        _submission(client, next(it), plain)
        profiler.disable()
        profiled += time.process_time() - started

    print(
        f"database: {connection.vendor}; {args.n} submissions per figure (medians), CPU time of this process"
    )
    total_cpu = total_min = total_queries = 0
    for step, name in enumerate(STEPS):
        ms, count, low = statistics.median(cpu[step]), statistics.median(queries[step]), min(cpu[step])
        total_cpu += ms
        total_min += low
        total_queries += count
        print(f"  {name:<26} {ms:7.1f} ms CPU (min {low:5.1f})  {count:4.0f} queries")
    whole = "one submission"
    print(f"  {whole:<26} {total_cpu:7.1f} ms CPU (min {total_min:5.1f})  {total_queries:4.0f} queries")
    calls = sum(row[1] for row in pstats.Stats(profiler).stats.values())
    print(
        f"  (under cProfile: {profiled / args.n * 1000:.1f} ms CPU and {calls / args.n:,.0f} Python"
        " function calls per submission; the count of calls does not depend on the machine's load)"
    )
    for step, name in enumerate(STEPS):
        print(f"\nqueries of {name} (first submission counted):")
        for sql, n in sorted(samples[step].items(), key=lambda kv: -kv[1]):
            print(f"  {n:3d} × {sql}")
    stats = pstats.Stats(profiler)
    if args.dump:
        stats.dump_stats(args.dump)
    stats.strip_dirs().sort_stats("tottime").print_stats(args.top)
    stats.sort_stats("cumulative").print_stats(args.top * 2)


if __name__ == "__main__":
    main()
