"""The sync on the task queue (issue 18, ADR 0041): the scheduled `sync.deliver` keeps N outbox drains
in the queue, drains on workers deliver in order per dossier; the nightly jobs run at local times;
the inbound pull is a job of its own."""

import pytest
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from motcua.core import jobs, tasks
from motcua.sync import inbound
from motcua.sync import tasks as sync_tasks
from motcua.sync.models import OutboxMessage, PullRun, SandboxProgress

DATABASE_TASKS = override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})


def test_the_sync_jobs_are_scheduled_nightly_at_local_times_and_deliver_every_few_seconds():
    registered = {job.name: job for job in jobs.registered()}
    assert f"{registered['sync.reconcile'].at:%H:%M}" == "02:00"
    assert f"{registered['sync.catalog'].at:%H:%M}" == "01:30"
    assert registered["sync.deliver"].run is sync_tasks.deliver_job
    assert registered["sync.deliver"].every_seconds <= 10


def test_the_inbound_pull_is_off_with_the_sandbox_and_on_with_a_real_adapter(settings):
    settings.MOTCUA_SYNC_PULL_EVERY = 0
    assert inbound.pull_every() == 0  # the sandbox makes up dossiers: never on its own
    settings.MOTCUA_NATIONAL_PORTAL = "motcua.sync.portal.SandboxPortal"
    assert inbound.pull_every() == 60
    settings.MOTCUA_SYNC_PULL_EVERY = 300
    assert inbound.pull_every() == 300


@pytest.mark.django_db
def test_the_pull_job_receives_and_keeps_its_cursor(monkeypatch):
    from motcua.sync.portal import PullReport

    seen = []

    def fake_pull(portal, since=None):  # the portal side is tested in test_portal.py
        seen.append(since)
        return PullReport(fetched=2, created=["A", "B"])

    monkeypatch.setattr(inbound, "pull_new_dossiers", fake_pull)
    assert inbound.pull_job() == "created=2 duplicates=0 rejected=0"
    run = PullRun.objects.get()
    assert run.since is None and run.created == 2 and run.adapter.startswith("sandbox (seed ")
    inbound.pull_job()
    assert seen == [None, run.started_at]  # the next pull asks from the last one's start
    assert PullRun.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_drains_on_the_queue_deliver_the_outbox_in_order_per_dossier(live_desk, portal, settings):
    settings.MOTCUA_SYNC_WORKERS = 2
    settings.MOTCUA_EXCHANGE_SERVICES["national_portal"]["timeout"] = (5.0, 20.0)  # a loaded test machine
    dossiers = [live_desk.assign(live_desk.receive()) for _ in range(3)]
    assert OutboxMessage.objects.filter(state="pending").count() == 9
    with DATABASE_TASKS:
        assert sync_tasks.deliver_job() == "drains enqueued=2"
        assert sync_tasks.deliver_job() == "drains enqueued=0"  # never more than N in the queue
        assert tasks.run_ready() == 2
        assert sync_tasks.active_drains() == 0
        for _ in range(5):  # a slow answer is retried by the outbox itself: the next drains send it
            if not OutboxMessage.objects.exclude(state="sent").exists():
                break
            OutboxMessage.objects.filter(state="pending").update(next_try_at=timezone.now())
            sync_tasks.deliver_job()
            tasks.run_ready()
    assert OutboxMessage.objects.exclude(state="sent").count() == 0
    for dossier in dossiers:
        received = SandboxProgress.objects.filter(dossier__code=dossier.national_code or dossier.code)
        statuses = list(received.order_by("id").values_list("status", flat=True))
        assert statuses == [1, 2, 4]  # create, receive, assign: in order
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
