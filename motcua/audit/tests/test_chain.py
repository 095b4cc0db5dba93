import pytest
from django.core.management import CommandError, call_command

from motcua.audit.models import AuditEntry
from motcua.audit.services import record, verify

pytestmark = pytest.mark.django_db


def _three_entries(django_user_model):
    officer = django_user_model.objects.create(username="canbo")
    for n in range(3):
        record(
            "catalog.procedure.change",
            actor=officer,
            object_type="catalog.procedure",
            object_id=f"1.00000{n}",
            data={"field": "status", "to": "expired"},
        )


def test_an_untouched_chain_verifies(django_user_model):
    _three_entries(django_user_model)
    result = verify()
    assert result.ok and result.checked == 3
    assert list(AuditEntry.objects.values_list("sequence", flat=True)) == [1, 2, 3]
    first, second = AuditEntry.objects.all()[:2]
    assert second.prev_hash == first.hash


def test_an_edited_entry_is_found(django_user_model):
    _three_entries(django_user_model)
    AuditEntry.objects.filter(sequence=2).update(data={"field": "status", "to": "in_force"})
    result = verify()
    assert not result.ok
    assert any("#2" in p and "sửa" in p for p in result.problems)


def test_a_deleted_entry_in_the_middle_is_found(django_user_model):
    _three_entries(django_user_model)
    AuditEntry.objects.filter(sequence=2).delete()
    assert any("#2" in p for p in verify().problems)


def test_deleting_the_last_entries_is_found(django_user_model):
    _three_entries(django_user_model)
    AuditEntry.objects.filter(sequence=3).delete()
    assert any("cuối" in p for p in verify().problems)


def test_the_command_fails_on_a_broken_chain(django_user_model, capsys):
    _three_entries(django_user_model)
    call_command("audit", "verify")
    assert "toàn vẹn: 3" in capsys.readouterr().out
    AuditEntry.objects.filter(sequence=1).update(actor="someone-else")
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
