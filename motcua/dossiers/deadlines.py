"""Deadline arithmetic for dossiers, on top of the legal calendar (core)."""

from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from motcua.catalog import legaltimes
from motcua.catalog.models import Channel as CatalogChannel
from motcua.catalog.models import TimeUnit
from motcua.core import calendar

from .models import Channel

SUPPORTED_UNITS = legaltimes.SUPPORTED_UNITS
HOURS_PER_DAY = Decimal(8)


def catalog_channel(channel: str) -> str:
    return {
        Channel.NATIONAL_PORTAL: CatalogChannel.ONLINE,
        Channel.OWN_PORTAL: CatalogChannel.ONLINE,
        Channel.COUNTER: CatalogChannel.COUNTER,
        Channel.POST: CatalogChannel.POST,
    }[channel]


def legal_time(version, channel: str) -> tuple[Decimal | None, str]:
    """The legal time of the procedure version for this channel: the administrator-kept table, the
    record's printed time, or a bare number read by the written rule (catalog.legaltimes, ADR 0029).
    (None, "") when there is none: the dossier is flagged "Chưa có thời hạn luật định"."""
    resolved = legaltimes.resolve(version, catalog_channel(channel))
    return (resolved.amount, resolved.unit) if resolved.known else (None, "")


def legal_hours(amount: Decimal | None, unit: str) -> Decimal | None:
    """The legal time as working hours (1 working day = 8 working hours), for step shares."""
    if amount is None:
        return None
    if unit == legaltimes.SAME_DAY:
        return HOURS_PER_DAY  # the day of receipt
    if unit == TimeUnit.WORKING_HOURS:
        return Decimal(amount)
    return Decimal(amount) * HOURS_PER_DAY


def compute_due(received_at, amount, unit, procedure=None):
    """DueDate from core's calendar, or None when the catalogue has no usable legal time."""
    if amount is None or unit not in SUPPORTED_UNITS:
        return None
    # same_day (giải quyết trong ngày) is 0 working days in the calendar: after the cut-off, the next day
    return calendar.due_at(received_at, amount, unit, procedure)


def online_reply_due(submitted_at):
    """The 8-working-hour limit to answer an online dossier (NĐ 45/2020 Art 11)."""
    hours = getattr(settings, "MOTCUA_ONLINE_REPLY_HOURS", 8)
    return calendar.add_working_hours(submitted_at, hours)


def transfer_due(received_at):
    """When a received dossier must be with the handling department (NĐ 61/2018 Art 18).

    The same working day, or at the opening of the next working day when received after the
    transfer cut-off (`MOTCUA_TRANSFER_CUTOFF`, 15:00) or on a day off. Anchored at receipt: the
    transfer takes no share of the legal time, which counts from the next working day anyway.
    """
    cal = calendar.get_calendar()
    cutoff = calendar.parse_time(
        getattr(settings, "MOTCUA_TRANSFER_CUTOFF", "15:00"), "Giờ chốt chuyển hồ sơ"
    )
    day = cal.local_date(received_at)
    if cal.is_working_day(day) and timezone.localtime(received_at, cal.tz).time() <= cutoff:
        return cal.closing_time(day)
    return cal.office_intervals(cal.next_working_day(day))[0][0]


def shift_by_pause(due_at, paused_at, resumed_at):
    """Move the appointment by the working time the dossier spent paused."""
    hours = calendar.get_calendar().working_hours_between(paused_at, resumed_at)
    if hours <= 0 or due_at is None:
        return due_at
    return calendar.add_working_hours(due_at, hours)
