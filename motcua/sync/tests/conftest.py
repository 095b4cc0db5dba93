"""Fixtures of the delivery tests: officers, counter dossiers, and the sandbox portal on the live server."""

import copy

import pytest

from motcua.catalog.models import Procedure
from motcua.dossiers import services
from motcua.dossiers.intake import Applicant, Paper, receive_in_person
from motcua.exchange.client import CircuitBreaker
from motcua.people.models import OfficerRole, User
from motcua.places.models import Agency
from motcua.sync.client import forget_sessions

CENTER, JUSTICE = "000.00.30.H52", "000.00.04.H52"
Role = OfficerRole.Role


def _officer(username: str, code: str, role: str) -> User:
    user = User.objects.create(
        username=username, full_name=username.replace("_", " ").title(), kind=User.Kind.OFFICER, is_staff=True
    )
    OfficerRole.objects.create(user=user, agency=Agency.objects.get(code=code), role=role)
    return user


class Desk:
    """Officers of the counter and of the Department of Justice, moving counter dossiers along."""

    def __init__(self):
        self.reception = _officer("tiep_nhan", CENTER, Role.RECEPTION)
        self.head = _officer("truong_phong", JUSTICE, Role.UNIT_HEAD)
        self.specialist = _officer("chuyen_vien", JUSTICE, Role.SPECIALIST)
        self.approver = _officer("giam_doc", JUSTICE, Role.APPROVER)
        self.centre = Agency.objects.get(code=CENTER)
        self.procedure = Procedure.objects.get(code="1.000426")
        self.count = 0

    def receive(self, **kwargs):
        self.count += 1
        papers = [
            Paper(name=d.name, requirement_id=d.pk, originals=d.originals, copies=d.copies)
            for d in self.procedure.current_version.documents.all()
        ]
        applicant = Applicant(
            name="Nguyễn Thị Ánh",
            id_number=f"0140900{self.count:05d}",
            phone="0912345678",
            email="a@example.vn",
        )
        return receive_in_person(self.reception, self.centre, self.procedure, applicant, papers, **kwargs)

    def assign(self, dossier):
        return services.perform(dossier, "assign", self.head, assignee=self.specialist)

    def request_payment(self, dossier):
        return services.perform(dossier, "request_payment", self.specialist, amount=150000)


@pytest.fixture
def desk(reference_data):
    return Desk()


@pytest.fixture
def live_desk(live_reference_data):
    return Desk()


@pytest.fixture
def portal(live_server, settings):
    """Point the national_portal exchange service at the sandbox on the live server, with short timeouts."""
    services_ = copy.deepcopy(settings.MOTCUA_EXCHANGE_SERVICES)
    services_["national_portal"].update(
        base_url=f"{live_server.url}/sandbox/dvcqg/",
        timeout=(1.0, 0.6),
        retries=0,
        breaker_failures=1000,
    )
    settings.MOTCUA_EXCHANGE_SERVICES = services_
    settings.MOTCUA_SYNC_BACKOFF_SECONDS = 0.01
    settings.MOTCUA_SYNC_BACKOFF_MAX_SECONDS = 0.02
    CircuitBreaker.reset_all()
    forget_sessions()
    yield live_server.url
    CircuitBreaker.reset_all()
    forget_sessions()
