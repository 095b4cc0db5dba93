"""The demo's bulk writer: row tuples into tables, fast. Never for production.

COPY (binary) on PostgreSQL, executemany with per-column conversions elsewhere; primary keys
reserved up front from each table's sequence; the plain indexes dropped and rebuilt once around a
big load; foreign-key triggers off per batch when the role may, and every reference checked once
at the end. `motcua.demo.history` writes its generated year through it.
"""

from __future__ import annotations

import contextlib
import gc
import json
from datetime import UTC
from decimal import Decimal

from django.conf import settings
from django.db import connections


class Sink:
    """Writes row tuples: COPY on PostgreSQL, executemany elsewhere; ids reserved up front."""

    def __init__(self, using: str):
        self.connection = connections[using]
        self.pg = self.connection.vendor == "postgresql"
        self.next_ids: dict[str, int] = {}
        self._types: dict = {}
        self.rows = 0
        #: True while a bulk load holds the tables (their plain indexes dropped in this transaction).
        self.exclusive = False
        #: PostgreSQL checks deferred foreign keys row by row at commit, which costs more than
        #: the COPY itself. When the role may (a superuser, i.e. a development database), each
        #: batch turns those triggers off for its own transaction; the ids are right by
        #: construction and `verify_references` checks them once at the end.
        self.skip_triggers = False
        if self.pg:
            with self.connection.cursor() as cursor:
                cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                self.skip_triggers = bool(cursor.fetchone()[0])

    def begin_batch(self) -> None:
        if self.skip_triggers:
            with self.connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")

    def end_batch(self) -> None:
        """Back to normal trigger checks: an enclosing transaction (a test) must not inherit them off."""
        if self.skip_triggers:
            with self.connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = DEFAULT")

    def _oids(self, cursor, table: str, columns: list[str]) -> list[int]:
        key = (table, tuple(columns))
        if key not in self._types:
            cursor.execute(
                "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0",
                [table],
            )
            types = dict(cursor.fetchall())
            self._types[key] = [types[c] for c in columns]
        return self._types[key]

    def drop_plain_indexes(self, models) -> list[str]:
        """Drop the indexes that back no constraint (to rebuild them once, sorted, at the end)."""
        definitions = []
        with self.connection.cursor() as cursor:
            # Index DDL is refused while deferred foreign-key checks are pending (an earlier delete in
            # the same transaction, or our own rows when the triggers run): check them at once.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for model in models:
                cursor.execute(
                    "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                    "WHERE i.indrelid = %s::regclass AND NOT EXISTS "
                    "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
                    [model._meta.db_table],
                )
                for name, definition in cursor.fetchall():
                    cursor.execute(f"DROP INDEX {name}")
                    definitions.append(definition)
        return definitions

    def create_indexes(self, definitions: list[str]) -> None:
        with self.connection.cursor() as cursor:
            for definition in definitions:
                cursor.execute(definition)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    def verify_references(self, checks) -> None:
        """After a run without trigger checks: every foreign key written must point at a row."""
        if not self.skip_triggers:
            return
        qn = self.connection.ops.quote_name
        with self.connection.cursor() as cursor:
            for model, column, target in checks:
                table, ref = qn(model._meta.db_table), qn(target._meta.db_table)
                cursor.execute(
                    f"SELECT count(*) FROM {table} t WHERE t.{qn(column)} IS NOT NULL AND NOT EXISTS "  # noqa: S608
                    f"(SELECT 1 FROM {ref} r WHERE r.id = t.{qn(column)})"
                )
                missing = cursor.fetchone()[0]
                if missing:
                    raise RuntimeError(f"{missing} dòng {table}.{column} trỏ tới {ref} không tồn tại.")

    def reserve_ids(self, model, n: int) -> range | list[int]:
        """n fresh primary keys for `model`, taken from its sequence so later inserts never collide."""
        if n == 0:
            return []
        table = model._meta.db_table
        with self.connection.cursor() as cursor:
            if self.pg and self.exclusive:
                # The tables are locked by this transaction (bulk load): move the sequence once.
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                    "nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
                    [table, table, n],
                )
                last = cursor.fetchone()[0]
                return range(last - n + 1, last + 1)
            if self.pg:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n]
                )
                return [r[0] for r in cursor.fetchall()]
            if table not in self.next_ids:
                qn = self.connection.ops.quote_name
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {qn(table)}")  # noqa: S608
                self.next_ids[table] = cursor.fetchone()[0] + 1
        start = self.next_ids[table]
        self.next_ids[table] = start + n
        return range(start, start + n)

    def _converters(self, model, fields) -> dict:
        """SQLite: {column index: function of the whole column} giving what `Field.get_db_prep_save`
        would, for the columns whose values are not already in the database's form. Whole columns
        through list comprehensions: Django's per-value dispatch cost more than the INSERTs."""
        key = (model, tuple(f.column for f in fields))
        hit = self._types.get(key)
        if hit is not None:
            return hit
        conn = self.connection
        plain = {
            "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField", "FloatField",
            "ForeignKey", "IntegerField", "OneToOneField", "PositiveBigIntegerField", "PositiveIntegerField",
            "PositiveSmallIntegerField", "SmallIntegerField", "TextField",
        }  # fmt: skip

        def naive_utc(column):
            # As the backend writes aware datetimes: naive UTC text. str() of a UTC datetime ends
            # in "+00:00": slicing it off gives the text of replace(tzinfo=None), for less.
            return [None if v is None else str(v.astimezone(UTC))[:-6] for v in column]

        def json_text(cls):
            # JSONField.get_db_prep_save: NULL stays NULL, the rest is json.dumps(value, cls=encoder);
            # most cells are an empty {} or [].
            empty = _EMPTY if cls is None else {}
            dumps = json.dumps
            return lambda column: [
                None if v is None else ((not v and empty.get(v.__class__)) or dumps(v, cls=cls))
                for v in column
            ]

        def unless(kind, f):
            # Values already of `kind` (or None) are as Django would write them; others go through it.
            return lambda column: [
                v if v is None or v.__class__ is kind else f.get_db_prep_save(v, conn) for v in column
            ]

        out = {}
        for i, f in enumerate(fields):
            internal = f.get_internal_type()
            if internal in plain:
                continue
            if internal == "DateTimeField" and conn.vendor == "sqlite" and settings.USE_TZ:
                out[i] = naive_utc
            elif internal == "JSONField":
                out[i] = json_text(f.encoder)
            elif internal == "DecimalField":
                out[i] = unless(Decimal, f)  # to_python keeps a Decimal; sqlite3 adapts it to text
            elif internal == "FileField":
                out[i] = unless(str, f)  # get_prep_value is str(value)
            else:
                out[i] = lambda column, f=f: [f.get_db_prep_save(v, conn) for v in column]
        self._types[key] = out
        return out

    def write(self, model, columns: list[str], rows: list[tuple]) -> None:
        if not rows:
            return
        columns, rows = with_blind_indexes(model, columns, rows)
        columns, rows = with_defaults(model, columns, rows)
        fields = [next(f for f in model._meta.concrete_fields if f.column == c) for c in columns]
        # Encrypted columns (ADR 0040) are stored as the ORM would store them: ciphertext.
        sealed = {i: f.seal_column for i, f in enumerate(fields) if hasattr(f, "seal_column")}
        rows = map_columns(rows, sealed)
        qn = self.connection.ops.quote_name
        table = qn(model._meta.db_table)
        cols = ", ".join(qn(c) for c in columns)
        with without_cyclic_gc(), self.connection.cursor() as cursor:
            if self.pg:
                # Binary COPY: no text parsing of timestamps and numbers on either side.
                from psycopg.types.json import Jsonb

                json_at = [i for i, f in enumerate(fields) if f.get_internal_type() == "JSONField"]
                rows = map_columns(rows, {i: each(Jsonb) for i in json_at})
                oids = self._oids(cursor, model._meta.db_table, columns)
                with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT BINARY)") as copy:
                    copy.set_types(oids)
                    for row in rows:
                        copy.write_row(row)
            else:
                prepped = map_columns(rows, self._converters(model, fields))
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", prepped)  # noqa: S608
        self.rows += len(rows)


