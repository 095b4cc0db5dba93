"""After submitting a birth registration online, the parent sees "Có thể bạn cũng cần" on the
receipt with the next services and why (issue 15); and sees none once they refuse."""

import pytest
from playwright.sync_api import Page, expect

from motcua.eforms import services
from motcua.eforms.tests.conftest import hospital_papers
from motcua.foryou import recommendations
from motcua.foryou.models import RecommendationShown
from motcua.registries import sandbox

from .citizen import sign_in_citizen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def eid_sandbox(settings, tmp_path):
    from motcua.eid import keys

    settings.MOTCUA_EID_SANDBOX = True
    settings.MOTCUA_EID_SANDBOX_BASE_URL = ""
    settings.VAR_DIR = tmp_path / "var"
    keys.signing_key.cache_clear()
    recommendations._RECOMMENDERS.clear()
    yield
    keys.signing_key.cache_clear()
    recommendations._RECOMMENDERS.clear()


def test_a_recommendation_with_its_reason_after_a_submission(
    page: Page, live_server, live_reference_data, eid_sandbox, assert_accessible
):
    services.load_definitions()
    people = sandbox.demo_people()
    hospital_papers(people)
    parent = people["parent_of_newborn"]
    base = live_server.url
    sign_in_citizen(page, base, parent.id_number, "/")
    page.goto(f"{base}/thu-tuc/1.001193/")
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    page.get_by_label("Cha", exact=True).check()
    page.get_by_role("button", name="Tiếp tục", exact=True).click()
    child = sandbox.pending_registrations()["parent_of_newborn"]["full_name"]
    page.get_by_label("Họ, chữ đệm và tên của trẻ", exact=True).fill(child)
    page.get_by_role("button", name="Tiếp tục", exact=True).click()
    page.get_by_role("button", name="Tiếp tục", exact=True).click()
    if "/giay-to/" in page.url:
        page.get_by_role("button", name="Tiếp tục", exact=True).click()
    page.get_by_role("button", name="Nộp hồ sơ", exact=True).click()
    expect(page.get_by_role("heading", name="Đã nộp hồ sơ")).to_be_visible()
    receipt_url = page.url

    block = page.locator("section.also-needed")
    expect(block.get_by_role("heading", name="Có thể bạn cũng cần")).to_be_visible()
    first = block.locator("li").first
    expect(first.get_by_role("link", name="Đăng ký thường trú")).to_be_visible()
    expect(first.locator(".because")).to_contain_text("Đăng ký khai sinh")
    expect(first.locator(".because")).to_contain_text("NĐ 63/2024")
    assert_accessible(page)
    shown = RecommendationShown.objects.filter(person_id=parent.id_number, channel="receipt")
    assert shown.filter(procedure_code="1.004222").exists()
    assert all(row.model_version for row in shown)

    # Refusing on "Dành cho bạn" turns them off everywhere at once.
    page.goto(f"{base}/danh-cho-ban/")
    expect(page.locator("section.also-needed")).to_be_visible()
    page.get_by_role("button", name="Từ chối mọi dịch vụ công chủ động").click()
    expect(page.locator("section.also-needed")).to_have_count(0)
    page.goto(receipt_url)
    expect(page.get_by_role("heading", name="Đã nộp hồ sơ")).to_be_visible()
    expect(page.locator("section.also-needed")).to_have_count(0)
