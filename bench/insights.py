"""Full recompute of the QĐ 766 index at scale, beside a hand-written SQL reference in the same run.

    python -m bench insights                        # SQLite and PostgreSQL, 10^5 dossiers each
    python -m bench insights --postgres             # PostgreSQL only
    python -m bench insights --dossiers 1000000     # measured at 10^5 and 10^6 (both databases)
    python -m bench insights --postgres --dossiers 10000000   # and at 10^7 (hours to generate)

Method (docs/adr/0018): a fresh database (PostgreSQL: `motcua_bench_insights`, dropped and created;
SQLite: a temporary file), migrate, load the calendar, places, catalogue and e-forms, then grow the
demo history (`motcua.dossiers.demo`, a new seed per step) through the decades 10^5, 10^6, 10^7 up to
N (below 10^6: N/10 then N), ANALYZE and measure at each size — so the growth of the cost with the
data is read in one run. Measured (best of R, after one warm-up):

* the province for the last 12 months (`services.index_for`, every group, every query);
* the province for the last full month;
* the ranking of all departments for the 12 months (`queries.gather_grouped`, same queries grouped);
* the QĐ 1565 criteria of the province for the last full month (`criteria.measures`: the per-procedure
  dossier pass, e-forms, ratings, and the office-hours processing times computed per dossier);
* the reference: the dossier pass of the index as ONE hand-written SQL query (a CTE of per-row flags,
  then SUMs), checked to give the same counts as `queries.dossier_counts`. Both run with PostgreSQL's
  JIT off, as the index does (`queries.without_jit`, ADR 0018).

Each database runs in its own process (Django is set up once per process).
"""

import io
import time
from datetime import date, timedelta

from bench.database import fresh_database, run_per_database

DEFAULT_DOSSIERS = 100_000
REPEAT = 3

