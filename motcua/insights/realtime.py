"""The QĐ 766 index in real time (chỉ số theo thời gian thực): maintained aggregates (ADR 0022, 0026).

Every received dossier has one narrow fact (`DossierFact`: its keys, the period-independent
conditions as bits, four local days and its processing time), derived from the dossier's current
state with the SAME conditions as the pass over the dossiers (`queries.static_conditions`, one query
for a batch of dossiers). A fact contributes a few rows of counts to `IndexTally` (its day of
reception, its day of end, and the steps of the open-dossier counts), keyed by (local day, handling
agency, procedure, assigned officer). An update replaces the stored fact and applies the difference
of the two contributions to the tally: applying a dossier twice changes nothing, so any number of
triggers is safe.

Triggers, in the transaction that changes the dossier: every event of the event log about a dossier
(transitions, payments, ratings, feedback cases) and the saves of the rows the index reads (dossier,
documents, result, charges, payments, ratings, feedback cases, national-portal outbox), which write an
`IndexDirty` row and enqueue, once per transaction, the task `apply_index` (ADR 0041): a worker
applies the dirty dossiers right after the commit (lag: the queue's poll), never the request; the
worker job `insights.realtime` applies whatever is left every second (safety net) and builds the
aggregates when they are missing or the settings they depend on changed.

Reading a period sums the tally rows of its days (plus, for the counts at the end of the period, the
steps up to its end): the cost grows with the days × units that have dossiers, not with dossiers.
The full recompute of a period is one aggregate over the facts (`basis="facts"`).
"""

from __future__ import annotations

import logging
import operator
import time
from collections import defaultdict
from datetime import date, timedelta
from functools import reduce
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, IntegerField, Q, Sum, When
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from motcua.catalog.models import OnlineLevel, Procedure
from motcua.core import tasks
from motcua.dossiers.models import Dossier, Status
from motcua.places.models import Agency

from . import queries
from .index import Counts
from .models import DossierFact, IndexDirty, IndexState, IndexTally, IndexTallyMonth
from .periods import Period

logger = logging.getLogger(__name__)

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

SOURCES = ("auto", "live", "facts", "recompute")


class LiveUnavailable(ValueError):
    """The maintained aggregates cannot answer (not built yet, or built under other settings)."""


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


def _flag_rows(dossier_filter: Q):
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
    """The `FACT_FIELDS` of one dossier row of `_flag_rows` (None: never received, in no count).

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


def _difference(old: dict, new: dict) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for key in old.keys() | new.keys():
        before, after = old.get(key, {}), new.get(key, {})
        cell = {c: after.get(c, 0) - before.get(c, 0) for c in before.keys() | after.keys()}
        cell = {c: v for c, v in cell.items() if v}
        if cell:
            out[key] = cell
    return out


def _by_month(cells: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """The same cells summed into their months ("YYYY-MM-01|keys")."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for key, cell in cells.items():
        target = out[f"{key[:7]}-01{key[10:]}"]
        for column, value in cell.items():
            target[column] += value
    return {k: dict(v) for k, v in out.items() if any(v.values())}


def _tally_row(key: str, cell: dict[str, int]) -> tuple:
    """("day|agency|procedure|officer", {column: n}) → (day, *KEY_FIELDS, *COLUMNS)."""
    day, agency, procedure, officer = key.split("|")
    return (
        date.fromisoformat(day),
        int(agency),
        int(procedure),
        int(officer),
        *(cell.get(c, 0) for c in COLUMNS),
    )


def _upsert(deltas: dict[str, dict[str, int]]) -> None:
    """Add the deltas to the daily and the monthly tally rows, creating them as needed: one prepared
    single-row statement run for every row (executemany; psycopg's client-side parsing of one huge
    multi-row statement cost more than the database work), in key order so that two appliers never
    wait on each other crosswise."""
    if not deltas:
        return
    for model, cells in ((IndexTally, deltas), (IndexTallyMonth, _by_month(deltas))):
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
            day, *rest = _tally_row(key, cells[key])
            params.append((adapt(day), *rest))
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)


