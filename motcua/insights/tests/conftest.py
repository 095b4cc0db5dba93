"""A hand-built department with ten dossiers and five feedback cases in September 2026.

Every count and point of the index for it is worked out by hand in test_index_dataset.py.
Everything is made with plain model creates: no services, no demo generator.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from motcua.catalog.models import (
    DocumentRequirement,
    OnlineLevel,
    Procedure,
    ProcedureAgency,
    ProcedureVersion,
    SubmissionMethod,
)
from motcua.dossiers.models import Dossier, DossierDocument, DossierResult
from motcua.feedback.models import FeedbackCase, Rating
from motcua.payments.models import Charge, Payment
from motcua.people.models import User
from motcua.places.models import AdminUnit, Agency

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DEPARTMENT = "000.99.99.H52"


def at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=VN)


def _procedure(code: str, level: str, complete: bool, agency: Agency) -> Procedure:
    procedure = Procedure.objects.create(code=code, name=f"Thủ tục thử {code}", online_level=level)
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        number=1,
        content_hash=code,
        name=procedure.name,
        steps=["Nộp hồ sơ", "Trả kết quả"] if complete else [],
        target_subjects=["Công dân"],
        implementing_agency="Sở Thử nghiệm",
        source="test",
        imported_at=timezone.now(),
    )
    SubmissionMethod.objects.create(version=version, channel="online", time_amount=5, time_unit="working_day")
    DocumentRequirement.objects.create(version=version, name="Tờ khai")
    procedure.current_version = version
    procedure.save(update_fields=["current_version"])
    ProcedureAgency.objects.create(procedure=procedure, agency=agency)
    return procedure


class Dataset:
    def __init__(self):
        province = AdminUnit.objects.create(code="T99", name="Tỉnh Thử", kind=AdminUnit.Kind.PROVINCE)
        self.agency = Agency.objects.create(
            code=DEPARTMENT, name="Sở Thử nghiệm", kind=Agency.Kind.DEPARTMENT, admin_unit=province
        )
        self.full = _procedure("9.999001", OnlineLevel.FULL, True, self.agency)
        self.none = _procedure("9.999002", OnlineLevel.NONE, False, self.agency)
        self.citizen = User.objects.create(username="cong_dan_thu", full_name="Trần Văn Thử")
        self.d = {}

    def dossier(self, name, procedure, channel, status, received, due, **fields):
        self.d[name] = Dossier.objects.create(
            code=f"{DEPARTMENT}-{name}",
            procedure=procedure,
            procedure_version=procedure.current_version,
            channel=channel,
            applicant_name="Trần Văn Thử",
            applicant_id_number="014090009999",
            receiving_agency=self.agency,
            handling_agency=self.agency,
            status=status,
            submitted_at=received,
            received_at=received,
            due_at=due,
            **fields,
        )
        return self.d[name]

    def documents(self, name, *flags, paper="Tờ khai"):
        for digitised, reused in flags:
            DossierDocument.objects.create(
                dossier=self.d[name], name=paper, digitised=digitised, reused=reused
            )

    def paid(self, name, amount, gateway):
        charge = Charge.objects.create(
            dossier=self.d[name],
            name="Lệ phí",
            unit_amount=amount,
            amount=amount,
            legal_basis="TT thử",
            assessed_at=self.d[name].received_at,
        )
        Payment.objects.create(
            charge=charge,
            gateway=gateway,
            amount=amount,
            paid_at=self.d[name].received_at,
            receipt_number=f"BL-{name}",
        )

    def case(self, code, opened, answer_due, dossier=None, **fields):
        fields.setdefault("accept_due_at", opened)
        return FeedbackCase.objects.create(
            code=code,
            dossier=self.d.get(dossier),
            submitter_name="Trần Văn Thử",
            submitter_id_number="014090009999",
            agency=self.agency,
            subject="Phản ánh",
            content="Nội dung",
            opened_at=opened,
            answer_due_at=answer_due,
            **fields,
        )


@pytest.fixture
def dataset(db):
    data = Dataset()
    full, none = data.full, data.none
    # d1: online (national portal), ended on time with a signed e-result, papers scanned, paid online.
    data.dossier(
        "d1",
        full,
        "national_portal",
        10,
        at(9, 2),
        at(9, 10),
        finished_at=at(9, 8),
        returned_at=at(9, 9),
        decision="approved",
        national_code="NC-1",
        fee_due=100_000,
    )
    DossierResult.objects.create(
        dossier=data.d["d1"],
        title="Kết quả",
        file="results/d1.pdf",
        sha256="x",
        signed_by="Giám đốc",
        signed_at=at(9, 8),
    )
    data.documents("d1", (True, False), (True, False))
    data.paid("d1", 100_000, "national")
    # d2: at the counter, finished after its appointment, one paper not scanned, paid in cash, rated 1.
    data.dossier(
        "d2",
        full,
        "counter",
        9,
        at(9, 3),
        at(9, 7),
        finished_at=at(9, 9),
        decision="approved",
        supplement_count=1,
        fee_due=50_000,
    )
    data.documents("d2", (False, False))
    data.paid("d2", 50_000, "cash")
    Rating.objects.create(dossier=data.d["d2"], level=1)
    # d3: own portal, finished early but asked for supplements twice → overdue; a paper from the data
    # store; a fee never paid; submitted by a signed-in (eID) account.
    data.dossier(
        "d3",
        none,
        "own_portal",
        10,
        at(9, 4),
        at(9, 20),
        finished_at=at(9, 6),
        decision="approved",
        supplement_count=2,
        counts_as_overdue=True,
        fee_due=30_000,
        applicant_user=data.citizen,
    )
    data.documents("d3", (False, True), paper="Giấy khai sinh (kho dữ liệu: GKS 2020)")
    # d4: still processing at the end of September, appointment 25/9 → overdue; a complaint (f2).
    data.dossier("d4", none, "counter", 4, at(9, 20), at(9, 25))
    data.documents("d4", (True, False))
    # d5: waiting for supplements since 28/9, appointment 29/9: the clock stopped before the appointment.
    data.dossier("d5", none, "counter", 5, at(9, 25), at(9, 29), paused_at=at(9, 28))
    # d6: processing, appointment in October: not yet judged.
    data.dossier("d6", none, "counter", 4, at(9, 26), at(10, 5))
    # d7: received in August, finished on time in September.
    data.dossier("d7", full, "counter", 10, at(8, 20), at(9, 5), finished_at=at(9, 2), decision="approved")
    # d8: received and finished in August: not part of September at all.
    data.dossier("d8", full, "counter", 10, at(8, 10), at(8, 25), finished_at=at(8, 20), decision="approved")
    # d9: refused at reception (status 3), came from the national portal.
    data.dossier(
        "d9", full, "national_portal", 3, at(9, 15), None, refused_at=at(9, 15), national_code="NC-9"
    )
    # d10: paused on 18/9, after its appointment of 15/9 → overdue.
    data.dossier("d10", none, "counter", 5, at(9, 10), at(9, 15), paused_at=at(9, 18))

    # Feedback cases of the department.
    data.case("f1", at(9, 5), at(9, 25), status="answered", answered_at=at(9, 10), reaction="like")
    data.case("f2", at(9, 6), at(9, 20), dossier="d4", status="accepted")  # never answered: late
    data.case(
        "f3",
        at(9, 7),
        at(9, 28),
        status="rejected",
        decided_at=at(9, 8),
        repeated=True,
        accept_due_at=at(9, 9),
    )
    data.case("f4", at(9, 25), at(10, 15), status="accepted")  # not yet due: not judged
    data.case("f5", at(9, 10), at(9, 30), status="answered", answered_at=at(9, 12), reaction="dislike")
    return data
