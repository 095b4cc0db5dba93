"""Full recompute of the QĐ 766 index at 10^5, 10^6 and 10^7 dossiers, beside hand-written SQL.

    python -m bench insights                        # SQLite and PostgreSQL: 10^4 and 10^5 dossiers
    python -m bench insights --postgres             # PostgreSQL only
    python -m bench insights --dossiers 1000000     # 10^5 and 10^6, then 10^7 (see "replicas")
    python -m bench.insights --prepare --dossiers 1000000   # generate and keep the histories (var/bench)
    python -m bench.insights --prepared --dossiers 1000000  # measure them (10^5, 10^6 and 10^7)

Method (ADR 0018, 0026): a database with the reference data (calendar, places, catalogue, e-forms)
and the demo history (`motcua.demo.history`), grown through the sizes (N/10, then N; seed 1, then
seed 2), ANALYZE, then at each size, in the same run:

* rebuild: `realtime.rebuild()`, every per-dossier fact and tally row derived from the dossiers
  and their papers, payments, result and complaints (µs per dossier);
* **the full recompute** (`source="facts"`): the whole index of the province for the last 12
  months — every group, every query — whose dossier counts are ONE aggregate over the per-dossier
  facts (`realtime.dossier_counts(basis="facts")`, timed apart);
* **the reference**: the same dossier counts as ONE hand-written SQL query over the same fact rows
  (SUM(CASE …) per count), checked to give the same counts; the ratio ours / reference;
* the live report (`source="live"`, the maintained tally) and the pass over the dossiers
  themselves (`source="recompute"`, ADR 0018, with its own hand-written reference), both checked
  to give the same counts as the facts;
* then **replicas** (above 10^6 only): the facts of the largest history are copied 9 times with new
  dossier ids, so that the table holds 10 × N rows, and the recompute and the reference are timed
  again and checked to be exactly 10 × the counts at N. Generating 10^7 dossiers with their papers,
  steps and history takes hours on this machine; the recompute reads only the facts, so its cost at
  10 × N rows is measured on real rows of the real layout — what is not measured at 10^7 is the
  rebuild (linear: µs per dossier × N). The replicas are deleted afterwards.

PostgreSQL runs both queries with its JIT off, as the index does (`queries.without_jit`). Each
database runs in its own process (Django is set up once per process).
"""

import io
import time
from datetime import date, timedelta
from pathlib import Path

from bench.database import fresh_database, run_per_database, use_database

DEFAULT_DOSSIERS = 100_000
REPEAT = 3
GOAL_SECONDS = 10.0
KEEP_DIR = Path(__file__).resolve().parent.parent / "var" / "bench"

