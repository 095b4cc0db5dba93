"""Working-day calendar, Vietnamese text folding and dossier codes (floor 1)."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "motcua.core"
    label = "core"
    verbose_name = "Lõi"

    def ready(self):
        from . import (
            checks,  # noqa: F401 — registers the production checks
            encrypted_storage,
            events,
            metrics,
            signals,  # noqa: F401 — connects the calendar-cache receiver
            signing,
        )

        events.subscribe(metrics.on_event)  # the transitions counter of /metrics
        signing.register_adapters()  # core.adapters families "signer" and "storage"
        encrypted_storage.register_adapters()
