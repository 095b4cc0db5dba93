"""ID numbers and names at rest (issue 17 item 5, ADR 0048): ciphertext in the database rows, found
through keyed blind indexes — scoping of "Hồ sơ của tôi", the officers' search, the data wallet,
feedback, drafts, the eID sign-in — and refused when looked up on the encrypted column itself."""

import pytest
from django.core.exceptions import FieldError
from django.db import IntegrityError, connection, transaction

from motcua.backoffice.queues import _search_q
from motcua.core import crypto
from motcua.dossiers.access import own_dossiers
from motcua.dossiers.models import Dossier
from motcua.feedback.models import FeedbackCase
from motcua.people import datastore
from motcua.people.models import User

pytestmark = pytest.mark.django_db

NUMBER, NAME = "014090001111", "Nguyễn Thị Ánh"


def raw(table: str, columns: str, pk: int) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()


def test_the_dossier_row_holds_the_number_and_the_name_as_ciphertext(make_dossier):
    dossier = make_dossier()
    number, name, number_index, name_index = raw(
        "dossiers_dossier",
        "applicant_id_number, applicant_name, applicant_id_index, applicant_name_index",
        dossier.pk,
    )
    assert crypto.is_token(number) and crypto.is_token(name)
    assert NUMBER not in number and "Ánh" not in name
    # the indexes are keyed digests, not the values: nothing of the number or the name is in them
    assert number_index == crypto.blind_index(NUMBER) and NUMBER not in number_index
    assert name_index == crypto.blind_index(NAME, kind="name") and len(name_index) == 64
    fresh = Dossier.objects.get(pk=dossier.pk)
    assert (fresh.applicant_id_number, fresh.applicant_name) == (NUMBER, NAME)
    assert list(Dossier.objects.filter(pk=dossier.pk).values_list("applicant_id_number", flat=True)) == [
        NUMBER
    ]


def test_lookups_by_id_number_go_through_the_blind_index(make_dossier, people):
    mine, other = make_dossier(), make_dossier()
    # the index follows its source through update(), bulk_update() and save(update_fields=…)
    Dossier.objects.filter(pk=other.pk).update(applicant_id_number="014090003333")
    assert Dossier.objects.get(applicant_id_index="014090003333") == other
    other.applicant_id_number = "014090004444"
    Dossier.objects.bulk_update([other], ["applicant_id_number"])
    assert Dossier.objects.get(applicant_id_index="014090004444") == other
    other.applicant_id_number = "014090002222"
    other.save(update_fields=["applicant_id_number"])
    assert set(Dossier.objects.filter(applicant_id_index=NUMBER).values_list("pk", flat=True)) == {mine.pk}
    # normalised like the index: spaces and dots typed by a person still find it
    assert Dossier.objects.filter(applicant_id_index=" 014 090 001 111 ").get() == mine
    assert Dossier.objects.filter(applicant_id_index__in=[NUMBER, "014090002222"]).count() == 2
    # a digest passes through, so two index columns compare (joins between tables)
    assert Dossier.objects.filter(applicant_id_index=crypto.blind_index(NUMBER)).get() == mine
    stranger = User.objects.create(username="nguoi_la_enc")
    assert set(own_dossiers(stranger, {NUMBER})) == {mine}
    assert not own_dossiers(stranger, {"014090009999"}).exists()
    # the officers' search: an ID number exactly, a whole name case- and diacritics-folded
    assert set(Dossier.objects.filter(_search_q("014090001111"))) == {mine}
    assert set(Dossier.objects.filter(_search_q("nguyen thi anh"))) == {mine, other}
    assert not Dossier.objects.filter(_search_q("Thị Ánh")).exists()  # a part of a name: not any more


def test_a_lookup_on_the_encrypted_column_is_refused_not_silently_empty():
    with pytest.raises(FieldError, match="blind index"):
        list(Dossier.objects.filter(applicant_id_number=NUMBER))
    with pytest.raises(FieldError, match="blind index"):
        list(User.objects.filter(full_name__icontains="Ánh"))
    with pytest.raises(FieldError):
        list(FeedbackCase.objects.filter(submitter_id_number__in=[NUMBER]))
    # "not given" stays comparable
    assert not Dossier.objects.filter(applicant_id_number="").exists()
    assert not User.objects.filter(personal_id__isnull=False, personal_id="").exists()


