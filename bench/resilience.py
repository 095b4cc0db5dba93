"""Resilience under failure: e-form submissions while processes are killed (issue 17, "Prove it").

    python -m bench resilience               # SQLite file (WAL)
    python -m bench resilience --postgres    # PostgreSQL: a private cluster on loopback, restarted mid-load

Method (loopback only, bounded: at most MAX_WAIT s per failure, then DRAIN_SECONDS of drain): a fresh
database with the catalogue and forms; SERVERS web processes (wsgiref on one port with SO_REUSEPORT,
as in bench/submissions.py), one `motcua worker` delivering the outbox to the national portal
sandbox, and that sandbox served by its own process on another port (it stands for the national
portal). CLIENTS threads submit "Cấp bản sao trích lục hộ tịch" end to end; a step that fails (a killed
server) is retried as a browser's user would, same draft, same idempotency key. During the load:

  kill -9 one web process, started again;  kill -9 every web process, started again;
  kill -9 the worker, started again;  PostgreSQL restarted (immediate mode);
  the national portal killed, then back;
each once ACKS_BETWEEN more submissions were acknowledged since the previous one (so each strikes a
running load), at least GAP_SECONDS apart.

PostgreSQL: the bench runs its own cluster (initdb as the postgres user, a free port, `pg_ctl restart
-m immediate`, i.e. a crash and WAL recovery), so the machine's server and other users are never
touched. Without initdb or root it falls back to the machine's server and terminates every backend
of the bench's own database (pg_terminate_backend) — and says so. SQLite has no server: that step is
NOT MEASURED there.

Printed: acknowledged (a receipt with a dossier code reached the client), stored (those codes in
the database), duplicated (a draft that gave more than one dossier, a code acknowledged for two
drafts), lost (acknowledged but not stored), and for the national portal: dossiers stored, on the
portal after the drain, lost. Exit status 1 on any loss or duplicate; "NOT MEASURED" when no
submission was acknowledged.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests

from bench import server
from bench.database import (
    MIGRATE,
    POSTGRES_SERVER,
    REFERENCE_DATA,
    ROOT,
    bench_env,
    recreate_postgres_database,
    seed,
    signed_in_residents,
)
from bench.server import free_port
from bench.submissions import _CSRF, CODE

DB_NAME = "motcua_bench_resilience"
SERVERS = int(os.environ.get("BENCH_SERVERS", "3"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "6"))
#: Each failure waits for ACKS_BETWEEN new acknowledgements since the previous one (so it strikes a
#: running load) and at least GAP_SECONDS, or MAX_WAIT seconds; the load stops ACKS_BETWEEN after the last.
ACKS_BETWEEN = int(os.environ.get("BENCH_ACKS_BETWEEN", "6"))
GAP_SECONDS = float(os.environ.get("BENCH_GAP_SECONDS", "8"))
MAX_WAIT = float(os.environ.get("BENCH_MAX_WAIT_SECONDS", "60"))
DRAIN_SECONDS = float(os.environ.get("BENCH_DRAIN_SECONDS", "90"))
SCHEDULE = ["kill_one_web", "kill_all_web", "kill_worker", "restart_postgres", "portal_down", "portal_up"]


# ------------------------------------------------------------------------------------------- counting


def tally(acks: list[tuple[int, str]], stored: dict[str, int], dossiers_per_draft: dict[int, int]) -> dict:
    """The figures from what the clients saw and what the database holds.

    acks: (draft pk, dossier code) per acknowledged submission; stored: code -> rows with that code;
    dossiers_per_draft: draft pk -> dossiers made from it."""
    codes = Counter(code for _, code in acks)
    drafts_per_code = Counter(code for _, code in set(acks))
    acknowledged = len(set(acks))
    found = {code for code in codes if stored.get(code, 0) > 0}
    duplicated = sum(1 for n in dossiers_per_draft.values() if n > 1) + sum(
        1 for n in drafts_per_code.values() if n > 1
    )
    return {
        "acknowledged": acknowledged,
        "stored": len(found),
        "duplicated": duplicated,
        "lost": len(set(codes) - found),
    }


# ------------------------------------------------------------------------------------------ processes


class Postgres:
    """A private cluster for the bench (initdb as `postgres`), so a restart touches nobody else."""

    def __init__(self):
        self.bin = Path("/usr/lib/postgresql") / self._version() / "bin" if self._version() else None
        self.dir = None
        self.port = None
        self.private = False

    @staticmethod
    def _version() -> str:
        base = Path("/usr/lib/postgresql")
        versions = sorted((p.name for p in base.iterdir() if (p / "bin" / "initdb").exists()), key=int)
        return versions[-1] if base.is_dir() and versions else ""

    def start(self) -> str:
        if self.bin and os.geteuid() == 0 and shutil.which("runuser"):
            self.dir = Path(tempfile.mkdtemp(prefix="motcua-resilience-pg-"))
            shutil.chown(self.dir, "postgres", "postgres")
            self.port = free_port()
            data = self.dir / "data"
            self._as_postgres(str(self.bin / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
            self._ctl("start")
            self.private = True
            self._as_postgres(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), DB_NAME)
            return f"postgres://postgres@127.0.0.1:{self.port}/{DB_NAME}"
        recreate_postgres_database(DB_NAME)
        return f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"

    def _as_postgres(self, *args):
        subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True)

    def _ctl(self, action: str, *extra):
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        data, log = str(self.dir / "data"), str(self.dir / "log")
        self._as_postgres(
            str(self.bin / "pg_ctl"), "-D", data, "-o", options, "-l", log, "-w", action, *extra
        )

    def restart(self) -> str:
        if self.private:
            started = time.monotonic()
            self._ctl("restart", "-m", "immediate")
            took = time.monotonic() - started
            return f"PostgreSQL restarted (pg_ctl restart -m immediate: crash + WAL recovery) in {took:.1f} s"
        import psycopg

        with psycopg.connect(POSTGRES_SERVER, autocommit=True) as conn:
            n = conn.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s", [DB_NAME]
            ).fetchone()[0]
        return (
            f"PostgreSQL NOT restarted (no private cluster: needs root and initdb); simulated by "
            f"pg_terminate_backend of the bench database's {n} connections"
        )

    def stop(self):
        if self.private:
            try:
                self._ctl("stop", "-m", "fast")
            finally:
                shutil.rmtree(self.dir, ignore_errors=True)


class Fleet:
    """The web processes, the worker and the portal, started and killed by the schedule."""

    def __init__(self, env: dict, port: int, portal_port: int):
        self.env, self.port, self.portal_port = env, port, portal_port
        self.log = Path(env["MOTCUA_VAR_DIR"]) / "servers.log"
        self.web: list[subprocess.Popen] = []
        self.worker = None
        self.portal = None
        self.worker_crashes = 0

    def _server(self, port: int) -> subprocess.Popen:
        # Their error log (the 500s while the database restarts) goes to a file, counted at the end.
        with open(self.log, "ab") as log:
            return server.wsgiref(self.env, port, stderr=log)

    def server_errors(self) -> int:
        return self.log.read_text(errors="replace").count("Internal Server Error") if self.log.exists() else 0

    def start_web(self, n: int):
        self.web += [self._server(self.port) for _ in range(n)]
        _wait(f"http://127.0.0.1:{self.port}/healthz")

    def start_portal(self):
        self.portal = self._server(self.portal_port)
        _wait(f"http://127.0.0.1:{self.portal_port}/healthz")

    def start_worker(self):
        self.worker = subprocess.Popen(
            [sys.executable, "manage.py", "worker", "--tick", "1"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def keep_worker(self):
        """A supervisor's job (systemd Restart=always): a worker that died on its own is started again."""
        if self.worker and self.worker.poll() is not None:
            self.worker_crashes += 1
            self.start_worker()

    @staticmethod
    def kill(proc):
        if proc and proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)

    def stop(self):
        for proc in [*self.web, self.worker, self.portal]:
            if proc and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.kill(proc)


