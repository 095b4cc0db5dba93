"""Due dates on the REAL shipped calendar (data/calendar/), case by case."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from motcua.core import calendar as cal
from motcua.core.calendar import LegalCalendar
from motcua.core.models import CalendarDay

from .conftest import local

pytestmark = pytest.mark.django_db


# --- holidays of the shipped data -------------------------------------------------------------


def test_tet_2027_is_seven_days_off(calendar_db):
    tet = [date(2027, 2, 4) + timedelta(days=i) for i in range(7)]
    assert not any(calendar_db.is_working_day(d) for d in tet)
    assert calendar_db.is_working_day(date(2027, 2, 3))
    assert calendar_db.next_working_day(date(2027, 2, 3)) == date(2027, 2, 11)


def test_tet_2027_three_working_days_civil_code(calendar_db):
    due = calendar_db.due_at(local(2027, 2, 3, 10), 3, "working_days")
    # Day 1 is the first working day after Wed 03/02: Thu 11/02; then Fri 12/02, Mon 15/02.
    assert due.due_at == local(2027, 2, 15, 17)
    assert due.counting_start == local(2027, 2, 11, 7, 30)
    assert not due.receipt_moved
    assert [d for d, _ in due.non_working_days][:7] == [
        date(2027, 2, 4) + timedelta(days=i) for i in range(7)
    ]
    assert "Tết" in due.explanation and "15/02/2027" in due.explanation


def test_tet_2027_three_working_days_reception_day(calendar_db):
    due = calendar_db.due_at(local(2027, 2, 3, 10), 3, "working_days", counting="reception_day")
    assert due.due_at == local(2027, 2, 12, 17)  # Wed 03/02 is day 1, Thu 11/02, Fri 12/02
    assert due.counting_start == local(2027, 2, 3, 10)


def test_gio_to_2026_sunday_gives_monday_off(calendar_db):
    assert not calendar_db.is_working_day(date(2026, 4, 26))  # Sunday, Giỗ Tổ
    assert not calendar_db.is_working_day(date(2026, 4, 27))  # Monday, nghỉ bù
    assert calendar_db.is_working_day(date(2026, 4, 28))
    # Received Fri 24/04: Mon 27 off, so Tue 28 is day 1 and Wed 29 day 2.
    assert calendar_db.due_at(local(2026, 4, 24, 10), 2, "working_days").due_date == date(2026, 4, 29)
    # A third day jumps 30/04 and 01/05 and the weekend.
    assert calendar_db.due_at(local(2026, 4, 24, 10), 3, "working_days").due_date == date(2026, 5, 4)


def test_gio_to_2027_friday(calendar_db):
    assert not calendar_db.is_working_day(date(2027, 4, 16))
    assert calendar_db.due_at(local(2027, 4, 15, 10), 1, "working_days").due_date == date(2027, 4, 19)


def test_30_4_and_1_5_2027_with_compensatory_monday(calendar_db):
    assert not calendar_db.is_working_day(date(2027, 4, 30))  # Friday
    assert not calendar_db.is_working_day(date(2027, 5, 3))  # Monday, nghỉ bù for Sat 01/05
    due = calendar_db.due_at(local(2027, 4, 29, 10), 1, "working_days")
    assert due.due_date == date(2027, 5, 4)
    assert calendar_db.working_days_between(date(2027, 4, 29), date(2027, 5, 4)) == 1


def test_national_day_2026_swap(calendar_db):
    assert calendar_db.is_working_day(date(2026, 8, 22))  # Saturday worked
    assert not calendar_db.is_working_day(date(2026, 8, 31))  # Monday given off
    assert not calendar_db.is_working_day(date(2026, 9, 1))
    assert not calendar_db.is_working_day(date(2026, 9, 2))
    # Fri 21/08: the next working day is the make-up Saturday.
    due = calendar_db.due_at(local(2026, 8, 21, 10), 1, "working_days")
    assert due.due_at == local(2026, 8, 22, 17)
    assert [d for d, _ in due.makeup_days] == [date(2026, 8, 22)]
    # Fri 28/08: Mon 31/08, Tue 01/09 and Wed 02/09 are all off.
    assert calendar_db.due_at(local(2026, 8, 28, 10), 1, "working_days").due_date == date(2026, 9, 3)


def test_national_day_2026_working_days_between(calendar_db):
    # (21/08, 04/09]: Sat 22, Mon 24 … Fri 28 (5), Thu 03, Fri 04 = 8 working days.
    assert calendar_db.working_days_between(date(2026, 8, 21), date(2026, 9, 4)) == 8
    assert calendar_db.working_days_between(date(2026, 9, 4), date(2026, 8, 21)) == -8


# --- reception rules ---------------------------------------------------------------------------


def test_receipt_after_cutoff_counts_from_next_working_day(calendar_db):
    due = calendar_db.due_at(local(2026, 3, 2, 15, 30), 1, "working_days")
    assert due.receipt_moved
    assert due.counting_start == local(2026, 3, 4, 7, 30)  # effective receipt Tue 03, day 1 Wed 04
    assert due.due_at == local(2026, 3, 4, 17)
    assert "giờ chốt 15:00" in due.explanation


def test_receipt_at_cutoff_is_still_today(calendar_db):
    due = calendar_db.due_at(local(2026, 3, 2, 15, 0), 1, "working_days")
    assert not due.receipt_moved
    assert due.due_date == date(2026, 3, 3)


def test_procedure_cutoff_overrides_default(calendar_db):
    late = local(2026, 3, 2, 15, 30)
    assert cal.due_at(late, 1, "working_days").due_date == date(2026, 3, 4)
    assert cal.due_at(late, 1, "working_days", SimpleNamespace(reception_cutoff=time(16))).due_date == date(
        2026, 3, 3
    )
    # None, or a catalog object without the attribute yet, means the province default.
    assert cal.due_at(late, 1, "working_days", SimpleNamespace(reception_cutoff=None)).due_date == date(
        2026, 3, 4
    )
    assert cal.due_at(late, 1, "working_days", object()).due_date == date(2026, 3, 4)
    assert calendar_db.due_at(late, 1, "working_days", cutoff="16:00").due_date == date(2026, 3, 3)


def test_cutoff_from_settings(calendar_db, settings):
    settings.MOTCUA_RECEPTION_CUTOFF = "16:30"
    assert cal.due_at(local(2026, 3, 2, 16), 1, "working_days").due_date == date(2026, 3, 3)


def test_receipt_on_saturday(calendar_db):
    due = calendar_db.due_at(local(2026, 3, 7, 9), 1, "working_days")
    assert due.receipt_moved
    assert due.due_at == local(2026, 3, 10, 17)  # effective Mon 09, day 1 Tue 10
    assert "ngày nghỉ" in due.explanation
    due = calendar_db.due_at(local(2026, 3, 7, 9), 1, "working_days", counting="reception_day")
    assert due.due_at == local(2026, 3, 9, 17)
    assert due.counting_start == local(2026, 3, 9, 7, 30)


def test_receipt_on_holiday(calendar_db):
    due = calendar_db.due_at(local(2026, 9, 2, 9), 2, "working_days")
    assert due.due_date == date(2026, 9, 7)  # effective Thu 03/09, day 1 Fri 04, day 2 Mon 07
    assert "Quốc khánh" in due.explanation


def test_counting_convention_from_settings(calendar_db, settings):
    received = local(2026, 3, 2, 10)
    assert cal.due_at(received, 5, "working_days").due_date == date(2026, 3, 9)
    settings.MOTCUA_DAY_COUNTING = "reception_day"
    assert cal.due_at(received, 5, "working_days").due_date == date(2026, 3, 6)
    assert cal.due_at(received, 5, "working_days", counting="civil_code").due_date == date(2026, 3, 9)


def test_zero_working_days_is_same_day(calendar_db):
    assert calendar_db.due_at(local(2026, 3, 2, 10), 0, "working_days").due_at == local(2026, 3, 2, 17)
    assert calendar_db.due_at(local(2026, 3, 2, 16), 0, "working_days").due_at == local(2026, 3, 3, 17)


def test_decimal_amount_from_the_catalog(calendar_db):
    assert calendar_db.due_at(local(2026, 3, 2, 10), Decimal("5.00"), "working_days").due_date == date(
        2026, 3, 9
    )


# --- calendar days (BLDS) ---------------------------------------------------------------------


def test_calendar_days_ending_on_weekend_move_to_next_working_day(calendar_db):
    due = calendar_db.due_at(local(2026, 3, 2, 10), 5, "days")
    # Day 1 Tue 03/03, day 5 Sat 07/03: not a working day, so the end of Mon 09/03.
    assert due.due_at == local(2026, 3, 9, 17)
    assert due.counting_start == local(2026, 3, 3, 0)
    assert "Điều 148" in due.explanation
    assert calendar_db.due_at(local(2026, 3, 2, 10), 4, "days").due_at == local(2026, 3, 6, 17)


def test_calendar_days_reception_day(calendar_db):
    # 02/03 is day 1, so day 6 is Sat 07/03 → Mon 09/03; day 5 is Fri 06/03.
    assert calendar_db.due_at(local(2026, 3, 2, 10), 6, "days", counting="reception_day").due_date == date(
        2026, 3, 9
    )
    assert calendar_db.due_at(local(2026, 3, 2, 10), 5, "days", counting="reception_day").due_date == date(
        2026, 3, 6
    )


def test_calendar_days_ending_in_tet(calendar_db):
    # 10 days from Mon 25/01/2027: day 10 is Thu 04/02 (29 Tết): the next working day is Thu 11/02.
    assert calendar_db.due_at(local(2027, 1, 25, 9), 10, "days").due_date == date(2027, 2, 11)


# --- working hours -----------------------------------------------------------------------------


def test_eight_working_hours_across_holiday_and_weekend(calendar_db):
    # Wed 29/04 16:00–17:00 (1 h); 30/04, 01/05, weekend off; Mon 04/05 07:30–11:30 (4 h), 13:00–16:00 (3 h).
    assert calendar_db.add_working_hours(local(2026, 4, 29, 16), 8) == local(2026, 5, 4, 16)
    due = calendar_db.due_at(local(2026, 4, 29, 16), 8, "working_hours")
    assert due.due_at == local(2026, 5, 4, 16)
    assert due.counting_start == local(2026, 4, 29, 16)
    assert due.counting is None


def test_working_hours_across_lunch(calendar_db):
    assert calendar_db.add_working_hours(local(2026, 3, 2, 10), 4) == local(2026, 3, 2, 15, 30)
    assert calendar_db.add_working_hours(local(2026, 3, 2, 11, 15), 0.5) == local(2026, 3, 2, 13, 15)
    assert calendar_db.add_working_hours(local(2026, 3, 2, 12), Decimal("1.25")) == local(2026, 3, 2, 14, 15)


def test_working_hours_start_at_next_opening(calendar_db):
    assert calendar_db.next_office_open(local(2026, 3, 2, 6)) == local(2026, 3, 2, 7, 30)
    assert calendar_db.next_office_open(local(2026, 3, 2, 12)) == local(2026, 3, 2, 13)
    assert calendar_db.next_office_open(local(2026, 3, 2, 17)) == local(2026, 3, 3, 7, 30)
    assert calendar_db.next_office_open(local(2026, 3, 6, 18)) == local(2026, 3, 9, 7, 30)
    assert calendar_db.add_working_hours(local(2026, 3, 7, 9), 2) == local(2026, 3, 9, 9, 30)  # Saturday
    # The cut-off does not apply to hours: 16:00 still counts one hour today.
    assert calendar_db.due_at(local(2026, 3, 2, 16), 2, "working_hours").due_at == local(2026, 3, 3, 8, 30)


def test_working_hours_ending_at_close_stay_on_that_day(calendar_db):
    assert calendar_db.add_working_hours(local(2026, 3, 2, 7, 30), 8) == local(2026, 3, 2, 17)
    assert calendar_db.add_working_hours(local(2026, 3, 2, 7, 30), 4) == local(2026, 3, 2, 11, 30)
    assert calendar_db.add_working_hours(local(2026, 3, 2, 7, 30), 0) == local(2026, 3, 2, 7, 30)


def test_working_hours_on_make_up_saturday(calendar_db):
    assert calendar_db.add_working_hours(local(2026, 8, 21, 16), 2) == local(2026, 8, 22, 8, 30)


def test_office_intervals(calendar_db):
    assert calendar_db.office_intervals(date(2026, 3, 2)) == [
        (local(2026, 3, 2, 7, 30), local(2026, 3, 2, 11, 30)),
        (local(2026, 3, 2, 13), local(2026, 3, 2, 17)),
    ]
    assert calendar_db.office_intervals(date(2026, 9, 2)) == []


def test_aware_input_in_another_zone_is_converted(calendar_db):
    from datetime import UTC

    # 03:00 UTC = 10:00 in Vietnam.
    due = calendar_db.due_at(datetime(2026, 3, 2, 3, tzinfo=UTC), 5, "working_days")
    assert due.due_date == date(2026, 3, 9)
    assert due.received_at == local(2026, 3, 2, 10)


def test_module_level_helpers(calendar_db):
    assert cal.add_working_days(date(2027, 2, 3), 1) == date(2027, 2, 11)
    assert cal.add_working_hours(local(2026, 4, 29, 16), 8) == local(2026, 5, 4, 16)
    assert cal.is_working_day(date(2026, 8, 22))


def test_uncovered_year_is_flagged(calendar_db):
    due = calendar_db.due_at(local(2031, 3, 3, 10), 5, "working_days")
    assert due.uncovered_years == (2031,)
    assert "2031" in due.explanation
    assert calendar_db.due_at(local(2026, 3, 2, 10), 5, "working_days").uncovered_years == ()


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "unit", "message"),
    [
        (-1, "working_days", "không được âm"),
        (-0.5, "working_hours", "không được âm"),
        (2.5, "working_days", "số nguyên"),
        ("5", "working_days", "phải là một số"),
        (True, "working_days", "phải là một số"),
        (float("nan"), "working_hours", "hữu hạn"),
        (5, "months", "không hỗ trợ"),
        (5, "weeks", "không hỗ trợ"),
        (10**6, "working_days", "quá lớn"),
    ],
)
def test_bad_amount_or_unit(calendar_db, amount, unit, message):
    with pytest.raises(ValueError, match=message):
        calendar_db.due_at(local(2026, 3, 2, 10), amount, unit)


def test_naive_datetime_is_rejected(calendar_db):
    with pytest.raises(ValueError, match="múi giờ"):
        calendar_db.due_at(datetime(2026, 3, 2, 10), 5, "working_days")
    with pytest.raises(ValueError, match="múi giờ"):
        calendar_db.add_working_hours(datetime(2026, 3, 2, 10), 1)
    with pytest.raises(ValueError, match="múi giờ"):
        calendar_db.is_working_day(datetime(2026, 3, 2, 10))


def test_bad_cutoff_counting_and_office_hours(calendar_db):
    with pytest.raises(ValueError, match="HH:MM"):
        calendar_db.due_at(local(2026, 3, 2, 10), 5, "working_days", cutoff="25:00")
    with pytest.raises(ValueError, match="Cách tính ngày"):
        calendar_db.due_at(local(2026, 3, 2, 10), 5, "working_days", counting="lunar")
    with pytest.raises(ValueError, match="không chồng nhau"):
        LegalCalendar({}, office_hours=[("13:00", "17:00"), ("07:30", "11:30")])
    with pytest.raises(ValueError, match="trống"):
        LegalCalendar({}, office_hours=[])


def test_add_working_days_rejects_negative(calendar_db):
    with pytest.raises(ValueError, match="không được âm"):
        calendar_db.add_working_days(date(2026, 3, 2), -1)


# --- the table is the truth, and edits show at once ---------------------------------------------


def test_new_calendar_day_changes_result_immediately(calendar_db):
    received = local(2026, 3, 2, 10)
    assert cal.due_at(received, 5, "working_days").due_date == date(2026, 3, 9)  # warms the cache
    day = CalendarDay.objects.create(date=date(2026, 3, 4), kind="day_off", name="Nghỉ đột xuất (thử)")
    assert cal.due_at(received, 5, "working_days").due_date == date(2026, 3, 10)
    day.kind = "holiday"
    day.save()
    assert not cal.is_working_day(date(2026, 3, 4))
    day.delete()
    assert cal.due_at(received, 5, "working_days").due_date == date(2026, 3, 9)


def test_make_up_saturday_added_in_table(calendar_db):
    assert cal.add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)
    CalendarDay.objects.create(date=date(2026, 3, 7), kind="working_day", name="Làm bù (thử)")
    assert cal.add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 7)


def test_change_without_signal_is_seen_through_version_stamp(calendar_db, settings):
    settings.MOTCUA_CALENDAR_RECHECK_SECONDS = 0
    assert cal.add_working_days(date(2026, 3, 2), 1) == date(2026, 3, 3)
    # bulk_create sends no signal, like a write from another process.
    CalendarDay.objects.bulk_create([CalendarDay(date=date(2026, 3, 3), kind="day_off", name="Thử")])
    assert cal.add_working_days(date(2026, 3, 2), 1) == date(2026, 3, 4)


def test_cache_is_reused_within_recheck_interval(calendar_db, settings, django_assert_num_queries):
    settings.MOTCUA_CALENDAR_RECHECK_SECONDS = 3600
    cal.due_at(local(2026, 3, 2, 10), 5, "working_days")
    with django_assert_num_queries(0):
        for n in range(20):
            cal.due_at(local(2026, 3, 2, 10), n, "working_days")


def test_working_day_on_weekday_is_rejected_by_clean(db):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        CalendarDay(date=date(2026, 3, 2), kind="working_day", name="Sai").full_clean()
