"""Who may use the officers' site: sign-in, and the authorization matrix of every officer URL."""

import csv
import io
from dataclasses import dataclass, field

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from motcua.audit.models import AuditEntry
from motcua.backoffice import queues
from motcua.dossiers import services
from motcua.dossiers.models import Dossier, DossierHistory, Status
from motcua.eid import officers
from motcua.places.models import Agency

from .conftest import FINANCE, PDF_BYTES
from .test_reception import form_data

pytestmark = pytest.mark.django_db
FORBIDDEN_TEXT = "Trang cán bộ chỉ dành cho cán bộ"


# --- sign-in -----------------------------------------------------------------------------------


def test_sign_in_and_out(client, people):
    officer = people["reception"]
    officer.set_password("mat-khau-rat-dai-2026")
    officer.save()
    page = client.get("/can-bo/dang-nhap/").content.decode()
    assert '<html lang="vi">' in page and "Đăng nhập trang cán bộ" in page
    assert '<label for="id_username">Tên đăng nhập</label>' in page
    assert '<label for="id_password">Mật khẩu</label>' in page
    response = client.post("/can-bo/dang-nhap/", {"username": "tiep_nhan", "password": "sai"})
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    device = officers.ensure_device(officer)  # the second factor: motcua/backoffice/tests/test_sign_in.py
    response = client.post(
        "/can-bo/dang-nhap/",
        {"username": "tiep_nhan", "password": "mat-khau-rat-dai-2026", "next": "/can-bo/tiep-nhan/"},
    )
    assert response.status_code == 302 and response["Location"].startswith("/can-bo/dang-nhap/ma-xac-thuc/")
    response = client.post(
        response["Location"], {"ma_xac_thuc": officers.next_usable_code(device), "next": "/can-bo/tiep-nhan/"}
    )
    assert response.status_code == 302 and response["Location"] == "/can-bo/tiep-nhan/"
    assert client.get("/can-bo/").status_code == 200
    client.post(
        "/can-bo/dang-nhap/",
        {"username": "tiep_nhan", "password": "mat-khau-rat-dai-2026", "next": "https://evil.example/"},
    )
    response = client.post(
        "/can-bo/dang-nhap/ma-xac-thuc/",
        {"ma_xac_thuc": officers.next_usable_code(device), "next": "https://evil.example/"},
    )
    assert response["Location"] == "/can-bo/"  # no open redirect
    assert client.get("/can-bo/dang-xuat/").status_code == 405  # logging out is a POST
    response = client.post("/can-bo/dang-xuat/")
    assert response.status_code == 302 and response["Location"] == "/can-bo/dang-nhap/"
    assert client.get("/can-bo/").status_code == 302


def test_every_page_offers_a_logout_form(people, as_user):
    page = as_user(people["reception"]).get("/can-bo/").content.decode()
    assert 'action="/can-bo/dang-xuat/"' in page and 'name="csrfmiddlewaretoken"' in page


def test_a_signed_in_citizen_gets_a_clear_403(people, as_user):
    response = as_user(people["citizen"]).get("/can-bo/")
    assert response.status_code == 403
    page = response.content.decode()
    assert FORBIDDEN_TEXT in page and '<html lang="vi">' in page and "Đăng xuất" in page


def test_a_superuser_without_roles_may_use_the_site(make_dossier, as_user):
    from motcua.people.models import User

    boss = User.objects.create(username="sieu", is_superuser=True, is_staff=True)
    dossier = make_dossier()
    client = as_user(boss)
    assert client.get("/can-bo/").status_code == 200
    assert dossier.code in [r["code"] for r in client.get("/can-bo/hang/tat-ca/").context["rows"]]
    assert client.get(f"/can-bo/ho-so/{dossier.code}/").status_code == 200


# --- the matrix ---------------------------------------------------------------------------------


@dataclass
class Call:
    kind: str  # queue | export | dossier | document | action | reception | reception_post | bulk | done
    method: str
    url: str
    data: dict = field(default_factory=dict)
    action: str = ""

    def __str__(self) -> str:
        return f"{self.method} {self.url} {self.action}"


