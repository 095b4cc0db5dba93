"""Readiness (sẵn sàng phục vụ) and the operational figures behind /readyz and /metrics.

Everything here is counts, ages and states: never a dossier code, a name or an address.

Queues are read by model label at call time (`apps.get_model`), so core does not import the
floors above it; a queue whose app or table is absent is left out. `register_queue` adds one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Queue:
    """A table of work waiting to leave: `pending` rows wait, `dead` rows gave up (dead letters)."""

    name: str
    model: str  # "app_label.ModelName"
    state_field: str
    pending: tuple[str, ...]
    dead: tuple[str, ...]
    created_field: str
    #: A "not before" field (a task's run_after): rows due later are not waiting yet, and a due row
    #: waits since that time; `unset` is the value meaning "as soon as possible" (then: created).
    not_before: str = ""
    unset: datetime | None = None


QUEUES: dict[str, Queue] = {}


def register_queue(queue: Queue) -> None:
    QUEUES[queue.name] = queue


register_queue(Queue("outbox", "sync.OutboxMessage", "state", ("pending",), ("dead",), "created_at"))
register_queue(Queue("webhooks", "sync.WebhookDelivery", "state", ("pending",), ("dead",), "created_at"))
# The Django Tasks database backend (django-tasks-db), when installed and migrated.
register_queue(
    Queue(
        "tasks",
        "django_tasks_database.DBTaskResult",
        "status",
        ("READY",),
        ("FAILED",),
        "enqueued_at",
        not_before="run_after",
        unset=datetime(9999, 1, 1, tzinfo=UTC),  # django-tasks-db's "no run_after"
    )
)


@dataclass(frozen=True)
class QueueFigures:
    name: str
    depth: int
    oldest_age_seconds: float
    dead: int


def _model(label: str):
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return None
    if model._meta.db_table not in _tables():
        return None
    return model


_table_cache: set[str] | None = None


def _tables() -> set[str]:
    global _table_cache
    if _table_cache is None or settings.TESTING:
        with connection.cursor() as cursor:
            _table_cache = set(connection.introspection.table_names(cursor))
    return _table_cache


def queue_figures(now: datetime | None = None) -> list[QueueFigures]:
    """Depth, age of the oldest waiting row and dead letters of each queue (one aggregate each)."""
    from django.db.models import Case, Count, F, Min, Q, When

    now = now or timezone.now()
    figures = []
    for queue in QUEUES.values():
        model = _model(queue.model)
        if model is None:
            continue
        pending = Q(**{f"{queue.state_field}__in": queue.pending})
        dead = Q(**{f"{queue.state_field}__in": queue.dead})
        since = F(queue.created_field)
        if queue.not_before:
            unset = Q(**{queue.not_before: queue.unset})
            pending &= unset | Q(**{f"{queue.not_before}__lte": now})
            since = Case(When(unset, then=F(queue.created_field)), default=F(queue.not_before))
        row = model.objects.aggregate(
            depth=Count("pk", filter=pending),
            oldest=Min(since, filter=pending),
            dead=Count("pk", filter=dead),
        )
        age = (now - row["oldest"]).total_seconds() if row["oldest"] else 0.0
        figures.append(QueueFigures(queue.name, row["depth"], max(0.0, age), row["dead"]))
    return figures


def job_states() -> list:
    from .models import JobState

    return list(JobState.objects.order_by("name"))


def _check(name: str, fn) -> dict:
    try:
        return {"ok": True, **(fn() or {})}
    except Exception as exc:  # noqa: BLE001 — a check that raises is a failed check, named, not a 500
        logger.warning("readiness check %s failed: %s", name, type(exc).__name__)
        return {"ok": False, "error": type(exc).__name__}


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"vendor": connection.vendor}


def _cache() -> dict:
    key = "motcua:readyz"
    cache.set(key, "1", 30)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not keep a value")
    return {"backend": type(cache).__name__}


def _storage() -> dict:
    from django.core.files.storage import default_storage

    # A lookup of a name that never exists: reaches the folder or the bucket, writes nothing.
    default_storage.exists(".motcua-readyz")
    return {"backend": type(default_storage).__name__}


def _worker(now: datetime) -> dict:
    limit = settings.MOTCUA_READY_WORKER_MAX_AGE_SECONDS
    states = job_states()
    started = [s.last_started for s in states if s.last_started]
    if not started:
        return {"ok": limit == 0, "last_started_age_seconds": None}
    age = (now - max(started)).total_seconds()
    return {"ok": limit == 0 or age <= limit, "last_started_age_seconds": round(age, 1), "jobs": len(states)}


def _queues(now: datetime) -> dict:
    limit = settings.MOTCUA_READY_QUEUE_MAX_AGE_SECONDS
    result, ok = {}, True
    for q in queue_figures(now):
        result[q.name] = {
            "depth": q.depth,
            "oldest_age_seconds": round(q.oldest_age_seconds, 1),
            "dead": q.dead,
        }
        ok = ok and (limit == 0 or q.oldest_age_seconds <= limit)
    return {"ok": ok, **result}


def readiness(now: datetime | None = None) -> tuple[bool, dict]:
    """(ready, details): database, cache and storage answer; the worker ran lately; no queue
    waits longer than its limit (MOTCUA_READY_*; 0 turns a limit off)."""
    now = now or timezone.now()
    details = {
        "database": _check("database", _database),
        "cache": _check("cache", _cache),
        "storage": _check("storage", _storage),
    }
    if details["database"]["ok"]:
        details["worker"] = _check("worker", lambda: _worker(now))
        details["queues"] = _check("queues", lambda: _queues(now))
    ready = all(part.get("ok") for part in details.values())
    return ready, details
