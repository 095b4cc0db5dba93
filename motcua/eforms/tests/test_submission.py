"""An online submission from an e-form: prefill with provenance, pages, check, submit once, receipt."""

import re

import pytest
from django.urls import reverse

from motcua.audit.models import AuditEntry
from motcua.core import crypto
from motcua.core.models import Event
from motcua.dossiers.models import Channel, Dossier, Status
from motcua.eforms import services
from motcua.eforms.models import Draft
from motcua.registries import sandbox

from .conftest import sign_in

pytestmark = pytest.mark.django_db
DEATH = "1.000656"
POP = "Cơ sở dữ liệu quốc gia về dân cư"


def start(client, code):
    response = client.get(reverse("eforms:start", args=[code]))
    assert response.status_code == 302, response.content[:500]
    draft = Draft.objects.latest("pk")
    assert response["Location"].endswith(f"/ho-so/{draft.pk}/trang/{draft.current_page}/")
    return draft


def page_url(draft, index):
    return reverse("eforms:page", args=[draft.pk, index])


def post_page(client, draft, index, data):
    """Post a page as the browser does: every field of the page, the shown values unless changed."""
    draft.refresh_from_db()
    values = {k: draft.answers.get(k, "") for k in draft.definition.ui["pages"][index]["fields"]}
    values = {k: ("true" if v is True else "" if v is False else v) for k, v in values.items()}
    return client.post(page_url(draft, index), {**values, **data})


def test_identity_is_prefilled_locked_and_says_where_it_came_from(
    client, forms, people, with_hospital_papers
):
    widow = people["widow"]
    sign_in(client, widow)
    draft = start(client, DEATH)
    assert draft.answers["full_name"] == widow.full_name
    assert draft.provenance["full_name"] == {
        "value": widow.full_name,
        "label": POP,
        "source": "population:full_name",
        "locked": True,
    }
    html = client.get(page_url(draft, 0)).content.decode()
    assert f"Đã điền sẵn từ {POP}" in html
    assert 'name="full_name"' not in html  # locked: shown, not an input
    # A forged post cannot change a locked field.
    post_page(client, draft, 0, {"full_name": "Người Khác", "relationship_to_deceased": "Vợ, chồng"})
    draft.refresh_from_db()
    assert draft.answers["full_name"] == widow.full_name
    assert draft.answers["relationship_to_deceased"] == "Vợ, chồng"
    # The husband's ID comes from the registry, and with it his name (an "@" lookup, audited).
    assert draft.answers["deceased_id_number"] == widow.spouse_id
    assert "deceased_full_name" in draft.answers, draft.provenance
    assert (
        draft.answers["deceased_full_name"] == sandbox.SandboxPopulation().person(widow.spouse_id).full_name
    )
    assert draft.provenance["death_date"]["label"].startswith("Kho dữ liệu điện tử của bạn")


