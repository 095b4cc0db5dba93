"""A sandbox parent of a newborn signs in through the sandbox VNeID and finds, on "Dành cho bạn",
the birth suggestion with its reason (the hospital's birth notice), the channels compared, and the
bundle's draft already prepared one tap away; they dismiss another suggestion and refuse one kind.
Every page passes axe-core (WCAG 2.1 AA)."""

import re

import pytest
from playwright.sync_api import Page, expect

from motcua.eforms.models import Draft
from motcua.foryou.models import Suggestion, SuggestionTrace
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
    yield
    keys.signing_key.cache_clear()


def test_the_parent_of_a_newborn_sees_the_birth_suggestion(
    page: Page, live_server, live_reference_data, eid_sandbox, assert_accessible
):
    parent = sandbox.demo_people()["parent_of_newborn"]
    sign_in_citizen(page, live_server.url, parent.id_number, "/danh-cho-ban/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dành cho bạn")
    card = page.locator("li.suggestion").filter(has_text="Liên thông thủ tục hành chính về đăng ký khai sinh")
    expect(card).to_be_visible()
    expect(card.locator(".because")).to_contain_text("giấy chứng sinh của con bạn")
    expect(card.get_by_role("table")).to_contain_text("Trực tuyến")  # level 3: the channels side by side
    assert_accessible(page)
    row = Suggestion.objects.get(person_id=parent.id_number, kind__code="birth_registration")
    assert SuggestionTrace.objects.filter(suggestion=row, channel="page").count() == 1

    # One tap: the bundle's draft, prefilled from the registries, is already there.
    card.get_by_role("link", name="Xem hồ sơ đã soạn sẵn và nộp").click()
    expect(page).to_have_url(re.compile(r"/nop-ho-so/ho-so/\d+/"))
    draft = Draft.objects.get(owner__personal_id=parent.id_number, definition__procedure__code="2.000986")
    assert draft.answers  # prefilled before the parent typed anything

    # Back: refuse this kind; it is gone, and the choice is shown.
    page.goto(f"{live_server.url}/danh-cho-ban/")
    card = page.locator("li.suggestion").filter(has_text="Liên thông thủ tục hành chính về đăng ký khai sinh")
    card.get_by_role("button", name="Không gợi ý loại này nữa").click()
    expect(page.get_by_role("status")).to_contain_text("không nhận loại gợi ý này nữa")
    expect(page.locator("li.suggestion").filter(has_text="giấy chứng sinh")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Bật lại: Con mới sinh"))).to_be_visible()
    assert_accessible(page)
