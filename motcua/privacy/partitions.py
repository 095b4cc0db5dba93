"""Monthly partitions of the exchange message log on PostgreSQL (ADR 0039).

The table is partitioned by RANGE (created_at), one partition per month (`exchange_messagelog_pYYYYMM`,
bounds in UTC) and a DEFAULT partition for anything outside them. Its primary key is (id, created_at)
in the database, as PostgreSQL requires the partition key in it; Django keeps `id` as the model's
key, and ids stay unique because one identity sequence gives them all. The purge drops a month
whose upper bound is past the retention cutoff (one cheap DDL instead of millions of DELETEs); the
rest, the partial month and the default partition, is deleted in batches. On SQLite nothing here
applies: the table is a plain table.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

from django.db import connection, transaction

logger = logging.getLogger(__name__)

TABLE = "exchange_messagelog"
PREFIX = TABLE + "_p"


def enabled() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = %s AND relkind = 'p'", [TABLE])
        return cursor.fetchone() is not None


def _month(d: date) -> date:
    return date(d.year, d.month, 1)


def _next(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def partitions() -> list[tuple[str, date]]:
    """The monthly partitions and their first day, oldest first."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s",
            [TABLE],
        )
        names = [row[0] for row in cursor.fetchall()]
    months = []
    for name in names:
        suffix = name.removeprefix(PREFIX)
        if name.startswith(PREFIX) and len(suffix) == 6 and suffix.isdigit():
            months.append((name, date(int(suffix[:4]), int(suffix[4:]), 1)))
    return sorted(months, key=lambda item: item[1])


def create_month(month: date) -> bool:
    """Create the partition of `month` if missing; False if rows of it already sit in the default one."""
    month = _month(month)
    name = f"{PREFIX}{month:%Y%m}"
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    end_day = _next(month)
    end = datetime(end_day.year, end_day.month, 1, tzinfo=UTC)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f'CREATE TABLE IF NOT EXISTS "{name}" PARTITION OF "{TABLE}" '  # noqa: S608 — our own name
                "FOR VALUES FROM (%s) TO (%s)",
                [start, end],
            )
        return True
    except Exception:  # the default partition already holds rows of that month
        logger.warning("partition %s not created: rows of that month are in the default partition", name)
        return False


def ensure_ahead(today: date, months: int = 3) -> None:
    """This month and the next `months`: created before any row needs them (the worker, nightly)."""
    month = _month(today)
    for _ in range(months + 1):
        create_month(month)
        month = _next(month)


def droppable(cutoff: datetime) -> list[tuple[str, date]]:
    """Months that end at or before the cutoff: every row in them is past retention."""
    limit = cutoff.astimezone(UTC).date()
    return [(name, month) for name, month in partitions() if _next(month) <= limit]


def count_rows(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{name}"')  # noqa: S608 — a name read from pg_class
        return cursor.fetchone()[0]


def drop(name: str) -> int:
    rows = count_rows(name)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{TABLE}" DETACH PARTITION "{name}"')
        cursor.execute(f'DROP TABLE "{name}"')
    return rows
