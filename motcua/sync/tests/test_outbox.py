"""Every dossier state change becomes an outbox message in the same transaction, and only those."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from motcua.core.events import publish
from motcua.sync.models import OutboxMessage
from motcua.sync.outbox import due_messages, replay

pytestmark = pytest.mark.django_db
State = OutboxMessage.State


def test_each_transition_writes_one_message_linked_to_its_history_entry(desk):
    dossier = desk.assign(desk.receive())
    messages = list(OutboxMessage.objects.filter(dossier=dossier).order_by("id"))
    assert [m.topic for m in messages] == ["dossier.create", "dossier.receive", "dossier.assign"]
    assert [m.history.to_status for m in messages][1:] == [2, 4]
    assert len({m.history_id for m in messages}) == 3
    assert all(m.state == State.PENDING and m.attempts == 0 for m in messages)
    assert {m.dossier_code for m in messages} == {dossier.code}


def test_a_rolled_back_change_leaves_no_message(desk):
    dossier = desk.receive()
    before = OutboxMessage.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        desk.assign(dossier)
        assert OutboxMessage.objects.count() == before + 1  # written inside the transaction
        raise RuntimeError("rollback")
    assert OutboxMessage.objects.count() == before


def test_events_that_are_not_dossier_state_changes_are_skipped(desk):
    dossier = desk.receive()
    before = OutboxMessage.objects.count()
    publish("feedback.open", "feedback", "PA-1", {"agency": "x"})
    publish("payment.paid", "dossier", dossier.code, {"amount": 1})
    publish("dossier.note", "dossier", dossier.code, {"status": 2})  # no from_status: not a transition
    assert OutboxMessage.objects.count() == before


def test_only_the_head_of_each_dossier_is_due_and_a_dead_letter_blocks_the_rest(desk):
    first = desk.assign(desk.receive())
    second = desk.receive()
    later = timezone.now() + timedelta(hours=1)
    due = list(due_messages(later, 100))
    heads = {m.dossier_code: m.topic for m in due}
    assert heads == {first.code: "dossier.create", second.code: "dossier.create"}
    head = OutboxMessage.objects.filter(dossier=first).order_by("id").first()
    OutboxMessage.objects.filter(pk=head.pk).update(state=State.DEAD)
    due = list(due_messages(later, 100))
    assert [m.dossier_code for m in due] == [second.code]
    assert replay([head.pk]) == 1
    assert OutboxMessage.objects.get(pk=head.pk).state == State.PENDING