# The pass over the dossiers (ADR 0018) as one hand-written query: the reference of `recompute`.
RAW_REFERENCE_SQL = """
WITH x AS (
  SELECT
    COALESCE(d.finished_at, d.refused_at) AS ended_at, d.*,
    p.online_level, r.id AS result_id, r.file AS result_file
  FROM dossiers_dossier d
  JOIN catalog_procedure p ON p.id = d.procedure_id
  LEFT JOIN dossiers_dossierresult r ON r.dossier_id = d.id
  WHERE d.received_at < %(end)s
), f AS (
  SELECT
    CASE WHEN received_at >= %(start)s THEN 1 ELSE 0 END AS rec,
    CASE WHEN status IN (3, 8, 9, 10) AND ended_at >= %(start)s AND ended_at < %(end)s
         THEN 1 ELSE 0 END AS ended,
    CASE WHEN (ended_at IS NULL OR ended_at >= %(end)s) AND (status <> 3 OR ended_at >= %(end)s)
         THEN 1 ELSE 0 END AS unfin,
    CASE WHEN (counts_as_overdue OR (due_at < %(end)s AND (paused_at IS NULL OR due_at < paused_at)))
         AND NOT (due_at IS NULL AND status NOT IN (3, 8)) THEN 1 ELSE 0 END AS late_at_end,
    CASE WHEN NOT counts_as_overdue AND (status IN (3, 8) OR finished_at <= due_at)
         THEN 1 ELSE 0 END AS ok,
    CASE WHEN due_at IS NULL AND status NOT IN (3, 8) THEN 1 ELSE 0 END AS untimed,
    CASE WHEN national_code IS NOT NULL THEN 1 ELSE 0 END AS synced,
    CASE WHEN online_level = 'full' THEN 1 ELSE 0 END AS full_level,
    CASE WHEN status IN (9, 10) AND decision = 'approved' THEN 1 ELSE 0 END AS granted,
    CASE WHEN result_id IS NOT NULL THEN 1 ELSE 0 END AS has_result,
    CASE WHEN fee_due > 0 THEN 1 ELSE 0 END AS fee,
    CASE WHEN channel IN ('national_portal', 'own_portal') THEN 1 ELSE 0 END AS online,
    CASE WHEN channel = 'national_portal' OR applicant_user_id IS NOT NULL THEN 1 ELSE 0 END AS citizen_db,
    CASE WHEN EXISTS (SELECT 1 FROM dossiers_dossierdocument o WHERE o.dossier_id = x.id AND o.reused)
         THEN 1 ELSE 0 END AS reuse_any,
    CASE WHEN EXISTS (SELECT 1 FROM dossiers_dossierdocument o WHERE o.dossier_id = x.id AND o.reused
                      AND o.name LIKE '%%(kho dữ liệu:%%') THEN 1 ELSE 0 END AS from_store,
    CASE WHEN fee_due > 0 AND EXISTS (
           SELECT 1 FROM payments_payment y JOIN payments_charge c ON c.id = y.charge_id
           WHERE c.dossier_id = x.id AND NOT c.cancelled AND y.gateway IN ('national', 'vietqr')
           AND y.refunded_at IS NULL) THEN 1 ELSE 0 END AS paid_online,
    CASE WHEN result_id IS NOT NULL AND result_file <> ''
         AND EXISTS (SELECT 1 FROM dossiers_dossierdocument o WHERE o.dossier_id = x.id)
         AND NOT EXISTS (SELECT 1 FROM dossiers_dossierdocument o WHERE o.dossier_id = x.id
                         AND NOT o.digitised AND NOT o.reused AND o.file = '') THEN 1 ELSE 0 END AS scanned,
    CASE WHEN EXISTS (SELECT 1 FROM feedback_feedbackcase k WHERE k.dossier_id = x.id)
         OR EXISTS (SELECT 1 FROM feedback_rating g WHERE g.dossier_id = x.id AND g.level = 1)
         THEN 1 ELSE 0 END AS complaint
  FROM x
)
SELECT
  SUM(rec), SUM(rec * synced), SUM(ended),
  SUM(CASE WHEN (ended = 1 AND untimed = 0) OR (unfin = 1 AND late_at_end = 1) THEN 1 ELSE 0 END),
  SUM(ended * ok), SUM(unfin * late_at_end), SUM(rec * full_level),
  SUM(CASE WHEN rec = 1 AND full_level = 1 AND online = 1 AND (granted = 0 OR has_result = 1)
      THEN 1 ELSE 0 END),
  SUM(rec * fee), SUM(ended * granted), SUM(ended * granted * has_result),
  SUM(rec * reuse_any), SUM(rec * from_store), SUM(rec * citizen_db), SUM(rec * paid_online),
  SUM(ended * granted * scanned),
  SUM(CASE WHEN (ended = 1 OR (unfin = 1 AND late_at_end = 1)) AND complaint = 1 THEN 1 ELSE 0 END)
FROM f
WHERE rec = 1 OR ended = 1 OR unfin = 1
"""
REFERENCE_FIELDS = [
    "received",
    "synced",
    "ended",
    "judged",
    "ended_on_time",
    "unfinished_overdue",
    "eligible_full_online",
    "full_online",
    "fee_dossiers",
    "results_due",
    "with_e_result",
    "reuse_any",
    "from_data_store",
    "citizen_db_dossiers",
    "fee_dossiers_paid_online",
    "digitised",
    "dossier_complaints",
]


