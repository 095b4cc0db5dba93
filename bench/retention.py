"""Retention (ADR 0039): what purging one month of the message log costs, batches vs a dropped partition.

    python -m bench retention                          # SQLite: batched DELETE only
    python -m bench retention --postgres --dossiers 200000   # rows per month (default 100,000)

Method, in one run on a fresh database (all migrations applied, so on PostgreSQL the message log is
partitioned by month): three months of rows, two of them past retention and one recent, written
with one INSERT … SELECT each. Reference: the oldest month purged by `retention._purge_range`, the
batched DELETE by primary-key range (`MOTCUA_RETENTION_BATCH` rows a statement) that every database
gets. Then, PostgreSQL only, the second old month (same row count) dropped as a partition
(`partitions.drop`: detach, drop). Checked: each purge removed exactly its month and the recent rows
are all there. SQLite has no partitions: that line prints NOT MEASURED.
"""

import time
from datetime import UTC, datetime, timedelta

from bench.checks import BenchCheckFailed
from bench.database import fresh_database

DEFAULT_ROWS = 100_000


def checked(condition: bool, message: str) -> None:
    if not condition:
        raise BenchCheckFailed(message)


def _month_start(d: datetime) -> datetime:
    return datetime(d.year, d.month, 1, tzinfo=UTC)


def _insert(rows: int, start: datetime, span: timedelta) -> None:
    from django.db import connection

    step = span / rows
    columns = (
        "service, method, url, request_body, response_body, duration_ms, outcome, attempt, correlation_id"
    )
    values = "'population', 'GET', 'https://lgsp.example/dan-cu', '', '{}', 12, 'ok', 1, 'bench'"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO exchange_messagelog ({columns}, created_at) "  # noqa: S608 — constants
                f"SELECT {values}, %s + g * %s FROM generate_series(0, %s - 1) g",
                [start, step, rows],
            )
        else:
            cursor.execute(
                f"WITH RECURSIVE g(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n < %s - 1) "  # noqa: S608
                f"INSERT INTO exchange_messagelog ({columns}, created_at) "
                f"SELECT {values}, strftime('%%Y-%%m-%%d %%H:%%M:%%f', %s, '+' || (n * %s) || ' seconds') "
                "FROM g",
                [rows, start.strftime("%Y-%m-%d %H:%M:%S"), step.total_seconds()],
            )


def main(postgres: bool = False, dossiers: int = DEFAULT_ROWS) -> bool:
    label = fresh_database("retention", postgres)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from motcua.exchange.models import MessageLog
    from motcua.privacy import partitions, retention

    rows = int(dossiers)
    now = datetime.now(UTC)
    first = _month_start(now - timedelta(days=480))
    second = _month_start(first + timedelta(days=32))
    third = _month_start(second + timedelta(days=32))
    recent = _month_start(now)
    pg = connection.vendor == "postgresql"
    if pg:
        for month in (first, second):
            partitions.create_month(month.date())
    t0 = time.perf_counter()
    _insert(rows, first, second - first)
    _insert(rows, second, third - second)
    _insert(rows, recent, min(now - recent, timedelta(days=1)) or timedelta(seconds=1))
    written = time.perf_counter() - t0
    print(
        f"retention bench on {label}: {rows:,} message-log rows per month, 3 months "
        f"({written:.1f} s to write)"
    )

    ok = True
    # Reference: batched DELETE by primary-key range of the oldest month.
    t0 = time.perf_counter()
    deleted = retention._purge_range(MessageLog.objects.all(), "created_at", second, dry_run=False)
    batched = time.perf_counter() - t0
    try:
        checked(deleted == rows, f"batched purge removed {deleted:,} rows, expected {rows:,}")
    except BenchCheckFailed as exc:
        print(f"  CHECK FAILED: {exc}")
        ok = False
    print(
        f"  batched DELETE (reference): {deleted:,} rows in {batched:.2f} s = {deleted / batched:,.0f} rows/s"
    )

    if pg:
        name = f"{partitions.PREFIX}{second:%Y%m}"
        t0 = time.perf_counter()
        dropped = partitions.drop(name)
        drop_s = time.perf_counter() - t0
        try:
            checked(dropped == rows, f"partition held {dropped:,} rows, expected {rows:,}")
        except BenchCheckFailed as exc:
            print(f"  CHECK FAILED: {exc}")
            ok = False
        print(
            f"  dropped monthly partition: {dropped:,} rows in {drop_s:.3f} s "
            f"= {dropped / drop_s:,.0f} rows/s "
            f"({batched / drop_s:,.0f}x faster than the batches)"
        )
    else:
        print("  dropped monthly partition: NOT MEASURED (SQLite has no partitions)")
        MessageLog.objects.filter(created_at__lt=third).delete()
    left = MessageLog.objects.count()
    try:
        checked(left == rows, f"{left:,} rows left, expected the {rows:,} recent ones")
    except BenchCheckFailed as exc:
        print(f"  CHECK FAILED: {exc}")
        ok = False
    return ok
