"""A provincial monitor opens the demand forecast from the dashboard (issue 15): 8 weeks per agency
and procedure group beside the officers it has, "not enough data" for a thin group, and the CSV."""

import random
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from motcua.catalog.models import Procedure
from motcua.core import calendar
from motcua.dossiers.models import Dossier
from motcua.people.models import OfficerRole
from motcua.places.models import Agency

from .officers import officer, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CENTER, JUSTICE = "000.00.30.H52", "000.00.04.H52"


@pytest.fixture
def history(live_reference_data):
    """Twenty weeks of the Department of Justice: about six dossiers a working day of one group,
    most of them settled; and three dossiers of another group (too few to forecast)."""
    justice = Agency.objects.get(code=JUSTICE)
    busy = Procedure.objects.get(code="1.000426")
    thin = (
        Procedure.objects.exclude(field=busy.field)
        .exclude(field=None)
        .filter(current_version__isnull=False)
        .first()
    )
    rng = random.Random(7)
    today = timezone.localdate()
    rows, n = [], 0
    for back in range(140, 0, -1):
        day = today - timedelta(days=back)
        count = rng.randint(4, 8) if calendar.is_working_day(day) else 0
        for procedure in [busy] * count + ([thin] if back in (30, 60, 90) else []):
            n += 1
            at = timezone.make_aware(datetime.combine(day, time(9)))
            rows.append(
                Dossier(
                    code=f"{JUSTICE}-FC-{n:05d}",
                    procedure=procedure,
                    procedure_version=procedure.current_version,
                    channel="counter",
                    applicant_name="Nguyễn Thị Ánh",
                    applicant_id_number="014090001111",
                    receiving_agency=justice,
                    handling_agency=justice,
                    status=10,
                    submitted_at=at,
                    received_at=at,
                    finished_at=at + timedelta(days=2),
                    decision="approved",
                )
            )
    Dossier.objects.bulk_create(rows)
    officer("giamsat", "Đỗ Thị Giám Sát", CENTER, OfficerRole.Role.MONITOR)
    officer("giamdoc", "Hoàng Văn Duyệt", JUSTICE, OfficerRole.Role.APPROVER)
    return busy, thin


def test_the_monitor_sees_the_forecast_beside_the_officers(
    page: Page, live_server, history, assert_accessible
):
    busy, thin = history
    base = live_server.url
    sign_in(page, base, "giamsat")
    page.goto(f"{base}/can-bo/giam-sat/")
    page.get_by_role("link", name="Dự báo", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dự báo số hồ sơ 8 tuần tới")
    section = page.locator("section.forecast").filter(has=page.get_by_role("heading", name="Sở Tư pháp"))
    expect(section).to_be_visible()
    expect(section).to_contain_text("1 cán bộ xử lý")
    busy_row = section.get_by_role("row").filter(has=page.get_by_role("rowheader", name=busy.field.name))
    cells = busy_row.get_by_role("cell").all_inner_texts()
    assert len(cells) == 8
    # about six a working day: a full week forecasts 20–40 dossiers
    assert any(20 <= int(c) <= 40 for c in cells), cells
    thin_row = section.get_by_role("row").filter(has=page.get_by_role("rowheader", name=thin.field.name))
    expect(thin_row).to_contain_text("chưa đủ dữ liệu")
    expect(section.get_by_role("rowheader", name="Hồ sơ / cán bộ / ngày")).to_be_visible()
    assert_accessible(page)

    exported = page.request.get(f"{base}/can-bo/giam-sat/du-bao/?xuat=csv")
    assert exported.status == 200 and "text/csv" in exported.headers["content-type"]
    text = exported.text()
    assert (
        text.splitlines()[0].lstrip("\ufeff")
        == "co_quan,nhom_thu_tuc,tuan_bat_dau,ngay_lam_viec,du_bao_ho_so,ghi_chu"
    )
    assert "chưa đủ dữ liệu" in text and busy.field.name in text
