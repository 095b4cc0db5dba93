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
    search_fields = ("=code",)
    date_hierarchy = "received_at"
    list_per_page = 50

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():  # a whole ID number, through its blind index (ADR 0048)
            found |= queryset.filter(person_id=search_term.strip())
        return found, may_have_duplicates

    @admin.display(boolean=True, description="quá hạn")
    def overdue(self, obj) -> bool:
        return obj.is_open and timezone.now() > obj.due_at


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    audit_reads = True
    list_display = ("at", "action", "scope", "purpose", "text_version", "channel")
    list_filter = ("action", "scope", "text_version", "channel")
    search_fields = ("=person_id",)  # shows the box; the search itself is below
    date_hierarchy = "at"
    list_per_page = 50

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = queryset, False
        if search_term.strip():  # a whole ID number, through its blind index (ADR 0048)
            found = queryset.filter(person_id=search_term.strip())
        return found, may_have_duplicates
