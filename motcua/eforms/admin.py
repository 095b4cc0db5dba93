from django.contrib import admin

from motcua.audit.mixins import AuditedAdminMixin

from .models import Draft, FormDefinition


@admin.register(FormDefinition)
class FormDefinitionAdmin(admin.ModelAdmin):
    list_display = ("procedure", "title", "version", "is_current", "essential", "loaded_at")
    list_filter = ("is_current", "essential")
    readonly_fields = [f.name for f in FormDefinition._meta.fields]

    def has_add_permission(self, request):  # definitions come from data/forms via load_forms
        return False


@admin.register(Draft)
class DraftAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_values = False  # answers are personal data: record which fields, never their values
    audit_reads = True

    list_display = (
        "id",
        "definition",
        "state",
        "updated_at",
        "fields_typed",
        "fields_prefilled",
        "seconds_from_open",
    )
    list_filter = ("state",)
    # Answers are personal data: the admin lists measurements only.
    fields = (
        "definition",
        "state",
        "opened_at",
        "updated_at",
        "submitted_at",
        "abandoned_at",
        "dossier",
        "seconds_from_sign_in",
        "seconds_from_open",
        "fields_prefilled",
        "fields_typed",
        "pages_count",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False
