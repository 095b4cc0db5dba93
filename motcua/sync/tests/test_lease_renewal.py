"""A drain's round that outlives its lease (a slow portal, a loaded machine) sends nothing another drain
took meanwhile, and still sends what nobody took (found by `bench queue` on PostgreSQL: records re-sent
without any worker dying, because a round of 500 heads took longer than the lease)."""

import time

import pytest

from motcua.sync.models import OutboxMessage
from motcua.sync.outbox import QUEUE, deliver_due
from motcua.sync.records import portal_code

pytestmark = pytest.mark.django_db
State = OutboxMessage.State


class SlowPortal:
    """Records who each call carried; the first call lasts longer than the lease, and meanwhile another
    drain takes the dossier `taken` (its lease having run out)."""

    def __init__(self, lease: float, taken):
        self.lease, self.taken, self.calls = lease, taken, []

    def call(self, service, records, **kwargs):
        self.calls.append((service, {r["MaHoSo"] for r in records}))
        if len(self.calls) == 1:
            time.sleep(self.lease + 0.2)
            pending = OutboxMessage.objects.filter(dossier=self.taken, state=State.PENDING)
            head = pending.order_by("id").first()
            assert QUEUE.claim(head)  # another drain: its lease ran out, the head is due again
        return {"error_code": 0}


def test_a_round_longer_than_its_lease_leaves_to_another_drain_what_it_took(desk, settings):
    settings.MOTCUA_SYNC_RECORDS_PER_CALL = 1  # one dossier per chunk
    settings.MOTCUA_SYNC_LEASE_SECONDS = 1
    first, second, third = (desk.receive() for _ in range(3))
    portal = SlowPortal(1, taken=second)

    report = deliver_due(client=portal)

    sent_to = set().union(*(codes for _, codes in portal.calls))
    assert portal_code(second) not in sent_to  # the other drain sends it, not this one too
    # Third's lease ran out too, but nobody took it: renewed and sent.
    assert {portal_code(first), portal_code(third)} <= sent_to
    assert report.skipped == 1 and report.sent == 4
    assert set(OutboxMessage.objects.filter(state=State.SENT).values_list("dossier_id", flat=True)) == {
        first.pk,
        third.pk,
    }
    assert not OutboxMessage.objects.filter(dossier=second, state=State.SENT).exists()
