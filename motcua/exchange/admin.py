"""The message log in the admin: read-only; every list, search and page view is audited because the
rows carry other people's personal data. Officers need the `exchange.view_messagelog` permission."""

from django.contrib import admin

from motcua.audit.mixins import AuditedAdminMixin, ReadOnlyAdminMixin

from .models import MessageLog


@admin.register(MessageLog)
class MessageLogAdmin(ReadOnlyAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    audit_reads = True
    list_display = (
        "created_at",
        "service",
        "method",
        "response_status",
        "outcome",
        "attempt",
        "duration_ms",
        "correlation_id",
    )
    list_filter = ("service", "outcome", "created_at")
    search_fields = ("=correlation_id", "url")
    date_hierarchy = "created_at"
    list_per_page = 50
    show_full_result_count = False
