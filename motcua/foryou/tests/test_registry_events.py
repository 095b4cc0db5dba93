"""Triggers on new registry events (issue 14 §2): the consumer of the event log re-evaluates only the
people an event names, creates their suggestions once, and keeps its own cursor."""

from datetime import date, datetime

import pytest
from django.utils import timezone

from motcua.core import events, jobs
from motcua.foryou import feed, services
from motcua.foryou.models import EventCursor, Suggestion, Watch
from motcua.people.models import DataStoreItem
from motcua.registries.sandbox import behaviour, demo_people

from .conftest import person
from .test_triggers import _dossier

pytestmark = pytest.mark.django_db

ME = "014201000001"
SPOUSE = "014201000002"
OTHER = "014201000009"
DAY = date(2026, 12, 6)


def birth_event(*parents, number="GCS-2026-00000001"):
    return events.publish("registry.birth_notice", "registry", number, {"persons": list(parents)})


def test_a_birth_event_gives_the_parent_the_birth_bundle_suggestion_in_one_run_and_never_twice(
    reference_data,
):
    parent = demo_people()["parent_of_newborn"]
    mother = parent.spouse_id
    assert not Suggestion.objects.filter(person_id=parent.id_number).exists()
    birth_event(parent.id_number, mother)

    outcome = feed.consume()

    assert outcome["events"] == 1 and outcome["persons"] == 2 and not outcome["delayed"]
    row = Suggestion.objects.get(person_id=parent.id_number, kind__code="birth_registration")
    assert row.origin == "event" and row.first_shown_at is None  # made, not yet shown
    assert "giấy chứng sinh" in row.because
    # The notice is in the parent's data store at once: the bundle's one form is prefilled from it.
    assert DataStoreItem.objects.filter(owner_id_index=parent.id_number, kind="giay_chung_sinh").exists()
    assert Watch.objects.filter(person_id=parent.id_number, kind__code="birth_registration").exists()
    # The page shows the same suggestion (no second row).
    shown = [s.suggestion.pk for s in services.show(parent.id_number)[1]]
    assert row.pk in shown

    # A second run reads nothing; the same event delivered again creates nothing either.
    assert feed.consume() == {"events": 0, "persons": 0, "created": 0, "failed": 0, "delayed": False}
    birth_event(parent.id_number, mother)
    again = feed.consume()
    assert again["events"] == 1 and again["created"] == 0
    assert Suggestion.objects.filter(person_id=parent.id_number, kind__code="birth_registration").count() == 1
    assert EventCursor.objects.get(name=feed.CONSUMER).last_event_id == max(
        events.Event.objects.values_list("pk", flat=True)
    )


def test_only_the_people_named_are_evaluated_and_a_refusal_is_honoured(fake):
    fake.add(person(ME, date(1996, 5, 5), card_expires=date(2036, 5, 5), spouse_id=SPOUSE))
    fake.add(person(SPOUSE, date(1997, 5, 5), card_expires=date(2037, 5, 5), spouse_id=ME))
    fake.add(person(OTHER, date(1990, 1, 1), card_expires=date(2030, 1, 1)))
    fake.birth_notices.append({"birth_date": "2026-11-20", "father_id": ME, "mother_id": SPOUSE})
    services.refuse(SPOUSE, "*")
    events.publish("dossier.create", "dossier", "X-1", {"status": 2})  # not a result: nobody
    events.publish("registry.birth_notice", "registry", "GCS-1", {"persons": [ME, SPOUSE, "not-an-id"]})

    outcome = feed.consume(DAY)

    asked = {args[0] for _registry, _method, args in fake.calls if args}
    assert OTHER not in asked and asked <= {ME, SPOUSE}
    assert outcome["events"] == 2 and outcome["created"] == 1
    assert Suggestion.objects.filter(person_id=ME, kind__code="birth_registration", origin="event").exists()
    assert not Suggestion.objects.filter(person_id=SPOUSE).exclude(refused_at__isnull=False).exists()
    assert not Watch.objects.filter(person_id=SPOUSE).exists()


def test_a_registry_that_does_not_answer_delays_the_event_and_the_next_run_makes_it(fake):
    fake.add(person(ME, date(1996, 5, 5), card_expires=date(2036, 5, 5)))
    fake.birth_notices.append({"birth_date": "2026-11-20", "father_id": ME, "mother_id": SPOUSE})
    event = events.publish("registry.birth_notice", "registry", "GCS-2", {"persons": [ME]})
    fake.down.add("social_insurance")

    with behaviour(fail=True):  # the sandbox's health connection too (notices into the data store)
        first = feed.consume(DAY)

    assert first["delayed"] and first["events"] == 0
    assert not Suggestion.objects.filter(person_id=ME).exists()  # never guessed
    assert EventCursor.objects.get(name=feed.CONSUMER).last_event_id < event.pk
    fake.down.clear()
    assert feed.consume(DAY)["created"] == 1
    assert Suggestion.objects.filter(person_id=ME, kind__code="birth_registration").count() == 1


def test_a_result_in_the_provinces_own_register_triggers_the_applicants_next_service(fake):
    fake.add(person(ME, date(1996, 5, 5), card_expires=date(2036, 5, 5)))
    tz = timezone.get_current_timezone()
    dossier = _dossier(ME, "1.000894", status=10, finished=datetime(2026, 11, 30, 10, tzinfo=tz))
    events.publish("dossier.return_result", "dossier", dossier.code, {"status": 10})

    assert feed.consume(DAY)["created"] == 1
    row = Suggestion.objects.get(person_id=ME, kind__code="marriage_residence")
    assert row.origin == "event" and dossier.code in row.because


def test_the_consumer_is_a_periodic_job_of_the_worker(reference_data):
    job = {j.name: j for j in jobs.registered()}[feed.CONSUMER]
    assert job.every_seconds <= 60
    parent = demo_people()["parent_of_newborn"]
    birth_event(parent.id_number)
    assert "1 events" in job.run()
    assert Suggestion.objects.filter(person_id=parent.id_number, kind__code="birth_registration").exists()


def test_the_sandbox_feed_publishes_its_birth_and_death_once_and_the_widow_is_told(reference_data):
    widow = demo_people()["widow"]
    assert feed.sandbox_events() == 2
    assert feed.sandbox_events() == 0  # once each
    feed.consume()
    assert Suggestion.objects.filter(person_id=widow.id_number, kind__code="death_registration").exists()


def test_a_person_whose_evaluation_breaks_does_not_block_the_others(fake, monkeypatch):
    fake.add(person(ME, date(1996, 5, 5), card_expires=date(2036, 5, 5), spouse_id=SPOUSE))
    fake.add(person(SPOUSE, date(1997, 5, 5), card_expires=date(2037, 5, 5), spouse_id=ME))
    fake.birth_notices.append({"birth_date": "2026-11-20", "father_id": ME, "mother_id": SPOUSE})
    real = feed.engine.evaluate

    def evaluate(person_id, day):
        if person_id == SPOUSE:
            raise ValueError("a malformed record")
        return real(person_id, day)

    monkeypatch.setattr(feed.engine, "evaluate", evaluate)
    event = events.publish("registry.birth_notice", "registry", "GCS-3", {"persons": [SPOUSE, ME]})

    outcome = feed.consume(DAY)

    assert outcome["failed"] == 1 and outcome["created"] == 1 and outcome["events"] == 1
    assert Suggestion.objects.filter(person_id=ME, kind__code="birth_registration").exists()
    assert EventCursor.objects.get(name=feed.CONSUMER).last_event_id == event.pk
