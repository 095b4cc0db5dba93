"""Periodic jobs (việc định kỳ): the scheduler in front of the task queue (ADR 0041).

Apps register their jobs from `AppConfig.ready()` — core never imports a higher floor:

    jobs.register("sync.deliver", outbox.deliver_due, 5)               # every 5 seconds
    jobs.register("sync.reconcile", reconcile.nightly, at="02:00")      # each night, Asia/Ho_Chi_Minh

`schedule()` (run by every `motcua worker`, several at once in production) enqueues each due run
as one task (`run_job`), exactly once whatever the number of schedulers: a run is claimed by one
conditional UPDATE of the job's `JobState` row, in the transaction that enqueues the task. A run is
never started while the previous run of the same job still holds its lease (`running_until`, the
job's timeout plus a grace; cleared when the run ends, or expired when its worker died).

Slots: an interval job is due `every_seconds` after its last start; a daily job (`at="HH:MM"`) is due
once the day's HH:MM (local time) has passed and it has not started since, so a worker that was
down at 02:00 runs the night's work when it comes back, once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as clock

from django.db import close_old_connections, transaction
from django.db.models import Q
from django.utils import timezone

from . import tasks

logger = logging.getLogger(__name__)

#: Extra time a run's lease lasts past its timeout (the worker's bookkeeping after the alarm).
LEASE_GRACE_SECONDS = 60


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[], object]
    every_seconds: int | None = None
    at: clock | None = None
    timeout: float = 900

    def slot(self, now: datetime) -> datetime:
        """The start of the daily slot `now` is in: today's HH:MM local time, or yesterday's."""
        local = timezone.localtime(now)
        start = local.replace(hour=self.at.hour, minute=self.at.minute, second=0, microsecond=0)
        return start if start <= local else start - timedelta(days=1)

    def due(self, now: datetime) -> Q:
        free = Q(running_until__isnull=True) | Q(running_until__lte=now)
        if self.at is not None:
            return free & (Q(last_started__isnull=True) | Q(last_started__lt=self.slot(now)))
        return free & (
            Q(last_started__isnull=True) | Q(last_started__lte=now - timedelta(seconds=self.every_seconds))
        )

    @property
    def period(self) -> str:
        return f"hằng ngày lúc {self.at:%H:%M}" if self.at is not None else f"mỗi {self.every_seconds} giây"


_JOBS: dict[str, Job] = {}


def register(
    name: str,
    run: Callable[[], object],
    every_seconds: int | None = None,
    *,
    at: str | None = None,
    timeout: float | None = None,
) -> None:
    """Add a job; registering the same name again replaces it (tests, reloads).

    `every_seconds`: an interval; `at="02:00"`: daily at that local time (nightly work; it wins over
    `every_seconds`). `timeout`: seconds a run may take (default 15 min, 1 h for daily jobs)."""
    if at is not None:
        hour, minute = (int(part) for part in at.split(":"))
        _JOBS[name] = Job(name, run, None, clock(hour, minute), float(timeout or 3600))
        return
    if every_seconds is None or every_seconds < 1:
        raise ValueError("every_seconds must be positive")
    _JOBS[name] = Job(name, run, int(every_seconds), None, float(timeout or 900))


def registered() -> list[Job]:
    return sorted(_JOBS.values(), key=lambda job: job.name)


def claim(job: Job, now=None) -> bool:
    """Take this slot's run of `job`; False if it is not due, already taken or still running."""
    from .models import JobState

    now = now or timezone.now()
    # A new daily job waits for its first slot (nightly work never starts in office hours on deploy).
    JobState.objects.get_or_create(name=job.name, defaults={"last_started": now if job.at else None})
    lease = now + timedelta(seconds=job.timeout + LEASE_GRACE_SECONDS)
    return (
        JobState.objects.filter(job.due(now), name=job.name).update(last_started=now, running_until=lease)
        == 1
    )


def _run_claimed(job: Job) -> str:
    """Run a claimed job under its timeout; record the outcome and release the lease."""
    from .models import JobState

    started = time.monotonic()
    try:
        with tasks.time_limit(job.timeout):
            result = job.run()
        outcome, error = f"ok: {result}", ""
    except Exception as exc:  # noqa: BLE001 — recorded, and the next slot tries again
        logger.exception("job %s failed", job.name)
        outcome, error = "failed", f"{type(exc).__name__}: {exc}"[:500]
    JobState.objects.filter(name=job.name).update(
        last_finished=timezone.now(),
        last_outcome=outcome[:200],
        last_error=error,
        last_seconds=round(time.monotonic() - started, 3),
        running_until=None,
    )
    return outcome


@tasks.durable(retries=1, timeout=None)
def run_job(name: str) -> str:
    """The task of one scheduled run (its slot was claimed by `schedule`)."""
    job = _JOBS.get(name)
    if job is None:  # unregistered since: release it so a later registration is not blocked
        from .models import JobState

        JobState.objects.filter(name=name).update(running_until=None)
        return f"unknown job {name}"
    return _run_claimed(job)


tasks.REGISTRY[run_job.module_path]["recover"] = False  # a lost run is replaced by the next slot


def schedule(now=None) -> list[str]:
    """Enqueue every due job once (claim and enqueue in one transaction); the names enqueued."""
    enqueued = []
    for job in registered():
        with transaction.atomic():
            if not claim(job, now):
                continue
            tasks.enqueue(run_job, job.name)
        enqueued.append(job.name)
    return enqueued


def run_due(now=None) -> dict[str, str]:
    """Claim and run here every job that is due, one after another (`motcua worker --once`, tests)."""
    return {job.name: _run_claimed(job) for job in registered() if claim(job, now)}


def run_scheduler(tick_seconds: float = 1.0, stop: Callable[[], bool] = lambda: False) -> None:
    """The scheduler loop of `motcua worker` (a thread beside the task loop)."""
    while not stop():
        close_old_connections()
        try:
            schedule()
        except Exception:  # noqa: BLE001 — a database hiccup must not stop the scheduler
            logger.exception("scheduler: a tick failed")
        time.sleep(tick_seconds)


def run_forever(tick_seconds: float = 5.0, stop: Callable[[], bool] = lambda: False) -> None:
    """Kept for callers of the former loop: schedule, then run the tasks here, until `stop()`."""
    while not stop():
        close_old_connections()
        schedule()
        tasks.run_ready()
        time.sleep(tick_seconds)


# The queue's own upkeep: tasks whose worker died run again; old results are pruned at night.
register("core.tasks_recover", lambda: tasks.recover_stale(), 60)
register("core.tasks_prune", lambda: tasks.prune(), at="03:30")
