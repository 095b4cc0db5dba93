"""What /readyz and /metrics say about the national-portal queue (ADR 0042): its depth, the age of
its oldest undelivered message (the sync lag), dead letters, and the transitions counted."""

from datetime import timedelta

import pytest
from django.utils import timezone

from motcua.core import health
from motcua.core.metrics import TRANSITIONS
from motcua.core.models import JobState
from motcua.sync.models import OutboxMessage

pytestmark = pytest.mark.django_db


def _transitions(topic: str) -> float:
    return TRANSITIONS.labels(topic=topic)._value.get()


def test_an_old_undelivered_message_makes_the_site_not_ready_and_shows_as_lag(
    desk, client, settings, django_capture_on_commit_callbacks
):
    settings.MOTCUA_READY_QUEUE_MAX_AGE_SECONDS = 3600
    settings.MOTCUA_METRICS_TOKEN = "tok-0123456789"
    JobState.objects.create(name="sync.deliver", last_started=timezone.now())
    received_before = _transitions("dossier.receive")
    with django_capture_on_commit_callbacks(execute=True):
        dossier = desk.receive()
    assert _transitions("dossier.receive") == received_before + 1
    figures = {q.name: q for q in health.queue_figures()}
    assert figures["outbox"].depth == OutboxMessage.objects.filter(state="pending").count() >= 2
    assert client.get("/readyz").status_code == 200
    OutboxMessage.objects.filter(dossier=dossier).update(created_at=timezone.now() - timedelta(hours=3))
    head = OutboxMessage.objects.filter(dossier=dossier).order_by("id").first()
    OutboxMessage.objects.filter(pk=head.pk).update(state="dead")
    answer = client.get("/readyz")
    assert answer.status_code == 503
    outbox = answer.json()["queues"]["outbox"]
    assert outbox["oldest_age_seconds"] >= 3 * 3600 and outbox["dead"] == 1
    assert dossier.code not in answer.content.decode()  # counts and ages only
    text = client.get("/metrics", HTTP_AUTHORIZATION="Bearer tok-0123456789").content.decode()
    lag = next(r for r in text.splitlines() if r.startswith("motcua_sync_lag_seconds "))
    assert float(lag.split()[-1]) >= 3 * 3600
    assert 'motcua_queue_dead_letters{queue="outbox"} 1.0' in text
    assert 'motcua_dossier_transitions_total{topic="dossier.receive"}' in text
