"""Targets in the admin: read-only. They are set on the monitoring page (giám sát → chỉ tiêu), where
`insights.targets.set_target` checks the version and writes the audit entry."""

from django.contrib import admin

from .models import Target


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = (
        "agency",
        "measure",
        "period_kind",
        "period_start",
        "value",
        "head",
        "set_by",
        "set_at",
        "version",
    )
    list_filter = ("measure", "period_kind", "period_start")
    search_fields = ("agency__code", "agency__name", "head__username")
    list_select_related = ("agency", "head", "set_by")
    date_hierarchy = "period_start"
    readonly_fields = [f.name for f in Target._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
