"""Signed in: the assistant answers "where is my dossier, what do I still owe" from the citizen's
own dossiers only, and hands a question over to an officer whose answer comes back to them."""

import pytest
from django.urls import reverse

from motcua.dossiers.models import Dossier, Status
from motcua.eid.testing import sign_in_citizen
from motcua.feedback import services as feedback
from motcua.feedback.models import FeedbackCase
from motcua.guide.models import Exchange
from motcua.guide.services import GuideError, ask, handover
from motcua.people.models import User

from .conftest import Role, officer

pytestmark = pytest.mark.django_db


@pytest.fixture
def stranger(reference_data):
    return User.objects.create(username="nguoi_khac", full_name="Lò Văn Khác", personal_id="014085007777")


def test_my_dossiers_only_with_what_i_still_owe(client, people, make_dossier, stranger):
    mine = make_dossier()
    Dossier.objects.filter(pk=mine.pk).update(status=Status.FINANCIAL, fee_due=150_000, fee_paid=50_000)
    theirs = make_dossier()
    Dossier.objects.filter(pk=theirs.pk).update(
        applicant_user=stranger, applicant_id_number=stranger.personal_id, applicant_name=stranger.full_name
    )
    sign_in_citizen(client, people["citizen"])
    html = client.get(
        reverse("guide:page"), {"hoi": "hồ sơ của tôi đến đâu rồi, tôi còn nợ bao nhiêu"}
    ).content.decode()
    assert mine.code in html and "còn phải nộp 100.000 đồng" in html
    assert theirs.code not in html and stranger.full_name not in html
    sign_in_citizen(client, stranger)
    html = client.get(reverse("guide:page"), {"hoi": "hồ sơ của tôi đến đâu"}).content.decode()
    assert theirs.code in html and mine.code not in html and people["citizen"].full_name not in html


def test_without_sign_in_no_dossier_enters_an_answer(people, make_dossier):
    dossier = make_dossier()
    result = ask("hồ sơ của tôi đến đâu rồi", user=None, id_numbers={dossier.applicant_id_number})
    assert result.abstained and dossier.code not in result.text


def test_a_question_handed_over_is_answered_by_an_officer_and_comes_back(client, people):
    citizen = people["citizen"]
    sign_in_citizen(client, citizen)
    client.get(reverse("guide:page"), {"hoi": "đổi bằng lái xe hết hạn cần giấy tờ gì"})
    exchange = Exchange.objects.get()
    response = client.post(
        reverse("guide:handover"),
        {"token": exchange.token, "question": "Bằng lái hạng A1 có phải đổi không?"},
    )
    case = FeedbackCase.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/phan-anh/{case.code}/")
    assert case.submitter_id_number == citizen.personal_id and case.dossier is None and not case.repeated
    assert "A1" in case.content
    with pytest.raises(GuideError):  # once per question
        handover(citizen, exchange.token, "lại", name=citizen.full_name, id_number=citizen.personal_id)
    handler = officer("xu_ly_pakn", (case.agency.code, Role.RECEPTION))
    case = feedback.act(handler, case, "accept", expected_version=case.version)
    feedback.act(
        handler, case, "answer", "Bằng A1 không thời hạn, không phải đổi.", expected_version=case.version
    )
    page = client.get(reverse("portal:mine_feedback", args=[case.code])).content.decode()
    assert "không phải đổi" in page


def test_handover_needs_the_eid_sign_in(client, reference_data):
    client.get(reverse("guide:page"), {"hoi": "đổi bằng lái xe"})
    response = client.post(reverse("guide:handover"), {"token": Exchange.objects.get().token})
    assert response.status_code == 302 and "/oidc/" in response["Location"]
    assert not FeedbackCase.objects.exists()
