"""Accountability figures: the QĐ 766 index, the QĐ 1565 criteria, reports and open data (floor 5)."""

from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "motcua.insights"
    label = "insights"
    verbose_name = "Chỉ số phục vụ người dân, doanh nghiệp"
