"""The task queue (ADR 0041): a backlog of deliveries to the national-portal sandbox drained by 1, 2 and
4 worker processes, one worker killed with kill -9 mid-backlog, the national peak arriving through the
queue (sync lag p50/p95/p99 per worker count, ADR 0047), and transitions/s with side effects in the
request (before) and on the queue (after), all in one run.

    python -m bench queue                       # SQLite in a temporary folder (the embedded mode)
    python -m bench queue --postgres            # PostgreSQL (database motcua_bench_queue, recreated)
    python -m bench.queue --deliveries 3000     # a smaller backlog
    python -m bench.queue --rate 300 --steady   # the national peak at another arrival rate

Method. A fresh database with the calendar, places and catalogue. The backlog: dossiers received at the
counter and assigned through the dossier services (3 state changes each: create, receive, assign), so
`--deliveries` outbox messages wait for the portal. The sandbox portal runs in this process on a
threaded HTTP server on loopback (the same Django app, as in `bench sync`); a WSGI wrapper in front of
it counts every progress record received, so re-sends are seen. The workers are real `motcua worker
--no-scheduler` processes (db_worker loop, claim with SKIP LOCKED on PostgreSQL, an EXCLUSIVE
transaction on SQLite); this process plays the scheduler's `sync.deliver` job (`sync.tasks.deliver_job`
every 0.2 s, keeping as many drains queued as there are workers). Timing starts at the first drain
enqueued, with the workers already up, and stops when no message is left unsent. Between runs the
receiver is emptied and the same messages are put back in the queue.

Kill: 4 workers; when about a third is delivered one worker that is running a drain (its id is on a
RUNNING drain task) gets SIGKILL (its drain and its claimed messages are lost with it). Its messages
come back when their lease ends (MOTCUA_SYNC_LEASE_SECONDS, set to 5 s here). Checked at the receiver:
every progress entry of every dossier is there (0 lost), each once (0 applied twice: records received
again are counted as re-sent, the receiver's key makes them no-ops), and in each dossier's order.
Every answer of the sandbox portal's services is checked (HTTP 200 and error_code 0; anything else
counts as refused, fails the run and acknowledges nothing); a drain that leaves a dead letter stops
and fails at once. A figure that was not measured (timed out, dead letters, no kill) says NOT
MEASURED, and the bench exits non-zero (`python -m bench queue` lists it as broken). Each figure is
printed with the machine's load average (1/5/15 min).

National peak (issue 18 part 3, `--rate`, `--seconds`, `--steady`; `--seconds 0` skips it): the same
messages, now arriving instead of waiting. Assumptions: 88,000 dossiers a day for the 34 provinces
(docs/scale.md; 1,777,005 online dossiers in July 2025 on the national portal, CV 7260/VPCP-KSTT,
research/vn-regulation-spec.md §0.1 and vn-incumbents.md "load anchors"), 8 progress records per dossier
[assumed: receive, assign, forward, approve, sign, return …], a peak hour 10 times the 24-hour average
[assumed: office hours only, a Monday morning after Tết; findings-2026-12.md "peaks perhaps ×10"]:
88,000 × 8 / 86,400 × 10 ≈ 81.5 records/s, all 34 provinces through ONE queue (the multi-tenant option's
worst case; one provincial deployment carries 1/34 of it). Arrivals are Poisson (the sum of 34
independent provinces' streams is one; seeded, reproducible) or evenly spaced, for `--seconds` (20 s)
per worker count. Every message starts in a bench-only state "held" (no drain sees it); this process
"arrives" it at its time (state pending, created_at now: one UPDATE), plays the scheduler's
`sync.deliver` at its production period (MOTCUA_SYNC_DELIVER_EVERY, 5 s) and the workers run with the
production drain length and lease (30 s, 60 s). Sync lag = the moment a message arrived in the outbox
→ the moment the sandbox portal had answered the CapNhatTienDoHoSoMC call carrying its progress record
(the receiver's WSGI wrapper, same process, same clock); p50/p95/p99 per worker count, printed beside
the drain rate of the same worker count measured above. Checked: every arrived message's progress
record is at the portal (0 lost), once (0 applied twice). NOT MEASURED when nothing was acknowledged.

Transitions/s: the same counter reception + assignment, applicants with e-mail and phone, the QĐ 766
index built. Before: side effects in the request thread after the commit (the ImmediateBackend runs the
notification and index tasks at commit, as the code did before issue 18). After: the database backend
(they are rows in the transaction; a worker does them). The e-mail and SMS gateways are sandboxes with
an ASSUMED latency of 100 ms each per message (a real SMTP relay or SMS API on the Internet).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from bench.database import fresh_database

ROOT = Path(__file__).resolve().parent.parent
LATENCY = 0.1  # seconds per e-mail or SMS [assumed]


class SlowSms:
    """The SMS sandbox behind an Internet round trip (assumed 100 ms)."""

    def send(self, phone: str, text: str) -> str:
        from motcua.dossiers.notifications import SandboxSmsGateway

        time.sleep(LATENCY)
        return SandboxSmsGateway().send(phone, text)


class SlowMail:
    """Django's in-memory mail backend behind an SMTP round trip (assumed 100 ms)."""

    def __init__(self, *args, **kwargs):
        from django.core.mail.backends.locmem import EmailBackend

        self.inner = EmailBackend(*args, **kwargs)

    def send_messages(self, messages):
        time.sleep(LATENCY * len(messages))
        return self.inner.send_messages(messages)


