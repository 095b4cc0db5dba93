"""Notifications leave the request through the task queue (issue 18, ADR 0041): written and enqueued
in the transition's transaction, delivered by a worker, retried while a channel is down, never lost
when the process dies between the commit and the sending, never sent for a rolled-back change."""

import pytest
from django.core import mail
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from motcua.core import tasks
from motcua.dossiers.models import Notification
from motcua.dossiers.notifications import deliver_notifications

pytestmark = pytest.mark.django_db
TASK = deliver_notifications.module_path


@pytest.fixture(autouse=True)
def _database_backend():
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        yield


def _outgoing(dossier):
    return Notification.objects.filter(dossier=dossier).exclude(channel="in_app")


def test_a_committed_transition_is_delivered_by_the_worker_even_if_the_process_died_after_the_commit(
    make_dossier,
):
    dossier = make_dossier()  # committed: the dossier, its notifications and their tasks
    # The process "dies" here: nothing was sent from the request, nothing is held in memory.
    assert mail.outbox == []
    # Two actions (create, receive), each an e-mail and an SMS, each action one task.
    assert _outgoing(dossier).filter(sent_at__isnull=True).count() == 4
    assert DBTaskResult.objects.filter(task_path=TASK, status="READY").count() == 2
    # A worker, later (a new process: only the database carries the work over). It runs whatever else
    # the transaction queued too (the QĐ 766 upkeep); the notifications are two tasks, each run once.
    tasks.run_ready()
    assert DBTaskResult.objects.filter(task_path=TASK, status="SUCCESSFUL").count() == 2
    assert _outgoing(dossier).filter(sent_at__isnull=True).count() == 0
    assert len(mail.outbox) == 2 and {m.to[0] for m in mail.outbox} == {"anh@example.vn"}
    assert tasks.run_ready() == 0 and len(mail.outbox) == 2  # once


def test_a_rolled_back_transition_enqueues_nothing_and_tells_nobody(make_dossier):
    with pytest.raises(RuntimeError), transaction.atomic():
        make_dossier()
        raise RuntimeError("the officer's transaction failed after the notification was written")
    assert not DBTaskResult.objects.filter(task_path=TASK).exists()
    assert not Notification.objects.exists()
    assert tasks.run_ready() == 0 and mail.outbox == []


def test_a_channel_that_is_down_is_retried_later_and_the_other_is_not_sent_twice(make_dossier, settings):
    settings.MOTCUA_SMS_SANDBOX_FAIL = True
    dossier = make_dossier()
    tasks.run_ready()
    sms = _outgoing(dossier).filter(channel="sms")
    assert all(n.sent_at is None and "sandbox" in n.error for n in sms) and len(sms) == 2
    assert len(mail.outbox) == 2  # the e-mails went
    retries = DBTaskResult.objects.filter(task_path=TASK, status="READY")
    assert len(retries) == 2
    assert all(r.args_kwargs["kwargs"] == {"_attempt": 2} and r.run_after > timezone.now() for r in retries)
    assert tasks.run_ready() == 0  # not before their backoff

    settings.MOTCUA_SMS_SANDBOX_FAIL = False
    retries.update(run_after=timezone.now())
    assert tasks.run_ready() == 2
    assert all(n.sent_at is not None and n.error == "" for n in _outgoing(dossier))
    assert len(mail.outbox) == 2  # not sent again
    assert not tasks.dead_letters().exists()
