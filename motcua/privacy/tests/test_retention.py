"""Retention (issue 17 item 7): the purge deletes what is past its retention and keeps the rest,
`--dry-run` changes nothing, the settings cannot go below level 3's 90 days of logs, and the job is
registered with the worker."""

import io
import json
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone

from motcua.audit.models import AuditEntry
from motcua.core import jobs
from motcua.dossiers.models import Notification
from motcua.eforms.models import Draft, FormDefinition
from motcua.exchange.models import MessageLog
from motcua.privacy import retention

pytestmark = pytest.mark.django_db


def _log(days_ago: int, n: int = 1) -> list[int]:
    ids = []
    for _ in range(n):
        row = MessageLog.objects.create(
            service="population", method="GET", url="https://x/", outcome="ok", correlation_id="c"
        )
        ids.append(row.pk)
    MessageLog.objects.filter(pk__in=ids).update(created_at=timezone.now() - timedelta(days=days_ago))
    return ids


@pytest.fixture
def old_and_new(people, make_dossier):
    now = timezone.now()
    old_logs, new_logs = _log(400, 3), _log(30, 2)
    dossier = make_dossier()
    notes = [
        Notification.objects.create(dossier=dossier, channel="in_app", recipient="x", subject="s", body="b")
        for _ in range(2)
    ]
    Notification.objects.filter(pk=notes[0].pk).update(created_at=now - timedelta(days=366))
    attempts = [
        AccessAttempt.objects.create(
            username=f"u{i}",
            ip_address="10.0.0.1",
            user_agent="t",
            get_data="",
            post_data="",
            failures_since_start=1,
        )
        for i in range(2)
    ]
    AccessAttempt.objects.filter(pk=attempts[0].pk).update(attempt_time=now - timedelta(days=400))
    definition = FormDefinition.objects.first()
    drafts = [
        Draft.objects.create(
            owner=people["citizen"], acting_for="014090001111", definition=definition, state=state
        )
        for state in ("abandoned", "abandoned", "open")
    ]
    Draft.objects.filter(pk__in=[drafts[0].pk, drafts[2].pk]).update(updated_at=now - timedelta(days=500))
    expired = SessionStore()
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(expire_date=now - timedelta(days=1))
    live = SessionStore()
    live.create()
    return {
        "old_logs": old_logs,
        "new_logs": new_logs,
        "notes": notes,
        "attempts": attempts,
        "drafts": drafts,
        "sessions": (expired.session_key, live.session_key),
    }


def _counts() -> dict:
    return {
        "logs": MessageLog.objects.count(),
        "notes": Notification.objects.count(),
        "attempts": AccessAttempt.objects.count(),
        "drafts": Draft.objects.count(),
        "sessions": Session.objects.count(),
    }


def test_dry_run_counts_and_changes_nothing(old_and_new):
    before = _counts()
    out = io.StringIO()
    call_command("purge", "--dry-run", "--json", stdout=out)
    rows = {o["kind"]: o["rows"] for o in json.loads(out.getvalue())}
    assert rows["message_log"] == 3 and rows["notifications"] == 1 and rows["axes.AccessAttempt"] == 1
    assert rows["drafts"] == 1 and rows["sessions"] == 1 and rows["audit"] is None
    assert _counts() == before
    assert not AuditEntry.objects.filter(action="privacy.purge").exists()


def test_purge_deletes_old_rows_and_keeps_recent_ones(old_and_new):
    out = io.StringIO()
    call_command("purge", stdout=out)
    assert "message_log" in out.getvalue() and "đã xóa" in out.getvalue()
    assert set(MessageLog.objects.values_list("pk", flat=True)) == set(old_and_new["new_logs"])
    old_note, new_note = old_and_new["notes"]
    assert not Notification.objects.filter(pk=old_note.pk).exists()
    assert Notification.objects.filter(pk=new_note.pk).exists() and Notification.objects.count() > 1
    assert list(AccessAttempt.objects.values_list("pk", flat=True)) == [old_and_new["attempts"][1].pk]
    # the old abandoned draft goes; a recent abandoned one and an open one stay
    assert set(Draft.objects.values_list("pk", flat=True)) == {d.pk for d in old_and_new["drafts"][1:]}
    expired, live = old_and_new["sessions"]
    assert set(Session.objects.values_list("session_key", flat=True)) == {live}
    entry = AuditEntry.objects.get(action="privacy.purge")
    assert entry.data["message_log"] == 3 and entry.data["drafts"] == 1


def test_the_purge_goes_in_batches_by_id_range_across_gaps(reference_data, settings):
    settings.MOTCUA_RETENTION_BATCH = 100
    old = _log(400, 230)
    MessageLog.objects.filter(pk__in=old[50:120]).delete()  # a gap in the ids
    new = _log(10, 5)
    assert (
        retention._boundary(MessageLog.objects.all(), "created_at", timezone.now() - timedelta(days=365))
        == old[-1]
    )
    [outcome] = [o for o in retention.purge() if o.kind == "message_log"]
    assert outcome.rows == 160
    assert list(MessageLog.objects.order_by("pk").values_list("pk", flat=True)) == new


def test_a_row_out_of_time_order_is_not_deleted_early(reference_data):
    ids = _log(400, 3)
    MessageLog.objects.filter(pk=ids[1]).update(created_at=timezone.now())  # a clock moved back
    retention.purge()
    assert list(MessageLog.objects.values_list("pk", flat=True)) == [ids[1]]


def test_retention_is_never_below_level_3(reference_data, settings):
    settings.MOTCUA_RETENTION_MESSAGE_LOG_DAYS = 10
    kept = _log(60)
    [outcome] = [o for o in retention.purge(dry_run=True) if o.kind == "message_log"]
    assert outcome.days == retention.LOG_FLOOR_DAYS == 90 and outcome.rows == 0
    retention.purge()
    assert MessageLog.objects.filter(pk__in=kept).exists()


def test_the_purge_is_a_nightly_job():
    job = {j.name: j for j in jobs.registered()}["privacy.purge"]
    assert job.every_seconds == 24 * 3600 and job.run is retention.purge_job


def test_a_whole_month_past_retention_is_dropped_on_postgresql(reference_data):
    """PostgreSQL: the month's partition goes with one DDL; SQLite: the same rows go by batches."""
    from django.db import connection

    from motcua.privacy import partitions

    month_ago = (timezone.now() - timedelta(days=420)).date()
    if connection.vendor == "postgresql":
        assert partitions.enabled()
        assert partitions.create_month(month_ago)
    else:
        assert not partitions.enabled()
    old, new = _log(420, 4), _log(5, 2)
    name = f"{partitions.PREFIX}{month_ago:%Y%m}"
    if connection.vendor == "postgresql":
        assert partitions.count_rows(name) == 4  # the update moved them into their month
    [dry] = [o for o in retention.purge(dry_run=True) if o.kind == "message_log"]
    assert dry.rows == 4 and MessageLog.objects.count() == 6
    [outcome] = [o for o in retention.purge() if o.kind == "message_log"]
    assert outcome.rows == 4
    assert set(MessageLog.objects.values_list("pk", flat=True)) == set(new)
    if connection.vendor == "postgresql":
        assert name not in {n for n, _m in partitions.partitions()}
        assert outcome.note == "đã xóa 1 phân vùng tháng"
        # and the next months are ready before their rows arrive
        this_month = f"{partitions.PREFIX}{timezone.now():%Y%m}"
        assert this_month in {n for n, _m in partitions.partitions()}
    assert old[0] < new[0]
