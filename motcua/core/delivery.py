"""One delivery kernel for the durable outbox tables (hàng đợi gửi đi bền vững) — issue 19 item 5.

The national-portal outbox (`sync.outbox`, ADR 0017) and the webhooks (`sync.webhooks`, ADR 0020)
keep their own rows, order and wire format (per-dossier chains, batches, one-by-one fallback: domain
logic). What every such queue does the same way is written here once:

* claim with a lease — a conditional UPDATE that moves `next_try_at` by the lease, so N workers on M
  machines share the table without a queue server, and a worker that dies leaves the row to be taken
  again after the lease;
* retry with exponential backoff and full jitter — `core.tasks.backoff`, the task queue's own
  (ADR 0041), not a copy;
* dead letter — after the last attempt, or at once for a failure that would repeat (a refusal);
* replay — dead letters back in the queue, due now, from attempt 1, same row (same event id, body).

Their depth, oldest age and dead letters are measured by `core.health`'s queue registry (the
`/metrics` and `/readyz` figures). Notifications moved to the task queue itself (ADR 0041), whose
durable tasks have the same four properties.

A row model has `state` (pending / sent / dead values), `attempts`, `next_try_at` and `last_error`.
Settings are read when used (callables), so tests and operators may change them at run time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from .tasks import backoff

logger = logging.getLogger(__name__)

#: How much of an error is kept on the row.
MAX_ERROR_CHARS = 2000


@dataclass(frozen=True)
class RowQueue:
    """The kernel over one outbox model."""

    model: type
    #: For logs ("sync", "webhooks").
    name: str
    lease_seconds: Callable[[], float]
    max_attempts: Callable[[], int]
    backoff_seconds: Callable[[], float]
    backoff_cap_seconds: Callable[[], float]
    pending: str = "pending"
    dead: str = "dead"

    def retry_in(self, attempts: int) -> float:
        """Seconds before the next attempt after `attempts` failed ones (full jitter)."""
        return backoff(attempts, self.backoff_seconds(), self.backoff_cap_seconds())

    def claim(self, row, now=None) -> bool:
        """Take `row` for this worker if nobody did since it was read; True when taken."""
        lease = (now or timezone.now()) + timedelta(seconds=self.lease_seconds())
        claimed = self.model.objects.filter(
            pk=row.pk, state=self.pending, next_try_at=row.next_try_at
        ).update(next_try_at=lease)
        if claimed:
            row.next_try_at = lease
        return claimed == 1

    def fail(self, row, error: str, *, permanent: bool, min_wait: float = 0.0, **fields) -> tuple[bool, int]:
        """Record a failed attempt of `row`: dead when `permanent` or out of attempts, else due again
        after the backoff (at least `min_wait`, e.g. a Retry-After, up to the cap). `fields` are
        written too. Returns (dead, attempts)."""
        attempts = row.attempts + 1
        dead = permanent or attempts >= self.max_attempts()
        wait = max(self.retry_in(attempts), min(min_wait or 0.0, self.backoff_cap_seconds()))
        self.model.objects.filter(pk=row.pk).update(
            state=self.dead if dead else self.pending,
            attempts=attempts,
            last_error=error[:MAX_ERROR_CHARS],
            next_try_at=timezone.now() + timedelta(seconds=wait),
            **fields,
        )
        if dead:
            logger.warning("%s: %s %s dead-lettered: %s", self.name, self.model.__name__, row.pk, error)
        return dead, attempts

    def dead_letters(self):
        return self.model.objects.filter(state=self.dead).order_by("id")

    def replay(self, ids: list[int] | None = None) -> int:
        """Put dead letters (all, or these ids) back in the queue, due now, from attempt 1; the count."""
        qs = self.model.objects.filter(state=self.dead)
        if ids is not None:
            qs = qs.filter(pk__in=ids)
        return qs.update(state=self.pending, attempts=0, next_try_at=timezone.now())
