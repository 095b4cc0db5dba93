"""The electronic birth notice reaches the parent's data store through the registries port (the
health-insurance connection) when they sign in, and birth registration is prefilled from it
(issue 13 item 15)."""

import pytest

from motcua.people.models import DataStoreItem
from motcua.registries import notices, sandbox

from .conftest import sign_in
from .test_submission import start

pytestmark = pytest.mark.django_db
BIRTH = "1.001193"  # Thủ tục đăng ký khai sinh


def test_a_sandbox_parent_finds_the_child_prefilled_from_the_birth_notice(client, forms, people):
    parent = people["parent_of_newborn"]
    birth = sandbox.pending_registrations()["parent_of_newborn"]
    assert not DataStoreItem.objects.filter(owner_id_index=parent.id_number).exists()
    sign_in(client, parent)  # the health connection is asked when the parent signs in
    item = DataStoreItem.objects.get(owner_id_index=parent.id_number, kind=notices.BIRTH_NOTICE_KIND)
    assert item.title == "Giấy chứng sinh điện tử" and item.issuer == birth["birth_place"]

    draft = start(client, BIRTH)
    mother = sandbox.SandboxPopulation().person(birth["mother_id"])
    expected = {
        "child_full_name": birth["full_name"],
        "child_gender": "Nữ",
        "child_birth_date": birth["birth_date"].isoformat(),
        "child_birth_place": birth["birth_place"],
        "father_id_number": parent.id_number,
        "mother_id_number": birth["mother_id"],
        "mother_full_name": mother.full_name,
    }
    assert {k: draft.answers.get(k) for k in expected} == expected, draft.provenance
    assert draft.provenance["child_birth_place"]["label"] == (
        "Kho dữ liệu điện tử của bạn (Giấy chứng sinh điện tử)"
    )

    sign_in(client, parent)  # again: the same notice, stored once
    assert DataStoreItem.objects.filter(owner_id_index=parent.id_number, kind="giay_chung_sinh").count() == 1


def test_the_notice_is_the_parents_only_and_a_silent_connection_does_not_stop_the_sign_in(client, people):
    adult = people["adult"]
    sign_in(client, adult)
    assert not DataStoreItem.objects.filter(owner_id_index=adult.id_number).exists()
    parent = people["parent_of_newborn"]
    with sandbox.behaviour(fail=True):
        sign_in(client, parent)
    assert not DataStoreItem.objects.filter(owner_id_index=parent.id_number).exists()
    assert client.get("/cua-toi/").status_code == 200  # signed in all the same
    mother_id = sandbox.pending_registrations()["parent_of_newborn"]["mother_id"]
    assert notices.receive_notices(mother_id) == 1  # the mother gets it too, in her own store
    assert DataStoreItem.objects.filter(owner_id_index=mother_id, kind="giay_chung_sinh").count() == 1
