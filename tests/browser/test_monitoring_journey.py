"""A provincial monitor, in a real browser: signs in with the second factor, opens the dashboard of the
Department of Justice for September 2026, sees the charts drawn, follows a number to the dossiers
behind it, and gives the department a target that it is behind on. Then the same pages on a phone."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from motcua.catalog.models import Procedure
from motcua.dossiers.models import Dossier
from motcua.insights import services
from motcua.insights.models import Target
from motcua.people.models import OfficerRole
from motcua.places.models import Agency

from .officers import officer, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CENTER, JUSTICE = "000.00.30.H52", "000.00.04.H52"
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: int, month: int = 9) -> datetime:
    return datetime(2026, month, day, 9, tzinfo=VN)


@pytest.fixture
def september(live_reference_data):
    """Four dossiers of the Department of Justice: two ended on time, one late, one still open."""
    justice = Agency.objects.get(code=JUSTICE)
    procedure = Procedure.objects.get(code="1.000426")
    rows = [
        ("0001", 10, at(2), at(9), at(8)),
        ("0002", 10, at(3), at(10), at(9)),
        ("0003", 9, at(4), at(8), at(15)),  # finished after the appointment
        ("0004", 4, at(20), at(10, 10), None),
    ]
    for number, status, received, due, finished in rows:
        Dossier.objects.create(
            code=f"{JUSTICE}-2609{number[-2:]}-{number}",
            procedure=procedure,
            procedure_version=procedure.current_version,
            channel="counter",
            applicant_name="Nguyễn Thị Ánh",
            applicant_id_number="014090001111",
            receiving_agency=justice,
            handling_agency=justice,
            status=status,
            submitted_at=received,
            received_at=received,
            due_at=due,
            finished_at=finished,
            decision="approved" if finished else "",
        )
    officer("giamsat", "Đỗ Thị Giám Sát", CENTER, OfficerRole.Role.MONITOR)
    officer("giamdoc", "Hoàng Văn Duyệt", JUSTICE, OfficerRole.Role.APPROVER)


def too_wide(page: Page) -> list[str]:
    """Elements that stick out to the right of the viewport (outside scrollable table wrappers)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => !e.closest('.table-wrap') && e.getBoundingClientRect().right > window.innerWidth + 1)
            .map(e => `${e.tagName}.${e.className}#${e.id} ${Math.round(e.getBoundingClientRect().right)}`)
            .slice(0, 10)"""
    )


def test_monitor_reads_the_dashboard_follows_a_number_and_sets_a_target(
    page: Page, live_server, september, assert_accessible
):
    base = live_server.url
    csp_errors = []
    page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
    sign_in(page, base, "giamsat")

    # 1. The dashboard, from the navigation; then September 2026 for the Department of Justice.
    page.get_by_role("link", name="Bảng điều hành").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bảng điều hành")
    page.get_by_label("Kỳ đánh giá").fill("2026-09")
    page.get_by_label("Đơn vị", exact=True).select_option(value=JUSTICE)
    page.get_by_role("button", name="Xem số liệu").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sở Tư pháp")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tháng 09/2026")

    # The charts are drawn (SVG drawn by the server, under the strict CSP).
    for chart in ("groups", "trend"):
        canvas = page.locator(f"#chart-{chart}")
        expect(canvas).to_be_visible()
        expect(canvas).to_have_attribute("data-drawn", "1")
        assert canvas.bounding_box()["width"] > 200
    assert csp_errors == []
    # The total on the page is the index's.
    report = services.report("2026-09", JUSTICE)
    expect(page.locator('[data-figure="total"]')).to_have_text(f"{report['total']:.2f}".replace(".", ","))
    assert_accessible(page)

    # 2. Follow the denominator of 2.1 (dossiers judged) to the dossiers behind it.
    judged = next(i for g in report["groups"] for i in g["indicators"] if i["code"] == "2.1")["denominator"]
    assert judged == 3
    page.locator('tr[data-indicator="2.1"] td.num a').nth(1).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hồ sơ đến hạn đánh giá")
    expect(page.locator("table.mon-dossiers tbody tr")).to_have_count(judged)
    expect(page.locator('[data-figure="count"]')).to_have_text(str(judged))
    expect(page.get_by_text("Nguyễn Thị Ánh")).to_have_count(0)  # codes, not names
    assert_accessible(page)

    # 3. Give the department an on-time target of 90 % for September: 2 of 3 is behind.
    page.goto(f"{base}/can-bo/giam-sat/chi-tieu/?ky=2026-09")
    page.get_by_label("Cơ quan", exact=True).select_option(value=JUSTICE)
    page.get_by_label("Chỉ tiêu", exact=True).select_option(value="on_time_rate")
    page.get_by_label("Kỳ", exact=True).fill("2026-09")
    page.get_by_label("Giá trị giao (0–100)").fill("120")
    page.get_by_role("button", name="Lưu chỉ tiêu").click()
    expect(page.get_by_role("alert")).to_contain_text("0 đến 100")
    assert_accessible(page)
    page.get_by_label("Giá trị giao (0–100)").fill("90")
    page.get_by_role("button", name="Lưu chỉ tiêu").click()
    expect(page.get_by_role("status")).to_contain_text("Đã giao chỉ tiêu")
    behind = page.locator("table.mon-behind tbody tr")
    expect(behind).to_have_count(1)
    expect(behind).to_contain_text("Sở Tư pháp")
    expect(behind).to_contain_text("66,67")
    assert Target.objects.get().value == 90
    assert_accessible(page)

    # 4. On a phone (360 px): one column, no sideways scrolling, the chart still drawn.
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{base}/can-bo/giam-sat/?ky=2026-09&don_vi={JUSTICE}")
    expect(page.locator("#chart-groups")).to_have_attribute("data-drawn", "1")
    assert page.locator("#chart-groups").bounding_box()["width"] <= 360
    assert too_wide(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)
    assert csp_errors == []


def test_the_head_sees_the_target_on_the_departments_dashboard(page: Page, live_server, september):
    from motcua.insights import targets

    targets.set_target(
        Agency.objects.get(code=CENTER).officer_roles.get().user,
        agency=Agency.objects.get(code=JUSTICE),
        measure="on_time_rate",
        period="2026-09",
        value="60",
    )
    base = live_server.url
    sign_in(page, base, "giamdoc")
    page.goto(f"{base}/can-bo/giam-sat/?ky=2026-09")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sở Tư pháp")
    progress = page.locator("table.mon-progress tbody tr")
    expect(progress).to_have_count(1)
    expect(progress.locator(".mon-status")).to_have_text("Đạt")
    # The province's dashboard is not theirs.
    response = page.goto(f"{base}/can-bo/giam-sat/?ky=2026-09&don_vi=province")
    assert response.status == 403
