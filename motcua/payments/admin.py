"""Administrators keep the fee lines and the reductions/exemptions; payments are read-only here."""

from django.contrib import admin

from .models import FeeLine, FeeRule, Payment, ReconciliationLine


@admin.register(FeeLine)
class FeeLineAdmin(admin.ModelAdmin):
    list_display = ("procedure", "name", "channel", "amount", "per", "valid_from", "valid_to")
    list_filter = ("kind", "channel", "per")
    search_fields = ("procedure__code", "procedure__name", "name", "legal_basis")
    raw_id_fields = ("procedure",)


@admin.register(FeeRule)
class FeeRuleAdmin(admin.ModelAdmin):
    list_display = (
        "kind",
        "percent",
        "applicant_group",
        "channel",
        "procedure",
        "fee_line",
        "valid_from",
        "valid_to",
    )
    list_filter = ("kind", "channel", "applicant_group")
    raw_id_fields = ("procedure", "fee_line")


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("receipt_number", "charge", "gateway", "amount", "paid_at", "refunded_at")
    list_filter = ("gateway",)
    search_fields = ("receipt_number", "external_ref", "charge__dossier__code")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReconciliationLine)
class ReconciliationLineAdmin(admin.ModelAdmin):
    list_display = (
        "day",
        "gateway",
        "agency",
        "reference",
        "group",
        "kind",
        "our_amount",
        "their_amount",
        "resolved_at",
    )
    list_filter = ("gateway", "kind", "day", "agency")
    readonly_fields = [f.name for f in ReconciliationLine._meta.fields]

    def has_add_permission(self, request):
        return False