# --- keeping them up to date ----------------------------------------------------------------------


def _bits() -> dict[str, int]:
    return {name: bit for bit, name in enumerate(flag_names())}


def _stored_facts(ids) -> dict[int, tuple]:
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


def _write_facts(rows: list[tuple]) -> None:
    """Insert (dossier_id, *FACT_FIELDS) rows."""
    _insert(
        DossierFact, ("dossier_id", *FACT_FIELDS), ["int8", *["int4"] * (len(FACT_FIELDS) - 1), "int8"], rows
    )


def _write_tally(totals: dict[str, dict[str, int]]) -> None:
    """Insert the daily and monthly rows of an empty tally (the rebuild): no conflict to resolve."""
    types = ["date", "int4", "int4", "int4", *["int8" if c == "finished_us" else "int4" for c in COLUMNS]]
    for model, cells in ((IndexTally, totals), (IndexTallyMonth, _by_month(totals))):
        rows = [_tally_row(key, cells[key]) for key in sorted(cells) if any(cells[key].values())]
        _insert(model, ("day", *KEY_FIELDS, *COLUMNS), types, rows)


def apply(dossier_ids) -> int:
    """Recompute the facts of these dossiers and apply the differences to the tally. Idempotent.

    The dossier rows are locked (in id order) so that two appliers of one dossier run one after the
    other, and the second sees what the first stored."""
    ids = sorted({int(i) for i in dossier_ids})
    if not ids:
        return 0
    tz = ZoneInfo(settings.TIME_ZONE)
    bits = _bits()
    with transaction.atomic(), queries.without_jit():
        list(Dossier.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
        new = {row[0]: fact(row, tz) for row in _flag_rows(Q(pk__in=ids))}
        stored = _stored_facts(ids)
        deltas: dict[str, dict[str, int]] = defaultdict(dict)
        changed = []
        for pk in ids:
            old, now = stored.get(pk), new.get(pk)
            if old == now:
                continue
            changed.append(pk)
            for key, cell in _difference(contribution(old, bits), contribution(now, bits)).items():
                target = deltas[key]
                for column, value in cell.items():
                    target[column] = target.get(column, 0) + value
        if changed:
            DossierFact.objects.filter(dossier_id__in=changed).delete()
            _write_facts([(pk, *new[pk]) for pk in changed if new.get(pk) is not None])
        _upsert({k: v for k, v in deltas.items() if any(v.values())})
    return len(ids)


def apply_pending(limit: int = 2000) -> int:
    """Apply the dossiers marked dirty (oldest first, `limit` at a time; skips rows another worker
    holds). Does nothing while the aggregates are not built: `rebuild()` will read every dossier."""
    if not is_built():
        return 0
    done = 0
    while True:
        with transaction.atomic():
            claimed = list(
                IndexDirty.objects.select_for_update(skip_locked=True)
                .order_by("pk")
                .values_list("pk", "dossier_id")[:limit]
            )
            if not claimed:
                return done
            apply(dossier_id for _, dossier_id in claimed)
            IndexDirty.objects.filter(pk__in=[pk for pk, _ in claimed]).delete()
        done += len({d for _, d in claimed})
        if len(claimed) < limit:
            return done


def mark(dossier_id: int | None) -> None:
    """Mark a dossier dirty in the current transaction; a task applies it (ADR 0041), not the request.

    One task per transaction whatever the number of marks, enqueued in it (database backend: it
    commits with the change, so the 1-second job is only a safety net)."""
    if not dossier_id:
        return
    IndexDirty.objects.create(dossier_id=dossier_id)
    conn = transaction.get_connection()
    if conn.in_atomic_block and any(
        isinstance(func, _Enqueued) and not func.committed for _, func, _ in conn.run_on_commit
    ):
        return  # this transaction (or a savepoint of it that still stands) has its task already
    tasks.enqueue(apply_index)
    if conn.in_atomic_block:
        transaction.on_commit(_Enqueued())


class _Enqueued:
    """A marker among the transaction's commit callbacks (dropped with a rolled-back savepoint)."""

    committed = False

    def __call__(self) -> None:
        self.committed = True


@tasks.durable(retries=5, timeout=300, backoff_seconds=1, cap_seconds=60)
def apply_index() -> int:
    """The task: apply the dossiers marked dirty (idempotent: several tasks find nothing left)."""
    return apply_pending()


def on_event(event) -> None:
    """Subscriber to the event log: any event about a dossier, or a feedback case of a dossier."""
    if event.aggregate_type == "dossier":
        mark(Dossier.objects.filter(code=event.aggregate_id).values_list("pk", flat=True).first())
    elif event.aggregate_type == "feedback":
        from motcua.feedback.models import FeedbackCase

        mark(
            FeedbackCase.objects.filter(code=event.aggregate_id).values_list("dossier_id", flat=True).first()
        )


def _on_save(sender, instance, raw=False, **kwargs) -> None:
    if raw:  # fixtures: `rebuild()` after loading
        return
    mark(instance.pk if isinstance(instance, Dossier) else _dossier_of(instance))


def _dossier_of(instance) -> int | None:
    if hasattr(instance, "dossier_id"):
        return instance.dossier_id
    charge = getattr(instance, "charge", None)  # a payment
    return getattr(charge, "dossier_id", None)


def connect() -> None:
    """Called from InsightsConfig.ready(): the event subscriber, the save hooks and the job."""
    from django.apps import apps

    from motcua.core import events, jobs

    events.subscribe(on_event)
    watched = [
        ("dossiers", "Dossier"),
        ("dossiers", "DossierDocument"),
        ("dossiers", "DossierResult"),
        ("payments", "Charge"),
        ("payments", "Payment"),
        ("feedback", "Rating"),
        ("feedback", "FeedbackCase"),
        ("sync", "OutboxMessage"),
    ]
    for app_label, model_name in watched:
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            continue
        post_save.connect(_on_save, sender=model, dispatch_uid=f"insights-realtime-{model_name}")
        post_delete.connect(_on_save, sender=model, dispatch_uid=f"insights-realtime-del-{model_name}")
    jobs.register("insights.realtime", run_job, every_seconds=1)


def run_job() -> str:
    """The worker's job: build when needed, else apply what is pending."""
    state = IndexState.objects.filter(pk="index").first()
    if state is None or state.fingerprint != fingerprint():
        return f"rebuilt {rebuild()} dossiers"
    return f"applied {apply_pending()} dossiers"


# --- rebuilding from the dossiers ----------------------------------------------------------------


def rebuild(batch: int = 20000) -> int:
    """Derive every fact and every tally row again from the dossiers (after a bulk load, a change of
    the settings in `fingerprint()`, or `motcua index --rebuild`). Returns the dossiers read.

    Dossiers changed while this runs are marked dirty by their own transactions (with a higher
    `IndexDirty` id than the ones cleared here) and applied afterwards: nothing is lost."""
    started = time.monotonic()
    tz = ZoneInfo(settings.TIME_ZONE)
    bits = _bits()
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    count = 0
    with transaction.atomic(), queries.without_jit():
        last_dirty = IndexDirty.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        IndexDirty.objects.filter(pk__lte=last_dirty).delete()
        DossierFact.objects.all().delete()
        IndexTally.objects.all().delete()
        IndexTallyMonth.objects.all().delete()
        last = 0
        while True:
            chunk = list(_flag_rows(Q(pk__gt=last, received_at__isnull=False))[:batch])
            if not chunk:
                break
            last = chunk[-1][0]
            facts = []
            for row in chunk:
                fact_row = fact(row, tz)
                if fact_row is None:
                    continue
                facts.append((row[0], *fact_row))
                for key, cell in contribution(fact_row, bits).items():
                    target = totals[key]
                    for column, value in cell.items():
                        target[column] += value
            _write_facts(facts)
            count += len(chunk)
        _write_tally(totals)
        IndexState.objects.update_or_create(
            pk="index",
            defaults={
                "fingerprint": fingerprint(),
                "built_at": timezone.now(),
                "dossiers": count,
                "seconds": round(time.monotonic() - started, 3),
            },
        )
    return count


# --- reading --------------------------------------------------------------------------------------


def is_built() -> bool:
    state = IndexState.objects.filter(pk="index").values_list("fingerprint", flat=True).first()
    return state == fingerprint()


def pending() -> int:
    """Dossiers waiting to be applied (the lag, in dossiers)."""
    return IndexDirty.objects.values("dossier_id").distinct().count()


def _unit_q(unit: queries.Unit) -> Q:
    if unit.procedure_id is not None:
        return Q(procedure_key=unit.procedure_id)
    if unit.officer_id is not None:
        return Q(officer_key=unit.officer_id)
    if unit.agency_ids is not None:
        return Q(agency_key__in=unit.agency_ids)
    return Q()


def _sums(qs, keys: list[str], columns) -> list[dict]:
    sums = {f"s_{c}": Sum(c) for c in columns}
    if not keys:  # values() without fields would group by every column
        return [qs.aggregate(**sums)]
    return list(qs.values(*keys).order_by().annotate(**sums))


BASES = ("tally", "facts")


def _first_of_next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _tally_sums(period: Period, unit: queries.Unit, group: str | None):
    """(per (key, procedure): the day columns summed over the period's days, per key: the step
    columns summed up to its end) from the tally: whole months from `IndexTallyMonth`, the days of
    partial months from `IndexTally`."""
    first, last = period.first_day, period.last_day
    keys = [group] if group else []
    unit_q = _unit_q(unit)
    by_procedure = list(dict.fromkeys([*keys, "procedure_key"]))
    # the whole months inside [first, last]: [months_from, months_to)
    months_from = first if first.day == 1 else _first_of_next_month(first)
    months_to = (last + timedelta(days=1)).replace(day=1)
    if months_from < months_to:
        by_day = _sums(
            IndexTallyMonth.objects.filter(unit_q, day__gte=months_from, day__lt=months_to),
            by_procedure,
            DAY_COLUMNS,
        )
        edges = Q(day__gte=first, day__lt=months_from) | Q(day__gte=months_to, day__lte=last)
    else:
        by_day, edges = [], Q(day__gte=first, day__lte=last)
    by_day += _sums(IndexTally.objects.filter(unit_q).filter(edges), by_procedure, DAY_COLUMNS)
    # the steps up to the period's end E = last + 1: the months before E's month, then its days
    end = last + timedelta(days=1)
    steps = _sums(IndexTallyMonth.objects.filter(unit_q, day__lt=end.replace(day=1)), keys, STEP_COLUMNS)
    steps += _sums(
        IndexTally.objects.filter(unit_q, day__gte=end.replace(day=1), day__lte=end), keys, STEP_COLUMNS
    )
    per_procedure: dict = defaultdict(lambda: defaultdict(int))
    for row in by_day:
        cell = per_procedure[(row[group] if group else None, row["procedure_key"])]
        for column in DAY_COLUMNS:
            cell[column] += row[f"s_{column}"] or 0
    per_key: dict = defaultdict(lambda: defaultdict(int))
    for row in steps:
        cell = per_key[row[group] if group else None]
        for column in STEP_COLUMNS:
            cell[column] += row[f"s_{column}"] or 0
    return per_procedure, per_key


def _count(condition: Q) -> Sum:
    return Sum(Case(When(condition, then=1), default=0, output_field=IntegerField()))


def _fact_sums(period: Period, unit: queries.Unit, group: str | None):
    """The same as `_tally_sums`, recomputed from `DossierFact`: ONE aggregate over the facts of the
    dossiers received by the end of the period, grouped by (procedure, static flags[, the group's
    key]) — a few rows per procedure — then multiplied out by the flags in Python (ADR 0026)."""
    first, last = period.first_day.toordinal(), period.last_day.toordinal()
    ended = Q(ended_day__gte=first, ended_day__lte=last)
    open_at_end = Q(closed_day__isnull=True) | Q(closed_day__gt=last)
    # in the order of the covering index (SQLite then reads it in order, without a sort)
    keys = list(dict.fromkeys(["procedure_key", "flags", *([group] if group else [])]))
    rows = (
        DossierFact.objects.filter(_unit_q(unit), received_day__lte=last)
        .values(*keys)
        .order_by()
        .annotate(
            n_received=_count(Q(received_day__gte=first)),
            n_ended=_count(ended),
            n_unfin=_count(open_at_end),
            n_late=_count(Q(late_day__lte=last) & open_at_end),
            n_finished=_count(ended & Q(finished_us__isnull=False)),
            s_finished_us=Sum(Case(When(ended, then="finished_us"), default=0)),
        )
    )
    bits = _bits()
    decoded: dict[int, dict[str, int]] = {}  # a few dozen distinct flag sets
    per_procedure: dict = defaultdict(lambda: defaultdict(int))
    per_key: dict = defaultdict(lambda: defaultdict(int))
    for row in rows:
        key = row[group] if group else None
        f = decoded.get(row["flags"])
        if f is None:
            f = decoded[row["flags"]] = {name: (row["flags"] >> bit) & 1 for name, bit in bits.items()}
        received, ended_n = row["n_received"], row["n_ended"]
        day = per_procedure[(key, row["procedure_key"])]
        if received:
            day["received"] += received
            for column in ("synced", "online", "fee", "paid", "reuse", "store", "cdb"):
                day[column] += received * f[column]
        if ended_n:
            granted = f["granted"]
            day["ended"] += ended_n
            day["ended_ok"] += ended_n * f["ok"]
            day["granted"] += ended_n * granted
            day["with_result"] += ended_n * granted * f["result"]
            day["digitised"] += ended_n * granted * f["scanned"]
            day["ended_complaint"] += ended_n * f["complaint"]
            day["finished"] += row["n_finished"]
            day["finished_us"] += row["s_finished_us"] or 0
            day["ended_untimed"] += ended_n * f["untimed"]
        step = per_key[key]
        step["unfin"] += row["n_unfin"]
        step["unfin_complaint"] += row["n_unfin"] * f["complaint"]
        step["late"] += row["n_late"]
        step["late_complaint"] += row["n_late"] * f["complaint"]
        step["unfin_untimed"] += row["n_unfin"] * f["untimed"]
    return per_procedure, per_key


def dossier_counts(
    period: Period, unit: queries.Unit, group: str | None = None, key_map=None, basis: str = "tally"
) -> dict:
    """The dossier and fee-procedure counts of `queries` for (period, unit), from the tally or
    recomputed from the facts: {key: counts} like `queries.dossier_counts` (plus the fee_procedures*
    counts). `group` is a key column of both tables; `key_map` maps its values to the ranking's keys
    (agency → commune)."""
    if basis not in BASES:
        raise ValueError(f"basis: one of {BASES}")
    sums = _tally_sums if basis == "tally" else _fact_sums
    per_procedure_raw, per_key_raw = sums(period, unit, group)

    def mapped(key):
        return key_map.get(key) if key_map is not None and key is not None else key

    # per (key, procedure) first: the fee-procedure counts are distinct procedures of the unit
    per_procedure: dict = defaultdict(lambda: defaultdict(int))
    for (key, procedure), values in per_procedure_raw.items():
        cell = per_procedure[(mapped(key), procedure)]
        for column, value in values.items():
            cell[column] += value
    levels = dict(
        Procedure.objects.filter(pk__in={p for _, p in per_procedure}).values_list("pk", "online_level")
    )
    raw: dict = defaultdict(lambda: defaultdict(int))
    for (key, procedure), values in per_procedure.items():
        r = raw[key]
        for column, value in values.items():
            r[column] += value
        level = levels.get(procedure)
        if level == OnlineLevel.FULL:
            r["eligible_full_online"] += values["received"]
            r["full_online"] += values["online"]
        if values["fee"] > 0:
            r["fee_procedures"] += 1
            r["fee_procedures_paid_online"] += values["paid"] > 0
            r["fee_procedures_offered_online"] += level in (OnlineLevel.FULL, OnlineLevel.PARTIAL)
    for key, values in per_key_raw.items():
        r = raw[mapped(key)]
        for column, value in values.items():
            r[column] += value
    mode = settings.MOTCUA_INDEX_UNFINISHED
    out: dict = {}
    for key, r in raw.items():
        late, unfin, ended, ended_ok = r["late"], r["unfin"], r["ended"], r["ended_ok"]
        # without a legal time: neither on time nor late (`late` never holds them), its own line
        ended_untimed, unfin_untimed = r["ended_untimed"], r["unfin_untimed"]
        if mode == "all":
            judged = ended - ended_untimed + unfin - unfin_untimed
            judged_on_time = ended_ok + unfin - unfin_untimed - late
            complaints = r["ended_complaint"] + r["unfin_complaint"]
        elif mode == "none":
            judged, judged_on_time, complaints = ended - ended_untimed, ended_ok, r["ended_complaint"]
        else:
            judged, judged_on_time = ended - ended_untimed + late, ended_ok
            complaints = r["ended_complaint"] + r["late_complaint"]
        out[key] = {
            "received": r["received"],
            "synced": r["synced"],
            "judged": judged,
            "judged_on_time": judged_on_time,
            "ended": ended,
            "ended_on_time": ended_ok,
            "unfinished_overdue": late,
            "no_legal_time": ended_untimed + unfin_untimed,
            "ended_no_legal_time": ended_untimed,
            "eligible_full_online": r["eligible_full_online"],
            "full_online": r["full_online"],
            "fee_dossiers": r["fee"],
            "fee_dossiers_paid_online": r["paid"],
            "results_due": r["granted"],
            "with_e_result": r["with_result"],
            "digitised": r["digitised"],
            "reuse_any": r["reuse"],
            "from_data_store": r["store"],
            "citizen_db_dossiers": r["cdb"],
            "dossier_complaints": complaints,
            "average_days": (r["finished_us"] / 1e6 / 86400 / r["finished"]) if r["finished"] else None,
            "fee_procedures": r["fee_procedures"],
            "fee_procedures_paid_online": r["fee_procedures_paid_online"],
            "fee_procedures_offered_online": r["fee_procedures_offered_online"],
        }
    return out


def gather(period: Period, unit: queries.Unit, basis: str = "tally") -> Counts:
    """All the counts of the index for one unit and one period, the dossier counts from the tally
    (live) or recomputed from the facts."""
    if not is_built():
        raise LiveUnavailable("Số liệu tổng hợp chưa được dựng (chạy `motcua index --rebuild`).")
    counts = Counts()
    with queries.without_jit():
        parts = (
            dossier_counts(period, unit, basis=basis),
            queries.feedback_counts(period, unit),
            queries.catalog_counts(unit),
        )
    for part in parts:
        queries._fill(counts, part.get(None))
    counts.sync_reference = queries.sync_reference(period, unit)
    return counts


#: Ranking kinds → the key column (of the tally and the facts) that holds their key (communes: the
#: agency's commune, mapped after).
_TALLY_KEYS = {
    "department": "agency_key",
    "commune": "agency_key",
    "procedure": "procedure_key",
    "officer": "officer_key",
}


def gather_grouped(period: Period, kind: str, basis: str = "tally") -> dict:
    """key → Counts for every unit of a ranking kind, like `queries.gather_grouped`."""
    if kind not in queries.GROUP_KEYS:
        raise queries.UnitError(f"Không xếp hạng được theo “{kind}”.")
    if not is_built():
        raise LiveUnavailable("Số liệu tổng hợp chưa được dựng (chạy `motcua index --rebuild`).")
    dossier_key, feedback_key, _ = queries.GROUP_KEYS[kind]
    province = queries.province_unit()
    with queries.without_jit():
        communes = dict(Agency.objects.values_list("pk", "admin_unit_id")) if kind == "commune" else None
        dossier_part = dossier_counts(period, province, _TALLY_KEYS[kind], key_map=communes, basis=basis)
        parts = (
            dossier_part,
            queries.feedback_counts(period, province, feedback_key),
            queries.catalog_counts(province, kind),
        )
    out: dict = defaultdict(Counts)
    for part in parts:
        for key, row in part.items():
            if key not in (None, 0):
                queries._fill(out[key], row)
    return out
