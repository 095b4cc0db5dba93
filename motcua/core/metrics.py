"""Prometheus metrics (chỉ số vận hành) at /metrics, for the province's monitoring.

* Request latency by view name and dossier transitions are counted in the processes that see them
  (a histogram and a counter). Under gunicorn with several workers set PROMETHEUS_MULTIPROC_DIR
  (an empty folder, cleaned at each start; deploy/gunicorn.conf.py does it) so every worker's
  figures are summed at scrape time.
* Queues, dead letters, job freshness and sync lag are read from the database at scrape time
  (`DatabaseCollector`), so any process answers the same figures. Breaker states are read from the
  shared cache (ADR 0047), so they too are the same whichever process answers.

Protection: a bearer token (MOTCUA_METRICS_TOKEN) or client addresses (MOTCUA_METRICS_ALLOWED_IPS);
with neither set the endpoint does not exist (404); otherwise a caller with neither gets 403.
Nothing personal is exported: labels are view names, transition topics, queue and job names.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time

from django.conf import settings
from django.db import DatabaseError, transaction
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.utils import timezone
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

REQUEST_LATENCY = Histogram(
    "motcua_http_request_duration_seconds",
    "Time to answer a request, by view name (tên view), method and status class.",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
TRANSITIONS = Counter(
    "motcua_dossier_transitions_total",
    "Dossier transitions committed (chuyển trạng thái hồ sơ), by event topic.",
    ["topic"],
)


def on_event(event) -> None:
    """core.events subscriber: count a dossier transition once its transaction commits."""
    if event.aggregate_type == "dossier" and event.topic.startswith("dossier."):
        topic = event.topic
        transaction.on_commit(lambda: TRANSITIONS.labels(topic=topic).inc())


class MetricsMiddleware:
    """Times every request; the label is the resolved view's name (never the path, which holds codes)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or match._func_path) if match else "unresolved"
        REQUEST_LATENCY.labels(
            view=view, method=request.method, status=f"{response.status_code // 100}xx"
        ).observe(time.perf_counter() - started)
        return response


class BreakerStoreError(RuntimeError):
    """The cache holding the breakers could not be read."""


class DatabaseCollector:
    """Gauges read at scrape time from the shared database (correct whatever the process count)."""

    def collect(self):
        """Each part on its own: a database that does not answer (or lacks a table) turns
        motcua_scrape_error on for that part instead of failing the whole scrape."""
        errors = GaugeMetricFamily(
            "motcua_scrape_error", "1 when a part of the figures could not be read.", labels=["part"]
        )
        for part, method in (("queues", self._queues), ("jobs", self._jobs), ("breakers", self._breakers)):
            try:
                families = list(method())
            except (DatabaseError, BreakerStoreError):
                errors.add_metric([part], 1.0)
                continue
            errors.add_metric([part], 0.0)
            yield from families
        yield errors

    @staticmethod
    def _queues():
        from . import health

        now = timezone.now()
        depth = GaugeMetricFamily(
            "motcua_queue_depth", "Rows waiting to be delivered or run.", labels=["queue"]
        )
        age = GaugeMetricFamily(
            "motcua_queue_oldest_age_seconds",
            "Age of the oldest waiting row (0 when empty).",
            labels=["queue"],
        )
        dead = GaugeMetricFamily(
            "motcua_queue_dead_letters", "Rows that gave up (dead letters).", labels=["queue"]
        )
        lag = GaugeMetricFamily(
            "motcua_sync_lag_seconds", "Age of the oldest event not yet delivered to the national portal."
        )
        for q in health.queue_figures(now):
            depth.add_metric([q.name], q.depth)
            age.add_metric([q.name], q.oldest_age_seconds)
            dead.add_metric([q.name], q.dead)
            if q.name == "outbox":
                lag.add_metric([], q.oldest_age_seconds)
        yield from (depth, age, dead, lag)

    @staticmethod
    def _jobs():
        from . import health

        now = timezone.now()
        started = GaugeMetricFamily(
            "motcua_job_last_started_age_seconds",
            "Seconds since each periodic job last started.",
            labels=["job"],
        )
        finished = GaugeMetricFamily(
            "motcua_job_last_finished_age_seconds",
            "Seconds since each periodic job last finished.",
            labels=["job"],
        )
        failed = GaugeMetricFamily(
            "motcua_job_last_failed", "1 when the job's last run failed.", labels=["job"]
        )
        for state in health.job_states():
            if state.last_started:
                started.add_metric([state.name], (now - state.last_started).total_seconds())
            if state.last_finished:
                finished.add_metric([state.name], (now - state.last_finished).total_seconds())
            failed.add_metric([state.name], 1.0 if state.last_outcome == "failed" else 0.0)
        yield from (started, finished, failed)

    @staticmethod
    def _breakers():
        """Every configured service, and any other whose breaker has opened (webhook.<id>: its
        reset time is the webhooks' setting, 30 s by default), read from the shared cache."""
        from motcua.exchange.client import CircuitBreaker

        family = GaugeMetricFamily(
            "motcua_breaker_state",
            "Circuit breaker of each outside service (all processes): 0 closed, 1 half open, 2 open.",
            labels=["service"],
        )
        codes = {"closed": 0, "half_open": 1, "open": 2}
        services = getattr(settings, "MOTCUA_EXCHANGE_SERVICES", {})
        webhooks = getattr(settings, "MOTCUA_WEBHOOK_BREAKER_RESET_SECONDS", 30.0)
        try:
            names = sorted(set(services) | CircuitBreaker.known_services())
            for service in names:
                conf = services.get(service, {})
                reset = conf.get("breaker_reset_seconds", webhooks if service.startswith("webhook.") else 30)
                breaker = CircuitBreaker(service, conf.get("breaker_failures", 5), reset)
                family.add_metric([service], codes.get(breaker.state(), 2))
        except Exception as exc:  # Redis down, the cache table missing: say so, keep the scrape
            raise BreakerStoreError(str(exc)) from exc
        yield family


_DB_COLLECTOR = DatabaseCollector()


def registry():
    """The registry to expose: every worker's files in multiprocess mode, else this process's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        combined = CollectorRegistry()
        multiprocess.MultiProcessCollector(combined)
        combined.register(_DB_COLLECTOR)
        return combined
    return _SingleProcess()


class _SingleProcess:
    """The default registry plus the database gauges, without registering them globally twice."""

    def collect(self):
        yield from REGISTRY.collect()
        yield from _DB_COLLECTOR.collect()


def _allowed(request) -> bool:
    token = settings.MOTCUA_METRICS_TOKEN
    given = request.META.get("HTTP_AUTHORIZATION", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(given[7:].strip(), token):
        return True
    networks = settings.MOTCUA_METRICS_ALLOWED_IPS
    if networks:
        from .ratelimit import client_ip

        try:
            address = ipaddress.ip_address(client_ip(request))
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(net, strict=False) for net in networks)
    return False


def metrics_view(request):
    if not (settings.MOTCUA_METRICS_TOKEN or settings.MOTCUA_METRICS_ALLOWED_IPS):
        raise Http404
    if not _allowed(request):
        return HttpResponseForbidden("forbidden\n", content_type="text/plain")
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
