"""What an applicant may read of each action (services.APPLICANT_READS): their notifications carry
the legal appointment date (or none) and what the law says they are told, never an officer's
internal note (ghi chú)."""

from datetime import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from motcua.dossiers import services
from motcua.dossiers.intake import Applicant, OnlineSubmission, receive_online
from motcua.dossiers.models import DossierResult, Notification
from motcua.places.models import Agency

from .conftest import FINANCE, VN

pytestmark = pytest.mark.django_db


def note_of(action: str) -> str:
    return f"Ghi chú nội bộ {action}: đề nghị xử lý trong 2 ngày"


def act(dossier, action, user, **params):
    """Take the action with an internal note; return the notifications it sent."""
    dossier.refresh_from_db()
    before = set(Notification.objects.filter(dossier=dossier).values_list("pk", flat=True))
    services.perform(dossier, action, user, note=note_of(action), **params)
    made = list(Notification.objects.filter(dossier=dossier).exclude(pk__in=before))
    assert {n.channel for n in made} == {"in_app", "email", "sms"}, action
    dossier.refresh_from_db()
    for n in made:
        text = n.subject + "\n" + n.body
        assert "Ghi chú" not in text and "nội bộ" not in text, (action, n.channel, text)
        if dossier.due_at:  # the appointment is the legal one, in every channel
            due = timezone.localtime(dossier.due_at).strftime("%H:%M %d/%m/%Y")
            assert f"hẹn trả kết quả: {due}".lower() in text.lower(), (action, n.channel, text)
        else:
            assert "hẹn trả" not in text.lower(), (action, n.channel, text)
    return {n.channel: n.body for n in made}


@pytest.fixture
def applicant(people):
    return Applicant(
        name="Nguyễn Thị Ánh",
        id_number="014090001111",
        phone="0912345678",
        email="anh@example.vn",
        user=people["citizen"],
    )


def online(procedure, clock, applicant, code):
    record = OnlineSubmission(
        national_code=code,
        procedure_code=procedure.code,
        agency_code="000.00.30.H52",
        submitted_at=clock.now,
        applicant=applicant,
    )
    return receive_online(record)[0]


def test_every_action_decides_what_the_applicant_may_read():
    assert set(services.APPLICANT_READS) == set(services.TRANSITIONS) | {"create"}
    assert services.APPLICANT_READS["assign"] == ()
    assert [r.key for r in services.APPLICANT_READS["request_supplement"]] == ["reason"]


def test_no_internal_note_reaches_the_applicant_along_the_whole_path(make_dossier, people, procedure, clock):
    dossier = make_dossier()
    sent = act(dossier, "request_supplement", people["reception"], reason="Bản sao Giấy khai sinh")
    assert "Giấy tờ cần bổ sung, hoàn thiện: Bản sao Giấy khai sinh" in sent["in_app"]
    assert "Bản sao Giấy khai sinh" in sent["sms"] and "Bản sao Giấy khai sinh" in sent["email"]
    act(dossier, "receive_supplement", people["reception"])
    sent = act(dossier, "assign", people["head"], assignee=people["specialist"])
    assert "chuyen_vien" not in sent["in_app"]  # whom it was given to is internal
    act(dossier, "complete_step", people["specialist"])
    sent = act(
        dossier,
        "consult",
        people["specialist"],
        to_agencies=[Agency.objects.get(code=FINANCE)],
        question="Câu hỏi nội bộ về phí",
    )
    assert "Câu hỏi nội bộ" not in sent["in_app"]
    sent = act(dossier, "answer_consultation", people["finance"], answer="Trả lời nội bộ: đồng ý")
    assert "Trả lời nội bộ" not in sent["in_app"]
    sent = act(dossier, "request_payment", people["specialist"], amount=100000)
    assert "Số tiền phải nộp: 100.000 đồng" in sent["in_app"] and "100.000 đồng" in sent["sms"]
    sent = act(dossier, "mark_paid", people["reception"], reference="BL-0001")
    assert "Số tiền đã nộp: 100.000 đồng" in sent["in_app"] and "BL-0001" in sent["in_app"]
    clock.set(2026, 3, 6, 10, 0)
    sent = act(
        dossier,
        "apologise",
        people["head"],
        reason="Chờ xác minh của Công an",
        new_due_at=datetime(2026, 3, 20, 17, 0, tzinfo=VN),
    )
    assert "Lý do chậm trễ: Chờ xác minh của Công an" in sent["in_app"]
    assert "Ngày hẹn trả kết quả: 17:00 20/03/2026" in sent["in_app"]  # the new legal appointment
    act(dossier, "approve", people["approver"])
    act(dossier, "issue_result", people["approver"], result=SimpleNamespace(title="Thẻ", sha256="0" * 64))
    DossierResult.objects.create(
        dossier=dossier,
        title="Thẻ",
        file="results/x.pdf",
        sha256="0" * 64,
        signed_by="Giam Doc",
        signed_at=clock.now,
    )
    act(dossier, "return_result", people["reception"])


def test_refusals_and_withdrawal_tell_their_reasons_and_nothing_else(
    make_dossier, people, procedure, clock, applicant
):
    new = online(procedure, clock, applicant, "G22.99-260302-0001")
    act(new, "receive", people["reception"])
    refused = online(procedure, clock, applicant, "G22.99-260302-0002")
    sent = act(refused, "refuse_reception", people["reception"], reason="Không thuộc thẩm quyền")
    assert "Lý do từ chối tiếp nhận: Không thuộc thẩm quyền" in sent["in_app"]

    dossier = make_dossier()
    act(dossier, "assign", people["head"], assignee=people["specialist"])
    sent = act(dossier, "refuse", people["approver"], reason="Không đủ điều kiện theo Điều 19")
    assert "Lý do từ chối giải quyết: Không đủ điều kiện theo Điều 19" in sent["in_app"]

    other = make_dossier()
    sent = act(other, "request_withdrawal", people["citizen"], reason="Không còn nhu cầu")
    assert "Lý do rút hồ sơ: Không còn nhu cầu" in sent["in_app"]
    act(other, "stop", people["reception"])


def test_the_text_message_carries_the_appointment_not_the_note(make_dossier, people, clock):
    # The defect: the SMS took the last "…: …" of the body as "Hạn trả", i.e. the officer's note.
    dossier = make_dossier()
    sent = act(dossier, "assign", people["head"], assignee=people["specialist"])
    assert sent["sms"].endswith("Hẹn trả kết quả: 17:00 09/03/2026")
    assert "Hạn trả: " not in sent["sms"]


def test_an_action_not_in_the_table_shows_nothing():
    assert services.applicant_details("send_supplement", {"reason": "x", "note": "y"}) == []
    assert services.applicant_details("assign", {"assignee": "chuyen_vien"}) == []
