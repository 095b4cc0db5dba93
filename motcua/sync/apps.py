"""Sync with the national public-service portal (Cổng Dịch vụ công quốc gia) and webhooks (floor 5)."""

from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "motcua.sync"
    label = "sync"
    verbose_name = "Đồng bộ Cổng Dịch vụ công quốc gia"

    def ready(self):
        from django.conf import settings

        from motcua.core import events, jobs

        from . import catalog_sync, inbound, outbox, portal, reconcile, tasks, webhooks

        portal.register_adapters()  # core.adapters: "national_portal"
        events.subscribe(outbox.on_event)
        # Scheduled tasks (ADR 0041): the outbox drains, the nightly reconciliation, the inbound pull.
        jobs.register("sync.deliver", tasks.deliver_job, settings.MOTCUA_SYNC_DELIVER_EVERY)
        jobs.register("sync.reconcile", reconcile.nightly, at=settings.MOTCUA_SYNC_RECONCILE_AT)
        if inbound.pull_every():
            jobs.register("sync.pull", inbound.pull_job, inbound.pull_every())
        catalog_sync.register()
        webhooks.register()
