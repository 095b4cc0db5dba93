"""Delivery to the national portal sandbox: events delivered per second and the sync lag (p50, p99)
under a steady load of dossier transitions.

    python -m bench.sync                      # SQLite in a temporary folder
    python -m bench.sync --postgres           # PostgreSQL (database motcua_bench_sync, recreated)
    python -m bench sync --dossiers 1200      # through the bench runner

Method: a fresh database with the calendar, places and catalogue; the sandbox portal served by a real
threaded HTTP server on loopback (the same Django app). Several producer processes (forked, each with
its own database connection, so the producers do not share one interpreter lock) make transitions at a
steady rate each (counter reception = create + receive, then assign: 3 events per dossier) through the
dossier services, each at its own one-stop desk (the provincial centre, then commune centres: dossier
codes are numbered per receiving agency, so desks do not queue on one counter row). A worker thread
runs `outbox.deliver_due` like the job (again at once while there is a full batch, else after
MOTCUA_SYNC_DELIVER_EVERY seconds); it sends up to MOTCUA_SYNC_RECORDS_PER_CALL dossiers per
DongBoHoSoMC / CapNhatTienDoHoSoMC call, in order per dossier. Lag = OutboxMessage.sent_at −
created_at (the commit of the change). Then capacity: a backlog of dossiers/2 × 3 events (as after an
outage) drained by `deliver_all` with nobody producing. Checked afterwards: every message sent, the
portal holds each dossier once with each history entry once.

Reference, in the same run: the raw round-trip rate of the sandbox (one DongBoHoSoMC call with one
record, sent again and again by one client): what one-message-per-request delivery could reach at best.

Load goal: 100 × a province's peak. A province's peak is taken as 1 event/s [inferred: ~2,000
dossiers on a busy day × ~6 transitions, half in the two busiest hours ≈ 0.8 events/s]; so 100 events/s.
Goal: p99 lag < 60 s (spec §4.5: sync at every status change, target < 1 min).
"""

import argparse
import io
import os
import resource
import statistics
import threading
import time

from bench.database import fresh_database


def _setup(postgres: bool) -> str:
    os.environ["MOTCUA_INSECURE_HTTP"] = "1"  # the loopback sandbox speaks plain HTTP
    return fresh_database("sync", postgres)


