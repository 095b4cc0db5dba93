"""Audit what administrators do in the Django admin."""

from .services import record


class AuditedAdminMixin:
    """Every add, change and delete through the admin writes an audit entry in the same transaction.

    With `audit_reads = True` (personal data), opening an object's page is recorded too.
    """

    audit_reads = False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        record(
            "admin.change" if change else "admin.add",
            actor=request.user,
            obj=obj,
            data={"fields": sorted(form.changed_data)},
        )

    def delete_model(self, request, obj):
        record("admin.delete", actor=request.user, obj=obj, data={"repr": str(obj)[:200]})
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            record("admin.delete", actor=request.user, obj=obj, data={"repr": str(obj)[:200]})
        super().delete_queryset(request, queryset)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if self.audit_reads and request.method == "GET":
            record(
                "personal_data.view",
                actor=request.user,
                object_type=self.model._meta.label_lower,
                object_id=str(object_id),
                data={"via": "admin"},
            )
        return super().change_view(request, object_id, form_url, extra_context)
