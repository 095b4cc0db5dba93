from django import forms
from django.contrib import admin, messages

from . import webhooks
from .models import OutboxMessage, PullRun, WebhookDelivery, WebhookSubscription


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


# --- webhooks (ADR 0020) ---------------------------------------------------------------------------


class WebhookSubscriptionForm(forms.ModelForm):
    url = forms.URLField(label="Địa chỉ nhận (URL)", max_length=500, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        label="Sự kiện nhận",
        choices=webhooks.event_types,
        widget=forms.CheckboxSelectMultiple,
        help_text="Chỉ chọn các sự kiện hệ thống nhận thực sự cần.",
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "event_types", "agencies", "active"]

    def clean_url(self):
        return webhooks.check_target_url(self.cleaned_data["url"])


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ("name", "url", "active", "created_at", "secret_rotated_at")
    list_filter = ("active",)
    search_fields = ("name", "url")
    filter_horizontal = ("agencies",)
    readonly_fields = ("secret_hint", "created_at", "secret_rotated_at")
    actions = ["rotate_secrets", "send_test_ping"]

    @admin.display(description="khóa bí mật")
    def secret_hint(self, obj):
        # The whole secret is shown once, when created or rotated; afterwards only its end.
        return webhooks.secret_hint(obj.secret) if obj and obj.pk else "(tạo khi lưu, hiện một lần)"

    def save_model(self, request, obj, form, change):
        secret = webhooks.save_subscription(obj, actor=request.user)
        if secret:
            self.message_user(
                request,
                f"Khóa bí mật của «{obj.name}» (chỉ hiện một lần, hãy lưu lại ngay): {secret}",
                messages.WARNING,
            )

    @admin.action(description="Đổi khóa bí mật (hiện khóa mới một lần)")
    def rotate_secrets(self, request, queryset):
        for subscription in queryset:
            secret = webhooks.rotate_secret(subscription, actor=request.user)
            self.message_user(
                request, f"Khóa bí mật mới của «{subscription.name}»: {secret}", messages.WARNING
            )

    @admin.action(description="Gửi thử một sự kiện webhook.test")
    def send_test_ping(self, request, queryset):
        for subscription in queryset:
            delivery = webhooks.send_test(subscription)
            if delivery.state == WebhookDelivery.State.SENT:
                self.message_user(request, f"«{subscription.name}»: đã nhận (HTTP {delivery.last_status}).")
            else:
                self.message_user(request, f"«{subscription.name}»: {delivery.last_error}", messages.ERROR)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "subscription",
        "topic",
        "dossier_code",
        "state",
        "attempts",
        "last_status",
        "sent_at",
    )
    list_filter = ("state", "topic", "subscription")
    search_fields = ("dossier_code", "event_id")
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = ["replay_selected"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Gửi lại các tin webhook lỗi đã chọn")
    def replay_selected(self, request, queryset):
        count = webhooks.replay(list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"Đã đưa {count} tin webhook lỗi trở lại hàng đợi.")
