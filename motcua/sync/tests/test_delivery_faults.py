"""Delivery to the sandbox portal over real HTTP, while the portal misbehaves.

Down for a stretch, times out after accepting, handles a request twice, answers broken JSON: every
event still reaches it in order per dossier, exactly once in effect, and nothing crashes.
"""

import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from motcua.dossiers.models import Dossier, DossierHistory
from motcua.sync.models import OutboxMessage, SandboxDossier, SandboxProgress, SandboxSession
from motcua.sync.outbox import deliver_all, deliver_due
from motcua.sync.records import portal_code, progress_key, progress_record
from motcua.sync.sandbox import set_behaviour

pytestmark = pytest.mark.django_db(transaction=True)
State = OutboxMessage.State


def settle() -> None:
    time.sleep(0.05)  # past the tiny test backoff


def assert_portal_matches(dossiers) -> None:
    """The portal holds each dossier once, in its current status, with each history entry once, in order."""
    for dossier in dossiers:
        dossier.refresh_from_db()
        held = SandboxDossier.objects.get(code=portal_code(dossier))
        assert held.status == dossier.status
        entries = DossierHistory.objects.filter(dossier=dossier).order_by("id")
        expected = [progress_key(progress_record(e, dossier)) for e in entries]
        assert list(held.progress.order_by("id").values_list("key", flat=True)) == expected
    assert SandboxDossier.objects.count() == len(dossiers)
    assert not OutboxMessage.objects.exclude(state=State.SENT).exists()


def test_portal_down_for_a_stretch_while_dossiers_keep_moving(portal, live_desk):
    set_behaviour("fail", status=503)
    dossiers = [live_desk.receive() for _ in range(3)]
    report = deliver_due()
    assert report.sent == 0 and report.retried == 3 and report.dead == 0
    assert SandboxDossier.objects.count() == 0
    dossiers = [live_desk.assign(d) for d in dossiers]  # work goes on while the portal is down
    dossiers[0] = live_desk.request_payment(dossiers[0])
    for _ in range(3):
        settle()
        assert deliver_due().sent == 0
    set_behaviour("normal")
    settle()
    report = deliver_all(timeout=30)
    assert report.sent == OutboxMessage.objects.count() == 3 * 3 + 1 and report.dead == 0
    assert_portal_matches(dossiers)
    assert max(m.attempts for m in OutboxMessage.objects.all()) >= 2


def test_a_portal_that_times_out_after_accepting_gets_no_duplicate(portal, live_desk):
    dossier = live_desk.receive()
    set_behaviour("timeout", delay_ms=1200, remaining=1)
    report = deliver_due()
    assert report.retried == 1 and report.sent == 0
    assert SandboxDossier.objects.get(code=dossier.code).received == 1  # it was accepted all the same
    time.sleep(0.8)  # the sandbox finishes its slow answer
    report = deliver_all(timeout=30)
    assert report.sent == 2 and report.dead == 0
    assert SandboxDossier.objects.get(code=dossier.code).received >= 2  # re-sent, updated in place
    assert_portal_matches([dossier])


def test_a_portal_that_handles_each_request_twice_keeps_one_of_each(portal, live_desk):
    dossiers = [live_desk.assign(live_desk.receive()) for _ in range(2)]
    set_behaviour("twice")
    assert deliver_all(timeout=30).sent == 6
    assert_portal_matches(dossiers)
    # An operator re-sends everything: still one of each.
    OutboxMessage.objects.update(state=State.PENDING, attempts=0, next_try_at=timezone.now())
    set_behaviour("normal")
    assert deliver_all(timeout=30).sent == 6
    assert_portal_matches(dossiers)
    assert SandboxProgress.objects.count() == 6


def test_a_malformed_answer_is_a_dead_letter_not_a_crash_and_can_be_replayed(portal, live_desk):
    first = live_desk.assign(live_desk.receive())
    set_behaviour("malformed")
    report = deliver_all(timeout=30)
    assert report.dead == 1 and report.sent == 0
    dead = OutboxMessage.objects.get(state=State.DEAD)
    assert dead.dossier == first and dead.topic == "dossier.create"
    assert "JSON" in dead.last_error
    # The dead head blocks the rest of its dossier, not the others.
    assert OutboxMessage.objects.filter(dossier=first, state=State.PENDING).count() == 2
    set_behaviour("normal")
    second = live_desk.receive()
    assert deliver_all(timeout=30).sent == 2
    assert SandboxDossier.objects.get(code=second.code).progress.count() == 2
    assert OutboxMessage.objects.filter(dossier=first, state=State.PENDING).count() == 2

    out = StringIO()
    call_command("sync", "dead-letters", stdout=out)
    assert f"#{dead.pk} {first.code}" in out.getvalue()
    call_command("sync", "dead-letters", "--replay", str(dead.pk), stdout=out)
    call_command("sync", "deliver", "--once", stdout=out)
    assert "Đã gửi 3 tin" in out.getvalue()
    assert_portal_matches([first, second])


def test_a_malformed_answer_to_a_batch_dead_letters_only_what_fails_alone(portal, live_desk):
    dossiers = [live_desk.receive() for _ in range(3)]
    set_behaviour("malformed", remaining=1)  # the batch call only
    report = deliver_all(timeout=30)
    assert report.dead == 0 and report.sent == 6  # re-sent one by one, idempotently
    assert_portal_matches(dossiers)


def test_a_refused_record_is_dead_with_the_field_named(portal, live_desk):
    dossier = live_desk.receive()
    Dossier.objects.filter(pk=dossier.pk).update(applicant_name="")  # a record the portal must refuse
    report = deliver_all(timeout=30)
    assert report.dead == 1 and report.sent == 0
    dead = OutboxMessage.objects.get(state=State.DEAD)
    assert "error_code 3" in dead.last_error and "ChuHoSo" in dead.last_error


def test_an_expired_session_is_renewed(portal, live_desk):
    dossier = live_desk.receive()
    assert deliver_all(timeout=30).sent == 2
    SandboxSession.objects.all().delete()  # the portal forgot every session
    live_desk.assign(dossier)
    assert deliver_all(timeout=30).sent == 1
    assert SandboxSession.objects.count() == 1
    assert_portal_matches([dossier])
