"""Accountability figures: the QĐ 766 index, the QĐ 1565 criteria, reports and open data (floor 5)."""

from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "motcua.insights"
    label = "insights"
    verbose_name = "Chỉ số phục vụ người dân, doanh nghiệp"

    def ready(self):
        # The index in real time: event subscriber, save hooks and the worker job (ADR 0022).
        from . import realtime

        realtime.connect()