def every_officer_url(dossier, doc, procedure) -> list[Call]:
    calls = []
    for slug in queues.QUEUES:
        url = reverse("backoffice:queue") if slug == queues.MINE else f"/can-bo/hang/{slug}/"
        calls.append(Call("queue", "get", url))
        calls.append(Call("export", "get", url + "?format=csv&trang_thai=tat-ca"))
        calls.append(Call("export", "get", url + "?format=xlsx&trang_thai=tat-ca"))
    calls.append(Call("dossier", "get", f"/can-bo/ho-so/{dossier.code}/"))
    calls.append(Call("document", "get", f"/can-bo/ho-so/{dossier.code}/giay-to/{doc.pk}/"))
    calls.append(Call("done", "get", f"/can-bo/tiep-nhan/da-nhan/{dossier.code}/"))
    for action in services.TRANSITIONS:
        data = {
            "version": dossier.version,
            "reason": "Lý do",
            "assignee": "0",
            "answer": "Trả lời",
            "amount": "10000",
            "question": "Hỏi",
            "days": "3",
            "kind": "consult",
            "to_agencies": [str(Agency.objects.get(code=FINANCE).pk)],
            "new_due": "2026-03-16",
        }
        calls.append(Call("action", "post", f"/can-bo/ho-so/{dossier.code}/thao-tac/{action}/", data, action))
    calls.append(Call("reception", "get", "/can-bo/tiep-nhan/"))
    calls.append(Call("reception", "get", f"/can-bo/tiep-nhan/?thu_tuc={procedure.code}"))
    calls.append(Call("reception_post", "post", "/can-bo/tiep-nhan/", form_data(procedure)))
    calls.append(
        Call("bulk", "post", "/can-bo/hang-loat/", {"action": "return_result", "ho_so": [f"{dossier.pk}:1"]})
    )
    return calls


@pytest.fixture
def scene(make_dossier, people, procedure):
    dossier = make_dossier()
    doc = dossier.documents.first()
    doc.file.save("scan.pdf", ContentFile(PDF_BYTES))
    doc.content_type = "application/pdf"
    doc.save()
    return dossier, doc, every_officer_url(dossier, doc, procedure)


def snapshot(dossier) -> tuple:
    d = Dossier.objects.get(pk=dossier.pk)
    return d.version, d.status, d.assignee_id, DossierHistory.objects.filter(dossier=d).count()


def send(client, call: Call):
    return client.get(call.url) if call.method == "get" else client.post(call.url, call.data)


def test_anonymous_visitors_are_sent_to_the_sign_in_page(scene, client):
    dossier, _doc, calls = scene
    for call in calls:
        response = send(client, call)
        assert response.status_code == 302, call
        assert response["Location"].startswith("/can-bo/dang-nhap/?next="), call
    assert Dossier.objects.count() == 1 and snapshot(dossier)[0] == dossier.version


def test_a_citizen_account_gets_403_everywhere(scene, people, as_user):
    dossier, _doc, calls = scene
    before = snapshot(dossier)
    client = as_user(people["citizen"])  # the applicant of this very dossier
    for call in calls:
        response = send(client, call)
        assert response.status_code == 403, call
        assert FORBIDDEN_TEXT in response.content.decode(), call
    assert snapshot(dossier) == before and Dossier.objects.count() == 1


def test_an_officer_of_another_agency_sees_nothing_of_it(scene, people, as_user):
    dossier, _doc, calls = scene
    before = snapshot(dossier)
    client = as_user(people["other_reception"])
    for call in calls:
        response = send(client, call)
        if call.kind == "queue":
            assert response.status_code == 200 and response.context["rows"] == [], call
        elif call.kind == "export":
            assert response.status_code == 200, call
            if "csv" in call.url:
                assert len(list(csv.reader(io.StringIO(response.content.decode()[1:])))) == 1, call
        elif call.kind in ("dossier", "document", "action", "done"):
            assert response.status_code == 404, call  # not 403: codes cannot be probed
        elif call.kind == "reception":
            assert response.status_code == 200, call  # a reception officer, at their own commune
        elif call.kind == "reception_post":
            assert response.status_code == 400, call  # the centre is not one of their agencies
        elif call.kind == "bulk":
            assert response.status_code == 200 and not response.context["results"][0]["ok"], call
            assert response.context["results"][0]["code"] == ""
    assert snapshot(dossier) == before and Dossier.objects.count() == 1


