"""The calendar admin: browsing by year/kind, and an edit that changes deadlines at once."""

from datetime import date

import pytest
from django.urls import reverse

from motcua.core import calendar as cal
from motcua.core.models import CalendarDay

from .conftest import local

pytestmark = pytest.mark.django_db


def test_changelist_filters_and_search(admin_client, calendar_db):
    url = reverse("admin:core_calendarday_changelist")
    response = admin_client.get(url, {"year": "2027", "kind": "holiday"})
    assert response.status_code == 200
    assert "Giỗ Tổ" in response.content.decode()
    assert response.context["cl"].result_count == 14  # 1/1, 7 days of Tết, 16/4, 30/4, 1/5, 2/9, 3/9, 24/11
    response = admin_client.get(url, {"q": "làm bù"})
    assert response.context["cl"].result_count == 13 + 13  # make-up Saturdays + swapped days off name them
    assert admin_client.get(url, {"year": "abc"}).status_code == 200


def test_admin_add_changes_due_date_immediately(admin_client, calendar_db):
    received = local(2026, 3, 2, 10)
    assert cal.due_at(received, 5, "working_days").due_date == date(2026, 3, 9)  # cache warm
    response = admin_client.post(
        reverse("admin:core_calendarday_add"),
        {"date": "2026-03-04", "kind": "day_off", "name": "Nghỉ theo thông báo của tỉnh", "source": "Thử"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert CalendarDay.objects.filter(date=date(2026, 3, 4)).exists()
    assert cal.due_at(received, 5, "working_days").due_date == date(2026, 3, 10)


def test_admin_rejects_make_up_day_on_weekday(admin_client, calendar_db):
    response = admin_client.post(
        reverse("admin:core_calendarday_add"),
        {"date": "2026-03-04", "kind": "working_day", "name": "Sai"},
    )
    assert response.status_code == 200
    assert "thứ Bảy hoặc Chủ nhật" in response.content.decode()


def test_counters_are_read_only(admin_client, db):
    assert admin_client.get(reverse("admin:core_dossiercodecounter_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:core_dossiercodecounter_add")).status_code == 403
