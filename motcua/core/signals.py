"""Receivers of the core app's own model signals, connected in `CoreConfig.ready`.

Kept out of `models.py` so that the models do not import the calendar, which reads them
(no import loop between `core.models` and `core.calendar`)."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .calendar import invalidate_cache
from .models import CalendarDay


@receiver([post_save, post_delete], sender=CalendarDay, dispatch_uid="core.calendar_day_changed")
def _calendar_day_changed(sender, using=None, **kwargs) -> None:
    """An admin edit must change the next deadline at once, in this process."""
    invalidate_cache()
    # Also after commit: a deadline computed inside the same transaction cached the
    # uncommitted row; other processes notice through the version stamp.
    transaction.on_commit(invalidate_cache, using=using)
