"""Background tasks (việc chạy nền) on the Django Tasks API, and what it lacks (ADR 0041).

The engine is `django-tasks` with the `django-tasks-db` DatabaseBackend: a task is a row in the same
database as the data, so a task enqueued inside a transaction exists exactly when the transaction
commits (nothing to lose between the commit and the queue, no broker). `motcua worker` runs them.
This module adds the thin layer the library leaves to its users:

* `durable(retries=, timeout=, backoff=, cap=)` — a task decorator: a failed attempt is enqueued
  again with `run_after` = now + exponential backoff with full jitter; after the last attempt the
  task stays FAILED: a dead letter, listed and replayed in the admin (`replay`).
* a per-task timeout: SIGALRM in the worker's main thread (where db_worker runs tasks) raises
  `TaskTimeout` inside the task; elsewhere (tests, the request thread) no alarm is set.
* `enqueue(task, …)` — inside the caller's transaction on the database backend; after the commit on
  other backends (ImmediateBackend in tests), so a rolled-back change never runs a task.
* `recover_stale()` — a task left RUNNING by a worker killed with -9 runs again once its timeout
  plus a grace has passed (at-least-once: tasks are idempotent).
"""

from __future__ import annotations

import functools
import logging
import random
import signal
import threading
from collections.abc import Callable
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task, task_backends

from . import requestid

logger = logging.getLogger(__name__)

#: Set by `motcua worker` in its main thread: only there do timeouts use SIGALRM.
IN_WORKER = threading.local()
#: module path of each durable task → its options (the reaper reads the timeouts).
REGISTRY: dict[str, dict] = {}


class TaskTimeout(Exception):
    """The task ran past its timeout."""


def backoff(attempt: int, base: float, cap: float) -> float:
    """Seconds before attempt `attempt + 1`: full jitter over base·2^(attempt−1), at most `cap`."""
    return random.uniform(0, min(cap, base * 2 ** max(0, attempt - 1)))  # noqa: S311 — not security


def _alarm(signum, frame):
    raise TaskTimeout("quá thời gian cho phép")


