from django.contrib import admin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is written by services only."""

    list_display = ["sequence", "at", "actor", "action", "object_type", "object_id", "shard"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor", "object_id", "action"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
