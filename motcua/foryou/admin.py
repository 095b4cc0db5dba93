"""Administrators keep the trigger kinds (data). Suggestions, traces and consents hold personal data:
they are read through the audited screens and measures, not the admin."""

from django.contrib import admin

from .models import TriggerKind


@admin.register(TriggerKind)
class TriggerKindAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "source", "level", "lead_days", "version", "active")
    list_filter = ("source", "level", "active")
