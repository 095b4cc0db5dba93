"""Data-subject requests and consent records in the admin: read-only (services are the only writers;
officers answer in the back office) and every read audited, since both hold someone's personal data."""

from django.contrib import admin
from django.utils import timezone

from motcua.audit.mixins import AuditedAdminMixin, ReadOnlyAdminMixin
from motcua.foryou.models import ConsentRecord

from .models import DataSubjectRequest


@admin.register(DataSubjectRequest)
class DataSubjectRequestAdmin(ReadOnlyAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    audit_reads = True
    list_display = ("code", "kind", "status", "received_at", "ack_due_at", "due_at", "overdue", "handled_by")
    list_filter = ("kind", "status", "extended")
    search_fields = ("=code", "=person_id")
    date_hierarchy = "received_at"
    list_per_page = 50

    @admin.display(boolean=True, description="quá hạn")
    def overdue(self, obj) -> bool:
        return obj.is_open and timezone.now() > obj.due_at


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    audit_reads = True
    list_display = ("at", "action", "scope", "purpose", "text_version", "channel")
    list_filter = ("action", "scope", "text_version", "channel")
    search_fields = ("=person_id",)
    date_hierarchy = "at"
    list_per_page = 50
