"""Someone without an account finds the open data, reads the dictionary and downloads a month."""

import csv
import io
import re

import pytest
from playwright.sync_api import Page, expect

from motcua.insights.tests.conftest import Dataset, at


def page_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_visitor_downloads_a_month_of_open_data(live_server, page, assert_accessible):
    data = Dataset()
    data.dossier("a", data.full, "national_portal", 10, at(9, 2), at(9, 10), finished_at=at(9, 8))
    for n in range(7):  # seven more: the procedure's count (8) is published, not hidden
        data.dossier(f"b{n}", data.full, "counter", 10, at(9, 3 + n), at(9, 20), finished_at=at(9, 15))

    page.goto(f"{live_server.url}/du-lieu-mo/")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Dữ liệu mở"))
    expect(page.get_by_role("link", name=re.compile("CC BY 4.0"))).to_be_visible()
    expect(page.get_by_role("rowheader", name="received", exact=True)).to_be_visible()
    assert_accessible(page)

    link = page.get_by_role("link", name="CSV — Hồ sơ theo cơ quan và thủ tục, 2026-09")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "ho-so-theo-thu-tuc_2026-09.csv"
    with open(download.value.path(), encoding="utf-8-sig") as f:
        text = f.read()
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert (row["agency_name"], row["procedure_code"], row["received"]) == ("Sở Thử nghiệm", "9.999001", "8")
    assert row["received_online"] == "" and row["suppressed"] == "received_online"  # 1 online: hidden
    assert "Trần Văn Thử" not in text and "014090009999" not in text

    page.set_viewport_size({"width": 360, "height": 740})
    page.reload()
    assert page_width(page) <= 360
    assert_accessible(page)