def _serve():
    """The Django app (with the sandbox) on a threaded HTTP server on loopback; its base URL."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet, allow_reuse_address=False)
    server.set_app(WSGIHandler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else float("nan")


def _produce(worker: int, first: int, count: int, rate: float, start_at: float, ids: dict) -> None:
    """One producer process: `count` dossiers at `rate` events/s (3 events each), from `start_at`."""
    from django.db import connection

    from motcua.catalog.models import Procedure
    from motcua.dossiers import services
    from motcua.dossiers.intake import Applicant, Paper, receive_in_person
    from motcua.people.models import User
    from motcua.places.models import Agency

    connection.close()  # never share the parent's socket
    # Each producer is another one-stop desk: dossier codes are numbered per receiving agency and day.
    reception_pk, centre_pk = ids["desks"][worker]
    reception, head = User.objects.get(pk=reception_pk), User.objects.get(pk=ids["head"])
    specialist, centre = User.objects.get(pk=ids["specialist"]), Agency.objects.get(pk=centre_pk)
    procedure = Procedure.objects.select_related("current_version").get(pk=ids["procedure"])
    papers = [
        Paper(name=d.name, requirement_id=d.pk, originals=d.originals, copies=d.copies)
        for d in procedure.current_version.documents.all()
    ]
    interval = 3 / rate
    time.sleep(max(0.0, start_at - time.time()))
    started = time.monotonic()
    for i in range(first, first + count):
        applicant = Applicant(name=f"Người nộp {i}", id_number=f"0140900{i:05d}")
        d = receive_in_person(reception, centre, procedure, applicant, papers)
        services.perform(d, "assign", head, assignee=specialist)
        ahead = started + (i - first + 1) * interval - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
    connection.close()


def _round_trips(seconds: float = 5.0) -> tuple[int, float]:
    """Reference: DongBoHoSoMC with one record, again and again, for `seconds`; (calls, elapsed)."""
    from motcua.dossiers.models import Dossier
    from motcua.sync.client import PortalClient
    from motcua.sync.records import RECORD_PREFETCH, RECORD_SELECT, dossier_record

    client = PortalClient()
    dossier = Dossier.objects.select_related(*RECORD_SELECT).prefetch_related(*RECORD_PREFETCH).first()
    record, agency = dossier_record(dossier), dossier.handling_agency.code
    calls, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        client.call("DongBoHoSoMC", [record], agency_code=agency, updating=True)
        calls += 1
    return calls, time.perf_counter() - started


def main(postgres: bool = False, dossiers: int = 3000, rate: float = 100.0, producers: int = 4) -> None:
    label = _setup(postgres)
    import multiprocessing

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    from motcua.catalog.models import Procedure
    from motcua.dossiers import services
    from motcua.dossiers.intake import Applicant, Paper, receive_in_person
    from motcua.dossiers.models import DossierHistory
    from motcua.people.models import OfficerRole, User
    from motcua.places.models import Agency
    from motcua.sync.models import OutboxMessage, SandboxDossier, SandboxProgress
    from motcua.sync.outbox import deliver_all, deliver_due

    if not postgres:
        producers = 1  # SQLite has one writer: more producers only wait on its lock
    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    call_command("migrate", verbosity=0)
    for command in ("load_calendar", "load_places", "import_catalog"):
        call_command(command, **quiet)
    role = OfficerRole.Role
    centre, justice = Agency.objects.get(code="000.00.30.H52"), Agency.objects.get(code="000.00.04.H52")

    def officer(name, agency, r):
        user = User.objects.create(username=name, full_name=name, kind=User.Kind.OFFICER, is_staff=True)
        OfficerRole.objects.create(user=user, agency=agency, role=r)
        return user

    reception, head = officer("tn", centre, role.RECEPTION), officer("tp", justice, role.UNIT_HEAD)
    specialist = officer("cv", justice, role.SPECIALIST)
    procedure = Procedure.objects.get(code="1.000426")
    desks = [(reception.pk, centre.pk)]
    communes = Agency.objects.filter(kind=Agency.Kind.COMMUNE_CENTER, is_active=True).order_by("code")
    for n, commune in enumerate(communes[: producers - 1]):
        desks.append((officer(f"tn{n}", commune, role.RECEPTION).pk, commune.pk))
    producers = len(desks)
    ids = {"desks": desks, "head": head.pk, "specialist": specialist.pk, "procedure": procedure.pk}
    events = dossiers * 3
    backlog = max(1, dossiers // 2)
    # Fork the producers before any thread exists (the HTTP server, the worker) and with no open connection.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    share, start_at = dossiers // producers, time.time() + 2.0
    processes = [
        context.Process(
            target=_produce,
            args=(
                n,
                n * share,
                share if n < producers - 1 else dossiers - n * share,
                rate / producers,
                start_at,
                ids,
            ),
        )
        for n in range(producers)
    ]
    for process in processes:
        process.start()

    server, base = _serve()
    settings.MOTCUA_EXCHANGE_SERVICES["national_portal"].update(
        base_url=f"{base}/sandbox/dvcqg/", retries=0, timeout=(3.05, 10.0)
    )
    done = threading.Event()
    worker_runs = []

    def work():
        try:
            last_progress = time.monotonic()
            while True:
                report = deliver_due()
                worker_runs.append(report.sent)
                finished = done.is_set()
                if report.sent:
                    last_progress = time.monotonic()
                elif finished and time.monotonic() - last_progress > 120:
                    return  # stuck: the checks below say what is missing
                if finished and not OutboxMessage.objects.exclude(state="sent").exists():
                    return
                if report.sent < settings.MOTCUA_SYNC_BATCH:
                    time.sleep(0.2 if finished else settings.MOTCUA_SYNC_DELIVER_EVERY)
        finally:
            connections.close_all()

    worker = threading.Thread(target=work)
    worker.start()
    for process in processes:
        process.join()
    produced = time.time() - start_at
    producers_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    producers_cpu = producers_cpu.ru_utime + producers_cpu.ru_stime
    assert all(p.exitcode == 0 for p in processes), [p.exitcode for p in processes]
    done.set()
    worker.join()
    total = time.time() - start_at

    # Capacity: a backlog (as after an outage) drained by one worker.
    backlog_from = OutboxMessage.objects.order_by("-id").values_list("id", flat=True).first()
    papers = [
        Paper(name=d.name, requirement_id=d.pk, originals=d.originals, copies=d.copies)
        for d in procedure.current_version.documents.all()
    ]
    for i in range(dossiers, dossiers + backlog):
        applicant = Applicant(name=f"Người nộp {i}", id_number=f"0140900{i:05d}")
        d = receive_in_person(reception, centre, procedure, applicant, papers)
        services.perform(d, "assign", head, assignee=specialist)
    t1, c1 = time.perf_counter(), time.process_time()
    drained = deliver_all(timeout=600)
    drain, drain_cpu = time.perf_counter() - t1, time.process_time() - c1
    assert drained.sent == backlog * 3 and drained.dead == 0, drained
    c2 = time.process_time()
    calls, elapsed = _round_trips()
    raw_cpu = time.process_time() - c2
    server.shutdown()

    steady = OutboxMessage.objects.filter(state="sent", id__lte=backlog_from)
    sent = list(steady.values_list("created_at", "sent_at"))
    lags = [(s - c).total_seconds() for c, s in sent]
    assert len(sent) == events, (len(sent), events)
    assert OutboxMessage.objects.exclude(state="sent").count() == 0
    assert SandboxDossier.objects.count() == dossiers + backlog
    assert SandboxProgress.objects.count() == DossierHistory.objects.count() == events + backlog * 3
    first, last = min(s for _, s in sent), max(s for _, s in sent)
    span = max((last - first).total_seconds(), 1e-9)
    p50, p99 = statistics.median(lags), _pct(lags, 99)
    raw = calls / elapsed
    print(
        f"[sync, {label}] {dossiers} dossiers, {events} events; {producers} producer processes, "
        f"target {rate:.0f} events/s"
    )
    print(f"  produced:  {events / produced:8.1f} events/s over {produced:.1f} s (dossier services)")
    print(
        f"  delivered: {len(sent) / span:8.1f} events/s "
        f"(first to last delivery, {span:.1f} s; whole run {total:.1f} s)"
    )
    print(
        f"  drain:     {backlog * 3 / drain:8.1f} events/s "
        f"(a backlog of {backlog * 3} events sent in {drain:.1f} s by one worker)"
    )
    print(
        "  per CPU:   "
        f"produced {events / max(producers_cpu, 1e-9):.1f} events per producer CPU-second; "
        f"drained {backlog * 3 / max(drain_cpu, 1e-9):.1f} events per CPU-second of worker + sandbox; "
        f"reference {calls / max(raw_cpu, 1e-9):.1f} one-record calls per CPU-second "
        "(Python side only; machine load barely moves these, it moves the rates above)"
    )
    print(f"  lag:       p50 {p50:.2f} s, p99 {p99:.2f} s, max {max(lags):.2f} s  (goal: p99 < 60 s)")
    print(
        f"  reference: {raw:8.1f} requests/s — raw sandbox round trips, one DongBoHoSoMC of one record "
        f"({calls} in {elapsed:.1f} s); drain / reference = {backlog * 3 / drain / raw:.1f}×"
    )
    print(
        f"  worker:    period {settings.MOTCUA_SYNC_DELIVER_EVERY} s, {len(worker_runs)} runs; "
        f"up to {settings.MOTCUA_SYNC_RECORDS_PER_CALL} records per DongBoHoSoMC / CapNhatTienDoHoSoMC call"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--dossiers", type=int, default=3000)
    parser.add_argument("--producers", type=int, default=4, help="producer processes (PostgreSQL)")
    parser.add_argument("--rate", type=float, default=100.0, help="transitions per second to aim for")
    args = parser.parse_args()
    main(postgres=args.postgres, dossiers=args.dossiers, rate=args.rate, producers=args.producers)