def facts_reference_sql() -> str:
    """The dossier counts of the index as ONE hand-written query over the facts (same order as
    REFERENCE_FIELDS). The bits are the facts' own layout (`realtime.flag_names()`), inlined."""
    from motcua.insights import realtime

    bit = {name: 1 << i for i, name in enumerate(realtime.flag_names())}

    def has(*names):
        return " AND ".join(f"(flags & {bit[n]}) <> 0" for n in names)

    rec = "received_day >= %(first)s"
    ended = "ended_day >= %(first)s AND ended_day <= %(last)s"
    late = "late_day <= %(last)s AND (closed_day IS NULL OR closed_day > %(last)s)"
    judged = f"(({ended} AND (flags & {bit['untimed']}) = 0) OR ({late}))"
    considered = f"(({ended}) OR ({late}))"  # complaints count for dossiers without a legal time too
    full = "p.online_level = 'full'"
    conditions = [  # in the order of REFERENCE_FIELDS
        rec,
        f"{rec} AND {has('synced')}",
        ended,
        judged,
        f"{ended} AND {has('ok')}",
        late,
        f"{rec} AND {full}",
        f"{rec} AND {full} AND {has('online')}",
        f"{rec} AND {has('fee')}",
        f"{ended} AND {has('granted')}",
        f"{ended} AND {has('granted', 'result')}",
        f"{rec} AND {has('reuse')}",
        f"{rec} AND {has('store')}",
        f"{rec} AND {has('cdb')}",
        f"{rec} AND {has('paid')}",
        f"{ended} AND {has('granted', 'scanned')}",
        f"{considered} AND {has('complaint')}",
    ]
    sums = ",\n  ".join(f"SUM(CASE WHEN {c} THEN 1 ELSE 0 END)" for c in conditions)
    # integers of our own layout inlined, the period as parameters
    return (
        f"SELECT\n  {sums}\n"  # noqa: S608
        "FROM insights_dossierfact d LEFT JOIN catalog_procedure p ON p.id = d.procedure_key\n"
        "WHERE received_day <= %(last)s"
    )


def _best(fn, repeat=REPEAT) -> tuple[float, object]:
    value = fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    return min(times), value


def _periods():
    from motcua.insights.periods import parse_period

    today = date.today()
    return parse_period(f"{today - timedelta(days=366):%Y-%m-%d}..{today:%Y-%m-%d}")


def _last_month():
    from motcua.insights.periods import parse_period

    return parse_period(f"{date.today().replace(day=1) - timedelta(days=1):%Y-%m}")


def _differ(ours: dict, ref: dict) -> dict:
    return {k: (ours.get(k), v) for k, v in ref.items() if (ours.get(k) or 0) != (v or 0)}