def test_when_the_registry_is_down_the_person_types_and_the_form_says_why(client, forms, people):
    adult = people["adult"]
    sign_in(client, adult)
    with sandbox.behaviour(fail=True):
        draft = start(client, "3.000333")
    assert "gender" not in draft.answers
    assert draft.provenance["gender"]["unavailable"] == POP
    html = client.get(page_url(draft, 0)).content.decode()
    assert f"Chưa lấy được từ {POP}; vui lòng nhập." in html
    assert 'name="full_name"' in html  # not locked: nothing was filled
    response = client.post(
        page_url(draft, 0),
        {
            "full_name": "Lò Văn Tám",
            "id_number": adult.id_number,
            "birth_date": "01/02/1985",
            "gender": "Nam",
            "permanent_address": "Bản Lướt, xã Chiềng Mung",
            "hometown": "",
            "ethnicity": "Thái",
            "nationality": "Việt Nam",
            "phone": "0912345678",
            "email": "",
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.answers["birth_date"] == "1985-02-01"
    assert {"full_name", "gender", "birth_date"} <= set(draft.touched)


def test_errors_are_listed_in_a_summary_linked_to_the_fields_and_nothing_is_kept(client, forms, people):
    sign_in(client, people["young_single"])
    draft = start(client, "1.004873")
    before = dict(draft.answers)
    response = client.post(page_url(draft, 0), {"phone": "12ab", "email": "khong-phai-thu"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert '<a href="#f-phone">Số điện thoại gồm 10 hoặc 11 chữ số' in html
    assert 'id="f-phone-loi"' in html and 'aria-invalid="true"' in html
    assert 'value="12ab"' in html  # what they typed is shown back
    draft.refresh_from_db()
    assert draft.answers == before


def test_a_malformed_post_gets_a_clear_message_and_changes_nothing(client, forms, people):
    sign_in(client, people["young_single"])
    draft = start(client, "1.004873")
    before = dict(draft.answers)
    response = client.post(page_url(draft, 0), {"phone": "0" * 6000}, follow=True)
    assert "Dữ liệu gửi lên không hợp lệ" in response.content.decode()
    response = client.post(page_url(draft, 1), {"purpose": "<script>", "result_delivery": "Bằng bồ câu"})
    assert response.status_code in (302, 400)
    draft.refresh_from_db()
    assert draft.answers == before
    assert client.get(reverse("eforms:page", args=[draft.pk, 99])).status_code == 302


def test_someone_elses_draft_is_not_found(client, forms, people):
    sign_in(client, people["adult"])
    draft = start(client, "2.000635")
    client.logout()
    sign_in(client, people["young_single"])
    for name in ("eforms:check", "eforms:receipt", "eforms:saved", "eforms:papers"):
        assert client.get(reverse(name, args=[draft.pk])).status_code == 404
    assert client.get(page_url(draft, 0)).status_code == 404
    assert client.post(reverse("eforms:check", args=[draft.pk])).status_code == 404


def _go_through_death_form(client, draft, widow):
    assert post_page(client, draft, 0, {"relationship_to_deceased": "Vợ, chồng"}).status_code == 302
    draft.refresh_from_db()
    data = {k: draft.answers.get(k, "") for k in draft.definition.ui["pages"][1]["fields"]}
    response = client.post(page_url(draft, 1), data)
    assert response.status_code == 302 and response["Location"].endswith("/kiem-tra/"), response.content[:800]


def test_submit_once_gives_the_code_the_appointment_and_the_measurements(
    client, forms, people, with_hospital_papers
):
    widow = people["widow"]
    sign_in(client, widow, minutes_ago=2)
    draft = start(client, DEATH)
    _go_through_death_form(client, draft, widow)
    check = client.get(reverse("eforms:check", args=[draft.pk])).content.decode()
    assert "Kiểm tra lại thông tin" in check and "sẽ được tra cứu từ" in check
    first = client.post(reverse("eforms:check", args=[draft.pk]))
    second = client.post(reverse("eforms:check", args=[draft.pk]))  # the double click
    assert first["Location"] == second["Location"] == reverse("eforms:receipt", args=[draft.pk])
    dossier = Dossier.objects.get(submission_key=str(draft.submission_key))
    assert Dossier.objects.filter(applicant_id_index=widow.id_number).count() == 1
    assert dossier.status == Status.NEW and dossier.channel == Channel.OWN_PORTAL
    assert dossier.form_data["answers"]["deceased_id_number"] == widow.spouse_id
    assert dossier.documents.filter(reused=True).count() == 2
    receipt = client.get(reverse("eforms:receipt", args=[draft.pk])).content.decode()
    assert dossier.code in receipt and "Ngày hẹn trả kết quả" in receipt and "/tra-cuu/" in receipt
    assert re.search(r"\d\d:\d\d \d\d/\d\d/20\d\d", receipt)
    draft.refresh_from_db()
    assert draft.state == Draft.State.SUBMITTED and draft.dossier == dossier
    assert draft.fields_typed == 1  # only the relationship; everything else came from the state
    assert draft.fields_prefilled >= 10
    assert draft.seconds_from_sign_in >= 120 > draft.seconds_from_open >= 0
    assert draft.pages_count == 3
    event = Event.objects.get(topic="eforms.submitted", aggregate_id=dossier.code)
    assert event.payload["fields_typed"] == 1
    pdf = client.get(reverse("eforms:answers_pdf", args=[draft.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    # After submission the form pages lead to the receipt; nothing can be changed.
    assert client.get(page_url(draft, 0))["Location"].endswith("/bien-nhan/")


def test_an_incomplete_draft_cannot_be_submitted(client, forms, people):
    sign_in(client, people["young_single"])
    draft = start(client, "1.004873")
    response = client.post(reverse("eforms:check", args=[draft.pk]))
    assert response["Location"].endswith(f"/trang/{1}/")
    assert not Dossier.objects.filter(submission_key=str(draft.submission_key)).exists()


def test_save_and_resume_later(client, forms, people):
    single = people["young_single"]
    sign_in(client, single)
    draft = start(client, "1.004873")
    assert post_page(client, draft, 0, {"phone": "0987654321"}).status_code == 302
    response = client.post(page_url(draft, 1), {"purpose": "Mục đích khác", "save_later": "1"})
    assert response["Location"].endswith("/da-luu/")
    assert "Đã lưu tờ khai" in client.get(response["Location"]).content.decode()
    again = client.get(reverse("eforms:start", args=["1.004873"]))
    assert again["Location"] == page_url(draft, 1)  # resumed where they stopped
    html = client.get(again["Location"]).content.decode()
    assert 'value="Mục đích khác" checked' in html
    assert Draft.objects.filter(owner__personal_id_index=single.id_number).count() == 1


def test_an_expired_session_mid_form_keeps_the_draft(client, forms, people):
    single = people["young_single"]
    sign_in(client, single)
    draft = start(client, "1.004873")
    assert post_page(client, draft, 0, {"phone": "0987654321"}).status_code == 302
    client.session.flush()
    client.logout()
    response = client.post(page_url(draft, 1), {"purpose": "Để kết hôn"})
    assert response.status_code == 302 and response["Location"].startswith("/oidc/authenticate/?next=")
    sign_in(client, single)
    resumed = client.get(reverse("eforms:start", args=["1.004873"]))
    assert resumed["Location"] == page_url(draft, 1)
    draft.refresh_from_db()
    assert draft.answers["phone"] == "0987654321"


def test_conditional_questions_are_asked_on_the_server_without_javascript(client, forms, people):
    single = people["young_single"]
    sign_in(client, single)
    draft = start(client, "1.004873")
    assert post_page(client, draft, 0, {}).status_code == 302
    response = client.post(
        page_url(draft, 1), {"purpose": "Để kết hôn", "result_delivery": "Nhận trực tuyến"}
    )
    assert response.status_code == 400
    assert "Nhập họ và tên người dự định kết hôn." in response.content.decode()
    response = client.post(
        page_url(draft, 1),
        {
            "purpose": "Mục đích khác",
            "other_purpose": "Vay vốn",
            "intended_spouse_name": "Bị bỏ qua",
            "result_delivery": "Nhận trực tuyến",
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.answers["other_purpose"] == "Vay vốn" and "intended_spouse_name" not in draft.answers


def test_looking_up_another_person_is_audited_and_rate_limited(client, forms, people, settings):
    settings.MOTCUA_FORM_LOOKUP_RATE = (1, 3600)
    single, adult, widow = people["young_single"], people["adult"], people["widow"]
    user = sign_in(client, single)
    draft = start(client, "1.000894")
    assert post_page(client, draft, 0, {}).status_code == 302
    post_page(client, draft, 1, {"partner_id_number": adult.id_number, "save_later": "1"})
    draft.refresh_from_db()
    assert draft.answers["partner_full_name"] == adult.full_name
    person = crypto.blind_index(adult.id_number)
    entry = AuditEntry.objects.get(action="eforms.lookup_person", object_id=person)
    assert entry.actor_id == user.pk
    post_page(client, draft, 1, {"partner_id_number": widow.id_number, "save_later": "1"})
    draft.refresh_from_db()
    assert "partner_full_name" not in draft.answers  # the second person is over the limit
    assert "quá nhiều lần" in draft.provenance["partner_full_name"]["unavailable"]
    widow_index = crypto.blind_index(widow.id_number)
    assert not AuditEntry.objects.filter(action="eforms.lookup_person", object_id=widow_index).exists()


def test_marking_abandoned_drafts(client, forms, people, settings):
    settings.MOTCUA_FORM_ABANDON_HOURS = 24
    sign_in(client, people["adult"])
    draft = start(client, "2.000635")
    Draft.objects.filter(pk=draft.pk).update(updated_at=draft.updated_at - services.timedelta(hours=25))
    assert services.mark_abandoned() == 1
    draft.refresh_from_db()
    assert draft.state == Draft.State.ABANDONED and draft.abandoned_at is not None
    assert Event.objects.filter(topic="eforms.abandoned", aggregate_id=str(draft.pk)).exists()
    assert services.mark_abandoned() == 0


def test_prefill_sources_resolve_with_their_provenance(people, with_hospital_papers):
    from motcua.registries import get, prefill

    adult, parent = people["adult"], people["parent_of_newborn"]
    spouse = get("population").person(adult.spouse_id)
    ctx = prefill.Context(
        id_number=adult.id_number,
        acting={"id_number": adult.id_number, "phone": "0912345678"},
        answers={"other": parent.id_number},
        previous=("hồ sơ X-1", {"copies": 2}),
    )
    assert prefill.resolve("population:spouse.full_name", ctx) == prefill.Prefilled(spouse.full_name, POP)
    assert prefill.resolve("population:birth_date", ctx) == prefill.Prefilled(
        adult.birth_date.isoformat(), POP, locked=True
    )
    assert prefill.resolve("population:full_name@other", ctx).value == parent.full_name
    assert prefill.resolve("acting:phone", ctx) == prefill.Prefilled(
        "0912345678", "Tài khoản định danh điện tử"
    )
    assert prefill.resolve("previous:copies", ctx) == prefill.Prefilled(
        "2", "Hồ sơ bạn đã nộp trước đây (hồ sơ X-1)"
    )
    marriages = [e for e in get("civil_status").events_of(adult.id_number) if e.kind == "marriage"]
    found = prefill.resolve("civil_status:marriage.registration_number", ctx)
    if marriages:
        assert found.value == max(marriages, key=lambda e: e.registered_on).registration_number
        assert found.label == "Cơ sở dữ liệu hộ tịch điện tử"
    else:
        assert found is None
    parent_ctx = prefill.Context(
        id_number=parent.id_number, acting={"id_number": parent.id_number}, answers={}
    )
    birth = prefill.resolve("datastore:giay_chung_sinh:birth_place", parent_ctx)
    assert birth.label == "Kho dữ liệu điện tử của bạn (Giấy chứng sinh điện tử)" and birth.value
    assert prefill.resolve("datastore:giay_chung_sinh:birth_place", ctx) is None  # not the adult's paper
    with sandbox.behaviour(fail=True), pytest.raises(prefill.RegistryUnavailable):
        prefill.resolve("population:full_name", ctx)


def test_a_locked_date_reads_day_month_year_not_iso(client, forms, people, with_hospital_papers):
    widow = people["widow"]
    sign_in(client, widow)
    draft = start(client, DEATH)
    schema = draft.definition.schema["properties"]
    locked_dates = [
        name
        for name, origin in draft.provenance.items()
        if origin.get("locked") and schema.get(name, {}).get("format") == "date" and draft.answers.get(name)
    ]
    assert locked_dates, "the death e-form locks a date from the registry (the applicant's birth date)"
    name = locked_dates[0]
    iso = draft.answers[name]
    page = next(i for i, p in enumerate(draft.definition.ui["pages"]) if name in p["fields"])
    html = client.get(page_url(draft, page)).content.decode()
    assert f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]}" in html
    assert iso not in html
