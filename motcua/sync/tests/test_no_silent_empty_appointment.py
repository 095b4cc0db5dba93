"""Issue 13 item 3: the national-portal record never goes out silently with an empty NgayHenTra when
the procedure has a legal time; without one (the law gives no date) the empty field is the truth."""

import pytest

from motcua.catalog.models import SubmissionMethod, TimeUnit
from motcua.dossiers.models import Dossier
from motcua.sync.models import OutboxMessage
from motcua.sync.outbox import deliver_due
from motcua.sync.records import RecordIncomplete, dossier_record

pytestmark = pytest.mark.django_db


class RecordingPortal:
    def __init__(self):
        self.records = []

    def call(self, service, data, agency_code=None, updating=False):
        if service == "DongBoHoSoMC":
            self.records += data
        return {"error_code": 0}


def test_an_empty_appointment_is_held_when_the_procedure_has_a_legal_time(desk):
    dossier = desk.receive()
    assert dossier.due_at is not None
    Dossier.objects.filter(pk=dossier.pk).update(due_at=None)  # e.g. received before a fix
    dossier.refresh_from_db()
    with pytest.raises(RecordIncomplete, match="NgayHenTra trống"):
        dossier_record(dossier)
    portal = RecordingPortal()
    deliver_due(client=portal)
    assert [r["MaHoSo"] for r in portal.records if r["MaHoSo"].endswith(dossier.code[-4:])] == []
    head = OutboxMessage.objects.filter(dossier_code=dossier.code).order_by("id").first()
    assert head.state == OutboxMessage.State.DEAD and "NgayHenTra trống" in head.last_error
    assert "5 ngày làm việc" in head.last_error
    sent = OutboxMessage.objects.filter(dossier_code=dossier.code, state=OutboxMessage.State.SENT)
    assert not sent.exists()


def test_without_a_legal_time_the_record_goes_out_with_an_empty_appointment(desk):
    SubmissionMethod.objects.filter(version=desk.procedure.current_version).update(
        time_amount=None, time_unit=TimeUnit.UNKNOWN, processing_time_text="Không có thông tin"
    )
    dossier = desk.receive()
    assert dossier.due_at is None
    record = dossier_record(dossier)
    assert record["NgayHenTra"] == ""
    portal = RecordingPortal()
    deliver_due(client=portal)
    assert len(portal.records) == 1 and portal.records[0]["NgayHenTra"] == ""
    states = set(OutboxMessage.objects.filter(dossier_code=dossier.code).values_list("state", flat=True))
    assert states == {OutboxMessage.State.SENT}
