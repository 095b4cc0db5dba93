"""A citizen's journey through the public catalog in a real Chromium (Playwright).

Each test reloads the reference data (transactional tests flush the tables): keep them few.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from .weight import check_weight

SEARCH_LABEL = "Bạn cần làm thủ tục gì?"


def watch_csp(page: Page) -> list[str]:
    """Collect the browser's Content-Security-Policy complaints (inline code would be refused)."""
    refused: list[str] = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return refused


def page_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_citizen_finds_marriage_registration_and_reads_it_in_english(
    live_reference_data, live_server, page, assert_accessible
):
    refused = watch_csp(page)
    page.goto(f"{live_server.url}/")
    assert_accessible(page)
    check_weight(page, "trang chủ")
    search = page.get_by_label(SEARCH_LABEL)
    search.fill("dang ky ket hon")  # no diacritics
    search.press("Enter")

    page.wait_for_url(re.compile(r"/tim-kiem/\?q=dang\+ky\+ket\+hon$"))
    first = page.locator("ol.results > li h3 a").first
    expect(first).to_have_text("Thủ tục đăng ký kết hôn")
    assert_accessible(page)
    check_weight(page, "kết quả tìm kiếm")
    first.click()

    expect(page).to_have_url(re.compile(r"/thu-tuc/1\.000894/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Thủ tục đăng ký kết hôn")
    expect(page.get_by_role("heading", name="Thành phần hồ sơ")).to_be_visible()
    expect(page.locator("table.papers", has_text="Tờ khai đăng ký kết hôn")).to_be_visible()
    online = page.locator("table.channel").filter(has=page.locator("caption", has_text="Trực tuyến"))
    expect(online).to_contain_text("Phí, lệ phí")
    expect(online).to_contain_text("Miễn phí")
    expect(page.get_by_role("link", name="← Quay lại kết quả tìm kiếm").first).to_have_attribute(
        "href", "/tim-kiem/?q=dang+ky+ket+hon"
    )
    assert_accessible(page)
    check_weight(page, "trang thủ tục")

    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(re.compile(r"/en/thu-tuc/1\.000894/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Papers to submit")).to_be_visible()
    expect(page.locator("table.channel caption").first).to_have_text("Online")
    expect(page.locator("table.channel").first).to_contain_text("Free of charge")
    assert_accessible(page)
    assert refused == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_public_lookup_and_verification_pages_are_accessible(
    live_reference_data, live_server, page, assert_accessible
):
    refused = watch_csp(page)
    for path, name in [
        ("/tra-cuu/", "tra cứu hồ sơ"),
        ("/xac-thuc/", "xác thực kết quả"),
        ("/thu-tuc/", "danh mục"),
    ]:
        page.goto(f"{live_server.url}{path}")
        assert_accessible(page)
        check_weight(page, name)
    # an unsuccessful lookup shows its errors next to the fields, still accessible
    page.goto(f"{live_server.url}/tra-cuu/")
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.locator("#ma_ho_so_loi")).to_have_text("Nhập mã hồ sơ (in trên giấy tiếp nhận hồ sơ).")
    assert_accessible(page)
    assert refused == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_narrow_screen_keyboard_search_and_commune_picker(live_reference_data, live_server, page):
    refused = watch_csp(page)
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/")

    # the skip link comes first and shows a visible focus
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Bỏ qua, đến nội dung chính")
    expect(skip).to_be_focused()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"

    search = page.get_by_label(SEARCH_LABEL)
    expect(search).to_be_visible()
    box = search.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360 and box["width"] >= 200
    assert page_width(page) <= 360

    search.click()
    page.keyboard.type("doi can cuoc")
    page.get_by_role("button", name="Tìm kiếm").click()
    first = page.locator("ol.results > li").first
    expect(first).to_be_visible()
    assert first.locator("dd").first.inner_text() in {"1.014063", "2.001195", "1.000889"}
    assert page_width(page) <= 360

    # a commune-level procedure: pick a commune (a plain GET form, no script) to see where to apply
    page.goto(f"{live_server.url}/thu-tuc/1.004222/")
    assert page_width(page) <= 360
    expect(page.locator("table.channel").first).to_contain_text("10.000 đồng")
    page.get_by_label("Xã, phường").select_option(label="Phường Tô Hiệu")
    page.get_by_role("button", name="Xem nơi nộp").click()
    expect(page).to_have_url(re.compile(r"\?xa=03646#noi-nop$"))
    expect(page.get_by_text("Công an Phường Tô Hiệu")).to_be_visible()
    assert refused == []
