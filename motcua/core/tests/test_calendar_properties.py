"""Properties of the calendar maths, checked by hypothesis on the shipped data."""

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from motcua.core.calendar import get_calendar

from .conftest import shipped_calendar

CAL = shipped_calendar()
RECEPTION = shipped_calendar(counting="reception_day")
DATES = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
AMOUNTS = st.integers(min_value=0, max_value=400)
MOMENTS = st.builds(
    lambda d, minute: datetime.combine(d, time(0), tzinfo=CAL.tz) + timedelta(minutes=minute),
    DATES,
    st.integers(min_value=0, max_value=24 * 60 - 1),
)


def brute_force_between(a: date, b: date) -> int:
    return sum(CAL.is_working_day(a + timedelta(days=i)) for i in range(1, (b - a).days + 1))


@given(DATES, st.integers(min_value=1, max_value=400))
def test_add_working_days_lands_on_a_working_day(d, n):
    assert CAL.is_working_day(CAL.add_working_days(d, n))


@given(DATES, AMOUNTS, AMOUNTS)
def test_add_working_days_is_strictly_increasing_in_n(d, n1, n2):
    if n1 < n2:
        assert CAL.add_working_days(d, n1) < CAL.add_working_days(d, n2)


@given(DATES, AMOUNTS)
def test_working_days_between_inverts_add(d, n):
    assert CAL.working_days_between(d, CAL.add_working_days(d, n)) == n


@given(DATES, st.integers(min_value=-120, max_value=120))
def test_working_days_between_matches_a_day_by_day_count(a, span):
    b = a + timedelta(days=span)
    expected = brute_force_between(a, b) if span >= 0 else -brute_force_between(b, a)
    assert CAL.working_days_between(a, b) == expected


@given(
    MOMENTS, st.integers(min_value=1, max_value=60 * 8 * 30), st.integers(min_value=1, max_value=60 * 8 * 5)
)
def test_working_hours_add_up(dt, m1, m2):
    # Adding m1 then m2 minutes equals adding m1 + m2 (when m2 > 0; 0 would move a close to the next opening).
    once = CAL.add_working_hours(dt, (m1 + m2) / 60)
    twice = CAL.add_working_hours(CAL.add_working_hours(dt, m1 / 60), m2 / 60)
    assert abs(once - twice) < timedelta(seconds=1)


@given(MOMENTS, st.integers(min_value=1, max_value=60 * 8 * 30))
def test_working_hours_end_inside_office_hours(dt, minutes):
    end = CAL.add_working_hours(dt, minutes / 60)
    assert end > dt
    assert any(start < end <= stop for start, stop in CAL.office_intervals(end.date()))


@given(MOMENTS, st.integers(min_value=0, max_value=200), st.sampled_from(["working_days", "days"]))
@settings(max_examples=200)
def test_due_date_invariants(received, n, unit):
    for calendar in (CAL, RECEPTION):
        due = calendar.due_at(received, n, unit)
        assert calendar.is_working_day(due.due_date)
        assert due.due_at.time() == time(17)
        assert due.counting_start <= due.due_at
        assert due.due_at > received
    civil, reception = CAL.due_at(received, n, unit), RECEPTION.due_at(received, n, unit)
    # Counting the reception day as day 1 can only make the deadline earlier.
    assert reception.due_at <= civil.due_at
    if unit == "working_days":
        # Civil code: n working days after the effective receipt day, which is itself one
        # working day later when the receipt was moved.
        assert CAL.working_days_between(received.date(), civil.due_date) == n + civil.receipt_moved


@pytest.mark.django_db
def test_database_calendar_equals_the_shipped_files(calendar_db):
    day, end = date(2019, 12, 1), date(2031, 1, 31)
    db_calendar = get_calendar()
    while day <= end:
        assert db_calendar.is_working_day(day) == CAL.is_working_day(day), day
        day += timedelta(days=1)
