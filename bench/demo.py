"""How fast `motcua demo` writes a history, beside a bare bulk INSERT of the very same rows.

    python -m bench demo                       # SQLite and PostgreSQL, 50 000 dossiers each
    python -m bench demo --postgres --dossiers 1000000

Method: a fresh database (bench.database), migrate, load the calendar, places, catalogue and e-forms;
generate N dossiers with seed 1 (`motcua.demo.history.generate`, which also rebuilds the
real-time aggregates when the insights app provides them: timed apart). Then the reference: every row
the generator wrote (dossiers, documents, steps, history, due-date changes, charges, payments, ratings,
feedback cases, e-form drafts) is read back into memory, the tables are emptied, and the rows are
written again by the same writer (binary COPY on PostgreSQL, executemany on SQLite; on PostgreSQL
with the plain indexes dropped and rebuilt, as the generator's bulk path does) — the cost of the
writes alone, with nothing to compute. The ratio generation / reference is what the simulation of
each dossier's life costs on top of writing it.
"""

import io
import time

from bench.database import fresh_database, run_per_database

DEFAULT_DOSSIERS = 50_000


def run(postgres: bool, dossiers: int) -> None:
    label = fresh_database("demo", postgres)
    from django.core.management import call_command
    from django.db import connection, transaction

    from motcua.demo import bulk
    from motcua.demo import history as demo

    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    for command in ("load_calendar", "load_places", "import_catalog", "load_forms"):
        call_command(command, **quiet)
    print(f"[demo, {label}] reference data loaded in {time.perf_counter() - t0:.1f} s")

    report = demo.generate(dossiers, seed=1, force=True)
    from motcua.dossiers.models import Dossier

    written = Dossier.objects.count()
    assert written == report.dossiers == dossiers, (written, report.dossiers, dossiers)
    generation = report.seconds
    realtime = report.realtime_seconds
    print(
        f"[demo, {label}] generated {report.dossiers:,} dossiers, {report.rows:,} rows "
        f"in {generation:.1f} s: "
        f"{report.dossiers / generation:,.0f} dossiers/s, {report.rows / generation:,.0f} rows/s "
        f"(writes {report.write_seconds:.1f} s, index rebuild {report.index_seconds:.1f} s)"
        + (f"; real-time aggregates rebuilt in {realtime:.1f} s" if realtime is not None else "")
    )

    # The reference: the same rows, read back, written again by the same writer.
    tables = []
    for model in demo.DemoGenerator.TABLES:
        columns = [f.column for f in model._meta.concrete_fields]
        rows = list(
            model.objects.order_by("pk").values_list(*[f.attname for f in model._meta.concrete_fields])
        )
        tables.append((model, columns, rows))
    total = sum(len(rows) for _m, _c, rows in tables)
    qn = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        for model, _columns, _rows in reversed(tables):
            cursor.execute(f"DELETE FROM {qn(model._meta.db_table)}")  # noqa: S608
    sink = bulk.Sink("default")
    t0 = time.perf_counter()
    with transaction.atomic():
        dropped = sink.drop_plain_indexes([m for m, _c, _r in tables]) if sink.pg else []
        sink.begin_batch()
        for model, columns, rows in tables:
            for start in range(0, len(rows), 5000):
                sink.write(model, columns, rows[start : start + 5000])
        sink.end_batch()
        if dropped:
            sink.create_indexes(dropped)
    reference = time.perf_counter() - t0
    again = sum(model.objects.count() for model, _c, _r in tables)
    assert again == total, f"the reference wrote {again:,} rows, not {total:,}"
    print(
        f"[demo, {label}] reference: bare bulk insert of the same {total:,} rows: {reference:.1f} s "
        f"({total / reference:,.0f} rows/s)\n"
        f"[demo, {label}] generation / bare insert = {generation / max(reference, 1e-9):.2f}x "
        f"→ 10^6 dossiers ≈ {generation * 1_000_000 / report.dossiers / 60:.1f} min by linear extrapolation"
    )


def main(postgres: bool = False, dossiers: int | None = None) -> None:
    """Default: SQLite and PostgreSQL, each in its own process; --postgres: PostgreSQL only."""
    run_per_database("demo", postgres, dossiers or DEFAULT_DOSSIERS)
