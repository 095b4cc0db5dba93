"""Quản trị đơn vị hành chính và cơ quan.

Administrative units, the pre-2025 wards and the conversion table are the official lists that
`load_places` loads: read-only here. Agencies are the province's own organisation: an
administrator keeps their names, addresses and status here (the electronic code stays fixed).
"""

from django.contrib import admin
from django.db.models import Count

from motcua.audit.mixins import AuditedAdminMixin, ReadOnlyAdminMixin

from .models import AdminUnit, Agency, LegacyWard, WardConversion


@admin.register(AdminUnit)
class AdminUnitAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "codename"]
    list_select_related = ["parent"]
    fields = ["code", "name", "kind", "codename", "parent"]


class HasProceduresFilter(admin.SimpleListFilter):
    title = "có thủ tục"
    parameter_name = "co_thu_tuc"

    def lookups(self, request, model_admin):
        return [("1", "Có thủ tục"), ("0", "Chưa có thủ tục")]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(procedure_links__isnull=False).distinct()
        if self.value() == "0":
            return queryset.filter(procedure_links__isnull=True)
        return queryset


@admin.register(Agency)
class AgencyAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "short_name", "kind", "admin_unit", "is_active", "procedure_count"]
    list_filter = ["kind", "is_active", HasProceduresFilter]
    search_fields = ["code", "name", "short_name", "admin_unit__name"]
    list_select_related = ["admin_unit"]
    autocomplete_fields = ["admin_unit", "parent"]
    fields = [
        "code",
        "name",
        "short_name",
        "kind",
        "admin_unit",
        "parent",
        "address",
        "is_active",
        "ministry_groups",
        "match_names",
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(n_procedures=Count("procedure_links__procedure", distinct=True))
        )

    def get_readonly_fields(self, request, obj=None):
        # The electronic code is the prefix of every dossier code the agency issues: fixed once created.
        return ["code"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False  # agencies are deactivated (is_active), never deleted: dossiers point at them

    @admin.display(description="số thủ tục", ordering="n_procedures")
    def procedure_count(self, obj: Agency) -> int:
        return obj.n_procedures


@admin.register(LegacyWard)
class LegacyWardAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "district_name", "province_name"]
    list_filter = ["province_name"]
    search_fields = ["code", "name", "district_name", "province_name"]


@admin.register(WardConversion)
class WardConversionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["old_ward", "new_unit", "is_partly_merged"]
    list_filter = ["is_partly_merged"]
    search_fields = ["old_ward__code", "old_ward__name", "new_unit__code", "new_unit__name"]
    list_select_related = ["old_ward", "new_unit"]
