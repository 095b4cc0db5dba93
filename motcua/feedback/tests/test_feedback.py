"""Ratings and feedback cases: who may, when, and the legal answer times (PAKN, spec §1.2 group 6)."""

from datetime import datetime

import pytest

from motcua.audit.models import AuditEntry
from motcua.core.models import Event
from motcua.dossiers.models import Dossier, Status
from motcua.feedback import services
from motcua.feedback.models import FeedbackCase, Rating, Satisfaction
from motcua.people.models import User

from .conftest import JUSTICE, VN, Role, officer

pytestmark = pytest.mark.django_db
OWN = {"014090001111"}


def finished(dossier, status=Status.DONE):
    """Given a dossier with its result out (the lifecycle itself is tested in dossiers)."""
    Dossier.objects.filter(pk=dossier.pk).update(status=status)
    dossier.refresh_from_db()
    return dossier


def test_a_dossier_without_a_result_cannot_be_rated(make_dossier, people):
    dossier = make_dossier()
    with pytest.raises(services.FeedbackError, match="chưa có kết quả"):
        services.rate(people["citizen"], dossier, Satisfaction.SATISFIED, "", id_numbers=OWN)
    assert not Rating.objects.exists()


def test_the_applicant_rates_once(make_dossier, people):
    dossier = finished(make_dossier())
    rating = services.rate(people["citizen"], dossier, Satisfaction.VERY_SATISFIED, "Nhanh", id_numbers=OWN)
    assert rating.is_satisfied and not FeedbackCase.objects.exists()
    assert Event.objects.filter(topic="rating.create", aggregate_id=dossier.code).count() == 1
    with pytest.raises(services.FeedbackError, match="đã được đánh giá"):
        services.rate(people["citizen"], dossier, Satisfaction.DISSATISFIED, "Đổi ý", id_numbers=OWN)
    assert Rating.objects.get().level == Satisfaction.VERY_SATISFIED


def test_someone_else_cannot_rate_or_complain_about_my_dossier(make_dossier, people):
    dossier = finished(make_dossier())
    stranger = User.objects.create(username="nguoi_la", personal_id="014090009999")
    with pytest.raises(services.FeedbackError, match="của chính mình"):
        services.rate(stranger, dossier, Satisfaction.DISSATISFIED, "x", id_numbers={"014090009999"})
    with pytest.raises(services.FeedbackError, match="của chính mình"):
        services.open_case(stranger, dossier, "Tiêu đề", "Nội dung", id_numbers={"014090009999"})
    assert not Rating.objects.exists() and not FeedbackCase.objects.exists()


@pytest.mark.parametrize("level", ["", "7", "abc", None])
def test_a_rating_outside_the_scale_is_refused(make_dossier, people, level):
    dossier = finished(make_dossier())
    with pytest.raises(services.FeedbackError, match="mức độ hài lòng"):
        services.rate(people["citizen"], dossier, level, "", id_numbers=OWN)


def test_dissatisfied_needs_a_reason_and_opens_a_case_with_legal_deadlines(make_dossier, people, clock):
    dossier = finished(make_dossier())
    with pytest.raises(services.FeedbackError, match="ý kiến"):
        services.rate(people["citizen"], dossier, Satisfaction.DISSATISFIED, "  ", id_numbers=OWN)
    clock.set(2026, 3, 6, 10, 0)  # Friday
    services.rate(people["citizen"], dossier, Satisfaction.DISSATISFIED, "Trả chậm 3 ngày", id_numbers=OWN)
    case = FeedbackCase.objects.get()
    assert case.dossier == dossier and case.agency == dossier.handling_agency
    assert case.content == "Trả chậm 3 ngày" and case.rating.level == Satisfaction.DISSATISFIED
    # 2 working days: Mon 9, Tue 10 March; 15 working days: Mon 9 to Fri 27 March (no holiday).
    assert case.accept_due_at.astimezone(VN).date() == datetime(2026, 3, 10).date()
    assert case.answer_due_at.astimezone(VN).date() == datetime(2026, 3, 27).date()
    assert case.code.startswith(f"PAKN-{dossier.handling_agency.code}-260306-")


def test_officers_of_the_agency_answer_in_order_and_others_cannot(make_dossier, people):
    dossier = finished(make_dossier())
    case = services.open_case(people["citizen"], dossier, "Chậm", "Chưa nhận kết quả", id_numbers=OWN)
    outsider = people["other_reception"]
    assert services.allowed_actions(outsider, case) == []
    with pytest.raises(services.FeedbackError, match="không có quyền"):
        services.act(outsider, case, "accept", expected_version=case.version)
    handler = officer("lanh_dao_tu_phap", (JUSTICE, Role.UNIT_HEAD))
    assert services.allowed_actions(handler, case) == ["accept", "reject", "request_info"]
    with pytest.raises(services.FeedbackError, match="Không thể “Trả lời”"):
        services.act(handler, case, "answer", "Đã trả", expected_version=case.version)
    case = services.act(handler, case, "accept", expected_version=case.version)
    with pytest.raises(services.FeedbackError, match="vừa được người khác"):
        services.act(handler, case, "answer", "Trả lời", expected_version=case.version - 1)
    with pytest.raises(services.FeedbackError, match="Nhập nội dung"):
        services.act(handler, case, "answer", "", expected_version=case.version)
    case = services.act(handler, case, "answer", "Đã trả kết quả ngày 5/3.", expected_version=case.version)
    assert case.status == FeedbackCase.Status.ANSWERED and case.answered_on_time() is True
    assert case.publish_due_at is not None
    assert AuditEntry.objects.filter(action="feedback.answer", object_id=str(case.pk)).exists()


def test_only_the_submitter_reacts_to_the_answer(make_dossier, people):
    dossier = finished(make_dossier())
    case = services.open_case(people["citizen"], dossier, "Chậm", "Chưa nhận", id_numbers=OWN)
    with pytest.raises(services.FeedbackError, match="chưa được trả lời"):
        services.react(people["citizen"], case, "like", id_numbers=OWN)
    handler = officer("lanh_dao_tu_phap", (JUSTICE, Role.UNIT_HEAD))
    case = services.act(handler, case, "accept", expected_version=case.version)
    case = services.act(handler, case, "answer", "Đã xử lý", expected_version=case.version)
    stranger = User.objects.create(username="nguoi_la", personal_id="014090009999")
    with pytest.raises(services.FeedbackError, match="của chính mình"):
        services.react(stranger, case, "dislike", id_numbers={"014090009999"})
    services.react(people["citizen"], case, "dislike", id_numbers=OWN)
    case.refresh_from_db()
    assert case.reaction == FeedbackCase.Reaction.DISLIKE


def test_a_second_case_on_the_same_dossier_is_marked_repeated(make_dossier, people):
    dossier = finished(make_dossier())
    first = services.open_case(people["citizen"], dossier, "Lần 1", "Nội dung", id_numbers=OWN)
    second = services.open_case(people["citizen"], dossier, "Lần 2", "Nội dung", id_numbers=OWN)
    assert not first.repeated and second.repeated
    assert first.code != second.code
