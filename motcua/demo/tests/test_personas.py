"""What the accounts `make run` prints meet (issue 13, items 12–14): every sign-in persona has a
history in "Hồ sơ của tôi", the province monitor sees the province with rankings on the last
complete month and targets, and each consulted agency has officers who can answer."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from motcua.demo import personas as demo_personas
from motcua.demo.accounts import CONSULTED_AGENCIES, DEMO_PASSWORD
from motcua.dossiers import services
from motcua.dossiers.models import Consultation, Dossier, Status
from motcua.eid import officers
from motcua.eid.testing import sign_in_citizen, sign_in_officer
from motcua.feedback.models import Rating
from motcua.insights.models import Target
from motcua.payments.models import Payment
from motcua.people.models import DataStoreItem, User

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("var")


@pytest.fixture
def demo(reference_data, settings, var_dir, tmp_path):
    """`make run`'s steps: demo accounts, then the showcase of the demo command (no bulk history)."""
    settings.VAR_DIR = var_dir  # the sandbox CA that signs the results
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MOTCUA_SIGNER = "sandbox"
    out = StringIO()
    call_command("demo_accounts", stdout=out)
    lines = demo_personas.build_histories()
    return {"printed": out.getvalue(), "built": lines, "targets": demo_personas.seed_targets()}


def _printed_personas(printed: str) -> dict[str, str]:
    """role → ID number, as `make run` prints them ("  adult: 0140… — Name")."""
    found = {}
    for line in printed.splitlines():
        head, sep, _name = line.strip().partition(" — ")
        role, colon, number = head.partition(": ")
        if sep and colon and number.isdigit() and len(number) == 12:
            found[role] = number
    return found


def every_printed_persona_has_a_history_in_my_page(demo):
    personas = _printed_personas(demo["printed"])
    assert set(personas) == set(demo_personas.sign_in_personas())
    assert "deceased" not in personas  # cannot sign in with the eID: not printed as a persona
    for role, id_number in personas.items():
        user = User.objects.get(personal_id_index=id_number)
        assert user.username == f"vneid-{id_number}"  # the account the eID sign-in finds
        mine = Dossier.objects.filter(applicant_id_index=id_number)
        statuses = set(mine.values_list("status", flat=True))
        assert len(statuses) >= 3, (role, statuses)  # several states
        assert Status.RETURNED in statuses and Status.FINANCIAL in statuses
        returned = mine.get(status=Status.RETURNED)
        assert DataStoreItem.objects.filter(owner_id_index=id_number, result_code__gt="").exists()
        assert Payment.objects.filter(charge__dossier=returned).exists()  # the fee, paid online
        assert Rating.objects.filter(dossier=returned, rater=user).exists()

        client = sign_in_citizen(Client(), user)
        page = client.get("/cua-toi/")
        assert page.status_code == 200
        html = page.content.decode()
        assert all(code in html for code in mine.values_list("code", flat=True)), role
        store = client.get("/cua-toi/kho-du-lieu/").content.decode()
        assert returned.result.title in store


def building_again_changes_nothing(demo):
    before = Dossier.objects.count()
    lines = demo_personas.build_histories()
    assert Dossier.objects.count() == before and all("đã có" in line for line in lines)
    assert demo_personas.seed_targets() == 0


def the_province_monitor_sees_the_province_ranked_on_the_last_complete_month(demo):
    monitor = User.objects.get(username="giamsat")
    assert monitor.check_password(DEMO_PASSWORD) and officers.confirmed_device(monitor)
    assert "giamsat / " in demo["printed"] and "Ủy ban nhân dân Tỉnh" in demo["printed"]
    response = sign_in_officer(Client(), monitor).get("/can-bo/giam-sat/")
    assert response.status_code == 200
    html = response.content.decode()
    last = timezone.localdate().replace(day=1) - timedelta(days=1)
    assert response.context["choice"].period_text == f"{last.year}-{last.month:02d}"
    assert response.context["choice"].unit.kind == "province"
    assert "Xếp hạng" in html and response.context["rankings"]
    # Targets set for a few agencies for that month, shown with their progress.
    agencies = set(
        Target.objects.filter(period_start=last.replace(day=1)).values_list("agency__code", flat=True)
    )
    assert len(agencies) >= 3 and demo["targets"] >= 3


def each_consulted_agency_has_printed_officers_who_can_answer(demo):
    open_ = Consultation.objects.filter(answered_at__isnull=True)
    consulted = {c.to_agency.code.rsplit(".", 1)[0] for c in open_}
    assert consulted == set(CONSULTED_AGENCIES)  # the demo leaves a question open at each
    for consultation in open_.select_related("dossier", "to_agency"):
        answering = User.objects.filter(roles__agency=consultation.to_agency, username__contains=".").exclude(
            username__startswith="demo."
        )
        assert answering.count() == 3
        for officer in answering:
            assert f"{officer.username} / {DEMO_PASSWORD}" in demo["printed"]
            assert officer.check_password(DEMO_PASSWORD) and officers.confirmed_device(officer)
            assert "answer_consultation" in [
                t.name for t in services.allowed_actions(officer, consultation.dossier)
            ]
        services.perform(
            consultation.dossier, "answer_consultation", answering.first(), answer="Đã xác minh."
        )
        consultation.refresh_from_db()
        assert consultation.answered_at is not None


def test_the_printed_accounts_meet_a_working_demo(demo):
    """One build (it signs six results, so it is built once) and every check on it."""
    every_printed_persona_has_a_history_in_my_page(demo)  # item 12
    the_province_monitor_sees_the_province_ranked_on_the_last_complete_month(demo)  # item 13
    each_consulted_agency_has_printed_officers_who_can_answer(demo)  # item 14
    building_again_changes_nothing(demo)
