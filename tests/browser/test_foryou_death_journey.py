"""A sandbox widow signs in through the sandbox VNeID and finds, on "Dành cho bạn", the death
suggestion with its reason (the death notice of her husband); she files the death bundle with one
form, choosing the benefits she asks for, types nothing, and sees one combined status: the death
registration at the commune first; once its result is signed, the removal of permanent residence
and the chosen benefits start by themselves at their own agencies, and the benefit she did not
choose is never filed. Every page passes axe-core (WCAG 2.1 AA)."""

import re

import pytest
from playwright.sync_api import Page, expect

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


def test_the_widow_files_the_death_bundle_with_her_choice_of_benefits(
    page: Page, live_server, live_reference_data, eid_sandbox, assert_accessible
):
    from django.utils import timezone

    from motcua.core.events import publish
    from motcua.dossiers.models import Dossier, DossierResult
    from motcua.foryou.models import BundleCase, BundleStep

    widow = sandbox.demo_people()["widow"]
    sign_in_citizen(page, live_server.url, widow.id_number, "/danh-cho-ban/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dành cho bạn")
    card = page.locator("li.suggestion").filter(has_text="giấy báo tử")
    expect(card).to_have_count(1)
    expect(card.locator(".because")).to_contain_text("giấy báo tử của người thân cùng hộ với bạn")
    assert_accessible(page)
    card.get_by_role("link", name="Nộp liên thông (một tờ khai cho cả nhóm thủ tục)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Liên thông khai tử")
    main = page.locator("main")
    # What the registries hold is shown, not asked: nothing to type.
    expect(main.locator("input[type=text]")).to_have_count(0)
    assert_accessible(page)

    # Without a benefit chosen the form says so; then she chooses two of the three.
    main.get_by_role("button", name="Nộp hồ sơ liên thông").click()
    expect(main.get_by_text("Hãy chọn ít nhất một chế độ đề nghị giải quyết.")).to_be_visible()
    assert not BundleCase.objects.filter(person_id=widow.id_number).exists()
    assert_accessible(page)
    main.get_by_label(re.compile(r"^2\.000821 — Bảo hiểm xã hội")).check()
    main.get_by_label(re.compile("^Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội")).check()
    main.get_by_role("button", name="Nộp hồ sơ liên thông").click()

    # One combined status: every step, its agency, its dossier code and state.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hồ sơ liên thông")
    assert_accessible(page)
    case = BundleCase.objects.get(person_id=widow.id_number)
    assert case.chosen == ["tu_tuat", "mai_tang_btxh"]
    rows = main.get_by_role("table").first.get_by_role("row")
    expect(rows).to_have_count(6)  # header + five steps
    first = case.steps.get(key="khai_tu").dossier
    assert first is not None
    expect(main.get_by_role("link", name=first.code)).to_be_visible()
    assert case.steps.exclude(dossier=None).count() == 1  # the others wait for the death certificate
    assert case.steps.get(key="mai_tang_ncc").state == BundleStep.State.NOT_CHOSEN

    # The commune signs the death certificate: the next steps start by themselves.
    Dossier.objects.filter(pk=first.pk).update(status=10, finished_at=timezone.now())
    DossierResult.objects.create(
        dossier=first,
        title="Trích lục khai tử",
        result_code="48/2026",
        sha256="0" * 64,
        signed_by="Chủ tịch",
        signed_at=timezone.now(),
        data={"result_code": "48/2026"},
    )
    publish("dossier.return", "dossier", first.code, {"status": 10})
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hồ sơ liên thông")
    assert_accessible(page)
    steps = {s.key: s for s in case.steps.select_related("dossier", "dossier__handling_agency")}
    assert steps["khai_tu"].state == BundleStep.State.DONE
    started = [steps[k] for k in ("xoa_thuong_tru", "tu_tuat", "mai_tang_btxh")]
    for step in started:
        assert step.state == BundleStep.State.STARTED and step.dossier is not None
        if step.key != "mai_tang_btxh":  # the steps that carry the death certificate's number
            assert step.dossier.form_data["death_certificate_number"] == "48/2026"
        row = main.get_by_role("row").filter(has_text=step.dossier.code)
        expect(row).to_contain_text(step.dossier.handling_agency.name)  # at its own agency
    codes = {first.code, *(s.dossier.code for s in started)}
    assert len(codes) == 4  # four linked dossiers, each its own
    assert steps["mai_tang_ncc"].dossier is None  # not chosen: never filed
