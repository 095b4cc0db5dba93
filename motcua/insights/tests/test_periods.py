from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from motcua.insights.periods import PeriodError, parse_period

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def test_a_month_runs_from_local_midnight_to_the_next_month():
    period = parse_period("2026-09")
    assert period.kind == "month"
    assert (period.first_day, period.last_day) == (date(2026, 9, 1), date(2026, 9, 30))
    assert period.start == datetime(2026, 9, 1, tzinfo=VN)
    assert period.end == datetime(2026, 10, 1, tzinfo=VN)
    # Local midnight is 17:00 UTC the day before.
    assert period.start.utcoffset().total_seconds() == 7 * 3600
    assert period.label == "Tháng 09/2026"


def test_december_and_february_end_on_the_right_day():
    assert parse_period("2026-12").last_day == date(2026, 12, 31)
    assert parse_period("2028-02").last_day == date(2028, 2, 29)
    assert parse_period("2026-2").last_day == date(2026, 2, 28)


@pytest.mark.parametrize(
    "text, first, last",
    [
        ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("2026-q3", date(2026, 7, 1), date(2026, 9, 30)),
        ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
    ],
)
def test_quarters(text, first, last):
    period = parse_period(text)
    assert (period.kind, period.first_day, period.last_day) == ("quarter", first, last)


def test_a_year_and_a_custom_range():
    year = parse_period("2026")
    assert (year.kind, year.first_day, year.last_day) == ("year", date(2026, 1, 1), date(2026, 12, 31))
    custom = parse_period(" 2026-09-01..2026-09-15 ")
    assert custom.kind == "custom"
    assert custom.end == datetime(2026, 9, 16, tzinfo=VN)
    assert parse_period("2026-09-15..2026-09-15").end == datetime(2026, 9, 16, tzinfo=VN)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2026-13",
        "2026-00",
        "2026-Q5",
        "26-09",
        "2026-09-20..2026-09-01",
        "2026-02-30..2026-03-01",
        "tháng 9",
    ],
)
def test_bad_periods_say_why_in_vietnamese(text):
    with pytest.raises(PeriodError) as error:
        parse_period(text)
    assert any(word in str(error.value) for word in ("Tháng", "Ngày", "Không đọc được"))


@pytest.mark.parametrize("text", ["0000", "0000-01", "0000-Q1", "9999-12-31..9999-12-31"])
def test_a_year_out_of_range_is_a_period_error_not_a_crash(text):
    with pytest.raises(PeriodError):
        parse_period(text).end  # noqa: B018 — the end is local midnight after the last day
