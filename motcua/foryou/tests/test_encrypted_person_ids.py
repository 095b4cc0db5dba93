"""foryou's, privacy's and the sandbox eID's ID numbers at rest (issue 17 item 5, ADR 0048): the rows
hold the keyed blind index (and, where the number is read back, its ciphertext), never the number;
lookups by the number still find the rows."""

import pytest
from django.db import connection
from django.utils import timezone

from motcua.core import crypto
from motcua.eid.models import SandboxGrant
from motcua.foryou import bundles, recommendations, reminders, services
from motcua.foryou.models import (
    BundleCase,
    ConsentRecord,
    Preference,
    RecommendationShown,
    Suggestion,
    SuggestionTrace,
    Watch,
)
from motcua.people.models import User
from motcua.privacy import services as privacy
from motcua.privacy.models import DataSubjectRequest
from motcua.registries.sandbox import demo_people

pytestmark = pytest.mark.django_db

TABLES = [
    "foryou_suggestion",
    "foryou_suggestiontrace",
    "foryou_preference",
    "foryou_consentrecord",
    "foryou_watch",
    "foryou_recommendationshown",
    "foryou_bundlecase",
    "privacy_datasubjectrequest",
    "eid_sandboxgrant",
]


def raw_rows(table: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 — a fixed table name
        return cursor.fetchall()


@pytest.fixture
def parent(reference_data):
    p = demo_people()["parent_of_newborn"]
    user = User.objects.create(username="cha", kind="citizen", personal_id=p.id_number, full_name=p.full_name)
    return p, user


def test_no_table_holds_the_number_and_every_lookup_still_finds_the_rows(parent):
    person, user = parent
    number = person.id_number
    digest = crypto.blind_index(number)
    # every kind of row, written the way the services write them
    evaluation, shown = services.show(number, channel="page")
    assert shown, "the sandbox parent of a newborn has a suggestion"
    services.refresh_watches(evaluation)
    services.refuse(number, "health_insurance_renewal")
    services.set_reminder_consent(number, True)
    recommendations.for_person(number, channel="page")  # records what it shows (none may be learnt yet)
    RecommendationShown.objects.bulk_create(
        [
            RecommendationShown(
                person_id=number, procedure_code="1.001", because="…", source="rule", channel="page"
            )
        ]
    )
    case = bundles.start(user, "birth", {"full_name": person.full_name})
    request = privacy.submit(user, "access")
    SandboxGrant.objects.create(
        code_hash="0" * 64,
        client_id="motcua",
        redirect_uri="https://motcua.example/eid/callback/",
        subject=number,
        scope="openid",
        code_challenge="x",
        created_at=timezone.now(),
        code_expires_at=timezone.now(),
    )

    for table in TABLES:
        rows = raw_rows(table)
        assert rows, f"{table}: the test wrote no row"
        for row in rows:
            text = " ".join(str(v) for v in row)
            assert number not in text, f"{table} holds the ID number in clear: {row}"

    # where rows are found by the number, the column is its keyed digest
    for model in (Suggestion, Preference, ConsentRecord, Watch, RecommendationShown, BundleCase):
        assert set(model.objects.values_list("person_id", flat=True)) == {digest}, model
    assert SuggestionTrace.objects.filter(suggestion__person_id=number).exists()
    # lookups by the number as typed (normalised), by a list, by the digest
    spaced = f"{number[:3]} {number[3:6]} {number[6:]}"
    assert Suggestion.objects.filter(person_id=spaced).count() == len(shown)
    assert Preference.objects.get(person_id__in=[number, "014000000000"]).refused_kinds
    assert Preference.objects.get(person_id=digest) == services.preference(number)
    assert reminders.consenting([number]) == {digest}
    assert recommendations.refused(number, Preference.objects.get()) is False
    assert services.reminder_consent(number)
    assert list(bundles.cases_of(number)) == [case]
    assert list(privacy.requests_of(user)) == [request]
    # where the number is read back, it comes back decrypted
    fresh = BundleCase.objects.get(person_id=number)
    assert fresh.person_number == number and fresh.person_id == digest
    assert DataSubjectRequest.objects.get(person_id=number).person_number == number
    assert SandboxGrant.objects.get().subject == number
    # nothing of an unknown number
    assert not Suggestion.objects.filter(person_id="014000000000").exists()
    assert not reminders.consenting(["014000000000"])


def test_erasure_finds_the_rows_by_the_number(parent):
    person, user = parent
    number = person.id_number
    services.show(number, channel="page")
    assert Suggestion.objects.filter(person_id=number).exists()
    outcome = privacy.erase(number, user, actor=None)
    assert outcome["deleted"]["suggestions"] >= 1
    assert not Suggestion.objects.filter(person_id=number, acted_at__isnull=True).exists()
    assert Preference.objects.get(person_id=number).refused_all
