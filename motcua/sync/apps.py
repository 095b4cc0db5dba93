"""Sync with the national public-service portal (Cổng Dịch vụ công quốc gia) and webhooks (floor 5)."""

from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "motcua.sync"
    label = "sync"
    verbose_name = "Đồng bộ Cổng Dịch vụ công quốc gia"
