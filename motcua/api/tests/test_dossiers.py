"""Dossiers through the API: scoped like the screens, acted on like the back office, audited."""

import pytest

from motcua.api import services as api_services
from motcua.audit.models import AuditEntry
from motcua.core.models import Event
from motcua.dossiers import services
from motcua.dossiers.models import DossierHistory, Status
from motcua.people.models import User

from .conftest import CENTER, FINANCE, JUSTICE, csrf_headers

pytestmark = pytest.mark.django_db


def url(dossier, tail: str = "") -> str:
    return f"/api/v1/dossiers/{dossier.code}{tail}"


def act(dossier, action, user, **params):
    dossier.refresh_from_db()
    services.perform(dossier, action, user, **params)
    dossier.refresh_from_db()
    return dossier


@pytest.fixture
def other_citizen(people):
    return User.objects.create(username="cong_dan_b", full_name="Lò Văn Bình", personal_id="014090009999")


@pytest.fixture
def dossier_of_b(people, procedure, clock, other_citizen):
    """Citizen B's dossier, received at the counter like A's."""
    from motcua.dossiers.intake import Applicant, receive_in_person
    from motcua.places.models import Agency

    applicant = Applicant(name="Lò Văn Bình", id_number=other_citizen.personal_id, user=other_citizen)
    return receive_in_person(
        people["reception"], Agency.objects.get(code=CENTER), procedure, applicant, papers=[]
    )


# --- scoping --------------------------------------------------------------------------------------


def test_a_citizen_sees_their_own_dossiers_and_not_someone_elses(
    client, person_client, people, make_dossier, dossier_of_b
):
    mine = make_dossier()
    c = person_client(people["citizen"], citizen=True)
    listed = c.get("/api/v1/dossiers").json()["items"]
    assert [d["code"] for d in listed] == [mine.code]
    assert c.get(url(mine)).status_code == 200
    refused = c.get(url(dossier_of_b))
    assert refused.status_code == 404
    assert refused.json()["error"] == "not_found"
    # Same answer as a code that does not exist: existence is not revealed.
    assert c.get("/api/v1/dossiers/000.00.30.H52-260302-9999").json() == refused.json()
    # A citizen reading their own dossier is not an "other person's data" read.
    assert not AuditEntry.objects.filter(action__startswith="api.").exists()


def test_a_system_sees_only_dossiers_of_its_agencies_and_each_read_is_audited(client, bearer, make_dossier):
    dossier = make_dossier()  # received at the centre, handled by the Department of Justice
    justice = bearer((JUSTICE,), "dossiers:read")
    finance = bearer((FINANCE,), "dossiers:read")

    assert [d["code"] for d in client.get("/api/v1/dossiers", **justice).json()["items"]] == [dossier.code]
    detail = client.get(url(dossier), **justice)
    assert detail.status_code == 200
    body = detail.json()
    assert body["applicant"]["id_number"] == "014090001111"
    assert body["allowed_actions"] == []  # no dossiers:write
    assert [h["action"] for h in body["history"]] == list(dossier.history.values_list("action", flat=True))

    assert client.get("/api/v1/dossiers", **finance).json()["items"] == []
    assert client.get(url(dossier), **finance).status_code == 404

    reads = AuditEntry.objects.filter(action__in=["api.dossier_list", "api.dossier_view"])
    assert {e.action for e in reads} == {"api.dossier_list", "api.dossier_view"}
    assert all(e.actor.startswith("api:mc-") for e in reads)
    assert reads.get(action="api.dossier_view").object_id == str(dossier.pk)


def test_officers_see_what_their_roles_allow_and_only_after_the_second_factor(
    client, person_client, people, make_dossier
):
    dossier = make_dossier()
    specialist = person_client(people["specialist"])
    assert specialist.get(url(dossier)).status_code == 200
    assert AuditEntry.objects.filter(
        action="api.dossier_view", actor=people["specialist"].username, object_id=str(dossier.pk)
    ).exists()
    commune = person_client(people["other_reception"])
    assert commune.get(url(dossier)).status_code == 404
    assert commune.get("/api/v1/dossiers").json()["items"] == []

    client.force_login(people["specialist"])  # password only, no TOTP step
    assert client.get(url(dossier)).status_code == 401


def test_filters_and_pages(client, bearer, make_dossier, people):
    first, second, third = make_dossier(), make_dossier(), make_dossier()
    act(second, "assign", people["head"], assignee=people["specialist"])
    auth = bearer((JUSTICE,), "dossiers:read")
    page = client.get("/api/v1/dossiers?limit=2", **auth).json()
    assert [d["code"] for d in page["items"]] == [third.code, second.code]
    assert page["next_offset"] == 2
    rest = client.get("/api/v1/dossiers?limit=2&offset=2", **auth).json()
    assert [d["code"] for d in rest["items"]] == [first.code] and rest["next_offset"] is None
    processing = client.get(f"/api/v1/dossiers?status={Status.PROCESSING}", **auth).json()["items"]
    assert [d["code"] for d in processing] == [second.code]
    bad = client.get("/api/v1/dossiers?updated_since=0.5", **auth)
    assert bad.status_code == 422
    assert bad.json()["error"] == "validation_error" and "updated_since" in bad.json()["message"]


