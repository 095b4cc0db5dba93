"""The index in real time (ADR 0022): lag of a transition, live report vs full recompute, rebuild.

    python -m bench realtime                       # SQLite and PostgreSQL, 10^5 dossiers each
    python -m bench realtime --postgres            # PostgreSQL only
    python -m bench realtime --dossiers 20000      # another size

Method: a fresh database (`bench.database.fresh_database`), migrate, reference data, the demo history
(`motcua.demo.history.generate(N, realtime=False)`), ANALYZE, then in the same run:

* rebuild: `realtime.rebuild()` — every per-dossier fact and tally row from the dossiers;
* the province report for the last 12 months and for the current month, `source="live"` (the
  maintained aggregates) beside `source="recompute"` (the full pass over the dossiers, ADR 0018):
  best of 3 after a warm-up, the ratio, and a check that both give the same counts;
* the lag: K dossiers received at the counter through the real service (`receive_in_person`), one
  transaction each; from the moment its commit is done (the first after-commit callback starts) to
  the moment `services.report(source="live")` shows the new count: p50 / p99 / max.
"""

import io
import statistics
import time
from datetime import date, timedelta

from bench.database import fresh_database, run_per_database

DEFAULT_DOSSIERS = 100_000
REPEAT = 3
TRANSITIONS = 40


def _best(fn, repeat=REPEAT):
    value = fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    return min(times), value


def _officer():
    from motcua.people.models import OfficerRole, User
    from motcua.places.models import Agency

    user = User.objects.create(
        username="bench_tiep_nhan", full_name="Bench Tiep Nhan", kind=User.Kind.OFFICER, is_staff=True
    )
    center = Agency.objects.get(code="000.00.30.H52")
    OfficerRole.objects.create(user=user, agency=center, role=OfficerRole.Role.RECEPTION)
    return user, center


def _lag(label: str) -> None:
    from motcua.catalog.models import Procedure
    from motcua.dossiers.intake import Applicant, Paper, receive_in_person
    from motcua.insights import realtime, services
    from motcua.insights.periods import parse_period

    officer, center = _officer()
    procedure = Procedure.objects.get(code="1.000426")
    papers = [
        Paper(name=d.name, requirement_id=d.pk, originals=d.originals, copies=d.copies)
        for d in procedure.current_version.documents.all()
    ]
    month = parse_period(f"{date.today():%Y-%m}")
    stamps: list[float] = []
    original = realtime.apply_pending

    applies: list[float] = []

    def timed(*args, **kwargs):  # the after-commit apply starts: the commit is done
        stamps.append(time.perf_counter())
        done = original(*args, **kwargs)
        if done:
            applies.append(time.perf_counter() - stamps[-1])
        return done

    realtime.apply_pending = timed
    lags, reports = [], []
    try:
        for i in range(TRANSITIONS):
            before = services.report(month, "province", source="live")["counts"]["received"]
            stamps.clear()
            applicant = Applicant(name="Nguyễn Văn Đo", id_number=f"0140900{i:05d}", phone="0912345678")
            receive_in_person(officer, center, procedure, applicant, papers)
            committed = stamps[0] if stamps else time.perf_counter()
            while True:
                t0 = time.perf_counter()
                now = services.report(month, "province", source="live")["counts"]["received"]
                reports.append(time.perf_counter() - t0)
                if now == before + 1:
                    lags.append(time.perf_counter() - committed)
                    break
                if time.perf_counter() - committed > 10:
                    raise AssertionError("the figure did not change within 10 s")
    finally:
        realtime.apply_pending = original
    if not lags:
        print(f"[realtime, {label}] lag: NOT MEASURED (no reception was timed)")
        return
    lags.sort()
    p99 = lags[min(len(lags) - 1, round(0.99 * (len(lags) - 1)))]
    print(
        f"[realtime, {label}] lag commit → figure in services.report (live), {len(lags)} receptions: "
        f"p50 {statistics.median(lags) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, max {lags[-1] * 1000:.1f} ms "
        f"(goal < 5 s: {'MET' if lags[-1] < 5 else 'NOT MET'}); of which the apply after the commit "
        f"p50 {statistics.median(applies) * 1000:.1f} ms and one live report of the month "
        f"p50 {statistics.median(reports) * 1000:.1f} ms"
    )


def _reports(label: str, total: int) -> None:
    from motcua.insights import services
    from motcua.insights.periods import parse_period

    today = date.today()
    year = parse_period(f"{today - timedelta(days=366):%Y-%m-%d}..{today:%Y-%m-%d}")
    month = parse_period(f"{today:%Y-%m}")
    for name, period in (("12 months", year), ("this month", month)):
        t_live, live = _best(lambda p=period: services.report(p, "province", source="live"))
        t_full, full = _best(lambda p=period: services.report(p, "province", source="recompute"))
        same = {k: v for k, v in live["counts"].items() if k != "average_days"} == {
            k: v for k, v in full["counts"].items() if k != "average_days"
        }
        print(
            f"[realtime, {label}] N = {total:,}: province, {name}: live {t_live * 1000:8.1f} ms, "
            f"recompute {t_full * 1000:8.1f} ms, ratio recompute/live {t_full / max(t_live, 1e-9):6.1f}x, "
            + ("same counts" if same else "COUNTS DIFFER")
        )


def run(postgres: bool, dossiers: int) -> None:
    label = fresh_database("realtime", postgres)
    from django.core.management import call_command
    from django.db import connection

    from motcua.demo import history as demo
    from motcua.dossiers.models import Dossier
    from motcua.insights import realtime
    from motcua.insights.models import IndexTally

    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    call_command("migrate", verbosity=0)
    for command in ("load_calendar", "load_places", "import_catalog", "load_forms"):
        call_command(command, **quiet)
    t0 = time.perf_counter()
    demo.generate(dossiers, seed=1, force=True, realtime=False)
    print(f"[realtime, {label}] generated {dossiers:,} demo dossiers in {time.perf_counter() - t0:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    total = Dossier.objects.count()
    t0 = time.perf_counter()
    realtime.rebuild()
    t_rebuild = time.perf_counter() - t0
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"[realtime, {label}] rebuild of the aggregates from {total:,} dossiers: {t_rebuild:.1f} s "
        f"({t_rebuild / max(total, 1) * 1e6:.1f} µs per dossier) → {IndexTally.objects.count():,} tally rows"
    )
    _reports(label, total)
    _lag(label)


def main(postgres: bool = False, dossiers: int | None = None) -> None:
    """Default: SQLite and PostgreSQL, each in its own process; --postgres: PostgreSQL only."""
    run_per_database("realtime", postgres, dossiers or DEFAULT_DOSSIERS)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--dossiers", type=int, default=None)
    args = parser.parse_args()
    main(args.postgres, args.dossiers)
