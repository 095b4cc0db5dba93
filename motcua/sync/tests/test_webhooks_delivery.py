"""Webhook delivery to a real HTTP receiver (a threaded http.server in the test) that verifies the
Standard Webhooks signature with an implementation of the spec written in the test (spec_verifier), as
a subscribed system's off-the-shelf verifier would, while it misbehaves: down for a
while, 5xx, 410, redirects, answering after its deadline. Every event arrives once in effect, in
order per dossier, and a retry is the same event (same id, same bytes), never a different one."""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from motcua.exchange.client import CircuitBreaker
from motcua.exchange.models import MessageLog
from motcua.places.models import Agency
from motcua.sync import webhooks
from motcua.sync.models import WebhookDelivery, WebhookSubscription
from motcua.sync.tests import spec_verifier
from motcua.sync.tests.conftest import JUSTICE

pytestmark = pytest.mark.django_db
State = WebhookDelivery.State


class Receiver:
    """A subscribed system: records every POST, checks its signature, answers as planned.

    `plan` holds the next answers: a status, or ("slow", seconds, status) to answer after a delay
    (having recorded — i.e. accepted — the request first), or ("redirect", url).
    Each path has its own secret (one subscription per path).
    """

    def __init__(self):
        self.secrets: dict[str, str] = {}
        self.received: list[dict] = []
        self.plan: list = []
        self.lock = threading.Lock()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.server = None

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                valid = spec_verifier.verify(
                    receiver.secrets.get(self.path, ""), body, dict(self.headers.items())
                )
                with receiver.lock:
                    receiver.received.append(
                        {
                            "path": self.path,
                            "body": body,
                            "valid": valid,
                            "event_id": self.headers.get("webhook-id"),
                            "attempt": self.headers.get(webhooks.ATTEMPT_HEADER),
                            "json": json.loads(body),
                        }
                    )
                    action = receiver.plan.pop(0) if receiver.plan else 200
                if not valid:
                    action = 401
                if isinstance(action, tuple) and action[0] == "slow":
                    time.sleep(action[1])
                    action = action[2]
                if isinstance(action, tuple) and action[0] == "redirect":
                    self.send_response(302)
                    self.send_header("Location", action[1])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                answer = b"ok" if action < 300 else b"no"
                try:
                    self.send_response(action)
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:
                    pass  # the sender gave up waiting

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def events(self, path: str = "/hook") -> list[dict]:
        with self.lock:
            return [r for r in self.received if r["path"] == path]

    def event_ids(self, path: str = "/hook") -> list[str]:
        """Distinct event ids in the order first received (what a deduplicating receiver keeps)."""
        seen = []
        for r in self.events(path):
            if r["event_id"] not in seen:
                seen.append(r["event_id"])
        return seen


@pytest.fixture
def receiver(settings):
    settings.MOTCUA_WEBHOOK_ALLOW_PRIVATE = True  # the receiver listens on 127.0.0.1
    settings.MOTCUA_WEBHOOK_TIMEOUT = (1.0, 0.5)
    settings.MOTCUA_WEBHOOK_BREAKER_FAILURES = 1000
    settings.MOTCUA_SYNC_BACKOFF_SECONDS = 0.01
    settings.MOTCUA_SYNC_BACKOFF_MAX_SECONDS = 0.02
    CircuitBreaker.reset_all()
    server = Receiver()
    server.start()
    yield server
    server.stop()
    CircuitBreaker.reset_all()


def subscribe(receiver, name="he-thong-nhan", path="/hook", agencies=(JUSTICE,)):
    events = [code for code, _ in webhooks.event_types()]
    subscription, secret = webhooks.create_subscription(
        name, receiver.url(path), events, list(Agency.objects.filter(code__in=agencies))
    )
    receiver.secrets[path] = secret
    return subscription


def settle(seconds: float = 0.05) -> None:
    time.sleep(seconds)  # past the tiny test backoff


def rows(subscription=None):
    qs = WebhookDelivery.objects.order_by("id")
    return list(qs.filter(subscription=subscription) if subscription else qs)


def test_a_dossier_event_reaches_the_receiver_signed_and_the_receiver_verifies_it(receiver, desk):
    subscription = subscribe(receiver)
    dossier = desk.receive()
    report = webhooks.deliver_due()
    assert report.sent == 2 and report.retried == report.dead == 0
    got = receiver.events()
    assert [r["json"]["type"] for r in got] == ["dossier.create", "dossier.receive"]
    assert all(r["valid"] for r in got)
    assert [r["event_id"] for r in got] == [str(d.event_id) for d in rows()]
    assert [r["json"]["id"] for r in got] == [r["event_id"] for r in got]
    assert got[1]["json"]["data"]["dossier_code"] == dossier.code
    assert dossier.applicant_id_number.encode() not in got[0]["body"]
    assert all(d.state == State.SENT and d.attempts == 1 and d.last_status == 200 for d in rows())
    logged = MessageLog.objects.filter(service=f"webhook.{subscription.pk}").order_by("id")
    assert [m.outcome for m in logged] == ["ok", "ok"]
    assert logged[0].correlation_id == rows()[0].event_id.hex


