from django.contrib import admin

from .models import PullRun


@admin.register(PullRun)
class PullRunAdmin(admin.ModelAdmin):
    list_display = ("started_at", "adapter", "fetched", "created", "duplicates", "rejected")
    readonly_fields = [f.name for f in PullRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
