"""Say why an action is missing: when a rule holds an action back (a consulted agency has not
answered, the result is not signed yet, the apology was used), the dossier page says which rule
and whom it waits for."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from motcua.dossiers import services
from motcua.dossiers.models import Consultation
from motcua.places.models import Agency

from .conftest import FINANCE, act

pytestmark = pytest.mark.django_db
POLICE = "000.00.14.H52"


def page_of(client, dossier) -> str:
    return client.get(reverse("backoffice:dossier", args=[dossier.code])).content.decode()


def withheld_section(page: str) -> str:
    found = re.search(r'<section class="withheld".*?</section>', page, re.S)
    return found.group(0) if found else ""


def consulted(make_dossier, people):
    dossier = make_dossier()
    act(dossier, "assign", people["head"], assignee=people["specialist"])
    finance, police = Agency.objects.get(code=FINANCE), Agency.objects.get(code=POLICE)
    act(dossier, "consult", people["specialist"], to_agencies=[finance, police], question="Xin ý kiến")
    return dossier


def test_the_service_names_the_rule_and_the_agencies_awaited(make_dossier, people):
    dossier = consulted(make_dossier, people)
    withheld = {t.name: why for t, why in services.withheld_actions(people["approver"], dossier)}
    assert set(withheld) == {"approve", "refuse"}
    why = withheld["approve"]
    assert why.rule == "Còn cơ quan liên thông chưa trả lời."
    names = [a.who for a in why.awaiting]
    assert len(names) == 2 and any("Sở Tài chính" in n for n in names) and any("Công an" in n for n in names)
    assert all(a.due_at is not None for a in why.awaiting)
    # Someone who could not approve anyway is not told about approval.
    assert services.withheld_actions(people["reception"], dossier) == []


def test_the_approver_sees_why_approval_is_missing_and_who_is_awaited(make_dossier, people, as_user):
    dossier = consulted(make_dossier, people)
    page = page_of(as_user(people["approver"]), dossier)
    assert 'id="thao-tac-approve"' not in page  # approval stays hidden…
    section = withheld_section(page)
    assert "Phê duyệt" in section and "Còn cơ quan liên thông chưa trả lời." in section  # …and says why
    assert "Sở Tài chính" in section and "Công an Tỉnh Sơn La" in section and "hạn trả lời" in section
    # One agency answers: only the other one is still awaited.
    act(dossier, "answer_consultation", people["finance"], answer="Đồng ý")
    section = withheld_section(page_of(as_user(people["approver"]), dossier))
    assert "Công an Tỉnh Sơn La" in section and "Sở Tài chính" not in section
    # The last one answers: approval is offered and nothing is said to be missing.
    Consultation.objects.filter(dossier=dossier, answered_at__isnull=True).update(
        answered_at=dossier.received_at, answer="Đồng ý"
    )
    page = page_of(as_user(people["approver"]), dossier)
    assert 'id="thao-tac-approve"' in page and withheld_section(page) == ""


def test_the_reception_is_told_the_result_waits_for_the_approvers_signature(make_dossier, people, as_user):
    dossier = make_dossier()
    act(dossier, "assign", people["head"], assignee=people["specialist"])
    act(dossier, "approve", people["approver"])
    page = page_of(as_user(people["reception"]), dossier)
    assert 'id="thao-tac-return_result"' not in page
    section = withheld_section(page)
    assert "Kết quả chưa được ký số và ban hành, chưa thể trả." in section
    assert "Lãnh đạo phê duyệt — Sở Tư pháp" in section


def test_an_apology_already_made_is_explained(make_dossier, people, as_user, clock):
    from datetime import datetime

    from motcua.dossiers.tests.conftest import VN

    dossier = make_dossier()
    act(dossier, "assign", people["head"], assignee=people["specialist"])
    act(
        dossier,
        "apologise",
        people["head"],
        reason="Chờ xác minh",
        new_due_at=datetime(2026, 3, 20, 17, 0, tzinfo=VN),
    )
    section = withheld_section(page_of(as_user(people["head"]), dossier))
    assert "Xin lỗi" in section and "một lần" in section


def test_the_reason_is_shown_in_english_on_english_pages(make_dossier, people, as_user):
    dossier = consulted(make_dossier, people)
    client = as_user(people["approver"])
    try:
        page = client.get("/en" + reverse("backoffice:dossier", args=[dossier.code])).content.decode()
    finally:
        translation.activate("vi")  # the request left English active in this thread
    section = withheld_section(page)
    assert "A consulted agency has not answered yet." in section and "Awaiting:" in section
