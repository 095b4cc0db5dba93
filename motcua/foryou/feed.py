"""Registry events → proactive services within a minute (issue 14: "triggers … on new registry events").

The event log (core.Event) is the one way events travel up the floors. Two kinds of rows matter here:

* `registry.<what>` — a registry's change feed received by the platform (a birth notice from the
  hospital, a death notice, an ID card / driving licence / health card issued, renewed or about to
  expire, a business registered). Contract: `events.publish("registry.birth_notice", "registry",
  <the notice's own number>, {"persons": [<12-digit ID numbers of the people it names>], …})`. The
  payload names people and nothing more is needed: each named person is re-evaluated from their own
  records (the engine reads the registries again), so the event never carries personal data that the
  evaluation would trust blindly.
* `dossier.*` whose status is a result (national codes 9, 10) — the province's own register: a
  household business registered, a marriage registered…; the person named is the applicant.

`consume()` (job `foryou.registry_events`, every minute) reads the events after its own cursor, in id
order, re-evaluates only the people they name (`engine.evaluate(person, day)`), creates the
suggestions due today (origin "event", unique per person, kind and due date: a second run creates
nothing), refreshes the person's watches (the nightly pass), and queues the e-mail/SMS reminders of
those who consented. The cursor moves in the same transaction as the suggestions. A registry that
does not answer stops the run before that event (delayed, never wrong): the next run retries it.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from motcua.core.models import Event

from . import engine
from .models import EventCursor

logger = logging.getLogger(__name__)

CONSUMER = "foryou.registry_events"
#: Dossier statuses that mean "the result exists" (national codes 9 and 10), as in the engine.
_RESULT = (9, 10)
#: Events read per run at most (the next run goes on where this one stopped).
BATCH = 500


def persons_named(event: Event) -> list[str]:
    """The 12-digit ID numbers an event names (the only people it may re-evaluate)."""
    if event.topic.startswith("registry."):
        named = event.payload.get("persons") or []
        if isinstance(named, str):
            named = [named]
        return [p for p in dict.fromkeys(named) if isinstance(p, str) and len(p) == 12 and p.isdigit()]
    if event.topic.startswith("dossier.") and event.aggregate_type == "dossier":
        if event.payload.get("status") not in _RESULT:
            return []
        from motcua.dossiers.models import Dossier

        applicant = (
            Dossier.objects.filter(code=event.aggregate_id)
            .values_list("applicant_id_number", flat=True)
            .first()
        )
        return [applicant] if applicant and len(applicant) == 12 and applicant.isdigit() else []
    return []


def _relevant(queryset):
    from django.db.models import Q

    return queryset.filter(Q(topic__startswith="registry.") | Q(topic__startswith="dossier."))


def _receive_birth_notices(person_id: str) -> None:
    """A birth event: the notice goes into the parent's data store now (the bundle's form reads it)."""
    from motcua.registries.notices import receive_notices
    from motcua.registries.ports import RegistryUnavailable

    try:
        receive_notices(person_id)
    except RegistryUnavailable:
        logger.warning("foryou: birth notices not fetched; the health connection did not answer")


def _apply(person_id: str, day, *, birth: bool) -> tuple[int, bool]:
    """Re-evaluate one person; returns (suggestions created, delayed)."""
    from .models import Suggestion
    from .services import _upsert, refresh_watches

    if birth:
        _receive_birth_notices(person_id)
    try:
        evaluation = engine.evaluate(person_id, day)
    except engine.UnknownPerson:
        return 0, False  # not a resident of the population registry: nothing to suggest
    if evaluation.delayed:
        return 0, True
    before = Suggestion.objects.filter(person_id=person_id).count()
    if evaluation.suggestions:
        _upsert(evaluation.suggestions, person_id, "event", evaluation.kind_ids)
    refresh_watches(evaluation)
    return Suggestion.objects.filter(person_id=person_id).count() - before, False


def consume(day=None, *, limit: int = BATCH) -> dict:
    """Read the new events once; {"events": read, "persons": evaluated, "created": n, "failed": n,
    "delayed": bool}. A person whose evaluation fails unexpectedly is logged and skipped (the feed
    goes on); a registry that does not answer stops the run before that event (retried)."""
    day = day or timezone.localdate()
    outcome = {"events": 0, "persons": 0, "created": 0, "failed": 0, "delayed": False}
    evaluated: set[str] = set()
    with transaction.atomic():
        EventCursor.objects.get_or_create(name=CONSUMER)
        # One reader at a time (two workers): the second waits, then reads after the first's cursor.
        cursor = EventCursor.objects.select_for_update().get(name=CONSUMER)
        events = list(_relevant(Event.objects.filter(pk__gt=cursor.last_event_id)).order_by("pk")[:limit])
        last = cursor.last_event_id
        for event in events:
            people = [p for p in persons_named(event) if p not in evaluated]
            results = []
            for person_id in people:
                try:
                    with transaction.atomic():  # one person's failure is that person's only
                        results.append(_apply(person_id, day, birth=event.topic == "registry.birth_notice"))
                except Exception:  # noqa: BLE001 — a bad record must not block the feed for everyone
                    # Only the event's id in the log (no personal data); sign-in and the night retry.
                    logger.exception("foryou: re-evaluation after event #%s failed", event.pk)
                    outcome["failed"] += 1
            if any(delayed for _created, delayed in results):
                outcome["delayed"] = True
                break  # retried from this event on the next run
            evaluated.update(people)
            outcome["created"] += sum(created for created, _delayed in results)
            outcome["events"] += 1
            last = event.pk
        if last != cursor.last_event_id:
            cursor.last_event_id = last
            cursor.save(update_fields=["last_event_id", "updated_at"])
    outcome["persons"] = len(evaluated)
    if evaluated:
        from . import reminders

        reminders.send_due(day, person_ids=evaluated)
    return outcome


def sandbox_events() -> int:
    """The sandbox registries' pending events (a birth, a death) published as their change feed
    would send them (`make run`, demos); each once. Returns how many were published."""
    from motcua.core import events

    from . import pending as registrations

    published = 0
    for pending in registrations.pending():
        if pending.get("kind") == "birth":
            topic = "registry.birth_notice"
            reference = f"birth:{pending['mother_id']}:{pending['birth_date']}"
            persons = [pending["father_id"], pending["mother_id"]]
        elif pending.get("kind") == "death":
            topic = "registry.death_notice"
            reference = f"death:{pending['deceased_id']}:{pending['died_on']}"
            persons = [pending["declarant_id"]]
        else:
            continue
        if Event.objects.filter(topic=topic, aggregate_id=reference).exists():
            continue
        events.publish(topic, "registry", reference, {"persons": persons})
        published += 1
    return published


def run() -> str:
    """The periodic job (core.jobs): one pass over what arrived since the last."""
    outcome = consume()
    return f"{outcome['events']} events, {outcome['persons']} people, {outcome['created']} suggestions" + (
        " (a registry did not answer: retried next run)" if outcome["delayed"] else ""
    )
