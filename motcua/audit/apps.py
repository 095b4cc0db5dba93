"""Append-only, hash-chained audit log (floor 1)."""

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "motcua.audit"
    label = "audit"
    verbose_name = "Nhật ký kiểm toán"
