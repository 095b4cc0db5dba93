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


def publish(topic: str, aggregate_type: str, aggregate_id: str, payload: dict | None = None) -> Event:
    data = json.loads(json.dumps(payload or {}, cls=DjangoJSONEncoder))
    event = Event.objects.create(
        topic=topic, aggregate_type=aggregate_type, aggregate_id=aggregate_id, payload=data
    )
    for callback in _subscribers:
        callback(event)
    return event
