"""Officers answer the feedback cases of their own agency; every opening of a case is audited."""

import pytest
from django.urls import reverse

from motcua.audit.models import AuditEntry
from motcua.dossiers.models import Dossier, Status
from motcua.feedback import services
from motcua.feedback.models import FeedbackCase

from .conftest import JUSTICE, officer

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(make_dossier, people):
    dossier = make_dossier()
    Dossier.objects.filter(pk=dossier.pk).update(status=Status.DONE)
    return services.open_case(
        people["citizen"],
        dossier,
        "Chưa nhận được kết quả",
        "Tôi chưa nhận kết quả.",
        id_numbers={"014090001111"},
    )


def test_the_agency_answers_a_case_from_its_list(as_user, case):
    head = officer("lanh_dao_phong", (JUSTICE, "unit_head"))
    client = as_user(head)
    assert case.code in client.get(reverse("backoffice:feedback_list")).content.decode()
    page = client.get(reverse("backoffice:feedback", args=[case.code]))
    assert page.status_code == 200 and "Tôi chưa nhận kết quả." in page.content.decode()
    assert AuditEntry.objects.filter(
        action="feedback.view", object_id=str(case.pk), actor_id=head.pk
    ).exists()
    url = reverse("backoffice:feedback_act", args=[case.code, "accept"])
    assert client.post(url, {"version": case.version}).status_code == 302
    case.refresh_from_db()
    url = reverse("backoffice:feedback_act", args=[case.code, "answer"])
    response = client.post(url, {"version": case.version, "noi_dung": ""})
    assert response.status_code == 409 and "Nhập nội dung" in response.content.decode()
    client.post(url, {"version": case.version, "noi_dung": "Kết quả đã gửi qua bưu chính."})
    case.refresh_from_db()
    assert case.status == FeedbackCase.Status.ANSWERED and case.handled_by == head


def test_an_officer_of_another_agency_sees_nothing(as_user, case, people):
    client = as_user(people["other_reception"])
    assert case.code not in client.get(reverse("backoffice:feedback_list")).content.decode()
    assert client.get(reverse("backoffice:feedback", args=[case.code])).status_code == 404
    url = reverse("backoffice:feedback_act", args=[case.code, "accept"])
    assert client.post(url, {"version": case.version}).status_code == 404
    case.refresh_from_db()
    assert case.status == FeedbackCase.Status.NEW


def test_a_forged_version_changes_nothing(as_user, case):
    client = as_user(officer("lanh_dao_phong", (JUSTICE, "unit_head")))
    url = reverse("backoffice:feedback_act", args=[case.code, "accept"])
    assert client.post(url, {"version": "abc"}).status_code == 400
    assert client.post(url, {"version": case.version + 5}).status_code == 409
    case.refresh_from_db()
    assert case.status == FeedbackCase.Status.NEW
