"""The production profile's operations side (ADR 0042): request ids on logs, answers and outgoing
calls; readiness; protected metrics; reads of read-only pages routed to the replica alias."""

import io
import json
import logging
import logging.config
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from motcua.core import requestid, tasks
from motcua.core.dbrouter import read_alias, use_replica
from motcua.core.models import CalendarDay, JobState
from motcua.core.tasks import durable
from motcua.exchange.client import ExchangeClient

# --- request ids -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_answer_gets_a_fresh_request_id_and_a_direct_client_cannot_choose_it(client, settings):
    settings.MOTCUA_PROXY_CLIENT_HEADER = ""
    first, second = client.get("/healthz"), client.get("/healthz", HTTP_X_REQUEST_ID="chosen-by-client-1")
    assert len(first["X-Request-ID"]) == 32 and first["X-Request-ID"] != second["X-Request-ID"]
    assert second["X-Request-ID"] != "chosen-by-client-1"


@pytest.mark.django_db
def test_behind_the_trusted_proxy_its_request_id_is_kept_unless_malformed(client, settings):
    settings.MOTCUA_PROXY_CLIENT_HEADER = "X-Forwarded-For"
    assert client.get("/healthz", HTTP_X_REQUEST_ID="nginx-0123456789abcdef")["X-Request-ID"] == (
        "nginx-0123456789abcdef"
    )
    smuggled = client.get("/healthz", HTTP_X_REQUEST_ID="a b\nfake log line")["X-Request-ID"]
    assert len(smuggled) == 32 and " " not in smuggled


def _json_logger(stream) -> logging.Logger:
    """The production handler (settings.LOGGING's json formatter and filter) writing to `stream`."""
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": django_settings.LOGGING["filters"],
        "formatters": django_settings.LOGGING["formatters"],
        "handlers": {"s": {"class": "logging.StreamHandler", "stream": stream, "filters": ["request_id"]}},
        "loggers": {"motcua.test.json": {"handlers": ["s"], "level": "INFO", "propagate": False}},
    }
    config["handlers"]["s"]["formatter"] = "json"
    logging.config.dictConfig(config)
    return logging.getLogger("motcua.test.json")


def test_json_log_lines_carry_the_bound_request_id():
    stream = io.StringIO()
    log = _json_logger(stream)
    with requestid.bound("req-1234567890"):
        log.warning("dossier moved")
    log.warning("outside any request")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["request_id"] == "req-1234567890" and first["message"] == "dossier moved"
    assert first["level"] == "WARNING" and first["logger"] == "motcua.test.json" and "time" in first
    assert second["request_id"] == "-"


class _Recorder:
    """A requests.Session stand-in that records the headers of each call."""

    def __init__(self):
        self.headers = []

    def request(self, method, url, **kwargs):
        self.headers.append(kwargs["headers"])

        class Response:
            status_code, text, content, headers = 200, "{}", b"{}", {}

        return Response()


@pytest.mark.django_db
def test_outgoing_exchange_calls_carry_the_request_id():
    session = _Recorder()
    client = ExchangeClient("population", "http://127.0.0.1:9/", session=session)
    with requestid.bound("req-abcdef123456"):
        client.get_json("ping")
    client.get_json("ping")
    assert session.headers[0]["X-Request-ID"] == "req-abcdef123456"
    assert "X-Request-ID" not in session.headers[1]


# --- readiness ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_readyz_is_503_until_the_worker_has_run_lately_then_200(client, settings):
    settings.MOTCUA_READY_WORKER_MAX_AGE_SECONDS = 600
    JobState.objects.all().delete()
    answer = client.get("/readyz")
    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "not_ready" and body["worker"]["ok"] is False
    assert body["database"]["ok"] and body["cache"]["ok"] and body["storage"]["ok"]
    JobState.objects.create(name="sync.deliver", last_started=timezone.now() - timedelta(seconds=30))
    answer = client.get("/readyz")
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "ready" and answer.json()["worker"]["last_started_age_seconds"] >= 30
    JobState.objects.update(last_started=timezone.now() - timedelta(hours=1))
    assert client.get("/readyz").status_code == 503


@pytest.mark.django_db
def test_readyz_names_a_broken_storage_without_a_500(client, settings):
    JobState.objects.create(name="sync.deliver", last_started=timezone.now())
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "motcua.core.tests.test_operations.BrokenStorage"},
    }
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["storage"] == {"ok": False, "error": "OSError"}