REFERENCE_SQL = """
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
    CASE WHEN counts_as_overdue OR (due_at < %(end)s AND (paused_at IS NULL OR due_at < paused_at))
         THEN 1 ELSE 0 END AS late_at_end,
    CASE WHEN NOT counts_as_overdue AND (status IN (3, 8) OR due_at IS NULL OR finished_at <= due_at)
         THEN 1 ELSE 0 END AS ok,
    CASE WHEN national_code IS NOT NULL THEN 1 ELSE 0 END AS synced,
    CASE WHEN online_level = 'full' THEN 1 ELSE 0 END AS full_level,
    CASE WHEN status IN (9, 10) AND decision = 'approved' THEN 1 ELSE 0 END AS granted,
    CASE WHEN result_id IS NOT NULL THEN 1 ELSE 0 END AS has_result,
    CASE WHEN fee_due > 0 THEN 1 ELSE 0 END AS fee,
    CASE WHEN channel IN ('national_portal', 'own_portal') THEN 1 ELSE 0 END AS online,
    CASE WHEN channel = 'national_portal' OR applicant_user_id IS NOT NULL THEN 1 ELSE 0 END AS citizen_db,
    CASE WHEN EXISTS (SELECT 1 FROM dossiers_dossierdocument o WHERE o.dossier_id = x.id
                      AND (o.digitised OR o.reused)) THEN 1 ELSE 0 END AS reuse_any,
    CASE WHEN EXISTS (SELECT 1 FROM dossiers_dossierdocument o WHERE o.dossier_id = x.id AND o.reused)
         THEN 1 ELSE 0 END AS from_store,
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
  SUM(CASE WHEN ended = 1 OR (unfin = 1 AND late_at_end = 1) THEN 1 ELSE 0 END),
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


def _setup(postgres: bool) -> str:
    return fresh_database("insights", postgres)


def _best(fn, repeat=REPEAT) -> tuple[float, object]:
    value = fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    return min(times), value


def _measure(label: str, total: int) -> dict:
    from django.db import connection

    from motcua.insights import criteria, queries, services
    from motcua.insights.periods import parse_period

    today = date.today()
    year = parse_period(f"{today - timedelta(days=366):%Y-%m-%d}..{today:%Y-%m-%d}")
    first_of_month = today.replace(day=1)
    month = parse_period(f"{first_of_month - timedelta(days=1):%Y-%m}")
    province = queries.province_unit()

    t_year, result = _best(lambda: services.index_for(year, province))
    t_month, _ = _best(lambda: services.index_for(month, province))
    t_rank, grouped = _best(lambda: queries.gather_grouped(year, "department"), repeat=1)
    t_criteria, _ = _best(lambda: criteria.measures(month, province), repeat=1)

    def dossier_pass():
        with queries.without_jit():
            return queries.dossier_counts(year, province)[None]

    t_pass, ours = _best(dossier_pass)

    ops = connection.ops
    params = {
        "start": ops.adapt_datetimefield_value(year.start),
        "end": ops.adapt_datetimefield_value(year.end),
    }

    def reference():  # under the same JIT setting as the index's own queries
        with queries.without_jit(), connection.cursor() as cursor:
            cursor.execute(REFERENCE_SQL, params)
            return dict(zip(REFERENCE_FIELDS, cursor.fetchone(), strict=True))

    t_ref, ref = _best(reference)
    differ = {k: (ours.get(k), v) for k, v in ref.items() if (ours.get(k) or 0) != (v or 0)}
    print(
        f"[insights, {label}] N = {total:,} dossiers\n"
        f"  province, 12 months (index_for, all groups): {t_year * 1000:9.1f} ms  total {result.total}\n"
        f"  province, month {month.label}:            {t_month * 1000:9.1f} ms\n"
        f"  ranking of {len(grouped)} departments, 12 months:   {t_rank * 1000:9.1f} ms\n"
        f"  QĐ 1565 criteria, province, month:           {t_criteria * 1000:9.1f} ms\n"
        f"  dossier pass (ORM, one aggregate):            {t_pass * 1000:9.1f} ms\n"
        f"  reference: one hand-written SQL query:        {t_ref * 1000:9.1f} ms  "
        f"ratio ORM/reference {t_pass / max(t_ref, 1e-9):.2f}x  "
        + ("same counts" if not differ else f"COUNTS DIFFER {differ}")
    )
    return {"n": total, "year": t_year, "ref": t_ref}


def run(postgres: bool, dossiers: int) -> None:
    label = _setup(postgres)
    from django.core.management import call_command
    from django.db import connection

    from motcua.dossiers import demo
    from motcua.dossiers.models import Dossier

    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    for command in ("load_calendar", "load_places", "import_catalog", "load_forms"):
        call_command(command, **quiet)
    print(f"[insights, {label}] reference data loaded in {time.perf_counter() - t0:.1f} s")
    points = []
    sizes = [10**k for k in (5, 6, 7) if 10**k < dossiers] + [dossiers]
    if len(sizes) == 1:
        sizes = [max(1, dossiers // 10), dossiers]
    steps = [b - a for a, b in zip([0, *sizes], sizes, strict=False)]
    for seed, n in enumerate(steps, start=1):
        t0 = time.perf_counter()
        demo.generate(n, seed=seed, force=True, realtime=False)
        print(f"[insights, {label}] generated {n:,} demo dossiers in {time.perf_counter() - t0:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        points.append(_measure(label, Dossier.objects.count()))
    small, big = points[0], points[-1]
    growth = big["year"] / max(small["year"], 1e-9)
    data_growth = big["n"] / max(small["n"], 1)
    # The marginal cost per dossier (the fixed part — catalog, feedback, Python — does not grow).
    slope = max(0.0, (big["year"] - small["year"]) / max(big["n"] - small["n"], 1))
    at_10m = big["year"] + slope * (10_000_000 - big["n"])
    ref_slope = max(0.0, (big["ref"] - small["ref"]) / max(big["n"] - small["n"], 1))
    print(
        f"[insights, {label}] data ×{data_growth:.1f} → time ×{growth:.1f} "
        f"({'no faster than the data' if growth <= data_growth * 1.15 else 'FASTER than the data'}); "
        f"marginal {slope * 1e6:.2f} µs per dossier (reference SQL {ref_slope * 1e6:.2f} µs) → "
        f"10^7 ≈ {at_10m:.1f} s by linear extrapolation "
        f"(goal < 10 s: {'MET' if at_10m < 10 else 'NOT MET'} by extrapolation, not measured)"
    )


def main(postgres: bool = False, dossiers: int | None = None) -> None:
    """Default: SQLite and PostgreSQL, each in its own process; --postgres: PostgreSQL only."""
    run_per_database("insights", postgres, dossiers or DEFAULT_DOSSIERS)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--dossiers", type=int, default=None)
    args = parser.parse_args()
    main(args.postgres, args.dossiers)
