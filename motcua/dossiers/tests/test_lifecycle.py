"""Every transition of the dossier lifecycle, and every way one is refused."""

from datetime import datetime

import pytest

from motcua.audit.models import AuditEntry
from motcua.audit.services import verify
from motcua.core.models import Event
from motcua.dossiers import services
from motcua.dossiers.intake import Applicant, OnlineSubmission, receive_online
from motcua.dossiers.models import Consultation, Decision, DossierResult, Notification, Status
from motcua.places.models import Agency

from .conftest import FINANCE, VN

pytestmark = pytest.mark.django_db


def act(dossier, action, user, **params):
    dossier.refresh_from_db()
    return services.perform(dossier, action, user, **params)


def processing(make_dossier, people):
    dossier = make_dossier()
    act(dossier, "assign", people["head"], assignee=people["specialist"])
    dossier.refresh_from_db()
    return dossier


def fake_result(dossier):
    return DossierResult.objects.create(
        dossier=dossier,
        title="Thẻ tư vấn viên pháp luật",
        file="results/x.pdf",
        sha256="0" * 64,
        signed_by="Giam Doc",
        signed_at=dossier.finished_at,
    )


def online(procedure, clock, code="G22.99-260302-0001"):
    record = OnlineSubmission(
        national_code=code,
        procedure_code=procedure.code,
        agency_code="000.00.30.H52",
        submitted_at=clock.now,
        applicant=Applicant(name="Lò Văn Pâng", id_number="014090002222"),
    )
    return receive_online(record)


# --- intake ---------------------------------------------------------------------------------------


def test_a_counter_dossier_is_received_with_code_clock_and_steps(make_dossier, people, clock):
    dossier = make_dossier()
    assert dossier.status == Status.RECEIVED
    assert dossier.code.startswith("000.00.30.H52-260302-")
    assert dossier.handling_agency.code == "000.00.04.H52"  # routed from the centre to Sở Tư pháp
    # Civil Code: received Mon 2/3 09:00, day 1 is Tue 3/3, 5 working days → Mon 9/3 at closing.
    assert dossier.due_at == datetime(2026, 3, 9, 17, 0, tzinfo=VN)
    assert list(dossier.steps.values_list("role", flat=True)) == [
        "reception",
        "specialist",
        "approver",
        "reception",
    ]
    assert sum(dossier.steps.values_list("share_hours", flat=True)) == 40  # 5 days × 8 working hours
    assert dossier.documents.count() == dossier.procedure_version.documents.count()
    assert list(dossier.history.values_list("action", flat=True)) == ["create", "receive"]
    assert Event.objects.filter(aggregate_id=dossier.code).count() == 2
    assert AuditEntry.objects.filter(object_id=str(dossier.pk)).count() == 2
    kinds = set(Notification.objects.filter(dossier=dossier).values_list("channel", flat=True))
    assert kinds == {"in_app", "email", "sms"}
    body = Notification.objects.filter(dossier=dossier, channel="in_app").first().body
    assert "Trung tâm Phục vụ hành chính công" in body and "Tiep Nhan" in body  # agency, officer, time


def test_codes_are_sequential_per_agency_and_day(make_dossier):
    first, second = make_dossier(), make_dossier()
    assert int(second.code[-4:]) == int(first.code[-4:]) + 1


def test_an_online_dossier_keeps_its_national_code_and_arrives_once(people, procedure, clock):
    dossier, created = online(procedure, clock)
    assert created and dossier.status == Status.NEW and dossier.code == "G22.99-260302-0001"
    # 8 working hours from Mon 09:00: 09:00–11:30 (2.5) + 13:00–17:00 (4) + Tue 07:30–09:00 (1.5)
    assert dossier.reply_due_at == datetime(2026, 3, 3, 9, 0, tzinfo=VN)
    again, created_again = online(procedure, clock)
    assert again.pk == dossier.pk and not created_again
    act(dossier, "receive", people["reception"])
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED and dossier.replied_at == clock.now and dossier.due_at


