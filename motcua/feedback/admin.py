"""Read-only admin for ratings and feedback cases: they change only through the services."""

from django.contrib import admin

from motcua.audit.mixins import AuditedAdminMixin, ReadOnlyAdminMixin

from .models import FeedbackCase, Rating


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("dossier", "level", "created_at")
    list_filter = ("level",)
    search_fields = ("dossier__code",)
    raw_id_fields = ("dossier", "rater")
    audit_reads = True


@admin.register(FeedbackCase)
class FeedbackCaseAdmin(ReadOnlyAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("code", "agency", "status", "opened_at", "answer_due_at", "answered_at", "reaction")
    list_filter = ("status", "reaction", "repeated")
    search_fields = ("code", "dossier__code", "subject")
    raw_id_fields = ("dossier", "rating", "submitter", "handled_by", "agency")
    audit_reads = True