class BrokenStorage:
    def exists(self, name):
        raise OSError("bucket unreachable")


# --- metrics -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_metrics_do_not_exist_unprotected_and_refuse_the_wrong_token(client, settings):
    settings.MOTCUA_METRICS_TOKEN, settings.MOTCUA_METRICS_ALLOWED_IPS = "", []
    assert client.get("/metrics").status_code == 404
    settings.MOTCUA_METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    settings.MOTCUA_METRICS_TOKEN, settings.MOTCUA_METRICS_ALLOWED_IPS = "", ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.1").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200


@pytest.mark.django_db
def test_metrics_show_latency_by_view_job_freshness_and_breakers(client, settings):
    settings.MOTCUA_METRICS_TOKEN = "s3cret-token"
    JobState.objects.create(name="sync.deliver", last_started=timezone.now(), last_finished=timezone.now())
    client.get("/healthz")
    text = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token").content.decode()
    assert 'motcua_http_request_duration_seconds_count{method="GET",status="2xx",view="healthz"}' in text
    assert 'motcua_job_last_started_age_seconds{job="sync.deliver"}' in text
    assert 'motcua_breaker_state{service="national_portal"} 0.0' in text
    assert 'motcua_queue_depth{queue="outbox"}' in text
    assert 'motcua_queue_dead_letters{queue="webhooks"}' in text
    assert "motcua_sync_lag_seconds" in text


@pytest.mark.django_db
def test_the_task_queue_counts_due_tasks_from_when_they_were_due(settings):
    from django_tasks_db.models import DBTaskResult

    from motcua.core import health

    now = timezone.now()

    def task(**fields):
        empty = {"args": [], "kwargs": {}}
        return DBTaskResult.objects.create(
            task_path="x.y", args_kwargs=empty, backend_name="default", **fields
        )

    asap = task(run_after=datetime(9999, 1, 1, tzinfo=UTC))
    DBTaskResult.objects.filter(pk=asap.pk).update(enqueued_at=now - timedelta(minutes=5))
    task(run_after=now - timedelta(minutes=20))  # a retry that became due 20 minutes ago
    task(run_after=now + timedelta(hours=10))  # tonight's run: not waiting yet
    task(run_after=now, status="FAILED")  # a dead letter
    tasks = {q.name: q for q in health.queue_figures(now)}["tasks"]
    assert tasks.depth == 2 and tasks.dead == 1
    assert 20 * 60 - 5 <= tasks.oldest_age_seconds <= 20 * 60 + 60


# --- read replica ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_reads_inside_use_replica_go_to_the_replica_alias_and_writes_do_not(settings):
    settings.MOTCUA_READ_REPLICA = True
    day = timezone.localdate() + timedelta(days=4000)
    replica, default = (
        CaptureQueriesContext(connections["replica"]),
        CaptureQueriesContext(connections["default"]),
    )
    with replica as on_replica, default as on_default:
        with use_replica():
            assert read_alias() == "replica"
            CalendarDay.objects.create(date=day, kind="holiday", name="Ngày thử")  # a write
            assert CalendarDay.objects.filter(date=day).count() == 1  # the mirror sees the commit
        assert CalendarDay.objects.filter(date=day).exists()  # outside the block: default
    replica_sql = " ".join(q["sql"] for q in on_replica.captured_queries)
    default_sql = " ".join(q["sql"] for q in on_default.captured_queries)
    assert "COUNT" in replica_sql.upper() and "INSERT" not in replica_sql.upper()
    assert "INSERT" in default_sql.upper() and "COUNT" not in default_sql.upper()


@pytest.mark.django_db
def test_without_a_replica_configured_use_replica_reads_the_primary(settings):
    settings.MOTCUA_READ_REPLICA = False
    with use_replica():
        assert read_alias() == "default"


# --- request ids in tasks ----------------------------------------------------------------------

SEEN_BY_TASK: list[str] = []


@durable(retries=1)
def remember_request_id():
    SEEN_BY_TASK.append(requestid.current())


@pytest.mark.django_db
def test_a_durable_task_runs_with_the_request_id_of_the_request_that_queued_it(
    django_capture_on_commit_callbacks,
):
    SEEN_BY_TASK.clear()
    with requestid.bound("req-task-0123456789"), django_capture_on_commit_callbacks(execute=True):
        tasks.enqueue(remember_request_id)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.enqueue(remember_request_id)  # queued outside any request
    assert SEEN_BY_TASK == ["req-task-0123456789", ""]
    assert requestid.current() == ""