# --- transitions -----------------------------------------------------------------------------------


def test_a_transition_through_the_api_writes_history_audit_and_event_like_the_screen(
    person_client, people, make_dossier
):
    dossier = make_dossier()
    c = person_client(people["head"])
    response = c.post(
        url(dossier, "/transitions"),
        {"action": "assign", "version": dossier.version, "assignee": people["specialist"].username},
        content_type="application/json",
        **csrf_headers(c),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == Status.PROCESSING and body["version"] == dossier.version + 1
    entry = DossierHistory.objects.get(dossier=dossier, action="assign")
    assert entry.actor == people["head"] and entry.agency.code == JUSTICE
    assert AuditEntry.objects.filter(action="dossier.assign", object_id=str(dossier.pk)).exists()
    assert Event.objects.filter(topic="dossier.assign", aggregate_id=dossier.code).exists()
    dossier.refresh_from_db()
    assert dossier.assignee == people["specialist"]


def test_a_session_post_needs_the_csrf_token_and_changes_nothing_without(person_client, people, make_dossier):
    dossier = make_dossier()
    c = person_client(people["head"])
    response = c.post(
        url(dossier, "/transitions"),
        {"action": "assign", "version": dossier.version, "assignee": people["specialist"].username},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["error"] == "csrf_failed"
    before = dossier.version
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED and dossier.version == before


def test_stale_versions_wrong_roles_and_bad_input_change_nothing(person_client, people, make_dossier):
    dossier = make_dossier()
    v = dossier.version
    history = list(dossier.history.values_list("action", flat=True))
    head = person_client(people["head"])

    def post(c, data):
        return c.post(url(dossier, "/transitions"), data, content_type="application/json", **csrf_headers(c))

    stale = post(head, {"action": "assign", "version": v + 5, "assignee": people["specialist"].username})
    assert stale.status_code == 409 and stale.json()["error"] == "stale_version"

    no_reason = post(person_client(people["reception"]), {"action": "request_supplement", "version": v})
    assert no_reason.status_code == 400 and no_reason.json()["error"] == "invalid_input"
    assert "lý do" in no_reason.json()["message"]

    unknown = post(head, {"action": "delete", "version": v})
    assert unknown.status_code == 422 and unknown.json()["details"][0]["loc"][-1] == "action"

    nobody = post(head, {"action": "assign", "version": v, "assignee": "khong_co_ai"})
    assert nobody.status_code == 400 and "khong_co_ai" in nobody.json()["message"]

    finance = person_client(people["finance"])
    other = finance.post(
        url(dossier, "/transitions"),
        {"action": "approve", "version": v},
        content_type="application/json",
        **csrf_headers(finance),
    )
    assert other.status_code == 404  # not their agency's dossier: not even visible

    approver = person_client(people["approver"])
    wrong_state = approver.post(
        url(dossier, "/transitions"),
        {"action": "approve", "version": v},
        content_type="application/json",
        **csrf_headers(approver),
    )
    assert wrong_state.status_code == 409 and wrong_state.json()["error"] == "wrong_state"

    dossier.refresh_from_db()
    assert dossier.version == v and dossier.status == Status.RECEIVED
    assert list(dossier.history.values_list("action", flat=True)) == history


def test_a_system_takes_only_system_transitions_without_csrf(client, bearer, make_dossier, people):
    from django.test import Client

    dossier = make_dossier()
    act(dossier, "assign", people["head"], assignee=people["specialist"])
    act(dossier, "request_payment", people["specialist"], amount=150000)
    strict = Client(enforce_csrf_checks=True)
    auth = bearer((JUSTICE,), "dossiers:read dossiers:write")

    detail = strict.get(url(dossier), **auth).json()
    assert detail["allowed_actions"] == ["mark_paid"]
    refused = strict.post(
        url(dossier, "/transitions"),
        {"action": "request_withdrawal", "version": dossier.version},
        content_type="application/json",
        **auth,
    )
    assert refused.status_code == 403 and refused.json()["error"] == "not_allowed"

    paid = strict.post(
        url(dossier, "/transitions"),
        {"action": "mark_paid", "version": dossier.version, "reference": "GD-001"},
        content_type="application/json",
        **auth,
    )
    assert paid.status_code == 200, paid.content
    assert paid.json()["status"] == Status.PROCESSING
    entry = DossierHistory.objects.get(dossier=dossier, action="mark_paid")
    assert entry.actor is None and entry.actor_name == "Hệ thống thử nghiệm"
    assert entry.actor_title == "Hệ thống kết nối"
    assert AuditEntry.objects.filter(action="dossier.mark_paid", actor__startswith="api:mc-").exists()


def test_writing_needs_the_write_scope(client, bearer, make_dossier):
    dossier = make_dossier()
    response = client.post(
        url(dossier, "/transitions"),
        {"action": "mark_paid", "version": 1},
        content_type="application/json",
        **bearer((JUSTICE,), "dossiers:read"),
    )
    assert response.status_code == 403 and response.json()["error"] == "insufficient_scope"
    assert 'scope="dossiers:write"' in response["WWW-Authenticate"]


# --- documents, results, ratings -------------------------------------------------------------------


def test_document_files_need_the_documents_scope_and_each_download_is_audited(client, bearer, make_dossier):
    from django.core.files.base import ContentFile

    dossier = make_dossier()
    doc = dossier.documents.first()
    doc.file.save("don.pdf", ContentFile(b"%PDF-1.4 thu"), save=False)
    doc.content_type = "application/pdf"
    doc.save()
    listed = client.get(url(dossier, "/documents"), **bearer((JUSTICE,), "dossiers:read")).json()
    assert listed[0]["id"] == doc.pk and listed[0]["has_file"] is True

    file_url = url(dossier, f"/documents/{doc.pk}/file")
    assert client.get(file_url, **bearer((JUSTICE,), "dossiers:read")).status_code == 403
    assert client.get(file_url, **bearer((FINANCE,), "dossiers:read documents:read")).status_code == 404
    ok = client.get(file_url, **bearer((JUSTICE,), "documents:read"))
    assert ok.status_code == 200 and b"".join(ok.streaming_content) == b"%PDF-1.4 thu"
    assert AuditEntry.objects.filter(action="api.document_download", object_id=str(dossier.pk)).count() == 1


@pytest.fixture
def returned(make_dossier, people, clock):
    """A dossier approved, signed (sandbox CA) and returned."""
    from motcua.dossiers import results

    dossier = make_dossier()
    act(dossier, "assign", people["head"], assignee=people["specialist"])
    clock.set(2026, 3, 5, 10, 0)
    act(dossier, "approve", people["approver"])
    result = results.issue_result(dossier, people["approver"], expected_version=dossier.version + 0)
    dossier.refresh_from_db()
    act(dossier, "return_result", people["reception"])
    return dossier, result


def test_results_are_read_with_scope_and_verified_publicly_without_personal_data(client, bearer, returned):
    dossier, result = returned
    auth = bearer((JUSTICE,), "results:read")
    meta = client.get(url(dossier, "/result"), **auth).json()
    assert meta["sha256"] == result.sha256
    pdf = client.get(url(dossier, "/result/file"), **auth)
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")

    public = client.get(f"/api/v1/results/{dossier.code}/verify?sha256={result.sha256}")
    assert public.status_code == 200
    body = public.json()
    assert body["matches"] is True and body["dossier_code"] == dossier.code
    text = public.content.decode()
    assert "Ánh" not in text and "014090001111" not in text and "anh@example.vn" not in text
    by_hash = client.get(f"/api/v1/results/verify?sha256={result.sha256.upper()}")
    assert by_hash.status_code == 200 and by_hash.json()["dossier_code"] == dossier.code
    other = client.get(f"/api/v1/results/{dossier.code}/verify?sha256={'0' * 64}").json()
    assert other["matches"] is False
    assert client.get(f"/api/v1/results/verify?sha256={'0' * 64}").status_code == 404
    assert client.get("/api/v1/results/verify?sha256=xyz").status_code == 422


def test_public_verification_is_rate_limited(client, reference_data, settings):
    settings.MOTCUA_VERIFY_RATE = (2, 600)
    statuses = [client.get(f"/api/v1/results/verify?sha256={'a' * 64}").status_code for _ in range(3)]
    assert statuses == [404, 404, 429]


def test_the_applicant_rates_once_and_others_cannot(client, person_client, bearer, people, returned):
    dossier, _result = returned
    citizen = person_client(people["citizen"], citizen=True)
    headers = csrf_headers(citizen)
    rating_url = url(dossier, "/rating")
    first = citizen.post(
        rating_url, {"level": 4, "comment": "Nhanh"}, content_type="application/json", **headers
    )
    assert first.status_code == 201, first.content
    assert first.json()["level_label"] == "Rất hài lòng"
    assert Event.objects.filter(topic="rating.create", aggregate_id=dossier.code).exists()
    again = citizen.post(rating_url, {"level": 3}, content_type="application/json", **headers)
    assert again.status_code == 409
    out_of_range = citizen.post(rating_url, {"level": 9}, content_type="application/json", **headers)
    assert out_of_range.status_code == 422

    system = client.post(
        rating_url, {"level": 1}, content_type="application/json", **bearer((JUSTICE,), "dossiers:write")
    )
    assert system.status_code == 403


def test_a_rating_before_the_result_is_refused_clearly(person_client, people, make_dossier):
    dossier = make_dossier()
    citizen = person_client(people["citizen"], citizen=True)
    response = citizen.post(
        url(dossier, "/rating"), {"level": 3}, content_type="application/json", **csrf_headers(citizen)
    )
    assert response.status_code == 400
    assert "chưa có kết quả" in response.json()["message"]


def test_tokens_of_a_client_name_the_client_in_the_audit(make_client):
    api_client, secret = make_client()
    api_services.issue_token(api_client.client_id, secret)
    assert AuditEntry.objects.filter(action="api.token", actor=f"api:{api_client.client_id}").exists()
