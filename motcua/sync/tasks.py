"""The sync's background work on the task queue (ADR 0041).

* `sync.deliver` (every MOTCUA_SYNC_DELIVER_EVERY s) keeps MOTCUA_SYNC_WORKERS `drain` tasks in the
  queue; each drains the outbox for up to MOTCUA_SYNC_RUN_SECONDS. Several drains run at once on
  several workers: the outbox's own claim (a lease by conditional UPDATE) gives each dossier's
  messages to one drain, in order, so the per-dossier order holds whatever the number of workers.
* `sync.pull` (every MOTCUA_SYNC_PULL_EVERY s; off by default with the sandbox adapter, which makes
  up new dossiers at each call) receives the dossiers submitted on the national portal.
"""

from __future__ import annotations

from django.conf import settings

from motcua.core import tasks

from . import outbox


@tasks.durable(retries=1, timeout=300)
def drain() -> str:
    """One drain of the outbox (a message's own retries and dead letters live in the outbox)."""
    return str(outbox.deliver_due())


def active_drains() -> int:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=drain.module_path, status__in=["READY", "RUNNING"]).count()


def deliver_job() -> str:
    """The `sync.deliver` job: top the queue up to MOTCUA_SYNC_WORKERS drains (database backend);
    with another backend (tests) deliver here, as the job always did."""
    if not tasks.is_database_backend():
        return str(outbox.deliver_due())
    wanted = max(1, int(getattr(settings, "MOTCUA_SYNC_WORKERS", 1))) - active_drains()
    for _ in range(wanted):
        drain.enqueue()
    return f"drains enqueued={max(0, wanted)}"
