"""Data exchange with outside systems: one HTTP client layer and its message log (floor 1)."""

from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "motcua.exchange"
    label = "exchange"
    verbose_name = "Trao đổi dữ liệu với hệ thống ngoài"