def test_refusing_reception_needs_a_reason_and_ends_the_dossier(people, procedure, clock):
    dossier, _ = online(procedure, clock)
    with pytest.raises(services.InvalidInput, match="lý do"):
        act(dossier, "refuse_reception", people["reception"])
    act(dossier, "refuse_reception", people["reception"], reason="Không thuộc thẩm quyền")
    dossier.refresh_from_db()
    assert dossier.status == Status.NOT_RECEIVED and dossier.refused_at and dossier.is_final
    with pytest.raises(services.WrongState):
        act(dossier, "receive", people["reception"])


# --- the happy path ---------------------------------------------------------------------------------


def test_the_whole_path_to_a_returned_result(make_dossier, people, clock):
    dossier = processing(make_dossier, people)
    assert dossier.status == Status.PROCESSING and dossier.assignee == people["specialist"]
    clock.advance(hours=2)
    act(dossier, "complete_step", people["specialist"])
    act(dossier, "approve", people["approver"])
    dossier.refresh_from_db()
    assert dossier.status == Status.DONE and dossier.decision == Decision.APPROVED and dossier.finished_at
    with pytest.raises(services.InvalidInput, match="chưa được ký số"):
        act(dossier, "return_result", people["reception"])
    result = fake_result(dossier)
    with pytest.raises(services.InvalidInput, match="đã có kết quả"):
        act(dossier, "issue_result", people["approver"], result=result)
    act(dossier, "return_result", people["reception"])
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED and dossier.returned_at
    assert not dossier.steps.filter(finished_at__isnull=True).exists()
    assert not services.is_overdue(dossier)
    assert verify().ok


def test_issue_result_records_the_signed_file(make_dossier, people, clock):
    dossier = processing(make_dossier, people)
    act(dossier, "approve", people["approver"])
    with pytest.raises(services.InvalidInput, match="Chưa có tệp"):
        act(dossier, "issue_result", people["approver"])


def test_refusal_needs_reasons_and_can_be_returned_without_a_result(make_dossier, people, clock):
    dossier = processing(make_dossier, people)
    with pytest.raises(services.InvalidInput, match="lý do"):
        act(dossier, "refuse", people["approver"])
    act(dossier, "refuse", people["approver"], reason="Không đủ điều kiện theo Điều 19")
    dossier.refresh_from_db()
    assert dossier.decision == Decision.REFUSED and dossier.decision_reason.startswith("Không đủ")
    with pytest.raises(services.InvalidInput):
        act(dossier, "issue_result", people["approver"], result=object())
    act(dossier, "return_result", people["reception"])


# --- liên thông --------------------------------------------------------------------------------------


def test_consultation_goes_out_in_parallel_and_blocks_the_decision_until_answered(
    make_dossier, people, clock
):
    dossier = processing(make_dossier, people)
    finance = Agency.objects.get(code=FINANCE)
    police = Agency.objects.get(code="000.00.14.H52")
    act(dossier, "consult", people["specialist"], to_agencies=[finance, police], question="Xin ý kiến về phí")
    assert Consultation.objects.filter(dossier=dossier, answered_at__isnull=True).count() == 2
    with pytest.raises(services.InvalidInput, match="chưa trả lời"):
        act(dossier, "approve", people["approver"])
    with pytest.raises(services.NotAllowed):  # the justice specialist cannot answer for finance
        act(dossier, "answer_consultation", people["specialist"], answer="Đồng ý")
    with pytest.raises(services.InvalidInput):
        act(dossier, "answer_consultation", people["finance"], answer="  ")
    act(dossier, "answer_consultation", people["finance"], answer="Đồng ý, không thu phí")
    Consultation.objects.filter(to_agency=police).update(answered_at=clock.now, answer="Đồng ý")
    act(dossier, "approve", people["approver"])


def test_consulting_needs_another_agency_and_a_question(make_dossier, people):
    dossier = processing(make_dossier, people)
    with pytest.raises(services.InvalidInput, match="cơ quan khác"):
        act(dossier, "consult", people["specialist"], to_agencies=[dossier.handling_agency], question="?")
    with pytest.raises(services.InvalidInput, match="nội dung"):
        act(
            dossier,
            "consult",
            people["specialist"],
            to_agencies=[Agency.objects.get(code=FINANCE)],
            question="",
        )


# --- supplements, payment, pauses --------------------------------------------------------------------


