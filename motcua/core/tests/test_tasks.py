"""The task queue layer (ADR 0041): retries with backoff and jitter, dead letters and their replay in
the admin, timeouts, graceful shutdown, recovery of a task whose worker died, and the scheduler:
each run enqueued once by concurrent schedulers, never overlapping itself, nightly at a local time."""

import os
import signal
import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from motcua.core import jobs, tasks
from motcua.core.models import JobState

DATABASE_TASKS = override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
CALLS: list = []


@tasks.durable(retries=3, backoff_seconds=10, cap_seconds=30)
def flaky(fail_times: int, tag: str) -> str:
    CALLS.append(tag)
    if CALLS.count(tag) <= fail_times:
        raise ConnectionError(f"cổng tạm lỗi {CALLS.count(tag)}")
    return f"xong {tag}"


@tasks.durable(retries=1, timeout=0.3)
def slow() -> str:
    time.sleep(3)
    return "không bao giờ"


@tasks.durable(retries=1)
def stops_the_worker(tag: str) -> str:
    os.kill(os.getpid(), signal.SIGTERM)  # as systemd stopping the service mid-task
    time.sleep(0.05)
    CALLS.append(tag)
    return "xong dù bị yêu cầu dừng"


@pytest.fixture(autouse=True)
def _database_backend():
    CALLS.clear()
    with DATABASE_TASKS:
        yield


