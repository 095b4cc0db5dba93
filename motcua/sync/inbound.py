"""The inbound pull from the national portal (lấy hồ sơ mới từ Cổng DVCQG): one run with its cursor.

`pull()` reads the last run's start as its `since`, calls `portal.pull_new_dossiers` and records a
`PullRun`; `motcua sync pull` and the scheduled job `sync.pull` (ADR 0041) both call it.
"""

from __future__ import annotations

import random

from django.conf import settings
from django.utils import timezone

from motcua.core import adapters

from .models import PullRun
from .portal import PullReport, configured_portal, pull_new_dossiers


def pull(*, seed: int | None = None, count: int = 20, from_start: bool = False) -> tuple[PullReport, PullRun]:
    """Receive what was submitted on the national portal since the last run (PortalUnavailable,
    LookupError and UnknownAdapter go to the caller; nothing is recorded then)."""
    adapter = adapters.configured_name("national_portal")
    if adapter == "sandbox":
        seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
        portal = configured_portal(seed=seed, count=count)
    else:
        portal = configured_portal()
    last = PullRun.objects.order_by("-started_at").first()
    since = None if from_start or last is None else last.started_at
    started = timezone.now()
    report = pull_new_dossiers(portal, since=since)
    run = PullRun.objects.create(
        adapter=adapter if adapter != "sandbox" else f"sandbox (seed {seed})",
        started_at=started,
        finished_at=timezone.now(),
        since=since,
        fetched=report.fetched,
        created=len(report.created),
        duplicates=len(report.duplicates),
        rejected=len(report.rejected),
        rejections=[r.as_dict() for r in report.rejected],
    )
    return report, run


def pull_job() -> str:
    report, _ = pull()
    return (
        f"created={len(report.created)} duplicates={len(report.duplicates)} rejected={len(report.rejected)}"
    )


def pull_every() -> int:
    """Seconds between scheduled pulls; 0 (off) by default with the sandbox adapter."""
    default = 0 if adapters.configured_name("national_portal") == "sandbox" else 60
    return int(getattr(settings, "MOTCUA_SYNC_PULL_EVERY", None) or default)
