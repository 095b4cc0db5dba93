"""Data-subject rights end to end (Luật 91/2025 Điều 4; NĐ 356/2025 Điều 5): the notice, the copy of
my data in JSON and PDF, each kind of request with its legal clock, the officer's answer, and the
audit trail of every request, answer and export. Someone else's request is a 404."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse

from motcua.audit.models import AuditEntry
from motcua.core import calendar, crypto
from motcua.dossiers.models import Dossier, Notification
from motcua.dossiers.tests.conftest import sign_in
from motcua.foryou import services as foryou
from motcua.foryou.models import ConsentRecord, Preference
from motcua.guide.models import Exchange
from motcua.privacy import services
from motcua.privacy.models import DataSubjectRequest

pytestmark = pytest.mark.django_db
Status = DataSubjectRequest.Status


def _file(client, kind, **extra):
    return client.post(reverse("privacy:new_request"), {"kind": kind, **extra})


def test_the_privacy_notice_is_public_and_names_the_rights_and_the_clocks(client, reference_data):
    page = client.get(reverse("privacy:notice")).content.decode()
    assert "Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15" in page
    assert "Xóa dữ liệu: 20 ngày" in page and "Luật Lưu trữ 2024" in page
    assert services.NOTICE_VERSION in page


def test_my_data_needs_the_eid_sign_in(client, people):
    assert client.get(reverse("privacy:my_data")).status_code == 302
    client.force_login(people["citizen"])  # a password session is not enough
    assert client.get(reverse("privacy:download_json")).status_code == 302


def test_i_download_my_data_as_json_and_each_copy_is_audited(client, people, make_dossier):
    dossier = make_dossier()
    foryou.set_reminder_consent(people["citizen"].personal_id, True)
    sign_in(client, people["citizen"])
    page = client.get(reverse("privacy:my_data"))
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert foryou.REMINDER_PURPOSE in page.content.decode()  # the consent with its purpose
    assert ("Hồ sơ thủ tục hành chính", 1) in page.context["summary"]  # what is held, at a glance
    response = client.get(reverse("privacy:download_json"))
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["personal_id"] == "014090001111"
    assert [d["code"] for d in data["dossiers"]] == [dossier.code]
    assert data["dossiers"][0]["applicant"]["phone"] == "0912345678"
    consent = data["consents"][0]
    assert (consent["purpose"], consent["text_version"]) == (foryou.REMINDER_PURPOSE, foryou.NOTICE_VERSION)
    entry = AuditEntry.objects.get(action="privacy.export")
    assert (entry.object_id, entry.data["format"], entry.data["dossiers"]) == (
        crypto.blind_index("014090001111"),
        "json",
        1,
    )


def test_i_download_my_data_as_pdf(client, people, make_dossier):
    make_dossier()
    sign_in(client, people["citizen"])
    response = client.get(reverse("privacy:download_pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="privacy.export", data__format="pdf").count() == 1


@pytest.mark.parametrize(
    "kind, days",
    [("correction", 10), ("restriction", 15), ("objection", 15), ("deletion", 20), ("access", 10)],
)
def test_a_request_gets_its_legal_clocks_and_is_audited(client, people, clock, kind, days):
    sign_in(client, people["citizen"])
    response = _file(client, kind, details="Địa chỉ thường trú của tôi bị ghi sai số nhà.")
    req = DataSubjectRequest.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/yeu-cau/{req.code}/")
    assert (req.kind, req.status, req.person_number) == (kind, Status.RECEIVED, "014090001111")
    # Received Monday 02/3/2026 09:00: acknowledged within 2 working days, done within `days` days.
    assert req.ack_due_at == calendar.due_at(clock.now, 2, calendar.WORKING_DAYS).due_at
    assert req.due_at == calendar.due_at(clock.now, days, calendar.DAYS).due_at
    assert req.due_at.date() >= (clock.now + timedelta(days=days - 1)).date()
    entry = AuditEntry.objects.get(action="privacy.request")
    assert (entry.object_id, entry.data["kind"], entry.actor) == (str(req.pk), kind, "cong_dan")
    page = client.get(reverse("privacy:request", args=[req.code])).content.decode()
    assert req.code in page and "Đã nhận, chờ xác nhận" in page


def test_the_period_unit_is_a_setting(client, people, clock, settings):
    settings.MOTCUA_PRIVACY_DUE_UNIT = "working_days"
    sign_in(client, people["citizen"])
    _file(client, "deletion")
    req = DataSubjectRequest.objects.get()
    assert req.due_at == calendar.due_at(clock.now, 20, calendar.WORKING_DAYS).due_at
    assert req.due_at > calendar.due_at(clock.now, 20, calendar.DAYS).due_at


def test_a_correction_needs_to_say_what(client, people):
    sign_in(client, people["citizen"])
    _file(client, "correction", details="  ")
    assert not DataSubjectRequest.objects.exists()


def test_withdrawing_consent_to_reminders_uses_foryou_and_is_done_at_once(client, people):
    person_id = people["citizen"].personal_id
    foryou.set_reminder_consent(person_id, True)
    sign_in(client, people["citizen"])
    _file(client, "withdraw", scope="reminders")
    req = DataSubjectRequest.objects.get()
    assert (req.status, req.scope, req.outcome) == (Status.DONE, "reminders", {"withdrawn": "reminders"})
    assert foryou.reminder_consent(person_id) is False
    last = ConsentRecord.objects.filter(person_id=person_id).order_by("-pk").first()
    assert (last.action, last.purpose) == (ConsentRecord.Action.WITHDRAW, foryou.REMINDER_PURPOSE)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"privacy.request", "privacy.answer", "foryou.withdraw"} <= actions
    assert "Đã rút lại đồng ý" in client.get(reverse("privacy:request", args=[req.code])).content.decode()


def test_withdrawing_consent_to_personalisation_refuses_proactive_services(client, people):
    sign_in(client, people["citizen"])
    _file(client, "withdraw", scope="*")
    assert Preference.objects.get(person_id="014090001111").refused_all is True
    record = ConsentRecord.objects.get(person_id="014090001111")
    assert (record.action, record.purpose) == (ConsentRecord.Action.REFUSE, foryou.PROACTIVE_PURPOSE)


def test_someone_elses_request_is_a_404(client, people, stranger):
    sign_in(client, people["citizen"])
    _file(client, "objection", details="Tôi phản đối việc dùng dữ liệu để gợi ý.")
    code = DataSubjectRequest.objects.get().code
    sign_in(client, stranger)
    assert client.get(reverse("privacy:request", args=[code])).status_code == 404
    assert code not in client.get(reverse("privacy:my_data")).content.decode()


def test_only_the_data_protection_staff_see_the_queue(client, people, dpo):
    sign_in(client, people["specialist"])
    assert client.get(reverse("backoffice:privacy_list")).status_code == 403
    sign_in(client, dpo)
    assert client.get(reverse("backoffice:privacy_list")).status_code == 200


def test_the_officer_acknowledges_and_answers_with_an_audit_row_and_overdue_flags(client, people, dpo, clock):
    sign_in(client, people["citizen"])
    _file(client, "correction", details="Số điện thoại của tôi đã đổi.")
    req = DataSubjectRequest.objects.get()
    clock.advance(days=3)  # past the 2 working days of acknowledgement
    sign_in(client, dpo)
    queue = client.get(reverse("backoffice:privacy_list")).content.decode()
    assert req.code in queue and "quá hạn" in queue
    detail = client.get(reverse("backoffice:privacy_request", args=[req.code]))
    assert detail.status_code == 200 and AuditEntry.objects.filter(action="privacy.view").exists()
    act = reverse("backoffice:privacy_act", args=[req.code, "xac-nhan"])
    assert client.post(act, {"version": req.version}).status_code == 302
    req.refresh_from_db()
    assert (
        req.status == Status.ACKNOWLEDGED
        and AuditEntry.objects.get(action="privacy.acknowledge").data["late"]
    )
    act = reverse("backoffice:privacy_act", args=[req.code, "tra-loi"])
    response = client.post(
        act, {"version": req.version, "decision": "done", "answer": "Đã cập nhật số điện thoại liên hệ."}
    )
    assert response.status_code == 302
    req.refresh_from_db()
    assert (req.status, req.handled_by, req.answer) == (
        Status.DONE,
        dpo,
        "Đã cập nhật số điện thoại liên hệ.",
    )
    entry = AuditEntry.objects.get(action="privacy.answer")
    assert (entry.actor, entry.object_id, entry.data["status"]) == ("bao_ve_du_lieu", str(req.pk), "done")
    # answered: no more actions, and the citizen reads the answer
    assert client.post(act, {"decision": "done", "answer": "lại"}).status_code == 400
    sign_in(client, people["citizen"])
    assert (
        "Đã cập nhật số điện thoại"
        in client.get(reverse("privacy:request", args=[req.code])).content.decode()
    )


def test_a_refusal_needs_a_legal_basis_and_an_extension_happens_once(client, people, dpo, clock):
    sign_in(client, people["citizen"])
    _file(client, "restriction", details="Ngừng xử lý dữ liệu hồ sơ của tôi.")
    req = DataSubjectRequest.objects.get()
    first_due = req.due_at
    sign_in(client, dpo)
    extend = reverse("backoffice:privacy_act", args=[req.code, "gia-han"])
    assert client.post(extend, {"reason": "Cần hỏi ý kiến Sở Tư pháp."}).status_code == 302
    req.refresh_from_db()
    assert req.extended and req.due_at == calendar.due_at(clock.now, 30, calendar.DAYS).due_at > first_due
    assert client.post(extend, {"reason": "lần hai"}).status_code == 400
    answer = reverse("backoffice:privacy_act", args=[req.code, "tra-loi"])
    assert client.post(answer, {"decision": "refused", "answer": "Không thể ngừng."}).status_code == 400
    client.post(
        answer,
        {"decision": "refused", "answer": "Hồ sơ đang giải quyết.", "legal_basis": "Luật 91/2025 Điều 19"},
    )
    req.refresh_from_db()
    assert (req.status, req.legal_basis) == (Status.REFUSED, "Luật 91/2025 Điều 19")
    assert not Preference.objects.filter(person_id=req.person_id).exists()  # refused: nothing changed


def test_deletion_deletes_what_may_be_deleted_and_keeps_dossiers_saying_why(
    client, people, dpo, make_dossier
):
    citizen = people["citizen"]
    dossier = make_dossier()
    read = Notification.objects.create(
        dossier=dossier,
        channel="in_app",
        recipient="x",
        user=citizen,
        subject="s",
        body="b",
        read_at=dossier.received_at,
    )
    unread = Notification.objects.create(
        dossier=dossier, channel="in_app", recipient="x", user=citizen, subject="s", body="b"
    )
    asked = Exchange.objects.create(question="Làm sao?", outcome="answered", token="t" * 32, user=citizen)
    sign_in(client, citizen)
    _file(client, "deletion", details="Xin xóa dữ liệu của tôi.")
    req = DataSubjectRequest.objects.get()
    sign_in(client, dpo)
    client.post(
        reverse("backoffice:privacy_act", args=[req.code, "tra-loi"]),
        {"decision": "partly", "answer": "Đã xóa phần dữ liệu được phép xóa."},
    )
    req.refresh_from_db()
    assert req.status == Status.PARTLY
    assert (
        not Notification.objects.filter(pk=read.pk).exists()
        and Notification.objects.filter(pk=unread.pk).exists()
    )
    asked.refresh_from_db()
    assert asked.user is None
    assert Dossier.objects.filter(pk=dossier.pk).exists()  # kept under archive law
    assert "Luật Lưu trữ 2024" in req.answer and "Thông tư 13/2023/TT-BNV" in req.answer
    assert "thông báo đã đọc trong ứng dụng: 1" in req.answer
    assert Preference.objects.get(person_id=citizen.personal_id).refused_all  # suggestions not rebuilt
    assert AuditEntry.objects.get(action="privacy.erase").data["read_notifications"] == 1