#: json.dumps of the empty containers, which most JSON cells hold.
_EMPTY = {dict: "{}", list: "[]"}


def with_blind_indexes(model, columns: list[str], rows: list[tuple]) -> tuple[list[str], list[tuple]]:
    """The blind index of each written ID number or name (ADR 0048), computed from its plaintext
    column as the field's `pre_save` would: a bulk write bypasses `save()`."""
    indexes = [
        (f.column, columns.index(model._meta.get_field(f.source).column))
        for f in model._meta.concrete_fields
        if hasattr(f, "index_column")
        and f.column not in columns
        and model._meta.get_field(f.source).column in columns
    ]
    if not indexes:
        return columns, rows
    source = list(zip(*rows, strict=True))
    added = [model._meta.get_field(c).index_column(source[i]) for c, i in indexes]
    return [*columns, *(c for c, _ in indexes)], [
        (*row, *extra) for row, extra in zip(rows, zip(*added, strict=True), strict=True)
    ]


def with_defaults(model, columns: list[str], rows: list[tuple]) -> tuple[list[str], list[tuple]]:
    """Columns the generator does not know (a field added later, e.g. Payment.excess) get their
    model default: Django's defaults are not in the database, so a bulk write must send them."""
    missing = [
        f
        for f in model._meta.concrete_fields
        if f.column not in columns and not f.primary_key and not f.unique and (f.has_default() or not f.null)
    ]
    if not missing:
        return columns, rows
    defaults = tuple(f.get_default() for f in missing)
    return [*columns, *(f.column for f in missing)], [(*row, *defaults) for row in rows]


def map_columns(rows: list[tuple], functions: dict) -> list[tuple]:
    """Rows with `functions[i]` applied to column i, each function taking the whole column:
    transposed, so that the work per value is a comprehension step, not a Python call."""
    if not functions:
        return rows
    columns = list(zip(*rows, strict=True))
    for i, function in functions.items():
        columns[i] = function(columns[i])
    return list(zip(*columns, strict=True))


def each(function):
    return lambda column: list(map(function, column))


@contextlib.contextmanager
def without_cyclic_gc():
    """The run allocates millions of small containers (rows, history entries) that live until
    their batch is written and form no reference cycles; the cyclic collector, started every few
    hundred allocations, walked them again and again for some 40 % of the run. Off meanwhile,
    on again after (plain reference counting still frees everything as it goes)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