def test_a_wrong_secret_is_refused_by_the_receiver_and_dead_lettered(receiver, desk):
    subscribe(receiver)
    receiver.secrets["/hook"] = webhooks.new_secret()  # not the subscription's
    desk.receive()
    report = webhooks.deliver_due()
    assert report.sent == 0 and report.dead == 1  # 401: asking again gets the same answer
    assert [r["valid"] for r in receiver.events()] == [False]
    head, follower = rows()
    assert head.state == State.DEAD and head.last_status == 401
    assert follower.state == State.PENDING and follower.attempts == 0  # waits behind its head


def test_receiver_down_then_back_gets_everything_in_order(receiver, desk):
    subscription = subscribe(receiver)
    receiver.stop()
    dossiers = [desk.receive() for _ in range(2)]
    report = webhooks.deliver_due()
    # The first connection error stops this subscription's round: the rest waits, uncounted.
    assert report.sent == 0 and report.retried == 1 and report.dead == 0
    dossiers = [desk.assign(d) for d in dossiers]  # work goes on while the receiver is down
    settle()
    assert webhooks.deliver_due().sent == 0
    receiver.start()
    settle()
    total = webhooks.deliver_all(timeout=30)
    assert total.sent == len(rows()) == 6 and total.dead == 0
    assert all(d.state == State.SENT for d in rows(subscription))
    for dossier in dossiers:
        topics = [
            r["json"]["type"] for r in receiver.events() if r["json"]["data"]["dossier_code"] == dossier.code
        ]
        assert topics == ["dossier.create", "dossier.receive", "dossier.assign"]
    assert receiver.event_ids() == [str(d.event_id) for d in sorted(rows(), key=lambda d: d.sent_at)]
    assert len(receiver.event_ids()) == len(receiver.events()) == 6  # never accepted twice
    assert max(d.attempts for d in rows()) >= 2
    outcomes = set(
        MessageLog.objects.filter(service=f"webhook.{subscription.pk}").values_list("outcome", flat=True)
    )
    assert outcomes == {"connection_error", "ok"}


def test_a_500_is_retried_with_the_same_event_until_it_is_accepted(receiver, desk):
    subscribe(receiver)
    receiver.plan = [500, 503]
    desk.receive()
    assert webhooks.deliver_due().retried == 1
    settle()
    assert webhooks.deliver_due().retried == 1
    settle()
    report = webhooks.deliver_due()
    assert report.sent == 2 and report.dead == 0
    head = rows()[0]
    assert head.attempts == 3 and head.state == State.SENT
    tries = [r for r in receiver.events() if r["event_id"] == str(head.event_id)]
    assert [r["attempt"] for r in tries] == ["1", "2", "3"]
    assert len({r["body"] for r in tries}) == 1  # the same bytes each time


def test_a_410_goes_to_dead_letters_blocks_only_its_dossier_and_replays(receiver, desk):
    subscribe(receiver)
    receiver.plan = [410]
    first = desk.assign(desk.receive())
    second = desk.receive()
    report = webhooks.deliver_all(timeout=30)
    assert report.dead == 1 and report.sent == 2  # the other dossier went through
    dead = WebhookDelivery.objects.get(state=State.DEAD)
    assert dead.dossier_code == first.code and dead.topic == "dossier.create" and dead.last_status == 410
    assert "410" in dead.last_error
    assert {r["json"]["data"]["dossier_code"] for r in receiver.events()[1:]} == {second.code}
    out = StringIO()
    call_command("webhooks", "dead-letters", stdout=out)
    assert f"#{dead.pk}" in out.getvalue() and "1 tin webhook" in out.getvalue()
    call_command("webhooks", "dead-letters", "--replay", str(dead.pk), stdout=StringIO())
    report = webhooks.deliver_all(timeout=30)
    assert report.sent == 3 and report.dead == 0
    topics = [r["json"]["type"] for r in receiver.events() if r["json"]["data"]["dossier_code"] == first.code]
    assert topics == ["dossier.create", "dossier.create", "dossier.receive", "dossier.assign"]
    assert receiver.event_ids().count(str(dead.event_id)) == 1  # the replay is the same event


def test_a_receiver_that_times_out_after_accepting_gets_the_same_event_again_not_a_new_one(receiver, desk):
    subscribe(receiver)
    receiver.plan = [("slow", 1.0, 200)]
    desk.receive()
    report = webhooks.deliver_due()
    assert report.retried == 1 and report.sent == 0
    assert len(receiver.events()) == 1  # it did accept the request
    settle(0.8)  # the receiver finishes its slow answer
    report = webhooks.deliver_all(timeout=30)
    assert report.sent == 2 and report.dead == 0
    head = rows()[0]
    copies = [r for r in receiver.events() if r["event_id"] == str(head.event_id)]
    assert len(copies) == 2 and copies[0]["body"] == copies[1]["body"]
    assert len(receiver.event_ids()) == 2  # a deduplicating receiver has exactly the two events
    assert MessageLog.objects.filter(outcome="timeout").count() == 1


