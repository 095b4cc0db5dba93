"""Fixtures of the e-form tests: the authored forms, sandbox personas signed in through the eID session."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from motcua.eid.acting import EID_KEY, SIGNED_IN_AT_KEY
from motcua.people import datastore
from motcua.people.models import User
from motcua.registries import sandbox


@pytest.fixture
def forms(reference_data):
    call_command("load_forms", stdout=io.StringIO())


@pytest.fixture
def people():
    return sandbox.demo_people()


def sign_in(client, person, *, minutes_ago: int = 0) -> User:
    """A citizen session as the eID callback leaves it (the eID's own tests cover the real flow)."""
    user, _ = User.objects.get_or_create(
        username=f"vneid-{person.id_number}",
        defaults={
            "kind": User.Kind.CITIZEN,
            "personal_id": person.id_number,
            "full_name": person.full_name,
            "phone": "0912345678",
            "email": "congdan@example.vn",
        },
    )
    client.force_login(user)
    session = client.session
    session[EID_KEY] = person.id_number
    session[SIGNED_IN_AT_KEY] = (timezone.now() - timezone.timedelta(minutes=minutes_ago)).isoformat()
    session["eid_claims"] = {"address": person.permanent_address}
    session.save()
    return user


def hospital_papers(people) -> None:
    """The hospital's e-birth and e-death notices, as the health system puts them in the data store."""
    pending = sandbox.pending_registrations()
    birth, death = pending["parent_of_newborn"], pending["widow"]
    datastore.store(
        people["parent_of_newborn"].id_number,
        title="Giấy chứng sinh điện tử",
        source=f"sandbox-hospital:birth:{birth['father_id']}",
        kind="giay_chung_sinh",
        issued_at=timezone.now(),
        issuer="Bệnh viện Đa khoa tỉnh (thử nghiệm)",
        data={
            "gender": "Nam" if birth["gender"] == "male" else "Nữ",
            "birth_date": birth["birth_date"].isoformat(),
            "birth_place": birth["birth_place"],
            "father_id": birth["father_id"],
            "mother_id": birth["mother_id"],
        },
    )
    datastore.store(
        people["widow"].id_number,
        title="Giấy báo tử",
        source=f"sandbox-hospital:death:{death['deceased_id']}",
        kind="giay_bao_tu",
        issued_at=timezone.now(),
        issuer="Trạm y tế xã (thử nghiệm)",
        data={"died_on": death["died_on"].isoformat(), "place": death["place"], "cause": death["cause"]},
    )


@pytest.fixture
def with_hospital_papers(db, people):
    hospital_papers(people)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the cache, keyed by user pk, which tests reuse after rollback."""
    from django.core.cache import cache

    cache.clear()
