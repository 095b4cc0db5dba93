"""manage.py load_calendar and manage.py duedate."""

import io
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command

from motcua.core.models import CalendarDay

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- load_calendar -----------------------------------------------------------------------------


def test_load_calendar_is_idempotent(domain_settings):
    CalendarDay.objects.all().delete()
    first, _ = run("load_calendar")
    rows = list(CalendarDay.objects.values_list("date", "kind", "name", "source"))
    assert "Tạo mới 182," in first
    second, _ = run("load_calendar")
    assert "Tạo mới 0, cập nhật 0, không đổi 182," in second
    assert list(CalendarDay.objects.values_list("date", "kind", "name", "source")) == rows
    assert CalendarDay.objects.filter(kind="holiday").count() == 139
    # 20 days off in the holidays file, plus the 10 swapped days off before 2020.
    assert CalendarDay.objects.filter(kind="day_off").count() == 30
    assert CalendarDay.objects.filter(kind="working_day").count() == 13
    assert CalendarDay.objects.get(date=date(2026, 8, 22)).kind == "working_day"
    assert CalendarDay.objects.get(date=date(2026, 8, 31)).kind == "day_off"
    assert CalendarDay.objects.get(date=date(2026, 4, 27)).kind == "day_off"  # Giỗ Tổ (nghỉ bù)


def test_load_calendar_keeps_admin_edits_unless_update(domain_settings):
    run("load_calendar")
    CalendarDay.objects.filter(date=date(2027, 2, 4)).update(name="29 Tết (đã sửa)")
    CalendarDay.objects.create(date=date(2027, 2, 3), kind="day_off", name="Nghỉ thêm theo thông báo")
    out, _ = run("load_calendar")
    assert "giữ nguyên bản đã sửa 1" in out
    assert CalendarDay.objects.get(date=date(2027, 2, 4)).name == "29 Tết (đã sửa)"
    out, _ = run("load_calendar", "--update")
    assert "cập nhật 1" in out
    assert CalendarDay.objects.get(date=date(2027, 2, 4)).name == "29 Tết"
    assert CalendarDay.objects.filter(date=date(2027, 2, 3)).exists()  # never deletes


def test_load_calendar_reports_bad_file(tmp_path: Path):
    bad = tmp_path / "holidays.csv"
    bad.write_text("date,year,name_vi,name_en\n2026-02-30,2026,Sai,Wrong\n", encoding="utf-8")
    with pytest.raises(CommandError, match="dòng 2: ngày không hợp lệ"):
        run("load_calendar", "--holidays", str(bad))
    with pytest.raises(CommandError, match="Không tìm thấy"):
        run("load_calendar", "--holidays", str(tmp_path / "missing.csv"))


# --- duedate -----------------------------------------------------------------------------------


def test_duedate_first_line_is_the_date(calendar_db):
    out, _ = run("duedate", "--received", "2026-03-02T10:00", "--days", "5")
    lines = out.splitlines()
    assert lines[0] == "2026-03-09"
    assert "17:00 thứ Hai, 09/03/2026" in lines[1]
    assert "07:30 thứ Ba, 03/03/2026" in lines[2]
    assert any("07/03/2026 (thứ Bảy)" in line for line in lines)


def test_duedate_options(calendar_db):
    assert run("duedate", "--received", "2026-03-02T10:00", "--days", "5", "--counting", "reception_day")[
        0
    ].startswith("2026-03-06\n")
    assert run("duedate", "--received", "2026-03-02T15:30", "--days", "1")[0].startswith("2026-03-04\n")
    assert run("duedate", "--received", "2026-03-02T15:30", "--days", "1", "--cutoff", "16:00")[0].startswith(
        "2026-03-03\n"
    )
    out, _ = run("duedate", "--received", "2026-04-29T16:00", "--hours", "8")
    assert out.startswith("2026-05-04\n") and "16:00 thứ Hai, 04/05/2026" in out
    assert run("duedate", "--received", "2026-03-02T10:00", "--hours", "1,5")[0].startswith("2026-03-02\n")
    out, _ = run("duedate", "--received", "2026-03-02T10:00", "--hours", "7:30")
    assert "09:30 thứ Ba, 03/03/2026" in out and "7 giờ 30 phút" in out
    assert run("duedate", "--received", "2026-03-02T10:00", "--calendar-days", "5")[0].startswith(
        "2026-03-09\n"
    )
    assert run("duedate", "--received", "2027-02-03T10:00", "--days", "3")[0].startswith("2027-02-15\n")


def test_duedate_warns_about_uncovered_year(calendar_db):
    out, err = run("duedate", "--received", "2031-03-03T10:00", "--days", "1")
    assert out.startswith("2031-03-04\n")
    assert "2031" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--received", "2026-13-45T10:00", "--days", "5"], "--received không hợp lệ"),
        (["--received", "hôm qua", "--days", "5"], "--received không hợp lệ"),
        (["--days", "5"], "Thiếu --received"),
        (["--received", "2026-03-02T10:00", "--days", "năm"], "--days phải là số nguyên"),
        (["--received", "2026-03-02T10:00", "--days", "-1"], "--days phải là số nguyên"),
        (["--received", "2026-03-02T10:00", "--days", "2.5"], "--days phải là số nguyên"),
        (["--received", "2026-03-02T10:00", "--hours", "abc"], "--hours phải là số giờ"),
        (["--received", "2026-03-02T10:00", "--calendar-days", "x"], "--calendar-days phải là số nguyên"),
        (["--received", "2026-03-02T10:00"], "Cần đúng một"),
        (["--received", "2026-03-02T10:00", "--days", "1", "--hours", "2"], "Cần đúng một"),
        (["--received", "2026-03-02T10:00", "--days", "1", "--cutoff", "25:00"], "--cutoff không hợp lệ"),
        (["--received", "2026-03-02T10:00", "--days", "1", "--counting", "lunar"], "--counting phải là"),
        (["--received", "2026-03-02T10:00", "--days", "99999"], "quá lớn"),
    ],
)
def test_duedate_bad_input(calendar_db, args, message):
    with pytest.raises(CommandError, match=message):
        run("duedate", *args)


def test_duedate_empty_calendar(domain_settings):
    CalendarDay.objects.all().delete()
    with pytest.raises(CommandError, match="load_calendar"):
        run("duedate", "--received", "2026-03-02T10:00", "--days", "5")


def test_duedate_error_is_one_line_without_traceback():
    env = {**os.environ, "MOTCUA_DEBUG": "1"}
    manage = Path(django_settings.BASE_DIR) / "manage.py"
    result = subprocess.run(
        [sys.executable, str(manage), "duedate", "--received", "2026-03-02T10:00", "--days", "năm"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "CommandError: --days phải là số nguyên không âm, nhận được 'năm'."
    ]
