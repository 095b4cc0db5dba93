"""Fees and online payment (thanh toán trực tuyến): assessment, gateways, receipts, reconciliation."""

from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "motcua.payments"
    label = "payments"
    verbose_name = "Thanh toán phí, lệ phí"

    def ready(self):
        from motcua.core import events, jobs

        from . import gateways, services

        gateways.register_adapters()  # core.adapters: "payment_gateway"
        events.subscribe(services.on_event)
        # The safety nets behind the callbacks: ask the gateway about payments left pending, expire
        # old intents, refund money that arrived for a closed dossier, assess newly received dossiers.
        jobs.register("payments.assess", services.assess_waiting, 60)
        jobs.register("payments.resolve", lambda: services.resolve_all_pending(older_than_seconds=60), 60)
        jobs.register("payments.expire", services.expire_intents, 60)
        jobs.register("payments.refund", services.refund_closed_dossiers, 300)
