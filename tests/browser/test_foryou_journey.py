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
    draft = Draft.objects.get(
        owner__personal_id_index=parent.id_number, definition__procedure__code="2.000986"
    )
    assert draft.answers  # prefilled before the parent typed anything

    # Back: refuse this kind; it is gone, and the choice is shown.
    page.goto(f"{live_server.url}/danh-cho-ban/")
    card = page.locator("li.suggestion").filter(has_text="Liên thông thủ tục hành chính về đăng ký khai sinh")
    card.get_by_role("button", name="Không gợi ý loại này nữa").click()
    expect(page.get_by_role("status")).to_contain_text("không nhận loại gợi ý này nữa")
    expect(page.locator("li.suggestion").filter(has_text="giấy chứng sinh")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Bật lại: Con mới sinh"))).to_be_visible()
    assert_accessible(page)


def test_the_parent_files_the_birth_bundle_and_follows_one_combined_status(
    page: Page, live_server, live_reference_data, eid_sandbox, assert_accessible
):
    from django.utils import timezone

    from motcua.core.events import publish
    from motcua.dossiers.models import Dossier, DossierResult
    from motcua.foryou.models import BundleCase

    parent = sandbox.demo_people()["parent_of_newborn"]
    sign_in_citizen(page, live_server.url, parent.id_number, "/danh-cho-ban/")
    card = page.locator("li.suggestion").filter(has_text="Liên thông thủ tục hành chính về đăng ký khai sinh")
    card.get_by_role("link", name="Nộp liên thông (một tờ khai cho cả nhóm thủ tục)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Liên thông khai sinh")
    assert_accessible(page)
    name = sandbox.pending_registrations()["parent_of_newborn"]["full_name"]
    field = page.get_by_label("Họ, chữ đệm và tên của trẻ")
    if field.input_value() != name:  # prefilled from the birth notice when it carries the name
        field.fill(name)
    page.get_by_role("button", name="Nộp hồ sơ liên thông").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hồ sơ liên thông")
    assert_accessible(page)
    case = BundleCase.objects.get(person_id=parent.id_number)
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(4)  # header + three steps
    first = case.steps.get(key="khai_sinh").dossier
    expect(page.get_by_role("link", name=first.code)).to_be_visible()

    # The commune signs the birth certificate: the next two start by themselves.
    Dossier.objects.filter(pk=first.pk).update(status=10, finished_at=timezone.now())
    DossierResult.objects.create(
        dossier=first,
        title="Giấy khai sinh",
        result_code="125/2026",
        sha256="0" * 64,
        signed_by="Chủ tịch",
        signed_at=timezone.now(),
        data={"result_code": "125/2026"},
    )
    publish("dossier.return", "dossier", first.code, {"status": 10})
    page.reload()
    codes = [s.dossier.code for s in case.steps.select_related("dossier").order_by("position")]
    assert len(set(codes)) == 3
    for code in codes:
        expect(page.get_by_role("link", name=code)).to_be_visible()


@pytest.fixture
def birth_fee(settings, live_server, live_reference_data):
    """The payment sandboxes on the live server, and a fee on the birth bundle's first step (test
    data: the commune's step made full-online with one fee line), restored afterwards because the
    reference tables outlive the test."""
    from datetime import date

    from motcua.catalog.models import OnlineLevel, Procedure
    from motcua.payments.models import FeeLine

    settings.MOTCUA_PAYMENTS_NATIONAL_URL = live_server.url + "/sandbox/thanh-toan"
    settings.MOTCUA_PAYMENTS_BANK_URL = live_server.url + "/sandbox/thanh-toan"
    settings.MOTCUA_PAYMENTS_CALLBACK_BASE_URL = live_server.url
    settings.MOTCUA_PAYMENTS_SANDBOX = True
    procedure = Procedure.objects.get(code="1.001193")
    level = procedure.online_level
    Procedure.objects.filter(pk=procedure.pk).update(online_level=OnlineLevel.FULL)
    line = FeeLine.objects.create(
        procedure=procedure,
        name="Lệ phí cấp bản sao trích lục khai sinh (dữ liệu thử)",
        amount=8000,
        valid_from=date(2020, 1, 1),
        legal_basis="Thông tư 00/2025/TT-BTC (dữ liệu thử)",
    )
    yield line
    FeeLine.objects.filter(pk=line.pk).delete()
    Procedure.objects.filter(pk=procedure.pk).update(online_level=level)


def test_the_parent_types_at_most_three_fields_and_pays_the_bundle_once(
    page: Page, live_server, live_reference_data, eid_sandbox, birth_fee, assert_accessible
):
    from motcua.foryou.models import BundleCase
    from motcua.payments.models import Charge, Payment, PaymentIntent

    parent = sandbox.demo_people()["parent_of_newborn"]
    sign_in_citizen(page, live_server.url, parent.id_number, "/danh-cho-ban/")
    card = page.locator("li.suggestion").filter(has_text="Liên thông thủ tục hành chính về đăng ký khai sinh")
    card.get_by_role("link", name="Nộp liên thông (một tờ khai cho cả nhóm thủ tục)").click()
    main = page.locator("main")
    typed = 0
    name = sandbox.pending_registrations()["parent_of_newborn"]["full_name"]
    field = main.get_by_label("Họ, chữ đệm và tên của trẻ")
    if field.input_value() != name:
        field.fill(name)
        typed += 1
    # Everything else comes from the registries: no other text box to type into.
    assert main.locator("input[type=text]").count() <= 3
    assert typed <= 3
    main.get_by_role("button", name="Nộp hồ sơ liên thông").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hồ sơ liên thông")
    expect(main.get_by_text("8.000 đồng").first).to_be_visible()
    assert_accessible(page)

    # One button, one transaction at the (sandbox) national payment platform.
    main.get_by_role("button", name="Thanh toán một lần cho cả hồ sơ liên thông").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Nền tảng thanh toán"))
    assert_accessible(page)
    page.locator("main").get_by_role("button", name="Thanh toán", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hồ sơ liên thông")
    expect(main.get_by_text("Đã nộp đủ phí, lệ phí của các hồ sơ đã nộp.")).to_be_visible()
    assert_accessible(page)

    case = BundleCase.objects.get(person_id=parent.id_number)
    filed = [s.dossier for s in case.steps.exclude(dossier=None)]
    charges = Charge.objects.filter(dossier__in=filed, cancelled=False)
    assert charges.exists()
    intents = PaymentIntent.objects.filter(charge__in=charges)
    assert intents.exclude(group="").values("group").distinct().count() == 1  # one transaction
    assert intents.count() == charges.count()
    for charge in charges:  # every filed dossier's fee is paid
        assert Payment.objects.filter(charge=charge, refunded_at=None).exists()
