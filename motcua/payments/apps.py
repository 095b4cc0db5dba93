"""Fees and online payment (thanh toán trực tuyến): assessment, gateways, receipts, reconciliation."""

from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "motcua.payments"
    label = "payments"
    verbose_name = "Thanh toán phí, lệ phí"
