"""The facts and the tally of the real-time index (ADR 0022, 0026): their layout, what one dossier
contributes, and how they are written.

A dossier's fact (`DossierFact`: its keys, the period-independent conditions as bits, four local
days and its processing time) is derived with the same conditions as the pass over the dossiers
(`queries.static_conditions`); `contribution` turns it into rows of counts of `IndexTally` (and
`IndexTallyMonth`). `fingerprint` names the settings and the layout they depend on. Kept up to date
by `motcua.insights.realtime`, read by `motcua.insights.live`.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from datetime import date, timedelta
from functools import reduce
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Case, IntegerField, Q, When

from motcua.dossiers.models import Dossier, Status

from . import queries
from .models import DossierFact, IndexState, IndexTally, IndexTallyMonth

DAY_COLUMNS = (
    "received",
    "synced",
    "online",
    "fee",
    "paid",
    "reuse",
    "store",
    "cdb",
    "ended",
    "ended_ok",
    "granted",
    "with_result",
    "digitised",
    "ended_complaint",
    "finished",
    "finished_us",
    "ended_untimed",
)
STEP_COLUMNS = ("late", "late_complaint", "unfin", "unfin_complaint", "unfin_untimed")
COLUMNS = DAY_COLUMNS + STEP_COLUMNS
KEY_FIELDS = ("agency_key", "procedure_key", "officer_key")


# --- one dossier's fact and its contribution ------------------------------------------------------

#: The columns of `DossierFact` after the dossier id, in this order everywhere.
FACT_FIELDS = (
    "agency_key",
    "procedure_key",
    "officer_key",
    "flags",
    "received_day",
    "ended_day",
    "closed_day",
    "late_day",
    "finished_us",
)


def flag_names() -> list[str]:
    """The static conditions, in the order of their bits in `DossierFact.flags`."""
    return list(queries.static_conditions())


def fingerprint() -> str:
    """The settings and the layout the stored facts depend on; a change means a rebuild."""
    return (
        f"facts=2:{','.join(flag_names())};"
        f"online_needs_e_result={settings.MOTCUA_INDEX_ONLINE_NEEDS_E_RESULT};"
        f"sync={settings.MOTCUA_INDEX_SYNC_SOURCE};tz={settings.TIME_ZONE}"
    )


def flag_rows(dossier_filter: Q):
    """Per dossier: the fields the period rules read, and the static conditions as a bit mask."""
    static = queries.static_conditions()
    mask = reduce(
        operator.add,
        (
            Case(When(cond, then=1 << bit), default=0, output_field=IntegerField())
            for bit, cond in enumerate(static.values())
        ),
    )
    return (
        Dossier.objects.filter(dossier_filter)
        .annotate(ended_at=queries._end_time(), mask=mask)
        .values_list(
            "pk",
            "status",
            "received_at",
            "ended_at",
            "finished_at",
            "due_at",
            "paused_at",
            "counts_as_overdue",
            "handling_agency_id",
            "procedure_id",
            "assignee_id",
            "mask",
        )
        .order_by("pk")
    )


def fact(row: tuple, tz: ZoneInfo) -> tuple | None:
    """The `FACT_FIELDS` of one dossier row of `flag_rows` (None: never received, in no count).

    The period rules of `queries.period_conditions`, as local days (a period is [F, L]; its end
    e = local midnight of L + 1):
    * received in the period ⇔ F ≤ day(received_at) ≤ L (received_at < e: the base filter);
    * ended in the period ⇔ status ended and F ≤ day(ended_at) ≤ L;
    * unfinished at e ⇔ received_at < e ≤ ended_at (or not ended; never for a dossier refused at
      reception without an end time) ⇔ day(received_at) ≤ L < day(ended_at) =: closed_day;
    * overdue at e ⇔ unfinished at e and (counts_as_overdue, or due_at < e and the clock did not
      stop before due_at) ⇔ late_day ≤ L < closed_day, late_day = day(due_at) (not before reception);
      never for a dossier without a legal time (the "untimed" flag: no appointment, ADR 0029).
    """
    _pk, status, received_at, ended_at, finished_at, due_at, paused_at, overdue = row[:8]
    agency, procedure, officer, mask = row[8:]
    if received_at is None:
        return None
    received_day = received_at.astimezone(tz).toordinal()
    end_day = ended_at.astimezone(tz).toordinal() if ended_at is not None else None
    ended_day = end_day if status in queries.ENDED_STATUSES else None
    if end_day is not None:
        closed_day = end_day
    elif status == Status.NOT_RECEIVED:
        closed_day = received_day  # refused at reception without an end time: never open
    else:
        closed_day = None
    untimed = due_at is None and status not in queries.NO_RESULT_STATUSES
    if untimed:
        late_day = None  # counted as "no legal time", neither on time nor late
    elif overdue:
        late_day = received_day
    elif due_at is not None and (paused_at is None or due_at < paused_at):
        late_day = max(received_day, due_at.astimezone(tz).toordinal())
    else:
        late_day = None
    finished_us = None
    if ended_day is not None and finished_at is not None:
        finished_us = _microseconds(finished_at - received_at)
    keys = (agency or 0, procedure or 0, officer or 0)
    return (*keys, mask, received_day, ended_day, closed_day, late_day, finished_us)


def contribution(fact_row: tuple | None, bits: dict[str, int]) -> dict[str, dict[str, int]]:
    """{"day|agency|procedure|officer": {column: n}}: what one dossier's fact adds to `IndexTally`.

    Its reception day and its end day get the day columns; the open-dossier counts are intervals of
    the period end E = L + 1: +1 at their first day, −1 on `closed_day` + 1."""
    if fact_row is None:
        return {}
    agency, procedure, officer, mask, received_day, ended_day, closed_day, late_day, finished_us = fact_row
    f = {name: (mask >> bit) & 1 for name, bit in bits.items()}
    key = f"{agency}|{procedure}|{officer}"
    out: dict[str, dict[str, int]] = {}

    def add(day: int, **values: int) -> None:
        name = f"{date.fromordinal(day).isoformat()}|{key}"
        cell = out.setdefault(name, {})
        for column, value in values.items():
            if value:
                cell[column] = cell.get(column, 0) + value
                if not cell[column]:
                    del cell[column]
        if not cell:
            del out[name]

    add(
        received_day,
        received=1,
        synced=f["synced"],
        online=f["online"],
        fee=f["fee"],
        paid=f["paid"],
        reuse=f["reuse"],
        store=f["store"],
        cdb=f["cdb"],
    )
    if ended_day is not None:
        granted = f["granted"]
        add(
            ended_day,
            ended=1,
            ended_ok=f["ok"],
            granted=granted,
            with_result=granted & f["result"],
            digitised=granted & f["scanned"],
            ended_complaint=f["complaint"],
            finished=int(finished_us is not None),
            finished_us=finished_us or 0,
            ended_untimed=f["untimed"],
        )
    stop = closed_day + 1 if closed_day is not None else None

    def interval(first: int, column: str, complaint_column: str) -> None:
        if stop is not None and first >= stop:
            return
        add(first, **{column: 1, complaint_column: f["complaint"]})
        if stop is not None:
            add(stop, **{column: -1, complaint_column: -f["complaint"]})

    interval(received_day + 1, "unfin", "unfin_complaint")
    if late_day is not None:
        interval(late_day + 1, "late", "late_complaint")
    if f["untimed"] and (stop is None or received_day + 1 < stop):
        add(received_day + 1, unfin_untimed=1)
        if stop is not None:
            add(stop, unfin_untimed=-1)
    return out


def _microseconds(delta: timedelta) -> int:
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def difference(old: dict, new: dict) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for key in old.keys() | new.keys():
        before, after = old.get(key, {}), new.get(key, {})
        cell = {c: after.get(c, 0) - before.get(c, 0) for c in before.keys() | after.keys()}
        cell = {c: v for c, v in cell.items() if v}
        if cell:
            out[key] = cell
    return out


def by_month(cells: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """The same cells summed into their months ("YYYY-MM-01|keys")."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for key, cell in cells.items():
        target = out[f"{key[:7]}-01{key[10:]}"]
        for column, value in cell.items():
            target[column] += value
    return {k: dict(v) for k, v in out.items() if any(v.values())}


