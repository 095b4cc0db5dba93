"""Publish events to the event log (outbox). Callers are inside their own transaction."""

import json
from collections.abc import Callable

from django.core.serializers.json import DjangoJSONEncoder

from .models import Event

_subscribers: list[Callable[[Event], None]] = []


def subscribe(callback: Callable[[Event], None]) -> None:
    """Call `callback(event)` right after each Event row is written, inside the publisher's
    transaction (higher floors register from AppConfig.ready(); core never imports them).
    Registering the same callback twice keeps one."""
    if callback not in _subscribers:
        _subscribers.append(callback)


def publish(
    topic: str,
    aggregate_type: str,
    aggregate_id: str,
    payload: dict | None = None,
    *,
    held: dict | None = None,
) -> Event:
    """Write the Event row and call the subscribers with it.

    `held`: objects the publisher has in memory as the database has them now, by name (e.g. the
    dossier just saved and its history entry just written), so that subscribers take them with
    `held_object(event, name)` instead of loading them again. Never stored: the Event row is the same."""
    data = json.loads(json.dumps(payload or {}, cls=DjangoJSONEncoder))
    event = Event.objects.create(
        topic=topic, aggregate_type=aggregate_type, aggregate_id=aggregate_id, payload=data
    )
    event._held = held or {}
    for callback in _subscribers:
        callback(event)
    return event


def held_object(event: Event, name: str):
    """The object `name` the publisher passed with the event (`publish(held=…)`), or None: then
    the subscriber reads it from the database (an Event loaded from its table holds nothing)."""
    return getattr(event, "_held", {}).get(name)