def _analyze() -> None:
    """Statistics for the planner; on PostgreSQL also the visibility map, so that the covering index
    is read without visiting the table (what autovacuum leaves in a running system)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE insights_dossierfact")
        cursor.execute("ANALYZE")


def _facts_pass(year):
    from motcua.insights import queries, realtime

    with queries.without_jit():
        return realtime.dossier_counts(year, queries.province_unit(), basis="facts")[None]


def _facts_reference(year):
    from django.db import connection

    from motcua.insights import queries

    params = {"first": year.first_day.toordinal(), "last": year.last_day.toordinal()}
    with queries.without_jit(), connection.cursor() as cursor:
        cursor.execute(facts_reference_sql(), params)
        return dict(zip(REFERENCE_FIELDS, cursor.fetchone(), strict=True))


def _measure(label: str, total: int, raw: bool = True) -> dict:
    from django.db import connection

    from motcua.insights import queries, realtime, services

    year = _periods()
    province = queries.province_unit()
    t0 = time.perf_counter()
    realtime.rebuild()
    t_rebuild = time.perf_counter() - t0
    _analyze()

    t_full, result = _best(lambda: services.index_for(year, province, source="facts"))
    t_pass, ours = _best(lambda: _facts_pass(year))
    t_ref, ref = _best(lambda: _facts_reference(year))
    t_live, live = _best(lambda: services.report(year, province, source="live"))
    month = _last_month()
    t_live_month, _ = _best(lambda: services.report(month, province, source="live"))
    t_facts_month, _ = _best(lambda: services.report(month, province, source="facts"))
    live_differ = _differ(live["counts"], {k: ours[k] for k in REFERENCE_FIELDS})
    lines = [
        f"[insights, {label}] N = {total:,} dossiers",
        f"  rebuild (facts + tally from the dossiers):        {t_rebuild:9.1f} s   "
        f"({t_rebuild / max(total, 1) * 1e6:.0f} µs per dossier)",
        f"  FULL RECOMPUTE, province, 12 months (all groups): {t_full * 1000:9.1f} ms  total {result.total}",
        f"    its dossier counts (one aggregate over facts):  {t_pass * 1000:9.1f} ms",
        f"    reference: one hand-written SQL over the facts: {t_ref * 1000:9.1f} ms  "
        f"ratio {t_pass / max(t_ref, 1e-9):.2f}x  "
        + ("same counts" if not _differ(ours, ref) else f"COUNTS DIFFER {_differ(ours, ref)}"),
        f"  live report (maintained tally):                   {t_live * 1000:9.1f} ms  "
        + ("same counts" if not live_differ else f"COUNTS DIFFER {live_differ}"),
        f"  one month ({month.label}): live {t_live_month * 1000:.1f} ms, "
        f"facts {t_facts_month * 1000:.1f} ms",
    ]
    same = not _differ(ours, ref) and not live_differ
    point = {"n": total, "full": t_full, "pass": t_pass, "ref": t_ref, "counts": ours, "same": same}
    if raw:
        ops = connection.ops
        params = {
            "start": ops.adapt_datetimefield_value(year.start),
            "end": ops.adapt_datetimefield_value(year.end),
        }

        def raw_pass():
            with queries.without_jit():
                return queries.dossier_counts(year, province)[None]

        def raw_reference():
            with queries.without_jit(), connection.cursor() as cursor:
                cursor.execute(RAW_REFERENCE_SQL, params)
                return dict(zip(REFERENCE_FIELDS, cursor.fetchone(), strict=True))

        t_raw, raw_counts = _best(raw_pass, repeat=1)
        t_raw_ref, raw_ref = _best(raw_reference, repeat=1)
        same = not _differ(raw_counts, {k: ours[k] for k in REFERENCE_FIELDS}) and not _differ(
            raw_counts, raw_ref
        )
        lines.append(
            f"  pass over the dossiers and papers (recompute):    {t_raw * 1000:9.1f} ms  "
            f"(its hand-written SQL {t_raw_ref * 1000:.1f} ms) "
            + ("same counts" if same else f"COUNTS DIFFER {_differ(raw_counts, raw_ref)}")
        )
    print("\n".join(lines), flush=True)
    return point


def _replicate(label: str, base: dict, copies: int = 9) -> dict:
    """The facts of the history copied `copies` times with new ids; measured; deleted again."""
    from django.db import connection, transaction

    from motcua.insights import realtime
    from motcua.insights.models import DossierFact

    qn = connection.ops.quote_name
    table = qn(DossierFact._meta.db_table)
    columns = ", ".join(qn(c) for c in realtime.FACT_FIELDS)
    offset = (
        DossierFact.objects.order_by("-dossier_id").values_list("dossier_id", flat=True).first() or 0
    ) + 1
    ks = " UNION ALL ".join(f"SELECT {k} AS k" for k in range(1, copies + 1))
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({qn('dossier_id')}, {columns}) "  # noqa: S608 — our own identifiers
            f"SELECT {qn('dossier_id')} + r.k * {offset}, {columns} FROM {table} CROSS JOIN ({ks}) r "
            f"WHERE {qn('dossier_id')} < {offset}"
        )
    _analyze()
    total = DossierFact.objects.count()
    elapsed = time.perf_counter() - t0
    print(f"[insights, {label}] replicas: facts copied ×{copies} → {total:,} rows in {elapsed:.1f} s")
    year = _periods()
    from motcua.insights import queries, services

    try:
        t_full, _ = _best(lambda: services.index_for(year, queries.province_unit(), source="facts"))
        t_pass, ours = _best(lambda: _facts_pass(year))
        t_ref, ref = _best(lambda: _facts_reference(year))
        scaled = {k: (base["counts"][k] or 0) * (copies + 1) for k in REFERENCE_FIELDS}
        check = _differ(ours, ref) or _differ(ours, scaled)
        dossiers = base["n"] * (copies + 1)
        print(
            f"[insights, {label}] N = {dossiers:,} dossiers (replicas; {total:,} fact rows, the received)\n"
            f"  FULL RECOMPUTE, province, 12 months (all groups): {t_full * 1000:9.1f} ms\n"
            f"    its dossier counts (one aggregate over facts):  {t_pass * 1000:9.1f} ms\n"
            f"    reference: one hand-written SQL over the facts: {t_ref * 1000:9.1f} ms  "
            f"ratio {t_pass / max(t_ref, 1e-9):.2f}x  "
            + (f"same counts, exactly {copies + 1} × N's" if not check else f"COUNTS DIFFER {check}"),
            flush=True,
        )
        return {"n": dossiers, "full": t_full, "pass": t_pass, "ref": t_ref, "same": not check}
    finally:
        with transaction.atomic():
            DossierFact.objects.filter(dossier_id__gte=offset).delete()


def _load_reference_data(label: str) -> None:
    from django.core.management import call_command

    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    for command in ("load_calendar", "load_places", "import_catalog", "load_forms"):
        call_command(command, **quiet)
    print(f"[insights, {label}] reference data loaded in {time.perf_counter() - t0:.1f} s", flush=True)


def _grow(label: str, n: int, seed: int) -> None:
    from django.db import connection

    from motcua.demo import history as demo

    t0 = time.perf_counter()
    demo.generate(n, seed=seed, force=True, realtime=False)
    print(
        f"[insights, {label}] generated {n:,} demo dossiers in {time.perf_counter() - t0:.1f} s", flush=True
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _sizes(dossiers: int) -> list[int]:
    return [max(1, dossiers // 10), dossiers]


def _tag(size: int) -> str:
    k = len(str(size)) - 1
    return f"1e{k}" if size == 10**k else str(size)


def _kept(postgres: bool, size: int) -> str:
    """The URL of a kept history of `size` dossiers (var/bench/keep_1e6.sqlite3, motcua_bench_keep_1e6)."""
    if postgres:
        return f"postgres://postgres@127.0.0.1:5432/motcua_bench_keep_{_tag(size)}"
    return f"sqlite:///{KEEP_DIR / f'keep_{_tag(size)}.sqlite3'}"


def prepare(postgres: bool, dossiers: int) -> None:
    """Generate the histories of `_sizes(dossiers)` once and keep them (one database per size)."""
    import shutil

    small, big = _sizes(dossiers)
    if postgres:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            for size in (small, big):
                conn.execute(f'DROP DATABASE IF EXISTS "motcua_bench_keep_{_tag(size)}"')
            conn.execute(f'CREATE DATABASE "motcua_bench_keep_{_tag(big)}"')
    else:
        KEEP_DIR.mkdir(parents=True, exist_ok=True)
        for size in (small, big):
            (KEEP_DIR / f"keep_{_tag(size)}.sqlite3").unlink(missing_ok=True)
    label = "PostgreSQL" if postgres else "SQLite"
    use_database(_kept(postgres, big))
    from django.db import connections

    _load_reference_data(label)
    _grow(label, small, seed=1)
    connections.close_all()
    if postgres:
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(
                f'CREATE DATABASE "motcua_bench_keep_{_tag(small)}" TEMPLATE "motcua_bench_keep_{_tag(big)}"'
            )
    else:
        shutil.copy(KEEP_DIR / f"keep_{_tag(big)}.sqlite3", KEEP_DIR / f"keep_{_tag(small)}.sqlite3")
    _grow(label, big - small, seed=2)


def run(postgres: bool, dossiers: int, prepared: bool = False) -> None:
    if prepared:
        points = [_run_prepared(postgres, size) for size in _sizes(dossiers)]
    else:
        label = fresh_database("insights", postgres)
        _load_reference_data(label)
        from motcua.dossiers.models import Dossier

        points, grown = [], 0
        for seed, size in enumerate(_sizes(dossiers), start=1):
            _grow(label, size - grown, seed)
            grown = size
            points.append(_measure(label, Dossier.objects.count()))
        if dossiers >= 1_000_000:
            points.append(_replicate(label, points[-1]))
    _summary("PostgreSQL" if postgres else "SQLite", points)


def _run_prepared(postgres: bool, size: int) -> dict:
    """Measure one kept history, each in its own process (Django is set up once per process)."""
    import subprocess
    import sys

    code = f"from bench.insights import measure_kept; measure_kept({postgres}, {size})"
    out = subprocess.run(
        [sys.executable, "-u", "-c", code],
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
    )
    print(out.stdout.split("POINT ")[0], end="", flush=True)
    import json

    return json.loads(out.stdout.split("POINT ", 1)[1])


def measure_kept(postgres: bool, size: int) -> None:
    import json

    use_database(_kept(postgres, size))
    from django.core.management import call_command

    from motcua.dossiers.models import Dossier

    label = "PostgreSQL" if postgres else "SQLite"
    call_command("migrate", verbosity=0)
    point = _measure(label, Dossier.objects.count())
    points = [point]
    if size >= 1_000_000:
        points.append(_replicate(label, point))
    print("POINT " + json.dumps([{k: v for k, v in p.items() if k != "counts"} for p in points]))


def _summary(label: str, points: list) -> None:
    flat = []
    for p in points:
        flat.extend(p if isinstance(p, list) else [p])
    small, big = flat[0], flat[-1]
    growth = big["full"] / max(small["full"], 1e-9)
    data_growth = big["n"] / max(small["n"], 1)
    rows = ", ".join(f"{p['n']:,}: {p['full']:.2f} s (ref {p['ref']:.2f} s)" for p in flat)
    verdict = "MET" if big["n"] >= 10_000_000 and big["full"] < GOAL_SECONDS else "NOT MET"
    if big["n"] < 10_000_000:
        verdict = "NOT MEASURED at 10^7 (run with --dossiers 1000000)"
    elif not all(p.get("same", True) for p in flat):
        verdict = "NOT MET (the counts differ from the reference: the time measures a wrong answer)"
    print(
        f"[insights, {label}] full recompute by size — {rows}\n"
        f"[insights, {label}] data ×{data_growth:.0f} → time ×{growth:.1f} "
        f"({'no faster than the data' if growth <= data_growth * 1.15 else 'FASTER than the data'}); "
        f"goal 10^7 in < {GOAL_SECONDS:.0f} s: {verdict}",
        flush=True,
    )


def main(
    postgres: bool = False, dossiers: int | None = None, prepared: bool = False, prepare_only: bool = False
) -> None:
    """Default: SQLite and PostgreSQL, each in its own process; --postgres: PostgreSQL only."""
    n = dossiers or DEFAULT_DOSSIERS
    if prepare_only:
        run_per_database("insights", postgres, n, function="prepare")
        return
    if prepared:
        for pg in (True,) if postgres else (False, True):
            run(pg, n, prepared=True)
        return
    run_per_database("insights", postgres, n)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--dossiers", type=int, default=None)
    parser.add_argument("--prepared", action="store_true", help="measure the kept histories")
    parser.add_argument("--prepare", action="store_true", help="generate and keep the histories")
    args = parser.parse_args()
    main(args.postgres, args.dossiers, args.prepared, args.prepare)