def _wait(url: str, seconds: float = 120):
    if not server.answers(url, seconds, pause=0.3):
        raise RuntimeError(f"{url} did not answer in {seconds:.0f} s")


# ------------------------------------------------------------------------------------------- clients


def _retry(call, until: float):
    """A user's retries: the same request again while the server is down (connection refused, 5xx)."""
    while True:
        try:
            response = call()
            if response.status_code < 500:
                return response
        except requests.RequestException:
            pass
        if time.monotonic() > until:
            raise RuntimeError("gave up")
        time.sleep(0.5)


def _location(response, step: str) -> str:
    if "Location" not in response.headers:
        raise RuntimeError(f"{step}: answered {response.status_code} without a redirect")
    return response.headers["Location"]


def _submit(base: str, session_key: str, give_up: float) -> tuple[int, str]:
    """One whole submission with retries on each step; (draft pk, dossier code) once acknowledged."""
    http = requests.Session()
    http.cookies.set("sessionid", session_key)
    t = 15

    response = _retry(
        lambda: http.get(f"{base}/nop-ho-so/{CODE}/", allow_redirects=False, timeout=t), give_up
    )
    page1 = base + _location(response, "start")
    draft = int(re.search(r"/ho-so/(\d+)/", page1).group(1))
    html = _retry(lambda: http.get(page1, allow_redirects=False, timeout=t), give_up).text
    token = _CSRF.search(html).group(1)
    values = dict(
        re.findall(r'<input type="(?:text|tel|email|date)" name="([a-z_]+)" id="[^"]+" value="([^"]*)"', html)
    )
    values.setdefault("phone", "")
    values.update(
        {"csrfmiddlewaretoken": token, "permanent_address": values.get("permanent_address") or "Sơn La"}
    )
    response = _retry(lambda: http.post(page1, data=values, allow_redirects=False, timeout=t), give_up)
    page2 = base + _location(response, "page 1")
    data = {
        "csrfmiddlewaretoken": token,
        "record_kind": "Khai sinh",
        "birth_registration_number": "12/2026",
        "copies": "1",
        "result_delivery": "Nhận trực tuyến",
    }
    response = _retry(lambda: http.post(page2, data=data, allow_redirects=False, timeout=t), give_up)
    check = base + _location(response, "page 2")
    # The submission itself: retried with the same draft (its idempotency key) after a kill.
    response = _retry(
        lambda: http.post(check, data={"csrfmiddlewaretoken": token}, allow_redirects=False, timeout=t),
        give_up,
    )
    if "bien-nhan" not in response.headers.get("Location", ""):
        raise RuntimeError(f"submit answered {response.status_code} {response.headers.get('Location')}")
    receipt = _retry(lambda: http.get(base + response.headers["Location"], timeout=t), give_up).text
    return draft, re.search(r'class="dossier-code">([^<]+)<', receipt).group(1)


