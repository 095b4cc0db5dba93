"""Quản trị người dùng và vai trò cán bộ.

Personal data: changes are audited by field name only (never the values), and the list shows no
more than an officer needs to find an account.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from motcua.audit.mixins import AuditedAdminMixin

from .models import OfficerRole, User


class UserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ["username", "kind", "full_name"]


class UserEditForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


class OfficerRoleInline(admin.TabularInline):
    model = OfficerRole
    extra = 0
    autocomplete_fields = ["agency"]
    verbose_name = "vai trò tại cơ quan"
    verbose_name_plural = "vai trò tại các cơ quan"


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    audit_values = False
    audit_reads = True  # an administrator opening someone's account reads their personal data
    form = UserEditForm
    add_form = UserCreationForm
    list_display = ["username", "full_name", "kind", "email", "is_staff", "is_active"]
    list_filter = ["kind", "is_staff", "is_superuser", "is_active", "groups"]
    # The phone, the name and the ID number are encrypted at rest (ADR 0040, 0048): the search finds
    # a username or an e-mail by a part of it, and a whole ID number through its blind index.
    search_fields = ["username", "email"]
    ordering = ["username"]
    inlines = [OfficerRoleInline]

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():  # a whole ID number, through its blind index
            found |= queryset.filter(personal_id_index=search_term.strip())
        return found, may_have_duplicates

    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (
            "Thông tin cá nhân",
            {"fields": ["kind", "full_name", "personal_id", "phone", "email", "first_name", "last_name"]},
        ),
        (
            "Quyền hạn",
            {
                "fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"],
                "classes": ["collapse"],
            },
        ),
        ("Thời điểm", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "kind", "full_name", "usable_password", "password1", "password2"],
            },
        ),
    ]
    readonly_fields = ["last_login", "date_joined"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Role changes are part of the same audited change of the user.
        from motcua.audit import services as audit

        for formset in formsets:
            if formset.model is OfficerRole and formset.has_changed():
                audit.record(
                    "people.officerrole.admin_change",
                    actor=request.user,
                    obj=form.instance,
                    data={
                        "roles": [
                            f"{r.get_role_display()} — {r.agency}"
                            for r in form.instance.roles.select_related("agency")
                        ]
                    },
                )


@admin.register(OfficerRole)
class OfficerRoleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "role", "agency"]
    list_filter = ["role", "agency__kind"]
    search_fields = ["user__username", "agency__name", "agency__code"]
    list_select_related = ["user", "agency"]
    autocomplete_fields = ["user", "agency"]
