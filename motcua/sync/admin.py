from django.contrib import admin

from .models import OutboxMessage, PullRun


@admin.register(PullRun)
class PullRunAdmin(admin.ModelAdmin):
    list_display = ("started_at", "adapter", "fetched", "created", "duplicates", "rejected")
    readonly_fields = [f.name for f in PullRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "dossier_code", "topic", "state", "attempts", "next_try_at", "sent_at")
    list_filter = ("state", "topic")
    search_fields = ("dossier_code",)
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["replay_selected"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Gửi lại các tin lỗi đã chọn")
    def replay_selected(self, request, queryset):
        from .outbox import replay

        count = replay(list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"Đã đưa {count} tin lỗi trở lại hàng đợi.")