def _make_ready():
    """Skip the backoff wait (the retries' run_after is checked by the tests that care)."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now() - timedelta(seconds=1))


def test_backoff_is_exponential_with_full_jitter_and_capped():
    for attempt, bound in [(1, 2), (2, 4), (3, 8), (10, 30)]:
        samples = [tasks.backoff(attempt, 2, 30) for _ in range(300)]
        assert all(0 <= s <= bound for s in samples)
        assert max(samples) > bound * 0.8 and min(samples) < bound * 0.2  # spread over the range
        assert len({round(s, 6) for s in samples}) > 250  # jitter: not one value


@pytest.mark.django_db
def test_a_failed_attempt_is_enqueued_again_later_with_the_next_attempt_number():
    before = timezone.now()
    flaky.enqueue(1, "a")
    assert tasks.run_ready() == 1
    first, again = DBTaskResult.objects.order_by("enqueued_at")
    assert first.status == "SUCCESSFUL" and first.return_value["retry"] == 2
    assert "cổng tạm lỗi 1" in first.return_value["error"]
    assert again.status == "READY" and again.args_kwargs["kwargs"] == {"_attempt": 2}
    assert before <= again.run_after <= timezone.now() + timedelta(seconds=10)  # base 10 s, attempt 1
    assert tasks.run_ready() == 0  # not due yet
    _make_ready()
    assert tasks.run_ready() == 1
    again.refresh_from_db()
    assert again.status == "SUCCESSFUL" and again.return_value == "xong a"
    assert CALLS == ["a", "a"] and not tasks.dead_letters().exists()


@pytest.mark.django_db
def test_after_the_last_attempt_the_task_is_a_dead_letter_and_the_admin_replays_it(admin_client):
    flaky.enqueue(99, "b")
    for _ in range(3):
        _make_ready()
        tasks.run_ready()
    assert len(CALLS) == 3  # retries=3: three attempts, no fourth
    (dead,) = tasks.dead_letters()
    assert dead.status == "FAILED" and "ConnectionError" in dead.exception_class_path
    assert dead.args_kwargs["kwargs"] == {"_attempt": 3}

    url = reverse("admin:django_tasks_database_dbtaskresult_changelist")
    listed = admin_client.get(url, {"dead": "yes"})
    assert listed.status_code == 200 and str(dead.pk) in listed.content.decode()
    response = admin_client.post(url, {"action": "replay", "_selected_action": [str(dead.pk)]}, follow=True)
    assert "Đã đưa lại 1 việc vào hàng đợi." in response.content.decode()
    dead.refresh_from_db()
    assert dead.return_value and "replayed_as" in dead.return_value
    assert not tasks.dead_letters().exists()
    fresh = DBTaskResult.objects.get(pk=dead.return_value["replayed_as"])
    assert fresh.status == "READY" and fresh.args_kwargs == {"args": [99, "b"], "kwargs": {}}
    assert tasks.replay([dead]) == []  # replaying twice does nothing


@pytest.mark.django_db
def test_a_task_past_its_timeout_is_stopped_in_the_worker(monkeypatch):
    monkeypatch.setattr(tasks.IN_WORKER, "on", True, raising=False)
    slow.enqueue()
    started = time.monotonic()
    tasks.run_ready()
    assert time.monotonic() - started < 2
    (result,) = DBTaskResult.objects.all()
    assert result.status == "FAILED" and result.exception_class_path.endswith("TaskTimeout")
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # the alarm is cleared


@pytest.mark.django_db
def test_outside_the_worker_no_alarm_is_set(monkeypatch):
    monkeypatch.setattr(tasks.IN_WORKER, "on", False, raising=False)
    with tasks.time_limit(0.01):
        time.sleep(0.05)  # no TaskTimeout: the request thread is never interrupted


@pytest.mark.django_db
def test_sigterm_lets_the_running_task_finish_then_the_worker_stops(monkeypatch):
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)  # keep the test's transaction
    stops_the_worker.enqueue("first")
    stops_the_worker.enqueue("second")
    worker = db_worker.Worker(
        queue_names=["*"],
        interval=0,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="w1",
        excluded_queue_names=[],
    )
    worker.configure_signals()
    try:
        worker.run()  # returns (no sys.exit): the signal came during a task
    finally:
        worker.reset_signals()
    assert CALLS == ["first"]
    assert sorted(DBTaskResult.objects.values_list("status", flat=True)) == ["READY", "SUCCESSFUL"]


@pytest.mark.django_db
def test_a_task_left_running_by_a_killed_worker_runs_again(settings):
    flaky.enqueue(0, "c")
    result = DBTaskResult.objects.get()
    result.claim("killed-worker")  # claimed, then the process got kill -9
    now = timezone.now()
    assert tasks.recover_stale(now + timedelta(seconds=60)) == 0  # within timeout + grace
    later = now + timedelta(seconds=60 + settings.MOTCUA_TASKS_STALE_GRACE_SECONDS + 1)
    assert tasks.recover_stale(later) == 1
    assert tasks.run_ready() == 1 and CALLS == ["c"]
    result.refresh_from_db()
    assert result.status == "SUCCESSFUL" and result.worker_ids == ["killed-worker", "inline"]


# --- the scheduler --------------------------------------------------------------------------------


@pytest.fixture
def only(monkeypatch):
    monkeypatch.setattr(jobs, "_JOBS", {})
    return jobs.register


def _enqueued(name: str) -> int:
    return DBTaskResult.objects.filter(task_path="motcua.core.jobs.run_job", args_kwargs__args=[name]).count()


@pytest.mark.django_db
def test_the_scheduler_enqueues_a_run_and_a_worker_runs_it(only):
    only("tick", lambda: CALLS.append("tick") or "ok", 60)
    now = timezone.now()
    assert jobs.schedule(now) == ["tick"]
    assert jobs.schedule(now + timedelta(seconds=61)) == []  # enqueued, not run yet: still leased
    assert tasks.run_ready() == 1 and CALLS == ["tick"]
    state = JobState.objects.get(name="tick")
    assert state.running_until is None and state.last_outcome == "ok: ok"
    assert jobs.schedule(now + timedelta(seconds=61)) == ["tick"]


@pytest.mark.django_db
def test_a_run_never_overlaps_the_previous_one_until_its_lease_expires(only):
    only("long", lambda: "x", 10, timeout=120)
    now = timezone.now()
    assert jobs.claim(jobs.registered()[0], now)
    job = jobs.registered()[0]
    # Two periods later the first run still holds the lease: no second run.
    assert not jobs.claim(job, now + timedelta(seconds=30))
    assert not jobs.claim(job, now + timedelta(seconds=120 + jobs.LEASE_GRACE_SECONDS - 1))
    # Its worker died: once the lease (timeout + grace) is over the next run may start.
    assert jobs.claim(job, now + timedelta(seconds=120 + jobs.LEASE_GRACE_SECONDS + 1))


@pytest.mark.django_db
def test_a_nightly_job_runs_once_a_night_at_its_local_time(only):
    only("nightly", lambda: "đêm", at="02:00")
    job = jobs.registered()[0]
    assert job.period == "hằng ngày lúc 02:00"

    def at(day, hh, mm):
        return datetime(2026, 12, day, hh, mm, tzinfo=HCM)

    assert not jobs.claim(job, at(7, 1, 59))  # new job: waits for its first 02:00
    assert jobs.claim(job, at(7, 2, 0))
    jobs._run_claimed(job)
    assert not jobs.claim(job, at(7, 2, 1)) and not jobs.claim(job, at(7, 23, 59))
    assert jobs.claim(job, at(8, 9, 30))  # the worker was down at 02:00: once, when it is back
    jobs._run_claimed(job)
    assert not jobs.claim(job, at(8, 23, 0))
    assert jobs.claim(job, at(9, 2, 0))


def test_register_keeps_the_old_signature_and_checks_its_arguments(only):
    only("old", lambda: None, 3600)
    assert jobs.registered()[0].every_seconds == 3600 and jobs.registered()[0].at is None
    with pytest.raises(ValueError):
        only("none", lambda: None)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_schedulers_enqueue_each_run_exactly_once(only, live_reference_data):
    for n in range(5):
        only(f"job{n}", lambda: "x", 3600)
    now = timezone.now()
    barrier, errors = threading.Barrier(2), []

    def scheduler():
        try:
            barrier.wait()
            for _ in range(3):  # several ticks each, all in the same slot
                jobs.schedule(now)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert [_enqueued(f"job{n}") for n in range(5)] == [1] * 5
    connection.close()
