"""Deadline arithmetic for dossiers, on top of the legal calendar (core)."""

from decimal import Decimal

from django.conf import settings

from motcua.catalog.models import Channel as CatalogChannel
from motcua.catalog.models import TimeUnit
from motcua.core import calendar

from .models import Channel

SUPPORTED_UNITS = {TimeUnit.WORKING_DAYS, TimeUnit.DAYS, TimeUnit.WORKING_HOURS}
HOURS_PER_DAY = Decimal(8)


def catalog_channel(channel: str) -> str:
    return {
        Channel.NATIONAL_PORTAL: CatalogChannel.ONLINE,
        Channel.OWN_PORTAL: CatalogChannel.ONLINE,
        Channel.COUNTER: CatalogChannel.COUNTER,
        Channel.POST: CatalogChannel.POST,
    }[channel]


def legal_time(version, channel: str) -> tuple[Decimal | None, str]:
    """The processing time of the procedure version for this channel (or any parsed channel)."""
    methods = [m for m in version.methods.all() if m.time_unit in SUPPORTED_UNITS and m.time_amount]
    wanted = catalog_channel(channel)
    for method in sorted(methods, key=lambda m: m.channel != wanted):
        return method.time_amount, method.time_unit
    return None, ""


def legal_hours(amount: Decimal | None, unit: str) -> Decimal | None:
    """The legal time as working hours (1 working day = 8 working hours), for step shares."""
    if amount is None:
        return None
    if unit == TimeUnit.WORKING_HOURS:
        return Decimal(amount)
    return Decimal(amount) * HOURS_PER_DAY


def compute_due(received_at, amount, unit, procedure=None):
    """DueDate from core's calendar, or None when the catalogue has no usable legal time."""
    if amount is None or unit not in SUPPORTED_UNITS:
        return None
    return calendar.due_at(received_at, amount, unit, procedure)


def online_reply_due(submitted_at):
    """The 8-working-hour limit to answer an online dossier (NĐ 45/2020 Art 11)."""
    hours = getattr(settings, "MOTCUA_ONLINE_REPLY_HOURS", 8)
    return calendar.add_working_hours(submitted_at, hours)


def shift_by_pause(due_at, paused_at, resumed_at):
    """Move the appointment by the working time the dossier spent paused."""
    hours = calendar.get_calendar().working_hours_between(paused_at, resumed_at)
    if hours <= 0 or due_at is None:
        return due_at
    return calendar.add_working_hours(due_at, hours)
