import pytest
from django.core.management import CommandError, call_command

from motcua.audit.models import AuditEntry
from motcua.audit.services import record, verify

from .conftest import as_database_administrator

pytestmark = pytest.mark.django_db


def _three_entries(django_user_model):
    officer = django_user_model.objects.create(username="canbo")
    return [
        record(
            "catalog.procedure.change",
            actor=officer,
            object_type="catalog.procedure",
            object_id=f"1.00000{n}",
            data={"field": "status", "to": "expired"},
        )
        for n in range(3)
    ]


def test_an_untouched_chain_verifies(django_user_model):
    entries = _three_entries(django_user_model)
    result = verify()
    assert result.ok and result.checked == 3
    # One transaction (the test's) writes into one chain, at consecutive positions.
    assert len({e.shard for e in entries}) == 1
    assert [e.shard_sequence for e in entries] == [1, 2, 3]
    sequences = list(AuditEntry.objects.values_list("sequence", flat=True))
    assert sequences == sorted(sequences) and sequences == [e.sequence for e in entries]
    first, second = AuditEntry.objects.all()[:2]
    assert second.prev_hash == first.hash


def test_an_edited_entry_is_found(django_user_model):
    second = _three_entries(django_user_model)[1]
    with as_database_administrator():
        AuditEntry.objects.filter(pk=second.pk).update(data={"field": "status", "to": "in_force"})
    result = verify()
    assert not result.ok
    assert any(f"#{second.sequence}" in p and "sửa" in p for p in result.problems)


def test_a_deleted_entry_in_the_middle_is_found(django_user_model):
    second = _three_entries(django_user_model)[1]
    with as_database_administrator():
        AuditEntry.objects.filter(pk=second.pk).delete()
    assert any(f"vị trí 2 của chuỗi {second.shard}" in p for p in verify().problems)


def test_deleting_the_last_entries_is_found(django_user_model):
    third = _three_entries(django_user_model)[2]
    with as_database_administrator():
        AuditEntry.objects.filter(pk=third.pk).delete()
    assert any("cuối" in p for p in verify().problems)


def test_the_command_fails_on_a_broken_chain(django_user_model, capsys):
    first = _three_entries(django_user_model)[0]
    call_command("audit", "verify")
    assert "toàn vẹn: 3" in capsys.readouterr().out
    with as_database_administrator():
        AuditEntry.objects.filter(pk=first.pk).update(actor="someone-else")
    with pytest.raises(CommandError, match="KHÔNG toàn vẹn"):
        call_command("audit", "verify")


def test_an_administrator_opening_someones_account_is_audited(admin_client, django_user_model):
    citizen = django_user_model.objects.create(
        username="congdan-x", full_name="Nguyễn Văn X", personal_id="014090009999"
    )
    response = admin_client.get(f"/quan-tri/people/user/{citizen.pk}/change/")
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="people.user.admin_view")
    assert entry.object_id == str(citizen.pk) and entry.actor == "admin"
    assert verify().ok