def tally_row(key: str, cell: dict[str, int]) -> tuple:
    """("day|agency|procedure|officer", {column: n}) → (day, *KEY_FIELDS, *COLUMNS)."""
    day, agency, procedure, officer = key.split("|")
    return (
        date.fromisoformat(day),
        int(agency),
        int(procedure),
        int(officer),
        *(cell.get(c, 0) for c in COLUMNS),
    )


def upsert(deltas: dict[str, dict[str, int]]) -> None:
    """Add the deltas to the daily and the monthly tally rows, creating them as needed: one prepared
    single-row statement run for every row (executemany; psycopg's client-side parsing of one huge
    multi-row statement cost more than the database work), in key order so that two appliers never
    wait on each other crosswise."""
    if not deltas:
        return
    for model, cells in ((IndexTally, deltas), (IndexTallyMonth, by_month(deltas))):
        table = connection.ops.quote_name(model._meta.db_table)
        qn = connection.ops.quote_name
        fields = ("day", *KEY_FIELDS, *COLUMNS)
        update = ", ".join(f"{qn(c)} = {table}.{qn(c)} + excluded.{qn(c)}" for c in COLUMNS)
        # identifiers come from the model, values are parameters
        sql = (
            f"INSERT INTO {table} ({', '.join(qn(f) for f in fields)}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(fields))}) "
            f"ON CONFLICT ({', '.join(qn(f) for f in ('day', *KEY_FIELDS))}) DO UPDATE SET {update}"
        )
        adapt = connection.ops.adapt_datefield_value
        params = []
        for key in sorted(cells):
            day, *rest = tally_row(key, cells[key])
            params.append((adapt(day), *rest))
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)