def test_a_subscription_bound_to_one_agency_never_receives_another_agencys_events(receiver, desk):
    from motcua.dossiers.intake import handling_agency_for

    justice = subscribe(receiver, "so-tu-phap", "/x", (JUSTICE,))
    other = None
    for procedure in desk.procedure.__class__.objects.filter(current_version__isnull=False).order_by("code"):
        agency = handling_agency_for(procedure, desk.centre)
        if agency.code not in (JUSTICE, desk.centre.code) and procedure.current_version.documents.exists():
            other = procedure
            break
    assert other is not None
    elsewhere = subscribe(receiver, "so-khac", "/y", (handling_agency_for(other, desk.centre).code,))
    mine = desk.receive()
    desk.procedure = other
    theirs = desk.receive()
    assert webhooks.deliver_all(timeout=30).sent == 4
    assert {r["json"]["data"]["dossier_code"] for r in receiver.events("/x")} == {mine.code}
    assert {r["json"]["data"]["dossier_code"] for r in receiver.events("/y")} == {theirs.code}
    assert all(r["valid"] for r in receiver.received)
    assert {d.subscription_id for d in rows() if d.dossier_code == theirs.code} == {elsewhere.pk}
    assert {d.subscription_id for d in rows() if d.dossier_code == mine.code} == {justice.pk}


def test_redirects_are_not_followed(receiver, desk):
    subscribe(receiver)
    receiver.plan = [("redirect", "http://169.254.169.254/latest/meta-data")]
    desk.receive()
    assert webhooks.deliver_due().dead == 1
    head = rows()[0]
    assert head.last_status == 302 and "chuyển hướng" in head.last_error
    assert len(receiver.received) == 1


def test_a_target_that_became_private_is_not_called(receiver, desk, settings):
    subscribe(receiver)
    desk.receive()
    settings.MOTCUA_WEBHOOK_ALLOW_PRIVATE = False  # e.g. its DNS name now points inside
    assert webhooks.deliver_due().dead == 1
    assert receiver.received == []
    assert "nội bộ" in rows()[0].last_error


def test_a_paused_subscription_keeps_its_queue_until_it_is_active_again(receiver, desk):
    subscription = subscribe(receiver)
    desk.receive()
    WebhookSubscription.objects.filter(pk=subscription.pk).update(active=False)
    assert webhooks.deliver_due().sent == 0
    WebhookSubscription.objects.filter(pk=subscription.pk).update(active=True)
    assert webhooks.deliver_due().sent == 2


def test_the_test_command_pings_the_receiver(receiver, reference_data):
    subscription = subscribe(receiver)
    out = StringIO()
    call_command("webhooks", "test", subscription.name, stdout=out)
    (ping,) = receiver.events()
    assert ping["valid"] and ping["json"]["type"] == "webhook.test"
    assert ping["json"]["data"] == {"subscription": subscription.name}
    assert ping["event_id"] in out.getvalue() and "HTTP 200" in out.getvalue()
    receiver.stop()
    with pytest.raises(CommandError, match="chưa nhận được"):
        call_command("webhooks", "test", str(subscription.pk), stdout=StringIO())
    assert WebhookDelivery.objects.filter(topic="webhook.test", state=State.DEAD).count() == 1
    with pytest.raises(CommandError, match="Không có"):
        call_command("webhooks", "test", "khong-co", stdout=StringIO())


def test_the_list_command_shows_subscriptions_and_their_queues(receiver, desk):
    subscription = subscribe(receiver)
    desk.receive()
    webhooks.deliver_due()
    desk.assign(desk.receive())
    out = StringIO()
    call_command("webhooks", "list", stdout=out)
    text = out.getvalue()
    assert subscription.name in text and JUSTICE in text and "dossier.assign" in text
    assert "pending=3 sent=2 dead=0" in text
    out = StringIO()
    call_command("webhooks", "deliver", "--once", stdout=out)
    assert "Đã gửi 3 tin webhook" in out.getvalue()
    assert subscription.secret not in text


def test_the_delivery_job_is_registered(reference_data):
    from motcua.core import jobs

    job = {j.name: j for j in jobs.registered()}["sync.webhooks"]
    assert job.run is webhooks.deliver_due and job.every_seconds <= 10


def test_408_and_429_are_retried_not_dead_lettered(receiver, desk):
    subscribe(receiver)
    receiver.plan = [429, 408]
    desk.receive()
    assert webhooks.deliver_due().retried == 1
    settle()
    assert webhooks.deliver_due().retried == 1
    settle()
    assert webhooks.deliver_due().sent == 2
    assert not WebhookDelivery.objects.filter(state=State.DEAD).exists()
