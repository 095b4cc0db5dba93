from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from motcua.catalog.models import Procedure
from motcua.dossiers.intake import Applicant, Paper, receive_in_person
from motcua.people.models import OfficerRole, User
from motcua.places.models import Agency

VN = ZoneInfo("Asia/Ho_Chi_Minh")
Role = OfficerRole.Role


class Clock:
    """A controllable `timezone.now()` for deadline tests."""

    def __init__(self, monkeypatch, start: datetime):
        self.now = start
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def set(self, *args):
        self.now = datetime(*args, tzinfo=VN)

    def advance(self, **kwargs):
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, datetime(2026, 3, 2, 9, 0, tzinfo=VN))  # Monday


def officer(username: str, *roles_at: tuple[str, str]) -> User:
    user = User.objects.create(
        username=username, full_name=username.replace("_", " ").title(), kind=User.Kind.OFFICER, is_staff=True
    )
    for code, role in roles_at:
        OfficerRole.objects.create(user=user, agency=Agency.objects.get(code=code), role=role)
    return user


CENTER, JUSTICE, FINANCE = "000.00.30.H52", "000.00.04.H52", "000.00.03.H52"


@pytest.fixture
def people(reference_data):
    return {
        "reception": officer("tiep_nhan", (CENTER, Role.RECEPTION)),
        "specialist": officer("chuyen_vien", (JUSTICE, Role.SPECIALIST)),
        "head": officer("truong_phong", (JUSTICE, Role.UNIT_HEAD)),
        "approver": officer("giam_doc", (JUSTICE, Role.APPROVER)),
        "finance": officer("chuyen_vien_tai_chinh", (FINANCE, Role.SPECIALIST)),
        "other_reception": officer("tiep_nhan_xa", ("000.01.40.H52", Role.RECEPTION)),
        "citizen": User.objects.create(
            username="cong_dan", full_name="Nguyễn Thị Ánh", personal_id="014090001111"
        ),
    }


@pytest.fixture
def procedure(reference_data):
    return Procedure.objects.get(code="1.000426")  # Cấp thẻ tư vấn viên pháp luật: 5 working days, Sở Tư pháp


@pytest.fixture
def make_dossier(people, procedure, clock):
    def make(**overrides):
        applicant = Applicant(
            name="Nguyễn Thị Ánh",
            id_number="014090001111",
            phone="0912345678",
            email="anh@example.vn",
            user=people["citizen"],
        )
        papers = [
            Paper(name=d.name, requirement_id=d.pk, originals=d.originals, copies=d.copies)
            for d in procedure.current_version.documents.all()
        ]
        return receive_in_person(
            people["reception"], Agency.objects.get(code=CENTER), procedure, applicant, papers, **overrides
        )

    return make


def sign_in(client, user):
    """Sign the test client in the way this kind of user really signs in (officers: TOTP verified;
    citizens: through the eID)."""
    from motcua.eid.testing import sign_in_citizen, sign_in_officer

    client.logout()
    if user.kind == User.Kind.OFFICER or user.is_superuser:
        return sign_in_officer(client, user)
    return sign_in_citizen(client, user)