def test_one_account_per_personal_id_is_kept_by_the_index():
    user = User.objects.create(username="an.id", personal_id=NUMBER, full_name=NAME)
    stored_id, stored_name, index = raw("people_user", "personal_id, full_name, personal_id_index", user.pk)
    assert crypto.is_token(stored_id) and crypto.is_token(stored_name) and index == crypto.blind_index(NUMBER)
    assert User.objects.get(personal_id_index=NUMBER) == user
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="an.twice", personal_id=NUMBER)
    # accounts without a number: NULL index, as many as there are
    User.objects.create(username="officer.a")
    User.objects.create(username="officer.b", personal_id="")
    assert User.objects.filter(personal_id_index__isnull=True).count() >= 2
    # bulk_create fills the index too (the demo's citizens)
    User.objects.bulk_create([User(username="bulk.1", personal_id="014090003333")])
    assert User.objects.filter(personal_id_index="014090003333").get().username == "bulk.1"


def test_the_data_wallet_is_found_by_the_owners_number():
    owner = User.objects.create(username="owner.enc", personal_id=NUMBER)
    item = datastore.store(
        NUMBER, title="Giấy khai sinh", source="test:enc", issued_at="2026-01-02T03:04:05+07:00"
    )
    stored, index = raw("people_datastoreitem", "owner_id_number, owner_id_index", item.pk)
    assert crypto.is_token(stored) and index == crypto.blind_index(NUMBER)
    assert item.owner_user == owner
    assert list(datastore.items_of(NUMBER)) == [item]
    assert not datastore.items_of("014090009999").exists()


def test_feedback_submitter_is_ciphertext_and_found_by_index(make_dossier, people):
    from motcua.feedback import services as feedback

    dossier = make_dossier()
    case = feedback.open_case(people["citizen"], dossier, "Hỏi", "Bao giờ có kết quả?", id_numbers={NUMBER})
    again = feedback.open_case(
        people["citizen"], dossier, "Hỏi lại", "Chưa thấy trả lời.", id_numbers={NUMBER}
    )
    assert again.repeated  # "the same person about the same dossier", by the index
    number, name = raw("feedback_feedbackcase", "submitter_id_number, submitter_name", case.pk)
    assert crypto.is_token(number) and crypto.is_token(name)
    assert set(FeedbackCase.objects.filter(submitter_id_index=NUMBER)) == {case, again}


def test_the_migration_encrypts_plaintext_rows_and_fills_the_indexes(make_dossier):
    dossier = make_dossier()
    with connection.cursor() as cursor:  # a row as it was before the migration
        cursor.execute(
            "UPDATE dossiers_dossier SET applicant_id_number = %s, applicant_name = %s, "
            "applicant_id_index = '', applicant_name_index = '' WHERE id = %s",
            [NUMBER, NAME, dossier.pk],
        )
    forward, backward = crypto.index_columns(
        "dossiers_dossier",
        [
            ("applicant_id_number", "applicant_id_index", "id"),
            ("applicant_name", "applicant_name_index", "name"),
        ],
    )

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    forward(None, editor)
    number, name, number_index, name_index = raw(
        "dossiers_dossier",
        "applicant_id_number, applicant_name, applicant_id_index, applicant_name_index",
        dossier.pk,
    )
    assert crypto.is_token(number) and crypto.is_token(name)
    assert number_index == crypto.blind_index(NUMBER) and name_index == crypto.blind_index(NAME, kind="name")
    forward(None, editor)  # again: tokens are kept, nothing changes
    assert raw("dossiers_dossier", "applicant_id_number", dossier.pk)[0] == number
    backward(None, editor)
    assert raw("dossiers_dossier", "applicant_id_number, applicant_name", dossier.pk) == (NUMBER, NAME)