def test_a_supplement_at_reception_pauses_the_clock_and_resumes_it(make_dossier, people, clock):
    dossier = make_dossier()  # received Mon 2/3 09:00, due Mon 9/3 17:00
    clock.set(2026, 3, 3, 9, 0)
    act(dossier, "request_supplement", people["reception"], reason="Thiếu ảnh 3x4")
    dossier.refresh_from_db()
    assert (
        dossier.status == Status.SUPPLEMENT
        and dossier.paused_at == clock.now
        and dossier.supplement_count == 1
    )
    clock.set(2026, 3, 4, 9, 0)  # 8 working hours later
    act(dossier, "receive_supplement", people["reception"])
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED and dossier.paused_at is None
    assert dossier.due_at == datetime(2026, 3, 10, 17, 0, tzinfo=VN)  # one working day later
    assert dossier.due_date_changes.count() == 1


def test_a_second_supplement_is_refused_unless_the_law_allows_it_and_then_counts_as_overdue(
    make_dossier, people
):
    dossier = make_dossier()
    act(dossier, "request_supplement", people["reception"], reason="Thiếu giấy tờ A")
    act(dossier, "receive_supplement", people["reception"])
    with pytest.raises(services.InvalidInput, match="một lần"):
        act(dossier, "request_supplement", people["reception"], reason="Thiếu giấy tờ B")
    act(
        dossier,
        "request_supplement",
        people["reception"],
        reason="Thiếu giấy tờ B",
        second_allowed_by_law=True,
    )
    dossier.refresh_from_db()
    assert dossier.supplement_count == 2 and dossier.counts_as_overdue and services.is_overdue(dossier)


def test_returning_after_appraisal_restarts_the_clock_but_only_within_three_working_days(
    make_dossier, people, clock
):
    dossier = processing(make_dossier, people)  # received Mon 2/3
    clock.set(2026, 3, 4, 10, 0)  # Wed: 2 working days after receipt
    act(dossier, "request_supplement", people["specialist"], reason="Hồ sơ chưa hợp lệ sau thẩm định")
    clock.set(2026, 3, 9, 10, 0)  # supplemented the next Monday
    act(dossier, "receive_supplement", people["reception"])
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING
    assert dossier.due_at == datetime(2026, 3, 16, 17, 0, tzinfo=VN)  # 5 working days from Mon 9/3 again
    late = processing(make_dossier, people)
    clock.set(2026, 3, 13, 10, 0)  # 4 working days after its receipt on Mon 9/3
    with pytest.raises(services.InvalidInput, match="3 ngày làm việc"):
        act(late, "request_supplement", people["specialist"], reason="Quá muộn")


def test_a_financial_obligation_pauses_until_paid(make_dossier, people, clock):
    dossier = processing(make_dossier, people)
    with pytest.raises(services.InvalidInput):
        act(dossier, "request_payment", people["specialist"], amount="abc")
    act(dossier, "request_payment", people["specialist"], amount=200000)
    dossier.refresh_from_db()
    assert dossier.status == Status.FINANCIAL and dossier.fee_due == 200000 and dossier.paused_at
    clock.advance(days=1)
    act(dossier, "mark_paid", people["reception"], reference="BL-0001")
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING and dossier.fee_paid == 200000 and dossier.paused_at is None


# --- apology, withdrawal -------------------------------------------------------------------------------


def test_an_apology_moves_the_date_once_and_only_at_least_a_day_before(make_dossier, people, clock):
    dossier = processing(make_dossier, people)  # due Mon 9/3 17:00
    new_due = datetime(2026, 3, 12, 17, 0, tzinfo=VN)
    with pytest.raises(services.InvalidInput, match="sau ngày hẹn cũ"):
        act(
            dossier,
            "apologise",
            people["head"],
            reason="Chờ xác minh",
            new_due_at=datetime(2026, 3, 6, tzinfo=VN),
        )
    clock.set(2026, 3, 6, 10, 0)
    act(dossier, "apologise", people["head"], reason="Chờ xác minh", new_due_at=new_due)
    dossier.refresh_from_db()
    assert dossier.due_at == new_due and dossier.apology_count == 1
    assert dossier.due_date_changes.filter(reason__startswith="Xin lỗi").exists()
    with pytest.raises(services.InvalidInput, match="một lần"):
        act(
            dossier,
            "apologise",
            people["head"],
            reason="Lần nữa",
            new_due_at=datetime(2026, 3, 20, tzinfo=VN),
        )
    other = processing(make_dossier, people)  # received Fri 6/3, due Fri 13/3
    clock.set(2026, 3, 13, 9, 0)
    with pytest.raises(services.InvalidInput, match="một ngày"):
        act(other, "apologise", people["head"], reason="Muộn", new_due_at=datetime(2026, 3, 20, tzinfo=VN))