@contextmanager
def time_limit(seconds: float | None):
    """Raise TaskTimeout in the current code after `seconds`; only in the worker's main thread."""
    usable = (
        seconds
        and getattr(IN_WORKER, "on", False)
        and hasattr(signal, "SIGALRM")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _backend(alias: str = DEFAULT_TASK_BACKEND_ALIAS):
    return task_backends[alias]


def is_database_backend(alias: str = DEFAULT_TASK_BACKEND_ALIAS) -> bool:
    from django_tasks_db import DatabaseBackend

    return isinstance(_backend(alias), DatabaseBackend)


def durable(
    function: Callable | None = None,
    *,
    retries: int = 5,
    timeout: float = 60,
    backoff_seconds: float = 2.0,
    cap_seconds: float = 900.0,
    queue_name: str = "default",
    priority: int = 0,
):
    """A task with retries (backoff + jitter), a dead letter after `retries` attempts, a timeout.

    The attempt travels as the keyword `_attempt` (1 for the first); a retried attempt's own result
    is SUCCESSFUL with {"retry": next attempt, "in_seconds", "error"}, so FAILED means dead letter."""

    def wrap(func: Callable):
        @functools.wraps(func)
        def run(*args, _attempt: int = 1, _request_id: str = "", **kwargs):
            try:
                # The request that queued it (core.requestid, ADR 0042): on the task's log lines and calls.
                with requestid.bound(_request_id), time_limit(timeout):
                    return func(*args, **kwargs)
            except Exception as exc:
                if _attempt >= retries or not _backend(the_task.backend).supports_defer:
                    logger.warning(
                        "task %s failed for good (attempt %s): %s", the_task.module_path, _attempt, exc
                    )
                    raise
                delay = backoff(_attempt, backoff_seconds, cap_seconds)
                the_task.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(
                    *args,
                    _attempt=_attempt + 1,
                    **({"_request_id": _request_id} if _request_id else {}),
                    **kwargs,
                )
                logger.info(
                    "task %s: attempt %s failed, again in %.1f s", the_task.module_path, _attempt, delay
                )
                return {"retry": _attempt + 1, "in_seconds": round(delay, 3), "error": str(exc)[:300]}

        the_task = task(run, queue_name=queue_name, priority=priority)
        REGISTRY[the_task.module_path] = {"retries": retries, "timeout": timeout}
        return the_task

    return wrap(function) if function else wrap


def enqueue(the_task, *args, **kwargs) -> None:
    """Enqueue in the caller's transaction (database backend: the task row commits with the data or
    not at all); other backends (ImmediateBackend in tests) run it after the commit. A durable task
    also carries the current request id (ADR 0042)."""
    if the_task.module_path in REGISTRY and requestid.current() and "_request_id" not in kwargs:
        kwargs["_request_id"] = requestid.current()
    if is_database_backend(the_task.backend):
        the_task.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(lambda: the_task.enqueue(*args, **kwargs))


# --- dead letters and recovery -------------------------------------------------------------------


def dead_letters():
    """Tasks that failed for good and were not replayed yet (a replay writes `return_value`)."""
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.failed().filter(return_value__isnull=True).order_by("-finished_at")


def replay(results) -> list[str]:
    """Enqueue each dead letter again from its first attempt; the old row keeps a pointer to the new.
    Returns the new task ids."""
    new_ids = []
    for result in results:
        if result.status != "FAILED" or result.return_value is not None:
            continue
        kwargs = {k: v for k, v in result.args_kwargs.get("kwargs", {}).items() if k != "_attempt"}
        with transaction.atomic():
            fresh = result.task.using(run_after=timezone.now()).enqueue(
                *result.args_kwargs.get("args", []), **kwargs
            )
            type(result).objects.filter(pk=result.pk).update(return_value={"replayed_as": str(fresh.id)})
        new_ids.append(str(fresh.id))
    return new_ids


def recover_stale(now=None) -> int:
    """Put back in the queue the tasks whose worker died (RUNNING past their timeout + a grace)."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    grace = settings.MOTCUA_TASKS_STALE_GRACE_SECONDS
    recovered = 0
    running = DBTaskResult.objects.running().values_list("pk", "task_path", "started_at")
    for pk, path, started in running:
        options = REGISTRY.get(path, {})
        limit = options.get("timeout") or 3600
        if not (started and started < now - timedelta(seconds=limit + grace)):
            continue
        if options.get("recover", True):
            recovered += DBTaskResult.objects.filter(pk=pk, status="RUNNING").update(status="READY")
        else:  # replaced by a later run (scheduled jobs): closed, not a dead letter
            DBTaskResult.objects.filter(pk=pk, status="RUNNING").update(
                status="FAILED", finished_at=now, return_value={"abandoned": "worker died"}
            )
    if recovered:
        logger.warning("tasks: %s task(s) left RUNNING by a dead worker put back in the queue", recovered)
    return recovered


def prune(now=None) -> int:
    """Delete successful task results older than MOTCUA_TASKS_KEEP_DAYS and replayed dead letters."""
    from django_tasks_db.models import DBTaskResult

    before = (now or timezone.now()) - timedelta(days=settings.MOTCUA_TASKS_KEEP_DAYS)
    done = DBTaskResult.objects.successful().filter(finished_at__lt=before)
    replayed = DBTaskResult.objects.failed().filter(finished_at__lt=before, return_value__isnull=False)
    return done.delete()[0] + replayed.delete()[0]


def run_ready(limit: int = 1000, worker_id: str = "inline") -> int:
    """Run the ready tasks here, one by one, as a db_worker would (the test suite, `worker --once`).
    Unlike db_worker's loop it never closes the connection, so it also runs inside a test's transaction."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult
    from django_tasks_db.utils import exclusive_transaction

    if not is_database_backend():
        return 0
    alias = _backend().alias
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name=alias,
        startup_delay=False,
        max_tasks=limit,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    ran = 0
    while ran < limit:
        ready = DBTaskResult.objects.ready().filter(backend_name=alias)
        with exclusive_transaction(ready.db):
            result = ready.get_locked()
            if result is None:
                return ran
            result.claim(worker_id)
        worker.run_task(result)
        ran += 1
    return ran
