"""The audit log's lock (ADR 0038): dossier transitions/s with 1 and 8 concurrent officers, with
one chain head for the whole province (the old scheme, `MOTCUA_AUDIT_SHARDS=1`) beside the
sharded chains (`MOTCUA_AUDIT_SHARDS=16`), in the same run.

    python -m bench audit                 # SQLite (a temporary file), then PostgreSQL
    python -m bench audit --postgres      # PostgreSQL only (database motcua_bench_audit, recreated)

Method: a fresh database, migrate, calendar, places and catalogue; one dossier per officer,
received at the counter and assigned. Each officer is a separate process (its own connection,
no shared interpreter lock) that repeats the real transition `dossiers.services.perform(dossier,
"assign", head, assignee=specialist)` — dossier row, history, audit entry, event, one transaction
— on its own dossier for SECONDS seconds; so officers never wait for each other on a dossier, only
on what they share. Configurations interleaved: 1 chain × 1 officer, 16 chains × 1, 1 chain × 8,
16 chains × 8, each ROUNDS times; the best round of each is printed. Checked afterwards:
`audit verify` (every chain, against an anchor taken at the end) passes.

SQLite has one writer at a time whatever the chains, so only PostgreSQL can show the lock's cost.
"""

import io
import multiprocessing
import os
import tempfile
import time

from bench.database import fresh_database

SECONDS = 5.0
ROUNDS = 2
OFFICERS = 8
SHARDS = 16


def _setup() -> list[tuple[int, int, int]]:
    """(dossier, head, specialist) per officer."""
    from django.core.management import call_command

    from motcua.catalog.models import Procedure
    from motcua.dossiers import services
    from motcua.dossiers.intake import Applicant, Paper, receive_in_person
    from motcua.people.models import OfficerRole, User
    from motcua.places.models import Agency

    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    call_command("migrate", verbosity=0)
    for command in ("load_calendar", "load_places", "import_catalog"):
        call_command(command, **quiet)
    role = OfficerRole.Role
    centre = Agency.objects.get(code="000.00.30.H52")
    justice = Agency.objects.get(code="000.00.04.H52")

    def officer(name, agency, r):
        user = User.objects.create(username=name, kind=User.Kind.OFFICER, is_staff=True)
        OfficerRole.objects.create(user=user, agency=agency, role=r)
        return user

    reception = officer("tn", centre, role.RECEPTION)
    specialist = officer("cv", justice, role.SPECIALIST)
    procedure = Procedure.objects.get(code="1.000426")
    papers = [
        Paper(name=d.name, requirement_id=d.pk, originals=d.originals, copies=d.copies)
        for d in procedure.current_version.documents.all()
    ]
    work = []
    for i in range(OFFICERS):
        head = officer(f"tp{i}", justice, role.UNIT_HEAD)
        applicant = Applicant(name=f"Người nộp {i}", id_number=f"0140900{i:05d}")
        dossier = receive_in_person(reception, centre, procedure, applicant, papers)
        dossier = services.perform(dossier, "assign", head, assignee=specialist)
        work.append((dossier.pk, head.pk, specialist.pk))
    return work


def _officer(workload: str, shards: int, dossier: int, head: int, specialist: int, start: float, out) -> None:
    from django.conf import settings
    from django.db import connections, transaction
    from django.db.models import F

    from motcua.audit.services import record
    from motcua.dossiers import services
    from motcua.dossiers.models import Dossier
    from motcua.people.models import User

    connections.close_all()  # never the parent's connection
    settings.MOTCUA_AUDIT_SHARDS = shards
    head_user, specialist_user = User.objects.get(pk=head), User.objects.get(pk=specialist)

    def transition():
        services.perform(dossier, "assign", head_user, assignee=specialist_user)

    def audited_write():
        # The least a state change does: its own row, and the audit entry, in one transaction.
        with transaction.atomic():
            Dossier.objects.filter(pk=dossier).update(version=F("version") + 1)
            record("bench.write", actor=head_user, object_type="dossiers.dossier", object_id=str(dossier))

    step = transition if workload == "transition" else audited_write
    while time.time() < start:
        time.sleep(0.001)
    done, end = 0, start + SECONDS
    while time.time() < end:
        step()
        done += 1
    connections.close_all()
    out.put(done)


def _run(work, workload: str, shards: int, officers: int) -> float:
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    start = time.time() + 1.0  # every process set up before the clock starts
    processes = [
        context.Process(target=_officer, args=(workload, shards, *work[i], start, out))
        for i in range(officers)
    ]
    for process in processes:
        process.start()
    total = sum(out.get() for _ in processes)
    for process in processes:
        process.join()
        assert process.exitcode == 0, f"an officer process failed ({process.exitcode})"
    return total / SECONDS


def run(postgres: bool) -> None:
    scratch = tempfile.mkdtemp(prefix="motcua-bench-audit-")
    os.environ["MOTCUA_AUDIT_KEY_DIR"] = os.path.join(scratch, "keys")
    os.environ["MOTCUA_AUDIT_ANCHOR_DIR"] = os.path.join(scratch, "anchors")
    label = fresh_database("audit", postgres)
    work = _setup()
    configs = [(1, 1), (SHARDS, 1), (1, OFFICERS), (SHARDS, OFFICERS)]
    workloads = {
        "transition": "dossier transitions/s (perform 'assign': dossier, history, audit, event)",
        "audited_write": "audited writes/s (UPDATE own dossier row + audit.record, one transaction)",
    }
    best = {(w, *c): 0.0 for w in workloads for c in configs}
    for _ in range(ROUNDS):
        for workload in workloads:
            for shards, officers in configs:
                key = (workload, shards, officers)
                best[key] = max(best[key], _run(work, workload, shards, officers))

    from motcua.audit import services as audit
    from motcua.audit.models import AuditEntry

    audit.anchor()
    result = audit.verify()
    assert result.ok, result.problems[:5]
    chains = AuditEntry.objects.values("shard").distinct().count()

    print(f"[audit, {label}] best of {ROUNDS} rounds × {SECONDS:.0f} s, one process per officer")
    for workload, title in workloads.items():
        print(f"  {title}")
        for shards, officers in configs:
            scheme = "one chain (old global lock)" if shards == 1 else f"{shards} chains"
            who = f"{officers} officer{'s' if officers > 1 else ' '}"
            print(f"    {who} · {scheme:28s} {best[(workload, shards, officers)]:8.1f}/s")
        old_1, new_1 = best[(workload, 1, 1)], best[(workload, SHARDS, 1)]
        old_8, new_8 = best[(workload, 1, OFFICERS)], best[(workload, SHARDS, OFFICERS)]
        print(
            f"    ratio {SHARDS} chains / one chain: 1 officer {new_1 / old_1:.2f}×, "
            f"{OFFICERS} officers {new_8 / old_8:.2f}×;  scaling 1 → {OFFICERS} officers: "
            f"one chain {old_8 / old_1:.2f}×, {SHARDS} chains {new_8 / new_1:.2f}×"
        )
    print(f"  audit verify: OK, {result.checked} entries in {chains} chains, {result.anchors} anchor")
    print(f"  load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


def main(postgres: bool = False) -> None:
    import subprocess
    import sys
    from pathlib import Path

    # One process per database: Django is set up once per process.
    for pg in (True,) if postgres else (False, True):
        subprocess.run(
            [sys.executable, "-u", "-c", f"from bench.audit import run; run({pg})"],
            check=True,
            cwd=Path(__file__).resolve().parent.parent,
        )


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true")
    main(parser.parse_args().postgres)
