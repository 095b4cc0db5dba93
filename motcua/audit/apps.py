"""Append-only audit log in keyed hash chains, anchored outside the database (floor 1, ADR 0038)."""

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "motcua.audit"
    label = "audit"
    verbose_name = "Nhật ký kiểm toán"

    def ready(self):
        from motcua.core import jobs

        from . import conf, services

        # The chain heads leave the database every few minutes, signed and time-stamped.
        jobs.register("audit.anchor", services.anchor, conf.anchor_every())
        jobs.register("audit.purge", services.purge_job, 24 * 3600)