def test_an_officer_with_the_wrong_role_is_refused_and_nothing_changes(scene, people, as_user):
    dossier, _doc, calls = scene
    before = snapshot(dossier)
    officers = [people[k] for k in ("approver", "specialist", "reception", "head")]
    current = Dossier.objects.get(pk=dossier.pk)
    for call in calls:
        if call.kind == "action":
            wrong = [
                u
                for u in officers
                if call.action not in {t.name for t in services.allowed_actions(u, current)}
            ]
            assert wrong, call
            response = send(as_user(wrong[0]), call)
            assert response.status_code in (400, 403, 409), (call, wrong[0])
            assert 'role="alert"' in response.content.decode()
        elif call.kind in ("reception", "reception_post"):
            response = send(as_user(people["specialist"]), call)
            assert response.status_code == 403, call
        elif call.kind == "bulk":
            response = send(as_user(people["specialist"]), call)
            assert not response.context["results"][0]["ok"], call
        else:  # reading is their job: the specialist of the handling agency sees the dossier
            assert send(as_user(people["specialist"]), call).status_code == 200, call
        assert snapshot(dossier) == before, call
    assert Dossier.objects.count() == 1


def test_the_right_role_is_served(scene, people, as_user):
    dossier, _doc, calls = scene
    for call in calls:
        if call.kind in ("action", "bulk", "reception_post"):
            continue  # below, and in the journey test
        response = send(as_user(people["reception"]), call)
        assert response.status_code == 200, call
        if call.kind == "queue" and "tat-ca" in call.url:
            assert [r["code"] for r in response.context["rows"]] == [dossier.code]
    response = as_user(people["reception"]).post(
        "/can-bo/tiep-nhan/", [c for c in calls if c.kind == "reception_post"][0].data
    )
    assert response.status_code == 302 and Dossier.objects.count() == 2
    assert AuditEntry.objects.filter(action="dossier.view", object_id=str(dossier.pk)).exists()


def post_action(client, dossier, action, **data):
    dossier.refresh_from_db()
    response = client.post(
        f"/can-bo/ho-so/{dossier.code}/thao-tac/{action}/", {"version": dossier.version, **data}
    )
    assert response.status_code == 302, (action, response.content.decode()[:3000])
    dossier.refresh_from_db()
    return dossier


def test_every_action_succeeds_for_the_right_role(make_dossier, online_dossier, people, as_user):
    """Each transition of the table, taken through its form by an officer allowed to take it."""
    reception = as_user(people["reception"])
    accepted = post_action(reception, online_dossier(1), "receive")
    assert accepted.status == Status.RECEIVED
    refused = post_action(reception, online_dossier(2), "refuse_reception", reason="Không thuộc thẩm quyền")
    assert refused.status == Status.NOT_RECEIVED

    d = make_dossier()
    post_action(as_user(people["reception"]), d, "request_supplement", reason="Thiếu ảnh 4x6")
    post_action(as_user(people["reception"]), d, "receive_supplement")
    post_action(as_user(people["head"]), d, "assign", assignee=people["specialist"].pk)
    specialist = as_user(people["specialist"])
    post_action(
        specialist,
        d,
        "consult",
        to_agencies=[Agency.objects.get(code=FINANCE).pk],
        question="Ý kiến?",
        days=3,
        kind="consult",
    )
    post_action(as_user(people["finance"]), d, "answer_consultation", answer="Đồng ý")
    post_action(as_user(people["specialist"]), d, "request_payment", amount=50000)
    assert d.status == Status.FINANCIAL and d.fee_due == 50000
    post_action(as_user(people["reception"]), d, "mark_paid", reference="BL-001")
    post_action(as_user(people["specialist"]), d, "complete_step")
    post_action(as_user(people["head"]), d, "apologise", new_due="2026-03-20", reason="Chờ xác minh")
    post_action(as_user(people["approver"]), d, "refuse", reason="Không đủ điều kiện")
    post_action(as_user(people["reception"]), d, "return_result")
    assert d.status == Status.RETURNED and d.fee_paid == 50000 and d.apology_count == 1

    approved = make_dossier()
    post_action(as_user(people["head"]), approved, "assign", assignee=people["specialist"].pk)
    post_action(as_user(people["specialist"]), approved, "complete_step")
    post_action(as_user(people["approver"]), approved, "approve")
    assert approved.status == Status.DONE
    page = as_user(people["approver"]).get(f"/can-bo/ho-so/{approved.code}/").content.decode()
    assert f'action="/can-bo/ho-so/{approved.code}/ky-ket-qua/"' in page  # signing is the dossiers app's

    withdrawn = make_dossier()
    post_action(as_user(people["reception"]), withdrawn, "request_withdrawal")
    post_action(as_user(people["reception"]), withdrawn, "stop")
    assert withdrawn.status == Status.STOPPED
    taken = set(DossierHistory.objects.values_list("action", flat=True))
    assert set(services.TRANSITIONS) - taken == {"issue_result"}