# ---------------------------------------------------------------------------------------------- main


def _env(postgres_url: str | None, portal_port: int, port: int, folder: Path) -> dict:
    return bench_env(
        postgres_url or f"sqlite:///{folder / 'resilience.sqlite3'}",
        MOTCUA_VAR_DIR=str(folder / "var"),
        MOTCUA_PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        MOTCUA_EXCHANGE_NATIONAL_PORTAL_URL=f"http://127.0.0.1:{portal_port}/sandbox/dvcqg/",
        MOTCUA_SYNC_DELIVER_EVERY="1",
        MOTCUA_SYNC_LEASE_SECONDS="10",
        MOTCUA_SYNC_BACKOFF_SECONDS="1",
        MOTCUA_SYNC_BACKOFF_MAX_SECONDS="4",
    )


def _prepare(env: dict, users: int) -> list[str]:
    seed(env, [MIGRATE, ["createcachetable"], *REFERENCE_DATA, ["signing", "init"]])
    return signed_in_residents(env, users)


COUNT = """
import json, django; django.setup()
from django.db.models import Count
from motcua.dossiers.models import Dossier
from motcua.eforms.models import Draft
from motcua.sync.models import OutboxMessage, SandboxDossier
acks = json.loads(input())
codes = [c for _, c in acks]
stored = dict(Dossier.objects.filter(code__in=codes).values_list("code").annotate(n=Count("id")))
drafts = Draft.objects.filter(pk__in=[d for d, _ in acks])
keys = {str(k): pk for k, pk in drafts.values_list("submission_key", "pk")}
per_draft = {keys[k]: n for k, n in Dossier.objects.filter(submission_key__in=[str(k) for k in keys])
             .values_list("submission_key").annotate(n=Count("id"))}
all_codes = set(Dossier.objects.values_list("code", flat=True))  # a fresh database: all the bench's
on_portal = set(SandboxDossier.objects.filter(code__in=all_codes).values_list("code", flat=True))
pending = OutboxMessage.objects.exclude(state="sent").count()
lease = ""
stuck = OutboxMessage.objects.exclude(state="sent").order_by("next_try_at")
if stuck:
    first = stuck[0]
    states = sorted(set(stuck.values_list("state", flat=True)))
    lease = (f"{stuck.count()} messages not sent; states {states}, "
             f"the first: {first.attempts} attempts, next try {first.next_try_at:%H:%M:%S} UTC, "
             f"last error {first.last_error[:120]!r}. ")
try:  # why delivery may be stuck: the periodic job's lease (core.jobs), if this version has one
    from django.utils import timezone
    from motcua.core.models import JobState
    state = JobState.objects.filter(name="sync.deliver").first()
    if state and state.running_until and state.running_until > timezone.now():
        left = (state.running_until - timezone.now()).total_seconds()
        lease += (f"sync.deliver leased for {left:.0f} s more, by a run started "
                  f"{state.last_started:%H:%M:%S} "
                 f"UTC, whose worker may be gone (last finished: {state.last_finished or 'never'})")
except ImportError:
    pass
print(json.dumps({"stored": stored, "per_draft": {str(k): v for k, v in per_draft.items()},
                  "dossiers": len(all_codes), "on_portal": len(on_portal), "pending": pending,
                  "dead": OutboxMessage.objects.filter(state="dead").count(), "lease": lease}))
"""


