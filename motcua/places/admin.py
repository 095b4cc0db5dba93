"""Quản trị đơn vị hành chính và cơ quan.

Administrative units, the pre-2025 wards and the conversion table are the official lists that
`load_places` loads: read-only here. Agencies are the province's own organisation: an
administrator keeps their names, addresses and status here (the electronic code stays fixed).
"""

from django.contrib import admin
from django.db import transaction
from django.db.models import Count, Model, QuerySet

from motcua.audit import services as audit

from .models import AdminUnit, Agency, LegacyWard, WardConversion


def _plain(value):
    """A value the audit log can store as JSON: a related object by its primary key."""
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, QuerySet):
        return [item.pk for item in value]
    return value


class ReadOnlyAdminMixin:
    """View-only pages: the data comes from an import, an edit here would be overwritten or lost."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedAdminMixin:
    """Every change made through the admin writes an audit entry in the same transaction.

    `audit_values = False` records only the names of the changed fields (for personal data).
    """

    audit_values = True

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            changed = list(form.changed_data)
            if self.audit_values:
                data = {
                    "changed": {
                        name: [_plain(form.initial.get(name)), _plain(form.cleaned_data.get(name))]
                        for name in changed
                        if name in form.cleaned_data
                    }
                }
            else:
                data = {"fields": changed}
            action = f"{obj._meta.label_lower}.admin_{'change' if change else 'add'}"
            audit.record(action, actor=request.user, obj=obj, data=data)

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit.record(
                f"{obj._meta.label_lower}.admin_delete", actor=request.user, obj=obj, data={"repr": str(obj)}
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                audit.record(
                    f"{obj._meta.label_lower}.admin_delete",
                    actor=request.user,
                    obj=obj,
                    data={"repr": str(obj)},
                )
            super().delete_queryset(request, queryset)


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
