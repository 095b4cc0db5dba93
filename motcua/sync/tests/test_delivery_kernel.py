"""The one delivery kernel (core.delivery.RowQueue) under both durable outboxes: the portal outbox and
the webhooks share claim-with-lease, backoff with full jitter, dead letters and replay (issue 19 item 5)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from motcua.core.delivery import RowQueue
from motcua.sync import outbox, webhooks
from motcua.sync.models import OutboxMessage

pytestmark = pytest.mark.django_db
State = OutboxMessage.State


def test_both_outboxes_run_on_the_kernel():
    assert isinstance(outbox.QUEUE, RowQueue) and outbox.QUEUE.model is OutboxMessage
    assert isinstance(webhooks.QUEUE, RowQueue) and webhooks.QUEUE.model.__name__ == "WebhookDelivery"


def test_claim_lease_retry_dead_letter_and_replay(desk, settings):
    settings.MOTCUA_SYNC_BACKOFF_SECONDS, settings.MOTCUA_SYNC_BACKOFF_MAX_SECONDS = 10, 60
    settings.MOTCUA_SYNC_MAX_ATTEMPTS, settings.MOTCUA_SYNC_LEASE_SECONDS = 3, 120
    desk.receive()
    message = OutboxMessage.objects.order_by("id").first()
    twin = OutboxMessage.objects.get(pk=message.pk)  # another worker read the same row
    now = timezone.now()
    assert outbox.QUEUE.claim(message, now)
    assert not outbox.QUEUE.claim(twin, now)
    assert OutboxMessage.objects.get(pk=message.pk).next_try_at == now + timedelta(seconds=120)

    # A transient failure waits at least `min_wait` (a Retry-After), never past the cap.
    before = timezone.now()
    dead, attempts = outbox.QUEUE.fail(message, "down", permanent=False, min_wait=3600)
    row = OutboxMessage.objects.get(pk=message.pk)
    assert (dead, attempts, row.state, row.attempts, row.last_error) == (False, 1, State.PENDING, 1, "down")
    assert before + timedelta(seconds=60) <= row.next_try_at <= timezone.now() + timedelta(seconds=60)
    # Full jitter: uniform in [0, min(cap, base·2^(n−1))].
    waits = [outbox.QUEUE.retry_in(2) for _ in range(200)]
    assert all(0 <= w <= 20 for w in waits) and max(waits) > 10 and min(waits) < 10

    dead, attempts = outbox.QUEUE.fail(row, "down", permanent=False)
    assert not dead and attempts == 2
    row = OutboxMessage.objects.get(pk=message.pk)
    dead, attempts = outbox.QUEUE.fail(row, "down", permanent=False)
    assert dead and attempts == 3  # out of attempts
    assert list(outbox.QUEUE.dead_letters()) == [row]

    assert outbox.QUEUE.replay([row.pk]) == 1
    row = OutboxMessage.objects.get(pk=message.pk)
    assert (row.state, row.attempts) == (State.PENDING, 0) and row.next_try_at <= timezone.now()
    assert outbox.QUEUE.fail(row, "refused", permanent=True) == (True, 1)  # a refusal: dead at once
