"""API clients in the admin: see, bind to agencies, change scopes, deactivate.

New clients are created with `motcua api client create` (it prints the secret once); the admin
never shows or accepts a secret.
"""

from django.contrib import admin, messages

from . import services
from .models import SCOPES, AccessToken, ApiClient


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ["name", "client_id", "scope_list", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "client_id"]
    filter_horizontal = ["agencies"]
    readonly_fields = ["client_id", "created_at", "created_by"]
    fields = ["name", "client_id", "agencies", "scopes", "is_active", "created_at", "created_by"]
    actions = ["deactivate"]

    def has_add_permission(self, request):
        return False  # `motcua api client create`: the secret must be shown once, to the operator

    @admin.display(description="phạm vi quyền")
    def scope_list(self, obj):
        return " ".join(s for s in obj.scopes if s in SCOPES)

    @admin.action(description="Khóa hệ thống và thu hồi mã truy cập")
    def deactivate(self, request, queryset):
        for client in queryset:
            services.deactivate_client(client.client_id, by=request.user.get_username())
        messages.success(request, f"Đã khóa {queryset.count()} hệ thống kết nối.")


@admin.register(AccessToken)
class AccessTokenAdmin(admin.ModelAdmin):
    list_display = ["client", "issued_at", "expires_at", "revoked_at"]
    list_filter = ["client"]
    readonly_fields = ["client", "scopes", "issued_at", "expires_at", "revoked_at"]
    exclude = ["token_sha256"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