def _count(env: dict, acks: list) -> dict:
    import json

    done = subprocess.run(
        [sys.executable, "-c", COUNT],
        cwd=ROOT,
        env=env,
        input=json.dumps(acks),
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"counting failed: {done.stderr[-1500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(postgres: bool = False) -> None:
    folder = Path(tempfile.mkdtemp(prefix="motcua-bench-resilience-"))
    pg = Postgres() if postgres else None
    port, portal_port = free_port(), free_port()
    fleet = None
    started = time.monotonic()
    try:
        url = pg.start() if pg else None
        env = _env(url, portal_port, port, folder)
        (folder / "var" / "static").mkdir(parents=True)
        sessions = _prepare(env, max(CLIENTS * 4, 24))
        label = (
            "SQLite (WAL)"
            if not pg
            else ("PostgreSQL (private cluster)" if pg.private else "PostgreSQL (shared server)")
        )
        print(
            f"resilience bench on {label}: setup {time.monotonic() - started:.0f} s, {SERVERS} web "
            f"processes, 1 worker, the national portal sandbox in its own process, {CLIENTS} clients; "
            f"each failure after {ACKS_BETWEEN} new acknowledgements and {GAP_SECONDS:.0f} s (at most "
            f"{MAX_WAIT:.0f} s)"
        )
        fleet = Fleet(env, port, portal_port)
        fleet.start_portal()
        fleet.start_web(SERVERS)
        fleet.start_worker()
        base = f"http://127.0.0.1:{port}"
        acks, errors, lock = [], [], threading.Lock()
        stop = threading.Event()
        _submit(base, sessions[0], give_up=time.monotonic() + 120)  # warm-up: imports, sandbox tables

        def client(n: int):
            own, i = sessions[n::CLIENTS], 0
            while not stop.is_set():
                try:
                    ack = _submit(base, own[i % len(own)], give_up=time.monotonic() + MAX_WAIT)
                    with lock:
                        acks.append(ack)
                except Exception as exc:  # noqa: BLE001 — an unacknowledged attempt, counted
                    with lock:
                        errors.append(repr(exc)[:160])
                i += 1

        def wait_for_load():
            """Until ACKS_BETWEEN new acknowledgements and GAP_SECONDS have passed (or MAX_WAIT)."""
            since, before = time.monotonic(), len(acks)
            while time.monotonic() - since < MAX_WAIT:
                if len(acks) - before >= ACKS_BETWEEN and time.monotonic() - since >= GAP_SECONDS:
                    return
                fleet.keep_worker()
                time.sleep(0.2)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        load_started = time.monotonic()
        for thread in threads:
            thread.start()
        events = []
        for action in SCHEDULE:
            wait_for_load()
            at = time.monotonic() - load_started
            t0 = time.monotonic()
            if action == "kill_one_web":
                victim = fleet.web.pop(0)
                fleet.kill(victim)
                fleet.start_web(1)
                note = "kill -9 of 1 web process"
            elif action == "kill_all_web":
                for proc in fleet.web:
                    fleet.kill(proc)
                fleet.web = []
                fleet.start_web(SERVERS)
                note = f"kill -9 of all {SERVERS} web processes"
            elif action == "kill_worker":
                fleet.kill(fleet.worker)
                time.sleep(1)
                fleet.start_worker()
                note = "kill -9 of the worker"
            elif action == "restart_postgres":
                note = pg.restart() if pg else "PostgreSQL restart: NOT MEASURED (SQLite has no server)"
            elif action == "portal_down":
                fleet.kill(fleet.portal)
                note = "national portal down (kill -9)"
            else:
                fleet.start_portal()
                note = "national portal back"
            with lock:
                done_before = len(acks)
            events.append(
                f"  t={at:>4.0f} s  {note}; back in {time.monotonic() - t0:.1f} s "
                f"({done_before} acknowledged so far)"
            )
            print(events[-1], flush=True)
        wait_for_load()
        stop.set()
        while any(t.is_alive() for t in threads):
            fleet.keep_worker()
            time.sleep(0.5)
        load_elapsed = time.monotonic() - load_started
        # Drain: the worker delivers what the portal outage left behind.
        drain_started = time.monotonic()
        counts = _count(env, acks)
        while counts["pending"] and time.monotonic() - drain_started < DRAIN_SECONDS:
            fleet.keep_worker()
            time.sleep(2)
            counts = _count(env, acks)
        drained = time.monotonic() - drain_started
        server_errors = fleet.server_errors()
    finally:
        if fleet:
            fleet.stop()
        if pg:
            pg.stop()
        shutil.rmtree(folder, ignore_errors=True)

    if not acks:
        print("  NOT MEASURED: no submission was acknowledged")
        for error in errors[:3]:
            print(f"    error: {error}")
        return
    figures = tally(acks, counts["stored"], {int(k): v for k, v in counts["per_draft"].items()})
    portal_lost = counts["dossiers"] - counts["on_portal"]
    print(
        f"  submissions: acknowledged {figures['acknowledged']} / stored {figures['stored']} / "
        f"duplicated {figures['duplicated']} / lost {figures['lost']}  "
        f"({figures['acknowledged'] / load_elapsed:.1f}/s over {load_elapsed:.0f} s; "
        f"{len(errors)} attempts unacknowledged, retried by a new draft)"
    )
    print(
        f"  national portal: {counts['dossiers']} dossiers stored, {counts['on_portal']} on the portal, "
        f"lost {portal_lost}; outbox pending {counts['pending']}, dead {counts['dead']} "
        f"(drained {drained:.0f} s after the load)"
    )
    if counts["pending"] and counts.get("lease"):
        print(f"  delivery stuck: {counts['lease']}")
    if fleet and fleet.worker_crashes:
        print(
            f"  worker: exited on its own {fleet.worker_crashes}× and was started again "
            "(as a supervisor would)"
        )
    print(
        f"  web: {server_errors} answers 500 while the database restarted or processes died "
        "(retried by the clients)"
    )
    for error in Counter(errors).most_common(3):
        print(f"    unacknowledged: {error[1]}× {error[0]}")
    if figures["lost"] or figures["duplicated"] or portal_lost or counts["pending"]:
        print("  FAIL: loss or duplicate")
        raise SystemExit(1)
    print("  PASS: nothing acknowledged was lost or doubled; the portal got every dossier")


if __name__ == "__main__":
    main("--postgres" in sys.argv)