def test_a_withdrawal_request_then_stop(make_dossier, people, clock):
    dossier = processing(make_dossier, people)
    act(dossier, "request_withdrawal", people["citizen"], reason="Không còn nhu cầu")  # the applicant may
    dossier.refresh_from_db()
    assert dossier.status == Status.WITHDRAWAL and dossier.paused_at
    act(dossier, "stop", people["reception"])
    dossier.refresh_from_db()
    assert dossier.status == Status.STOPPED and dossier.is_final


# --- refusals: wrong state, wrong role, wrong agency, stale version ------------------------------------


@pytest.mark.parametrize(
    ("action", "who"),
    [
        ("assign", "reception"),  # reception cannot assign at the department
        ("approve", "specialist"),  # only approvers approve
        ("receive_supplement", "specialist"),
        ("consult", "approver"),
    ],
)
def test_wrong_role_is_refused_and_changes_nothing(make_dossier, people, action, who):
    dossier = processing(make_dossier, people)
    if action == "receive_supplement":
        act(dossier, "request_supplement", people["specialist"], reason="Thiếu")
        dossier.refresh_from_db()
    before = (dossier.status, dossier.version, dossier.history.count(), AuditEntry.objects.count())
    with pytest.raises(services.NotAllowed):
        act(dossier, action, people[who], to_agencies=[Agency.objects.get(code=FINANCE)], question="?")
    dossier.refresh_from_db()
    assert (dossier.status, dossier.version, dossier.history.count(), AuditEntry.objects.count()) == before


def test_an_officer_of_another_agency_can_do_nothing(make_dossier, people):
    dossier = make_dossier()
    for action in ("request_supplement", "request_withdrawal", "stop"):
        with pytest.raises((services.NotAllowed, services.WrongState)):
            act(dossier, action, people["other_reception"], reason="x")
    assert services.allowed_actions(people["other_reception"], dossier) == []


def test_a_stranger_cannot_withdraw_someone_elses_dossier(make_dossier, people, django_user_model):
    dossier = make_dossier()
    stranger = django_user_model.objects.create(username="nguoi_la")
    with pytest.raises(services.NotAllowed):
        act(dossier, "request_withdrawal", stranger, reason="x")


@pytest.mark.parametrize("action", ["approve", "return_result", "receive_supplement", "mark_paid", "stop"])
def test_wrong_state_is_refused(make_dossier, people, action):
    dossier = make_dossier()  # status 2
    with pytest.raises(services.WrongState):
        act(dossier, action, people["approver"])


def test_a_stale_version_loses_with_a_clear_message(make_dossier, people):
    dossier = make_dossier()
    seen = dossier.version
    services.perform(dossier, "assign", people["head"], expected_version=seen, assignee=people["specialist"])
    with pytest.raises(services.StaleVersion, match="người khác"):
        services.perform(
            dossier.pk, "request_supplement", people["specialist"], expected_version=seen, reason="x"
        )


def test_unknown_action_is_refused(make_dossier, people):
    with pytest.raises(services.InvalidInput):
        services.perform(make_dossier(), "teleport", people["head"])


def test_allowed_actions_follow_role_and_state(make_dossier, people):
    dossier = make_dossier()
    names = lambda user: {t.name for t in services.allowed_actions(user, dossier)}  # noqa: E731
    assert "assign" in names(people["head"]) and "approve" not in names(people["head"])
    assert names(people["reception"]) >= {"request_supplement", "request_withdrawal", "complete_step"}
    assert names(people["citizen"]) == {"request_withdrawal"}
