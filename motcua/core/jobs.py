"""Periodic jobs (việc định kỳ) and the worker that runs them.

Apps register their jobs from `AppConfig.ready()` — core never imports a higher floor. The worker
(`motcua worker`) runs each job when it is due. Several workers may run at once (production): a
job is claimed by one conditional UPDATE on its `JobState` row, so it runs once per period
whatever the number of workers; `make run` starts one beside the server.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import close_old_connections
from django.db.models import Q
from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[], object]
    every_seconds: int


_JOBS: dict[str, Job] = {}


def register(name: str, run: Callable[[], object], every_seconds: int) -> None:
    """Add a job; registering the same name again replaces it (tests, reloads)."""
    if every_seconds < 1:
        raise ValueError("every_seconds must be positive")
    _JOBS[name] = Job(name, run, every_seconds)


def registered() -> list[Job]:
    return sorted(_JOBS.values(), key=lambda job: job.name)


def claim(job: Job, now=None) -> bool:
    """Take this period's run of `job` for this worker; False if another worker has it."""
    from .models import JobState

    now = now or timezone.now()
    JobState.objects.get_or_create(name=job.name)
    due = Q(last_started__isnull=True) | Q(last_started__lte=now - timedelta(seconds=job.every_seconds))
    return JobState.objects.filter(due, name=job.name).update(last_started=now) == 1


def run_due(now=None) -> dict[str, str]:
    """Run every job that is due, each on its own; one failing job never stops the others."""
    from .models import JobState

    outcomes = {}
    for job in registered():
        if not claim(job, now):
            continue
        started = time.monotonic()
        try:
            result = job.run()
            outcome, error = f"ok: {result}", ""
        except Exception as exc:  # noqa: BLE001 — recorded, and the next period tries again
            logger.exception("job %s failed", job.name)
            outcome, error = "failed", f"{type(exc).__name__}: {exc}"[:500]
        JobState.objects.filter(name=job.name).update(
            last_finished=timezone.now(),
            last_outcome=outcome[:200],
            last_error=error,
            last_seconds=round(time.monotonic() - started, 3),
        )
        outcomes[job.name] = outcome
    return outcomes


def run_forever(tick_seconds: float = 5.0, stop: Callable[[], bool] = lambda: False) -> None:
    while not stop():
        close_old_connections()
        run_due()
        time.sleep(tick_seconds)
