"""The dossier page: what it shows, the actions it offers, and how an action is taken."""

import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from motcua.audit.models import AuditEntry
from motcua.dossiers import services
from motcua.dossiers.models import Dossier, DossierHistory, Status

from .conftest import FINANCE, PDF_BYTES, act

pytestmark = pytest.mark.django_db


def page_url(dossier) -> str:
    return reverse("backoffice:dossier", args=[dossier.code])


def action_url(dossier, action: str) -> str:
    return reverse("backoffice:act", args=[dossier.code, action])


def offered(response) -> set[str]:
    return set(re.findall(r'id="thao-tac-([a-z_]+)"', response.content.decode()))


def state(dossier) -> tuple:
    dossier.refresh_from_db()
    return dossier.version, dossier.status, DossierHistory.objects.filter(dossier=dossier).count()


def test_the_page_shows_the_whole_dossier(make_dossier, people, as_user):
    dossier = make_dossier()
    act(dossier, "assign", people["head"], assignee=people["specialist"])
    response = as_user(people["specialist"]).get(page_url(dossier))
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        dossier.code,
        "Nguyễn Thị Ánh",
        "014090001111",
        "anh@example.vn",
        f'href="/thu-tuc/{dossier.procedure.code}/"',  # the public procedure page
        "Trực tiếp",
        "4. Đang xử lý",
        "17:00 09/03/2026",  # the appointment
        "Còn ",  # the countdown
        "Thẩm định hồ sơ",  # a step
        "Sở Tư pháp Tỉnh Sơn La",
        "Phân công xử lý",  # the history
        "Thông báo đã gửi",
        "Cấp thẻ tư vấn viên pháp luật",
    ):
        assert text in page, text
    assert page.count("<h1") == 1 and "style=" not in page and "<script" not in page


@pytest.mark.parametrize("who", ["reception", "specialist", "head", "approver"])
def test_only_the_allowed_actions_are_offered(who, make_dossier, online_dossier, people, as_user):
    for dossier in (online_dossier(), make_dossier()):
        user = people[who]
        allowed = {t.name for t in services.allowed_actions(user, Dossier.objects.get(pk=dossier.pk))}
        response = as_user(user).get(page_url(dossier))
        assert offered(response) == allowed, (who, dossier.status)
    assert offered(as_user(people["reception"]).get(page_url(online_dossier(2)))) >= {
        "receive",
        "refuse_reception",
    }


def test_every_action_form_carries_the_version_and_a_csrf_token(make_dossier, people, as_user):
    dossier = make_dossier()
    page = as_user(people["head"]).get(page_url(dossier)).content.decode()
    forms = re.findall(
        r"<form method=\"post\" action=\"/can-bo/ho-so/[^\"]+/thao-tac/[a-z_]+/\">.*?</form>", page, re.S
    )
    assert forms
    for form in forms:
        assert 'name="csrfmiddlewaretoken"' in form
        assert f'name="version" value="{dossier.version}"' in form
    assert '<label for="assign-assignee">Giao cho</label>' in page  # stable labels for browser tests
    assignees = page.split('id="assign-assignee"')[1].split("</select>")[0]
    assert ">Chuyen Vien<" in assignees  # the handling agency's specialists, by name
    assert "(chuyen_vien)" not in assignees  # no username
    assert "Tiep Nhan" not in assignees


def test_an_action_is_taken_through_perform_and_redirects(make_dossier, people, as_user):
    dossier = make_dossier()
    client = as_user(people["head"])
    response = client.post(
        action_url(dossier, "assign"),
        {"version": dossier.version, "assignee": people["specialist"].pk, "note": "Xử lý trước ngày 5"},
    )
    assert response.status_code == 302 and response["Location"] == page_url(dossier)
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING and dossier.assignee == people["specialist"]
    entry = dossier.history.latest("id")
    assert entry.action == "assign" and entry.note == "Xử lý trước ngày 5" and entry.actor == people["head"]
    assert "Đã thực hiện: Phân công xử lý." in client.get(page_url(dossier)).content.decode()


