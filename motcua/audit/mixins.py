"""Admin mixins: read-only pages for imported data, and an audit entry for every admin change."""

from django.db import transaction
from django.db.models import Model, QuerySet

from . import services as audit


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

    `audit_values = False` records only the names of the changed fields (for personal data);
    `audit_reads = True` also records who opened an object's page (someone else's personal data).
    """

    audit_values = True
    audit_reads = False

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

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if self.audit_reads and request.method == "GET" and getattr(response, "context_data", None):
            # A list of accounts (names, ID numbers) is a read of each person shown, a search too.
            changelist = response.context_data.get("cl")
            shown = [str(obj.pk) for obj in changelist.result_list] if changelist else []
            audit.record(
                f"{self.model._meta.label_lower}.admin_list",
                actor=request.user,
                object_type=self.model._meta.label_lower,
                data={
                    "via": "admin",
                    "query": {key: request.GET.getlist(key) for key in request.GET},
                    "shown": shown,
                },
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if self.audit_reads and request.method == "GET":
            audit.record(
                f"{self.model._meta.label_lower}.admin_view",
                actor=request.user,
                object_type=self.model._meta.label_lower,
                object_id=str(object_id),
                data={"via": "admin"},
            )
        return super().change_view(request, object_id, form_url, extra_context)