class Receiver:
    """WSGI wrapper: counts the progress records (CapNhatTienDoHoSoMC) each key was received with,
    notes when each key was first acknowledged (the portal's answer written, wall clock), and checks
    every answer of the portal's services: HTTP 200 with error_code 0, else it counts as refused (and
    acknowledges nothing)."""

    def __init__(self, app):
        self.app, self.received, self.lock = app, Counter(), threading.Lock()
        self.acked: dict[str, float] = {}
        self.answers: Counter = Counter()  # "ok" / "refused" per answer of a service call
        self.refusals: list[str] = []  # the first few refused answers, for the report

    def clear(self) -> None:
        with self.lock:
            self.received.clear()
            self.acked.clear()
            self.answers.clear()
            self.refusals.clear()

    def __call__(self, environ, start_response):
        from motcua.sync.records import progress_key

        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(raw)
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        service = body.get("service") if isinstance(body, dict) else None
        if not service:
            return self.app(environ, start_response)
        keys = []
        if service == "CapNhatTienDoHoSoMC":
            keys = [progress_key(r) for r in body.get("data") or []]
            with self.lock:
                self.received.update(keys)
        status = []

        def noting(code, headers, exc_info=None):
            status.append(code)
            return start_response(code, headers, exc_info) if exc_info else start_response(code, headers)

        answer = self.app(environ, noting)  # Django has written the records and its answer
        try:
            content = b"".join(answer)
        finally:
            if hasattr(answer, "close"):
                answer.close()
        now = time.time()
        try:
            error_code = json.loads(content).get("error_code")
        except (ValueError, AttributeError):
            error_code = None
        ok = bool(status) and status[0].startswith("200") and error_code == 0
        with self.lock:
            self.answers["ok" if ok else "refused"] += 1
            if not ok and len(self.refusals) < 5:
                self.refusals.append(f"{service}: {status[:1]} {content[:200]!r}")
            if ok:
                for key in keys:
                    self.acked.setdefault(key, now)
        return [content]