def bits_of_flags() -> dict[str, int]:
    return {name: bit for bit, name in enumerate(flag_names())}


def stored_facts(ids) -> dict[int, tuple]:
    return {
        row[0]: row[1:]
        for row in DossierFact.objects.filter(dossier_id__in=ids).values_list("dossier_id", *FACT_FIELDS)
    }


def _insert(model, fields: tuple[str, ...], types: list[str], rows: list[tuple]) -> None:
    """Insert new rows into an insights table: binary COPY on PostgreSQL (an executemany of 10^5
    rows costs seconds there in client-side work), executemany elsewhere. `types`: PostgreSQL's."""
    if not rows:
        return
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    columns = ", ".join(qn(c) for c in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(types)
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(fields))
        adapted = rows
        if "day" in fields:  # the SQLite backend stores dates as text
            at = fields.index("day")
            adapt = connection.ops.adapt_datefield_value
            adapted = [(*r[:at], adapt(r[at]), *r[at + 1 :]) for r in rows]
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", adapted)  # noqa: S608


def write_facts(rows: list[tuple]) -> None:
    """Insert (dossier_id, *FACT_FIELDS) rows."""
    _insert(
        DossierFact, ("dossier_id", *FACT_FIELDS), ["int8", *["int4"] * (len(FACT_FIELDS) - 1), "int8"], rows
    )


def write_tally(totals: dict[str, dict[str, int]]) -> None:
    """Insert the daily and monthly rows of an empty tally (the rebuild): no conflict to resolve."""
    types = ["date", "int4", "int4", "int4", *["int8" if c == "finished_us" else "int4" for c in COLUMNS]]
    for model, cells in ((IndexTally, totals), (IndexTallyMonth, by_month(totals))):
        rows = [tally_row(key, cells[key]) for key in sorted(cells) if any(cells[key].values())]
        _insert(model, ("day", *KEY_FIELDS, *COLUMNS), types, rows)


def is_built() -> bool:
    """Whether the aggregates are built under the current settings (read once per `one_page`)."""
    return queries.once_per_page(("tally-built",), _is_built)


def _is_built() -> bool:
    state = IndexState.objects.filter(pk="index").values_list("fingerprint", flat=True).first()
    return state == fingerprint()
