"""Fixtures for the core tests: the REAL shipped calendar, loaded the way production loads it."""

from datetime import datetime

import pytest
from django.utils import timezone

from motcua.core.calendar import LegalCalendar, get_calendar, invalidate_cache
from motcua.core.calendar_seed import load_seed, read_seed

OFFICE_HOURS = [("07:30", "11:30"), ("13:00", "17:00")]


def local(*args) -> datetime:
    """An aware Vietnam-time datetime: local(2026, 3, 2, 10) = 10:00 ICT."""
    return timezone.make_aware(datetime(*args))


def shipped_calendar(**kwargs) -> LegalCalendar:
    """The shipped CSVs as a database-free calendar (for property tests)."""
    seed = read_seed()
    options = {"office_hours": OFFICE_HOURS, "cutoff": "15:00", "counting": "civil_code", **kwargs}
    return LegalCalendar({d.date: d.kind for d in seed}, **options)


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    # pytest-django rolls back each test's rows; the per-process cache must not outlive them.
    invalidate_cache()
    yield
    invalidate_cache()


@pytest.fixture
def domain_settings(settings):
    """The documented defaults, whatever the environment says."""
    settings.MOTCUA_OFFICE_HOURS = OFFICE_HOURS
    settings.MOTCUA_RECEPTION_CUTOFF = "15:00"
    settings.MOTCUA_DAY_COUNTING = "civil_code"
    settings.MOTCUA_SYSTEM_OWNER_CODE = "01"
    return settings


@pytest.fixture
def calendar_db(db, domain_settings):
    """CalendarDay filled from data/calendar/ (idempotent: the session may have loaded it)."""
    load_seed(read_seed())
    return get_calendar()
