"""The "Dành cho bạn" page, the trace of what was shown, dismissal, refusal honoured everywhere,
consent records, the nightly pass and the command — on the sandbox registries' personas."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from motcua.audit.models import AuditEntry
from motcua.core import crypto
from motcua.eid.testing import sign_in_citizen
from motcua.foryou import nightly, services
from motcua.foryou.models import ConsentRecord, Suggestion, SuggestionTrace, Watch
from motcua.people.models import User
from motcua.registries.sandbox import behaviour, demo_people

pytestmark = pytest.mark.django_db


@pytest.fixture
def parent(reference_data):
    p = demo_people()["parent_of_newborn"]
    user = User.objects.create(username="cha", kind="citizen", personal_id=p.id_number, full_name=p.full_name)
    return p, user


def cli(*args) -> dict:
    out = io.StringIO()
    call_command("foryou", "suggestions", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_the_parent_sees_the_birth_suggestion_with_its_reason_and_the_trace_is_kept(client, parent):
    person, user = parent
    sign_in_citizen(client, user)
    response = client.get("/danh-cho-ban/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Liên thông thủ tục hành chính về đăng ký khai sinh" in page
    assert "vì bệnh viện đã gửi giấy chứng sinh của con bạn" in page.lower()
    assert "Các cách thực hiện" in page  # level 3: the channels compared
    row = Suggestion.objects.get(person_id=person.id_number, kind__code="birth_registration")
    assert row.first_shown_at is not None and row.shown_count == 1 and row.level == 3
    trace = SuggestionTrace.objects.get(suggestion=row)
    assert trace.rule_version == 1 and trace.channel == "page"
    assert (
        trace.inputs["birth_notice"]["parent_role"] == "father" and trace.inputs["rule"]["notice"] == "birth"
    )
    # Level 3 is level 2 as well: the bundle's draft is prepared, one tap from submission.
    assert "/nop-ho-so/ho-so/" in page and "/kiem-tra/" in page
    # The command shows what the page shows.
    got = cli("--person", person.id_number)
    assert {"kind": "birth_registration", "procedure": "2.000986", "level": 3} in [
        {k: s[k] for k in ("kind", "procedure", "level")} for s in got["suggestions"]
    ]
    assert got["refused"] is False and got["person"] == person.id_number
    # Shown again: one more trace, the same suggestion.
    client.get("/danh-cho-ban/")
    assert SuggestionTrace.objects.filter(suggestion=row).count() == 2
    assert Suggestion.objects.filter(person_id=person.id_number, kind__code="birth_registration").count() == 1


def test_dismissed_is_gone_from_the_page_and_the_command(client, parent):
    person, user = parent
    sign_in_citizen(client, user)
    client.get("/danh-cho-ban/")
    row = Suggestion.objects.get(person_id=person.id_number, kind__code="birth_registration")
    other = User.objects.create(username="khac", kind="citizen", personal_id=demo_people()["adult"].id_number)
    sign_in_citizen(client, other)
    client.post(f"/danh-cho-ban/{row.pk}/bo-qua/")  # not theirs: nothing happens
    row.refresh_from_db()
    assert row.dismissed_at is None
    sign_in_citizen(client, user)
    client.post(f"/danh-cho-ban/{row.pk}/bo-qua/")
    row.refresh_from_db()
    assert row.dismissed_at is not None
    assert "giấy chứng sinh" not in client.get("/danh-cho-ban/").content.decode()
    assert "birth_registration" not in {s["kind"] for s in cli("--person", person.id_number)["suggestions"]}


def test_refusing_everything_is_honoured_everywhere_at_once(client, parent):
    person, user = parent
    sign_in_citizen(client, user)
    client.get("/danh-cho-ban/")
    assert Watch.objects.filter(person_id=person.id_number).exists()
    Watch.objects.create(
        person_id="014000000000",
        kind_id=Watch.objects.first().kind_id,
        due=timezone.localdate(),
        procedure_code="2.000986",
        level=1,
        because="x",
    )
    response = client.post("/danh-cho-ban/lua-chon/", {"action": "refuse", "scope": "*"})
    assert response.status_code == 302
    # page
    page = client.get("/danh-cho-ban/").content.decode()
    assert "giấy chứng sinh" not in page and "Bạn đã từ chối dịch vụ công chủ động" in page
    # command
    assert cli("--person", person.id_number) == {
        "person": person.id_number,
        "refused": True,
        "suggestions": [],
    }
    # nightly pass: nothing for them (their watches are gone and refusals are checked), others still
    Watch.objects.create(
        person_id=person.id_number,
        kind_id=Watch.objects.first().kind_id,
        due=timezone.localdate(),
        procedure_code="2.000986",
        level=1,
        because="x",
    )
    before = set(Suggestion.objects.filter(person_id=person.id_number).values_list("pk", flat=True))
    nightly.run()
    assert set(Suggestion.objects.filter(person_id=person.id_number).values_list("pk", flat=True)) == before
    assert Suggestion.objects.filter(person_id="014000000000", origin="nightly").count() == 1
    # open suggestions are marked refused (measures), and the refusal is proven and audited
    assert not Suggestion.objects.filter(person_id=person.id_number, refused_at__isnull=True).exists()
    record = ConsentRecord.objects.get(person_id=person.id_number)
    assert (record.action, record.scope, record.text_version) == ("refuse", "*", services.NOTICE_VERSION)
    who = crypto.blind_index(person.id_number)
    refused = AuditEntry.objects.filter(action="foryou.refuse", object_id=who)
    assert refused.exists()
    # and allowing again brings them back
    client.post("/danh-cho-ban/lua-chon/", {"action": "allow", "scope": "*"})
    assert "birth_registration" in {s["kind"] for s in cli("--person", person.id_number)["suggestions"]}


def test_refusing_one_kind_keeps_the_others(client, parent, settings):
    person, user = parent
    services.refuse(person.id_number, "birth_registration")
    kinds = {s["kind"] for s in cli("--person", person.id_number)["suggestions"]}
    assert "birth_registration" not in kinds
    sign_in_citizen(client, user)
    assert "giấy chứng sinh" not in client.get("/danh-cho-ban/").content.decode()
    with pytest.raises(ValueError):
        services.refuse(person.id_number, "no_such_kind")
    response = client.post("/danh-cho-ban/lua-chon/", {"action": "refuse", "scope": "no_such_kind"})
    assert response.status_code == 302 and ConsentRecord.objects.filter(scope="no_such_kind").count() == 0


def test_reminder_consent_is_recorded_with_its_text(client, parent):
    person, user = parent
    sign_in_citizen(client, user)
    assert services.reminder_consent(person.id_number) is False
    client.post("/danh-cho-ban/lua-chon/", {"action": "consent"})
    assert services.reminder_consent(person.id_number) is True
    client.post("/danh-cho-ban/lua-chon/", {"action": "withdraw"})
    assert services.reminder_consent(person.id_number) is False
    actions = list(
        ConsentRecord.objects.filter(person_id=person.id_number).order_by("pk").values_list("action", "text")
    )
    assert [a for a, _ in actions] == ["consent", "withdraw"] and "Luật 91/2025" in actions[0][1]


def test_the_command_rejects_bad_input_and_a_registry_down(parent):
    person, _ = parent
    with pytest.raises(CommandError, match="12 chữ số"):
        cli("--person", "123")
    with pytest.raises(CommandError, match="Không có người"):
        cli("--person", "014999999999")
    with pytest.raises(CommandError, match="Ngày không hợp lệ"):
        cli("--person", person.id_number, "--as-of", "2026-13-01")
    with pytest.raises(CommandError, match="2020"):
        cli("--person", person.id_number, "--as-of", "1990-01-01")
    with behaviour(fail=True), pytest.raises(CommandError, match="tạm hoãn"):
        cli("--person", person.id_number)
    assert not Suggestion.objects.exists()


def test_the_nightly_pass_turns_due_watches_into_suggestions_once(parent):
    person, _ = parent
    services.refresh_watches(services.engine.evaluate(person.id_number))
    watch = Watch.objects.get(person_id=person.id_number, kind__code="birth_registration")
    far = Watch.objects.create(
        person_id="014000000001",
        kind_id=watch.kind_id,
        due=timezone.localdate() + timedelta(days=400),
        procedure_code="2.000986",
        level=3,
        because="x",
    )
    created = nightly.run()
    assert created["birth_registration"] == 1
    row = Suggestion.objects.get(person_id=person.id_number, kind__code="birth_registration")
    assert (row.origin, row.due, row.level) == ("nightly", watch.due, 3)
    assert not Suggestion.objects.filter(person_id=far.person_id).exists()  # not due yet
    assert nightly.run()["birth_registration"] == 0  # idempotent


def test_a_dossier_filed_for_the_suggested_procedure_counts_as_acted(client, parent):
    from motcua.foryou.tests.test_triggers import _dossier

    person, user = parent
    sign_in_citizen(client, user)
    client.get("/danh-cho-ban/")
    dossier = _dossier(person.id_number, "2.000986", status=1)
    from motcua.core.events import publish

    publish("dossier.create", "dossier", dossier.code, {})
    row = Suggestion.objects.get(person_id=person.id_number, kind__code="birth_registration")
    assert row.acted_at is not None and row.acted_dossier == dossier.code


def test_sign_in_brings_the_reminder_dates_up_to_date(client, parent):
    person, user = parent
    assert not Watch.objects.filter(person_id=person.id_number).exists()
    sign_in_citizen(client, user)  # the real sign-in sends user_logged_in too
    assert Watch.objects.filter(person_id=person.id_number, kind__code="birth_registration").exists()
    # An officer's sign-in or a registry down never breaks it.
    with behaviour(fail=True):
        sign_in_citizen(client, user)


def test_the_demo_personas_each_meet_their_suggestion(reference_data):
    out = io.StringIO()
    call_command("foryou", "demo", stdout=out)
    people = demo_people()
    assert people["parent_of_newborn"].id_number in out.getvalue()
    december = timezone.localdate().replace(month=12, day=1)  # the yearly tax reminder's month
    seen = {
        role: {c.kind for c in services.visible(people[role].id_number).suggestions}
        for role in services.DEMO_ROLES
    }
    seen["business_owner"] = {
        c.kind for c in services.visible(people["business_owner"].id_number, december).suggestions
    }
    assert "birth_registration" in seen["parent_of_newborn"]
    assert "id_card_renewal" in seen["expired_card"]
    assert "household_business_tax" in seen["business_owner"]