def test_a_stale_version_shows_the_conflict_and_changes_nothing(make_dossier, people, as_user):
    dossier = make_dossier()
    seen = dossier.version
    act(dossier, "request_supplement", people["reception"], reason="Thiếu ảnh")  # someone else, meanwhile
    before = state(dossier)
    response = as_user(people["reception"]).post(
        action_url(dossier, "receive_supplement"), {"version": seen, "note": "Đã nhận đủ"}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert services.STALE_MESSAGE in page and 'role="alert"' in page
    assert state(dossier) == before
    # the page now offers the action again with the current version
    assert f'name="version" value="{before[0]}"' in page


def test_a_refused_action_shows_the_reason_and_keeps_what_was_typed(make_dossier, people, as_user):
    dossier = make_dossier()
    before = state(dossier)
    client = as_user(people["reception"])
    response = client.post(
        action_url(dossier, "request_supplement"), {"version": dossier.version, "reason": ""}
    )
    assert response.status_code == 400 and state(dossier) == before
    assert "This field is required" in response.content.decode() or "bắt buộc" in response.content.decode()
    act(dossier, "request_supplement", people["reception"], reason="Thiếu ảnh")
    act(dossier, "receive_supplement", people["reception"])
    before = state(dossier)
    response = client.post(
        action_url(dossier, "request_supplement"),
        {"version": dossier.version, "reason": "Thiếu bản sao lần 2"},
    )
    assert response.status_code == 400 and state(dossier) == before
    page = response.content.decode()
    assert "chỉ yêu cầu lần nữa khi pháp luật chuyên ngành" in page.lower() or "Chỉ yêu cầu lần nữa" in page
    assert "Thiếu bản sao lần 2" in page  # what was typed is still there


def test_an_unknown_action_is_a_404_and_a_get_is_refused(make_dossier, people, as_user):
    dossier = make_dossier()
    client = as_user(people["head"])
    assert client.post(action_url(dossier, "delete_everything"), {"version": 1}).status_code == 404
    assert client.get(action_url(dossier, "assign")).status_code == 405


def test_a_missing_version_is_refused(make_dossier, people, as_user):
    dossier = make_dossier()
    before = state(dossier)
    response = as_user(people["head"]).post(
        action_url(dossier, "assign"), {"assignee": people["specialist"].pk}
    )
    assert response.status_code == 400 and state(dossier) == before


def test_reading_the_page_is_audited(make_dossier, people, as_user):
    dossier = make_dossier()
    as_user(people["specialist"]).get(page_url(dossier))
    entry = AuditEntry.objects.filter(action="dossier.view").latest("sequence")
    assert entry.actor == "chuyen_vien" and entry.object_id == str(dossier.pk)


def test_the_page_reads_a_bounded_number_of_queries(
    make_dossier, people, as_user, django_assert_max_num_queries
):
    dossier = make_dossier()
    act(dossier, "assign", people["head"], assignee=people["specialist"])
    client = as_user(people["head"])
    client.get(page_url(dossier))
    with django_assert_max_num_queries(40):
        assert client.get(page_url(dossier)).status_code == 200


def test_a_document_is_served_through_a_check_never_from_media_url(make_dossier, people, as_user, settings):
    dossier = make_dossier()
    doc = dossier.documents.first()
    doc.file.save("scan.pdf", ContentFile(PDF_BYTES))
    doc.content_type = "application/pdf"
    doc.save()
    page = as_user(people["specialist"]).get(page_url(dossier)).content.decode()
    url = reverse("backoffice:document", args=[dossier.code, doc.pk])
    assert f'href="{url}"' in page and settings.MEDIA_URL + "dossiers" not in page
    response = as_user(people["specialist"]).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Cache-Control"] == "private, no-store"
    assert AuditEntry.objects.filter(action="dossier.document_view", object_id=str(dossier.pk)).exists()
    assert as_user(people["other_reception"]).get(url).status_code == 404
    assert as_user(people["finance"]).get(url).status_code == 404
    other = make_dossier()
    wrong_pair = reverse("backoffice:document", args=[other.code, doc.pk])
    assert as_user(people["specialist"]).get(wrong_pair).status_code == 404


def test_a_consulted_agency_sees_the_dossier_and_answers(make_dossier, people, as_user):
    from motcua.places.models import Agency

    dossier = make_dossier()
    assert as_user(people["finance"]).get(page_url(dossier)).status_code == 404
    act(dossier, "assign", people["head"], assignee=people["specialist"])
    response = as_user(people["specialist"]).post(
        action_url(dossier, "consult"),
        {
            "version": dossier.version,
            "to_agencies": [Agency.objects.get(code=FINANCE).pk],
            "kind": "consult",
            "question": "Đề nghị cho ý kiến về lệ phí",
            "days": 3,
        },
    )
    assert response.status_code == 302
    client = as_user(people["finance"])
    assert offered(client.get(page_url(dossier))) == {"answer_consultation"}
    dossier.refresh_from_db()
    response = client.post(
        action_url(dossier, "answer_consultation"), {"version": dossier.version, "answer": "Đồng ý"}
    )
    assert response.status_code == 302
    page = as_user(people["head"]).get(page_url(dossier)).content.decode()
    assert "Đề nghị cho ý kiến về lệ phí" in page and "Đồng ý" in page


def test_apology_with_a_new_date(make_dossier, people, as_user):
    dossier = make_dossier()
    client = as_user(people["head"])
    response = client.post(
        action_url(dossier, "apologise"),
        {"version": dossier.version, "new_due": "2026-03-14", "reason": "Chờ xác minh"},  # a Saturday
    )
    assert response.status_code == 400 and "ngày làm việc" in response.content.decode()
    response = client.post(
        action_url(dossier, "apologise"),
        {"version": dossier.version, "new_due": "2026-03-16", "reason": "Chờ xác minh"},
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.apology_count == 1 and dossier.due_at.isoformat().startswith("2026-03-16T")
    page = client.get(page_url(dossier)).content.decode()
    assert "Xin lỗi và hẹn lại: Chờ xác minh" in page  # the due date change, with its reason
    assert "apologise" not in offered(client.get(page_url(dossier)))  # only once


def test_the_page_links_the_papers_and_the_receipt(make_dossier, people, as_user):
    dossier = make_dossier()
    page = as_user(people["reception"]).get(page_url(dossier)).content.decode()
    for number in ("01", "02", "03", "04", "05", "06"):
        assert f'href="/can-bo/ho-so/{dossier.code}/phieu/{number}/"' in page
