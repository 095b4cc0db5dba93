"""Publish events to the event log (outbox). Callers are inside their own transaction."""

import json

from django.core.serializers.json import DjangoJSONEncoder

from .models import Event


def publish(topic: str, aggregate_type: str, aggregate_id: str, payload: dict | None = None) -> Event:
    data = json.loads(json.dumps(payload or {}, cls=DjangoJSONEncoder))
    return Event.objects.create(
        topic=topic, aggregate_type=aggregate_type, aggregate_id=aggregate_id, payload=data
    )
