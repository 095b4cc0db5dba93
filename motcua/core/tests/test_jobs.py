"""Periodic jobs: due once per period whatever the number of workers; a failure is kept, not fatal."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from motcua.core import jobs
from motcua.core.models import JobState

pytestmark = pytest.mark.django_db


@pytest.fixture
def only(monkeypatch):
    """Run only the jobs a test registers (the apps' own stay registered outside it)."""
    monkeypatch.setattr(jobs, "_JOBS", {})
    return jobs.register


def test_a_job_runs_once_per_period_even_with_two_workers(only):
    calls = []
    only("count", lambda: calls.append(1) or len(calls), 60)
    now = timezone.now()
    assert jobs.run_due(now) == {"count": "ok: 1"}
    assert jobs.run_due(now + timedelta(seconds=30)) == {}  # the other worker, same period
    assert not jobs.claim(jobs.registered()[0], now + timedelta(seconds=59))
    assert jobs.run_due(now + timedelta(seconds=61)) == {"count": "ok: 2"}
    assert len(calls) == 2


def test_a_failing_job_is_recorded_and_the_others_still_run(only):
    def broken():
        raise RuntimeError("cổng thanh toán không trả lời")

    only("a_broken", broken, 60)
    only("b_fine", lambda: "xong", 60)
    outcomes = jobs.run_due()
    assert outcomes == {"a_broken": "failed", "b_fine": "ok: xong"}
    state = JobState.objects.get(name="a_broken")
    assert "cổng thanh toán không trả lời" in state.last_error and state.last_finished is not None


def test_the_apps_register_their_jobs_and_the_command_lists_them(capsys):
    names = {job.name for job in jobs.registered()}
    assert {"payments.resolve", "payments.refund", "payments.expire", "eforms.abandon"} <= names
    call_command("worker", "--list")
    assert "payments.resolve: mỗi 60 giây" in capsys.readouterr().out


def test_a_period_must_be_positive(only):
    with pytest.raises(ValueError):
        only("never", lambda: None, 0)
