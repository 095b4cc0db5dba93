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

The facts and their tally (layout, contribution, writing) live in `motcua.insights.tally`; reading
them in `motcua.insights.live`. This module keeps them up to date and rebuilds them, and is the
entry point the rest of the project uses.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from motcua.core import events, tasks
from motcua.dossiers.models import Dossier

from . import queries
from .live import BASES, LiveUnavailable, dossier_counts, gather, gather_grouped
from .models import DossierFact, IndexDirty, IndexState, IndexTally, IndexTallyMonth
from .tally import (
    COLUMNS,
    DAY_COLUMNS,
    FACT_FIELDS,
    KEY_FIELDS,
    STEP_COLUMNS,
    bits_of_flags,
    contribution,
    difference,
    fact,
    fingerprint,
    flag_names,
    flag_rows,
    is_built,
    stored_facts,
    upsert,
    write_facts,
    write_tally,
)

logger = logging.getLogger(__name__)

__all__ = [
    "BASES",
    "COLUMNS",
    "DAY_COLUMNS",
    "FACT_FIELDS",
    "KEY_FIELDS",
    "LiveUnavailable",
    "SOURCES",
    "STEP_COLUMNS",
    "apply",
    "apply_index",
    "apply_pending",
    "connect",
    "contribution",
    "dossier_counts",
    "fact",
    "fingerprint",
    "flag_names",
    "gather",
    "gather_grouped",
    "is_built",
    "mark",
    "on_event",
    "pending",
    "rebuild",
    "run_job",
]

SOURCES = ("auto", "live", "facts", "recompute")


def apply(dossier_ids) -> int:
    """Recompute the facts of these dossiers and apply the differences to the tally. Idempotent.

    The dossier rows are locked (in id order) so that two appliers of one dossier run one after the
    other, and the second sees what the first stored."""
    ids = sorted({int(i) for i in dossier_ids})
    if not ids:
        return 0
    tz = ZoneInfo(settings.TIME_ZONE)
    bits = bits_of_flags()
    with transaction.atomic(), queries.without_jit():
        list(Dossier.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
        new = {row[0]: fact(row, tz) for row in flag_rows(Q(pk__in=ids))}
        stored = stored_facts(ids)
        deltas: dict[str, dict[str, int]] = defaultdict(dict)
        changed = []
        for pk in ids:
            old, now = stored.get(pk), new.get(pk)
            if old == now:
                continue
            changed.append(pk)
            for key, cell in difference(contribution(old, bits), contribution(now, bits)).items():
                target = deltas[key]
                for column, value in cell.items():
                    target[column] = target.get(column, 0) + value
        if changed:
            DossierFact.objects.filter(dossier_id__in=changed).delete()
            write_facts([(pk, *new[pk]) for pk in changed if new.get(pk) is not None])
        upsert({k: v for k, v in deltas.items() if any(v.values())})
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
            _forget_marks({dossier_id for _, dossier_id in claimed})
        done += len({d for _, d in claimed})
        if len(claimed) < limit:
            return done


def mark(dossier_id: int | None) -> None:
    """Mark a dossier dirty in the current transaction; a task applies it (ADR 0041), not the request.

    One task per transaction whatever the number of marks, enqueued in it (database backend: it
    commits with the change, so the 1-second job is only a safety net). One mark per dossier and
    transaction: a submission saves its dossier, papers, outbox row and charge and publishes two
    events, each of which used to insert its own row for the same dossier."""
    if not dossier_id:
        return
    conn = transaction.get_connection()
    if conn.in_atomic_block:
        if any(_pending_mark(func, dossier_id) for _, func, _ in conn.run_on_commit):
            return  # marked in this transaction, in a part of it that still stands
        # Registered like a commit callback: a rolled-back savepoint drops it with its row.
        transaction.on_commit(_Marked(dossier_id))
    IndexDirty.objects.create(dossier_id=dossier_id)
    if conn.in_atomic_block and any(
        isinstance(func, _Enqueued) and not func.committed for _, func, _ in conn.run_on_commit
    ):
        return  # this transaction (or a savepoint of it that still stands) has its task already
    tasks.enqueue(apply_index)
    if conn.in_atomic_block:
        transaction.on_commit(_Enqueued())


class _Marked:
    """A marker among the transaction's commit callbacks: this dossier has its IndexDirty row.
    `done` once the callbacks ran or the row was applied (apply_pending in the same transaction)."""

    def __init__(self, dossier_id: int) -> None:
        self.dossier_id, self.done = dossier_id, False

    def __call__(self) -> None:
        self.done = True


def _pending_mark(func, dossier_id: int | None = None) -> bool:
    return isinstance(func, _Marked) and not func.done and dossier_id in (None, func.dossier_id)


def _forget_marks(dossier_ids: set | None = None) -> None:
    """The rows of these dossiers (None: all) were applied and deleted inside a caller's transaction:
    its markers no longer stand for a row, so the next change of those dossiers marks again."""
    for _, func, _ in transaction.get_connection().run_on_commit:
        if _pending_mark(func) and (dossier_ids is None or func.dossier_id in dossier_ids):
            func.done = True


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
        held = events.held_object(event, "dossier")  # the publisher's dossier: no query for its id
        if held is not None and held.code == event.aggregate_id:
            mark(held.pk)
        else:
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

    from motcua.core import jobs

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
    bits = bits_of_flags()
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    count = 0
    with transaction.atomic(), queries.without_jit():
        last_dirty = IndexDirty.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        IndexDirty.objects.filter(pk__lte=last_dirty).delete()
        _forget_marks()
        DossierFact.objects.all().delete()
        IndexTally.objects.all().delete()
        IndexTallyMonth.objects.all().delete()
        last = 0
        while True:
            chunk = list(flag_rows(Q(pk__gt=last, received_at__isnull=False))[:batch])
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
            write_facts(facts)
            count += len(chunk)
        write_tally(totals)
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


def pending() -> int:
    """Dossiers waiting to be applied (the lag, in dossiers)."""
    return IndexDirty.objects.values("dossier_id").distinct().count()