def _serve():
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    receiver = Receiver(WSGIHandler())
    server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet, allow_reuse_address=False)
    server.set_app(receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, receiver, f"http://127.0.0.1:{server.server_port}"


def _officers():
    from motcua.catalog.models import Procedure
    from motcua.people.models import OfficerRole, User
    from motcua.places.models import Agency

    role = OfficerRole.Role
    centre, justice = Agency.objects.get(code="000.00.30.H52"), Agency.objects.get(code="000.00.04.H52")

    def officer(name, agency, r):
        user = User.objects.create(username=name, full_name=name, kind=User.Kind.OFFICER, is_staff=True)
        OfficerRole.objects.create(user=user, agency=agency, role=r)
        return user

    return {
        "reception": officer("tn", centre, role.RECEPTION),
        "head": officer("tp", justice, role.UNIT_HEAD),
        "specialist": officer("cv", justice, role.SPECIALIST),
        "centre": centre,
        "procedure": Procedure.objects.select_related("current_version").get(code="1.000426"),
    }


def _dossiers(people, first: int, count: int, contact: bool) -> float:
    """`count` dossiers received and assigned (3 transitions each); the seconds it took."""
    from motcua.dossiers import services
    from motcua.dossiers.intake import Applicant, Paper, receive_in_person

    procedure = people["procedure"]
    papers = [
        Paper(name=d.name, requirement_id=d.pk, originals=d.originals, copies=d.copies)
        for d in procedure.current_version.documents.all()
    ]
    started = time.perf_counter()
    for i in range(first, first + count):
        extra = {"phone": f"09{i:08d}", "email": f"nguoi{i}@example.vn"} if contact else {}
        applicant = Applicant(name=f"Người nộp {i}", id_number=f"01409{i:07d}", **extra)
        d = receive_in_person(people["reception"], people["centre"], procedure, applicant, papers)
        services.perform(d, "assign", people["head"], assignee=people["specialist"])
    return time.perf_counter() - started


def _reset_receiver_and_queue(receiver) -> int:
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from motcua.sync.models import OutboxMessage, SandboxDossier

    SandboxDossier.objects.all().delete()  # and their progress entries
    DBTaskResult.objects.all().delete()
    receiver.clear()
    return OutboxMessage.objects.update(
        state="pending", attempts=0, next_try_at=timezone.now(), sent_at=None, last_error=""
    )


def _start_workers(n: int, env: dict, tag: str) -> list[subprocess.Popen]:
    import tempfile

    procs, logs = [], []
    for k in range(n):
        log = Path(tempfile.mkstemp(prefix=f"motcua-bench-{tag}-{k}-", suffix=".log")[1])
        logs.append(log)
        command = [sys.executable, "manage.py", "worker", "--no-scheduler", "--interval", "0.05"]
        with log.open("w") as out:
            procs.append(
                subprocess.Popen(
                    [*command, "--worker-id", f"{tag}-{k}"],
                    cwd=ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
    deadline = time.monotonic() + 120
    while not all("motcua worker" in log.read_text(errors="replace") for log in logs):  # Django loaded
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs), [
            log.read_text(errors="replace")[-2000:] for log in logs
        ]
        time.sleep(0.1)
    return procs


def _stop(procs) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _victim(procs, tag: str):
    """A worker process that is running a drain now (its claimed messages die with it), or None."""
    from django_tasks_db.models import DBTaskResult

    from motcua.sync import tasks as sync_tasks

    running = DBTaskResult.objects.filter(task_path=sync_tasks.drain.module_path, status="RUNNING")
    busy = {w for ids in running.values_list("worker_ids", flat=True) for w in ids or []}
    for k, proc in enumerate(procs):
        if f"{tag}-{k}" in busy and proc.poll() is None:
            return proc
    return None


def _drain(workers: int, env: dict, total: int, kill_at: float | None = None, limit: float = 900.0):
    """Run the workers until every message is sent; (seconds, killed pid or None, outcome): outcome is
    "" when all were sent, "TIMED OUT" after `limit` s, "DEAD LETTERS" when a message died."""
    from django.conf import settings

    from motcua.sync import tasks as sync_tasks
    from motcua.sync.models import OutboxMessage

    settings.MOTCUA_SYNC_WORKERS = workers
    tag = f"w{workers}{'k' if kill_at else ''}"
    procs = _start_workers(workers, env, tag)
    killed = None
    started = time.perf_counter()
    try:
        while time.perf_counter() - started < limit:
            sync_tasks.deliver_job()  # the scheduler's sync.deliver
            left = OutboxMessage.objects.exclude(state="sent").count()
            if left == 0:
                return time.perf_counter() - started, killed, ""
            if OutboxMessage.objects.filter(state="dead").exists():  # it would never be sent
                return time.perf_counter() - started, killed, "DEAD LETTERS"
            if kill_at is not None and killed is None and left <= total * (1 - kill_at):
                victim = _victim(procs, tag)  # one that holds claimed messages, in a drain
                if victim is not None:
                    os.kill(victim.pid, signal.SIGKILL)  # no handler, no clean-up: as a crash
                    victim.wait()
                    killed = victim.pid
            time.sleep(0.2)
        return time.perf_counter() - started, killed, "TIMED OUT"
    finally:
        _stop(procs)


def _check_receiver(receiver) -> dict:
    """What the portal holds against what it should: lost, applied twice, out of order, re-sent."""
    from motcua.dossiers.models import Dossier, DossierHistory
    from motcua.sync.models import SandboxDossier, SandboxProgress

    expected = DossierHistory.objects.count()
    rows = list(SandboxProgress.objects.order_by("id").values_list("dossier_id", "key", "status"))
    keys = Counter(key for _, key, _ in rows)
    by_dossier: dict[int, list[int]] = {}
    for dossier_id, _, status in rows:
        by_dossier.setdefault(dossier_id, []).append(status)
    return {
        "lost": expected - len(keys),
        "applied_twice": sum(c - 1 for c in keys.values() if c > 1),
        "dossiers_missing": Dossier.objects.count() - SandboxDossier.objects.count(),
        "out_of_order": sum(1 for s in by_dossier.values() if s != sorted(s)),
        "resent": sum(c - 1 for c in receiver.received.values() if c > 1),
        "expected": expected,
        "refused": receiver.answers["refused"],
        "answers": sum(receiver.answers.values()),
    }


# The national peak (issue 18 part 3): arrivals at a rate instead of a backlog.
NATION_DOSSIERS_PER_DAY = 88_000  # docs/scale.md: 1,777,005 online dossiers in 7/2025 (CV 7260/VPCP-KSTT)
RECORDS_PER_DOSSIER = 8  # [assumed] state changes per dossier: receive, assign, forward, approve, sign…
PEAK_FACTOR = 10  # [assumed] peak hour ÷ the 24-hour average (a Monday morning after Tết)
PEAK_RATE = NATION_DOSSIERS_PER_DAY * RECORDS_PER_DOSSIER / 86_400 * PEAK_FACTOR  # ≈ 81.5 records/s
HELD = "held"  # a bench-only state: a message that has not "arrived" yet (invisible to the drains)


def _percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, -(-len(ordered) * q // 100) - 1))]


def _arrival_offsets(rate: float, seconds: float, poisson: bool, limit: int) -> list[float]:
    """Seconds after the start at which each message arrives: a Poisson process (the superposition
    of 34 provinces' independent streams is one) or evenly spaced; at most `limit`."""
    import random

    rng, offsets, t = random.Random(18), [], 0.0
    while len(offsets) < limit:
        t = t + rng.expovariate(rate) if poisson else (len(offsets) + 1) / rate
        if t > seconds:
            break
        offsets.append(t)
    return offsets


def _expected_keys(ids: list[int]) -> dict[str, int]:
    """progress key → outbox message id, for the messages `ids` (as the portal will receive them)."""
    from motcua.dossiers.models import Dossier, DossierHistory
    from motcua.sync.models import OutboxMessage
    from motcua.sync.records import progress_key, progress_record

    rows = list(OutboxMessage.objects.filter(pk__in=ids).values_list("pk", "history_id", "dossier_id"))
    entries = DossierHistory.objects.select_related("agency").in_bulk([h for _, h, _ in rows if h])
    dossiers = Dossier.objects.select_related("receiving_agency").in_bulk([d for _, _, d in rows])
    return {progress_key(progress_record(entries[h], dossiers[d])): pk for pk, h, d in rows if h in entries}


def _arrivals(workers: int, env: dict, receiver, rate: float, seconds: float, poisson: bool) -> dict:
    """`workers` workers, messages arriving at `rate` for `seconds`, the scheduler's sync.deliver at
    its production period; then until all arrived are delivered (at most 60 s more). The figures."""
    from bisect import bisect_right

    from django.conf import settings
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from motcua.sync import tasks as sync_tasks
    from motcua.sync.models import OutboxMessage, SandboxDossier

    SandboxDossier.objects.all().delete()
    DBTaskResult.objects.all().delete()
    receiver.clear()
    OutboxMessage.objects.update(state=HELD, attempts=0, sent_at=None, last_error="")
    ids = list(OutboxMessage.objects.order_by("id").values_list("pk", flat=True))
    offsets = _arrival_offsets(rate, seconds, poisson, len(ids))
    ids = ids[: len(offsets)]
    every = settings.MOTCUA_SYNC_DELIVER_EVERY
    settings.MOTCUA_SYNC_WORKERS = workers
    procs = _start_workers(workers, env, f"n{workers}")
    arrived: dict[int, float] = {}
    late = 0.0
    started = time.monotonic()
    next_deliver, done, timed_out = started, 0, False
    try:
        while True:
            now = time.monotonic()
            if done < len(ids):
                due = bisect_right(offsets, now - started)
                if due > done:
                    batch, at = ids[done:due], time.time()
                    late = max(late, now - started - offsets[done])
                    stamp = timezone.now()
                    OutboxMessage.objects.filter(pk__in=batch).update(
                        state="pending", next_try_at=stamp, created_at=stamp
                    )
                    arrived.update(dict.fromkeys(batch, at))
                    done = due
            if now >= next_deliver:  # the scheduler's `sync.deliver` job, every MOTCUA_SYNC_DELIVER_EVERY s
                sync_tasks.deliver_job()
                next_deliver += every
            if done == len(ids):
                if not OutboxMessage.objects.filter(pk__in=ids).exclude(state="sent").exists():
                    break
                if now - started > seconds + 60:
                    timed_out = True
                    break
                time.sleep(0.05)
            else:
                time.sleep(min(0.01, max(0.0, offsets[done] - (time.monotonic() - started))))
    finally:
        _stop(procs)
    expected = _expected_keys(ids)
    from motcua.sync.models import SandboxProgress

    held = Counter(SandboxProgress.objects.values_list("key", flat=True))
    lags = [receiver.acked[k] - arrived[pk] for k, pk in expected.items() if k in receiver.acked]
    return {
        "arrived": len(ids),
        "span": offsets[-1] if offsets else 0.0,
        "late": late,
        "lags": lags,
        "lost": sum(1 for k in expected if k not in held) + (len(ids) - len(expected)),
        "applied_twice": sum(c - 1 for c in held.values() if c > 1),
        "extra": sum(1 for k in held if k not in expected),
        "unacked": sum(1 for k in expected if k not in receiver.acked),
        "resent": sum(c - 1 for c in receiver.received.values() if c > 1),
        "refused": receiver.answers["refused"],
        "answers": sum(receiver.answers.values()),
        "refusals": list(receiver.refusals),
        "timed_out": timed_out,
        "every": every,
        "load": _load(),
    }


def national_peak(
    receiver, env: dict, rates: dict, rate: float, seconds: float, poisson: bool, workers=(1, 2, 4)
) -> bool:
    """Print the national peak's sync lag per worker count beside the drain rates; True when measured
    with 0 lost and 0 applied twice."""
    # The production values: drains run 30 s, a dead worker's messages come back after 60 s.
    env = {**env, "MOTCUA_SYNC_RUN_SECONDS": "30", "MOTCUA_SYNC_LEASE_SECONDS": "60"}
    print(
        f"  national peak: 34 provinces through one queue, {'Poisson' if poisson else 'steady'} arrivals "
        f"at {rate:.1f} progress records/s for {seconds:.0f} s per run ({NATION_DOSSIERS_PER_DAY:,} "
        f"dossiers/day × {RECORDS_PER_DOSSIER} records ÷ 86,400 s × {PEAK_FACTOR} peak factor, assumed); "
        "lag = arrival in the outbox → acknowledged by the portal sandbox"
    )
    ok = measured = True
    for n in workers:
        r = _arrivals(n, env, receiver, rate, seconds, poisson)
        drain = f"{rates[n]:.0f}/s" if n in rates else "not measured"
        label = f"{n} worker{'s' if n > 1 else ' '}"
        lost_line = (
            f"lost {r['lost']}, applied twice {r['applied_twice']}, not acknowledged {r['unacked']}, "
            f"re-sent {r['resent']}, answers refused {r['refused']} of {r['answers']}; load {r['load']}"
        )
        for refusal in r["refusals"]:
            print(f"             refused: {refusal}")
        bad = r["timed_out"] or r["lost"] or r["applied_twice"] or r["extra"] or r["unacked"] or r["refused"]
        ok = ok and not bad
        if not r["lags"]:
            measured = False
            print(f"    {label}: sync lag NOT MEASURED (nothing acknowledged); {lost_line}")
            continue
        lags = r["lags"]
        print(
            f"    {label}: {r['arrived']} arrived ({r['arrived'] / max(r['span'], 1e-9):.1f}/s, released at"
            f" most {r['late'] * 1000:.0f} ms late), sync lag p50 {_percentile(lags, 50):.2f} s, "
            f"p95 {_percentile(lags, 95):.2f} s, p99 {_percentile(lags, 99):.2f} s, max {max(lags):.2f} s; "
            f"{lost_line}{' TIMED OUT' if r['timed_out'] else ''}; drain rate in this run {drain}"
        )
    print(
        f"    (sync.deliver tops the drains up every {r['every']} s as in production; a drain that finds "
        "the outbox empty ends, so an arrival in a quiet moment waits for the next top-up)"
    )
    if not measured:
        print("  national peak: NOT MEASURED for some worker counts (see above)")
    return measured and ok


def main(
    postgres: bool = False,
    deliveries: int = 10_000,
    dossiers: int | None = None,
    rate: float = PEAK_RATE,
    seconds: float = 20.0,
    poisson: bool = True,
) -> None:
    window = seconds  # `seconds` is reused below for the drains' durations
    if dossiers is not None:  # `python -m bench queue --dossiers N` (the bench runner's option)
        deliveries = dossiers * 3
    os.environ["MOTCUA_INSECURE_HTTP"] = "1"
    os.environ["MOTCUA_SYNC_LEASE_SECONDS"] = "5"  # a dead worker's messages come back after 5 s
    os.environ["MOTCUA_SYNC_RUN_SECONDS"] = "5"  # short drains: work moves between workers
    label = fresh_database("queue", postgres)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections
    from django.test import override_settings

    from motcua.core import tasks
    from motcua.insights import realtime

    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    call_command("migrate", verbosity=0)
    for command in ("load_calendar", "load_places", "import_catalog"):
        call_command(command, **quiet)
    people = _officers()
    immediate = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    database = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    # The backlog (no e-mail or phone, index not built yet: only the outbox messages matter here).
    n_dossiers = max(1, -(-deliveries // 3))
    with override_settings(TASKS=immediate):
        made = _dossiers(people, 0, n_dossiers, contact=False)
    from motcua.sync.models import OutboxMessage

    total = OutboxMessage.objects.count()
    print(
        f"[queue, {label}, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC] backlog: {total} deliveries "
        f"({n_dossiers} dossiers × 3 state changes) made in {made:.1f} s; load average {_load()}"
    )

    server, receiver, base = _serve()
    settings.MOTCUA_EXCHANGE_SERVICES["national_portal"].update(base_url=f"{base}/sandbox/dvcqg/")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "motcua.settings",
        "MOTCUA_EXCHANGE_NATIONAL_PORTAL_URL": f"{base}/sandbox/dvcqg/",
        "PYTHONUNBUFFERED": "1",
    }
    connections.close_all()
    rates, failed = {}, False
    for workers in (1, 2, 4):
        assert _reset_receiver_and_queue(receiver) == total
        seconds, _, outcome = _drain(workers, env, total)
        check = _check_receiver(receiver)
        bad = outcome or check["lost"] or check["applied_twice"] or check["out_of_order"] or check["refused"]
        failed = failed or bool(bad)
        figure = "NOT MEASURED" if outcome else f"{total / seconds:8.1f} deliveries/s"
        if not outcome:
            rates[workers] = total / seconds
        print(
            f"  {workers} worker{'s' if workers > 1 else ' '}: {figure} ({total} in {seconds:.1f} s)"
            f"{' ' + outcome if outcome else ''}; lost {check['lost']}, applied twice "
            f"{check['applied_twice']}, out of order {check['out_of_order']}, re-sent {check['resent']}, "
            f"answers refused {check['refused']} of {check['answers']}; load {_load()}"
        )
        for refusal in receiver.refusals:
            print(f"             refused: {refusal}")
    assert _reset_receiver_and_queue(receiver) == total
    seconds, killed, outcome = _drain(4, env, total, kill_at=1 / 3)
    check = _check_receiver(receiver)
    print(
        f"  kill -9:   4 workers, pid {killed} killed in a drain at ~1/3 of the backlog; "
        f"all delivered in {seconds:.1f} s{' ' + outcome if outcome else ''}; load {_load()}"
    )
    print(
        f"             at the receiver: lost {check['lost']} of {check['expected']}, applied twice "
        f"{check['applied_twice']}, dossiers missing {check['dossiers_missing']}, out of order "
        f"{check['out_of_order']}; re-sent after the kill {check['resent']} (no-ops at the receiver); "
        f"answers refused {check['refused']} of {check['answers']}"
    )
    if killed is None:
        print("  kill -9:   NOT MEASURED (no worker was in a drain past the kill point)")
    bad = outcome or check["lost"] or check["applied_twice"] or check["out_of_order"] or check["refused"]
    ok = killed is not None and not bad
    verdict = "0 lost, 0 applied twice" if ok else "FAILED or NOT MEASURED: see the figures above"
    print(f"  verdict:   {verdict}")
    failed = failed or not ok

    # The national peak: the same messages arriving at a rate, the sync lag per worker count.
    if window > 0 and rate > 0:
        peak_ok = national_peak(receiver, env, rates, rate, window, poisson)
        verdict = "0 lost, 0 applied twice" if peak_ok else "FAILED or NOT MEASURED: see above"
        print(f"  national peak verdict: {verdict}")
        failed = failed or not peak_ok

    # Transitions/s: side effects in the request (before) vs on the queue (after).
    realtime.rebuild()
    settings.EMAIL_BACKEND = "bench.queue.SlowMail"
    settings.MOTCUA_SMS_GATEWAY = "bench.queue.SlowSms"
    sample = max(10, min(60, n_dossiers // 20))
    with override_settings(TASKS=immediate):
        before = _dossiers(people, n_dossiers, sample, contact=True)
    with override_settings(TASKS=database):
        after = _dossiers(people, n_dossiers + sample, sample, contact=True)
        queued = tasks.dead_letters().count(), _queued()
    transitions = sample * 3
    print(
        f"  transitions: before {transitions / before:6.1f}/s (notifications and index in the request), "
        f"after {transitions / after:6.1f}/s (queued: {queued[1]} tasks waiting); "
        f"{transitions} transitions each, "
        f"e-mail and SMS at an assumed {LATENCY * 1000:.0f} ms each; ×{before / after:.1f}"
    )
    server.shutdown()
    return not failed


def _load() -> str:
    """The machine's load average (1, 5, 15 min), printed beside each figure (2 shared cores)."""
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _queued() -> int:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(status="READY").count()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument(
        "--rate", type=float, default=PEAK_RATE, help=f"national peak: records/s (default {PEAK_RATE:.1f})"
    )
    parser.add_argument(
        "--seconds", type=float, default=20.0, help="national peak: arrival window per worker count (0: skip)"
    )
    parser.add_argument("--steady", action="store_true", help="national peak: evenly spaced, not Poisson")
    args = parser.parse_args()
    passed = main(
        postgres=args.postgres,
        deliveries=args.deliveries,
        rate=args.rate,
        seconds=args.seconds,
        poisson=not args.steady,
    )
    if not passed:
        raise SystemExit("bench queue: FAILED or NOT MEASURED (see above)")
