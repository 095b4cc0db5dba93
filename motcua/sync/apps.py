"""Sync with the national public-service portal (Cổng Dịch vụ công quốc gia) and webhooks (floor 5)."""

from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "motcua.sync"
    label = "sync"
    verbose_name = "Đồng bộ Cổng Dịch vụ công quốc gia"

    def ready(self):
        from django.conf import settings

        from motcua.core import events, jobs

        from . import catalog_sync, outbox, reconcile, webhooks

        events.subscribe(outbox.on_event)
        jobs.register("sync.deliver", outbox.deliver_due, settings.MOTCUA_SYNC_DELIVER_EVERY)
        jobs.register("sync.reconcile", reconcile.nightly, settings.MOTCUA_SYNC_RECONCILE_EVERY)
        catalog_sync.register()
        webhooks.register()
