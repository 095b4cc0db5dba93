"""Webhook rules: the signature receivers verify, the target URLs motcua refuses (SSRF), and which
events become deliveries, with what in them (codes only), in the transaction of the change."""

import json
import time
import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from motcua.audit.models import AuditEntry
from motcua.core.events import publish
from motcua.places.models import Agency
from motcua.sync import webhooks
from motcua.sync.models import WebhookDelivery, WebhookSubscription
from motcua.sync.tests.conftest import CENTER, JUSTICE

SECRET = "whsec_test-secret"
BODY = b'{"id":"1","type":"dossier.create"}'

# --- signature -----------------------------------------------------------------------------


def test_a_signed_body_verifies_with_the_same_secret():
    header = webhooks.sign(SECRET, BODY)
    assert header.startswith("t=") and ",v1=" in header
    assert webhooks.verify_signature(SECRET, BODY, header)
    assert webhooks.verify_signature(SECRET, BODY.decode(), header)  # str or bytes


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body():
    import hashlib
    import hmac

    header = webhooks.sign(SECRET, BODY, timestamp=1_700_000_000)
    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"


def test_a_tampered_body_fails_verification():
    header = webhooks.sign(SECRET, BODY)
    assert not webhooks.verify_signature(SECRET, BODY.replace(b"create", b"approve"), header)
    assert not webhooks.verify_signature(SECRET, BODY + b" ", header)


def test_another_secret_fails_verification():
    assert not webhooks.verify_signature("whsec_other", BODY, webhooks.sign(SECRET, BODY))
    assert not webhooks.verify_signature("", BODY, webhooks.sign("", BODY))


def test_a_stale_or_future_timestamp_is_refused():
    now = time.time()
    old = webhooks.sign(SECRET, BODY, timestamp=int(now) - 301)
    future = webhooks.sign(SECRET, BODY, timestamp=int(now) + 301)
    assert not webhooks.verify_signature(SECRET, BODY, old, now=now)
    assert not webhooks.verify_signature(SECRET, BODY, future, now=now)
    assert webhooks.verify_signature(SECRET, BODY, old, tolerance=600, now=now)


def test_a_tampered_timestamp_fails_verification():
    header = webhooks.sign(SECRET, BODY, timestamp=1_700_000_000)
    moved = header.replace("t=1700000000", "t=1700000100")
    assert not webhooks.verify_signature(SECRET, BODY, moved, now=1_700_000_100)


@pytest.mark.parametrize(
    "header",
    [None, "", "v1=abc", "t=abc,v1=abc", "t=1700000000", "t=1700000000,t=1700000000,v1=x", "garbage"],
)
def test_malformed_signature_headers_are_refused(header):
    assert not webhooks.verify_signature(SECRET, BODY, header, now=1_700_000_000)


def test_one_matching_v1_among_several_is_enough_for_a_receiver_rotating_secrets():
    good = webhooks.sign(SECRET, BODY, timestamp=1_700_000_000)
    stamp, mac = good.split(",")
    assert webhooks.verify_signature(SECRET, BODY, f"{stamp},v1=deadbeef,{mac}", now=1_700_000_000)


# --- target URLs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "not a url",
        "",
        "ftp://example.com/hook",
        "javascript:alert(1)",
        "https://",
        "https:///path-only",
        "https://exa mple.com/hook",
        "https://example.com:99999/hook",
        "file:///etc/passwd",
    ],
)
def test_malformed_urls_are_refused(url):
    with pytest.raises(ValidationError):
        webhooks.check_target_url(url, resolve=False)


def test_credentials_in_the_url_are_refused():
    with pytest.raises(ValidationError) as info:
        webhooks.check_target_url("https://user:pw@example.com/hook", resolve=False)
    assert info.value.code == "credentials"


def test_plain_http_is_refused_outside_debug_and_tests(settings):
    settings.MOTCUA_WEBHOOK_ALLOW_HTTP = False
    with pytest.raises(ValidationError) as info:
        webhooks.check_target_url("http://example.com/hook", resolve=False)
    assert info.value.code == "insecure"
    assert webhooks.check_target_url("https://example.com/hook", resolve=False) == "https://example.com/hook"


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://192.168.1.10:8443/hook",
        "https://172.16.0.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://100.64.0.1/hook",
        "https://0.0.0.0/hook",
        "https://[::1]/hook",
        "https://[fd00::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://localhost/hook",
    ],
)
def test_private_loopback_and_link_local_targets_are_refused(url, settings):
    settings.MOTCUA_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(ValidationError) as info:
        webhooks.check_target_url(url)
    assert info.value.code == "private"


def test_a_public_address_is_accepted_and_private_ones_only_when_the_setting_allows(settings):
    settings.MOTCUA_WEBHOOK_ALLOW_PRIVATE = False
    assert webhooks.check_target_url(" https://93.184.216.34/hook ") == "https://93.184.216.34/hook"
    settings.MOTCUA_WEBHOOK_ALLOW_PRIVATE = True
    assert webhooks.check_target_url("https://127.0.0.1:8443/hook") == "https://127.0.0.1:8443/hook"


# --- subscriptions ---------------------------------------------------------------------------


def _agencies(*codes):
    return list(Agency.objects.filter(code__in=codes))


def _subscribe(name="he-thong-a", agencies=(JUSTICE,), events=None, url="https://93.184.216.34/hook"):
    events = events if events is not None else [code for code, _ in webhooks.event_types()]
    subscription, _ = webhooks.create_subscription(name, url, events, _agencies(*agencies))
    return subscription


@pytest.mark.django_db
def test_a_malformed_or_private_url_is_refused_and_nothing_is_saved(reference_data, settings):
    settings.MOTCUA_WEBHOOK_ALLOW_PRIVATE = False
    for url in ("khong-phai-url", "https://10.0.0.5/hook"):
        with pytest.raises(ValidationError):
            webhooks.create_subscription("x", url, ["dossier.create"], _agencies(JUSTICE))
    assert not WebhookSubscription.objects.exists()


@pytest.mark.django_db
def test_unknown_event_types_are_refused(reference_data):
    with pytest.raises(ValidationError):
        webhooks.create_subscription("x", "https://93.184.216.34/", ["dossier.nope"], _agencies(JUSTICE))
    assert not WebhookSubscription.objects.exists()


@pytest.mark.django_db
def test_a_new_subscription_gets_a_fresh_secret_returned_once_and_audited_without_it(reference_data):
    first, secret = webhooks.create_subscription(
        "a", "https://93.184.216.34/", ["dossier.create"], _agencies(JUSTICE)
    )
    second, other = webhooks.create_subscription(
        "b", "https://93.184.216.34/", ["dossier.create"], _agencies(JUSTICE)
    )
    assert secret.startswith("whsec_") and len(secret) > 40 and secret != other
    assert WebhookSubscription.objects.get(pk=first.pk).secret == secret
    entry = AuditEntry.objects.filter(action="webhooks.subscription.create", object_id=str(first.pk)).get()
    assert secret not in json.dumps(entry.data)
    rotated = webhooks.rotate_secret(first)
    assert rotated != secret and WebhookSubscription.objects.get(pk=first.pk).secret == rotated
    assert AuditEntry.objects.filter(action="webhooks.subscription.rotate_secret").count() == 1


@pytest.mark.django_db
def test_event_types_offered_are_the_dossier_events_that_are_published(reference_data):
    from motcua.dossiers.services import TRANSITIONS

    codes = [code for code, _ in webhooks.event_types()]
    assert "dossier.create" in codes and "payment.paid" in codes
    assert {f"dossier.{name}" for name in TRANSITIONS} <= set(codes)
    assert len(codes) == len(set(codes))


# --- events → deliveries -----------------------------------------------------------------------


@pytest.mark.django_db
def test_each_matching_event_becomes_one_delivery_with_codes_only(desk):
    subscription = _subscribe()
    dossier = desk.assign(desk.receive())
    rows = list(WebhookDelivery.objects.filter(subscription=subscription).order_by("id"))
    assert [r.topic for r in rows] == ["dossier.create", "dossier.receive", "dossier.assign"]
    assert len({r.event_id for r in rows}) == 3
    bodies = [json.loads(r.body) for r in rows]
    assert [b["id"] for b in bodies] == [str(r.event_id) for r in rows]
    assert [b["type"] for b in bodies] == [r.topic for r in rows]
    data = bodies[-1]["data"]
    assert data == {
        "dossier_code": dossier.code,
        "procedure_code": dossier.procedure.code,
        "agency_code": dossier.handling_agency.code,
        "receiving_agency_code": CENTER,
        "status": dossier.status,
        "from_status": 2,
    }
    for row in rows:  # no names, ID numbers, phones or e-mail addresses
        for personal in (dossier.applicant_name, dossier.applicant_id_number, dossier.applicant_phone, "@"):
            assert personal not in row.body
        assert row.state == WebhookDelivery.State.PENDING and row.attempts == 0


@pytest.mark.django_db
def test_a_rolled_back_change_leaves_no_delivery(desk):
    _subscribe()
    dossier = desk.receive()
    before = WebhookDelivery.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        desk.assign(dossier)
        assert WebhookDelivery.objects.count() == before + 1  # written inside the transaction
        raise RuntimeError("rollback")
    assert WebhookDelivery.objects.count() == before


@pytest.mark.django_db
def test_only_chosen_event_types_of_active_subscriptions_are_queued(desk):
    picky = _subscribe("chi-tao-moi", events=["dossier.create"])
    paused = _subscribe("tam-dung")
    WebhookSubscription.objects.filter(pk=paused.pk).update(active=False)
    dossier = desk.assign(desk.receive())
    assert list(WebhookDelivery.objects.filter(subscription=picky).values_list("topic", flat=True)) == [
        "dossier.create"
    ]
    assert not WebhookDelivery.objects.filter(subscription=paused).exists()
    publish("feedback.open", "feedback", "PA-1", {"agency": JUSTICE})
    publish("dossier.create", "dossier", "KHONG-CO-HO-SO", {})
    assert WebhookDelivery.objects.filter(subscription=picky).count() == 1
    assert dossier.code


@pytest.mark.django_db
def test_a_subscription_hears_only_its_agencies_dossiers(desk):
    justice = _subscribe("so-tu-phap", agencies=(JUSTICE,))
    centre = _subscribe("trung-tam", agencies=(CENTER,))
    other = Agency.objects.filter(kind=Agency.Kind.DEPARTMENT).exclude(code__in=[JUSTICE, CENTER]).first()
    elsewhere = _subscribe("so-khac", agencies=(other.code,))
    dossier = desk.receive()
    assert dossier.handling_agency.code == JUSTICE
    assert WebhookDelivery.objects.filter(subscription=justice).count() == 2
    assert WebhookDelivery.objects.filter(subscription=centre).count() == 2  # it received the dossier
    assert not WebhookDelivery.objects.filter(subscription=elsewhere).exists()


@pytest.mark.django_db
def test_a_claimed_delivery_cannot_be_claimed_again(desk):
    _subscribe()
    desk.receive()
    head = webhooks.due_deliveries(timezone.now() + timedelta(seconds=1), 10)[0]
    twin = WebhookDelivery.objects.get(pk=head.pk)
    assert webhooks._claim(head, timezone.now())
    assert not webhooks._claim(twin, timezone.now())  # another worker read it before the claim


@pytest.mark.django_db
def test_only_the_head_of_each_subscription_and_dossier_is_due(desk):
    first = _subscribe("a")
    second = _subscribe("b")
    desk.assign(desk.receive())
    due = list(webhooks.due_deliveries(timezone.now() + timedelta(seconds=1), 100))
    assert sorted((d.subscription_id, d.topic) for d in due) == [
        (first.pk, "dossier.create"),
        (second.pk, "dossier.create"),
    ]
    head = WebhookDelivery.objects.filter(subscription=first).order_by("id").first()
    WebhookDelivery.objects.filter(pk=head.pk).update(state=WebhookDelivery.State.DEAD)
    due = list(webhooks.due_deliveries(timezone.now() + timedelta(seconds=1), 100))
    assert [d.subscription_id for d in due] == [second.pk]  # a dead letter blocks its own chain only
    assert webhooks.replay([head.pk]) == 1
    assert WebhookDelivery.objects.get(pk=head.pk).state == WebhookDelivery.State.PENDING
    assert uuid.UUID(str(head.event_id))


# --- the admin -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_shows_the_secret_once_and_refuses_a_private_url(admin_client, reference_data, settings):
    settings.MOTCUA_WEBHOOK_ALLOW_PRIVATE = False
    justice = Agency.objects.get(code=JUSTICE)
    form = {
        "name": "he-thong-b",
        "url": "https://10.0.0.7/hook",
        "event_types": ["dossier.create", "dossier.approve"],
        "agencies": [justice.pk],
        "active": "on",
    }
    refused = admin_client.post("/quan-tri/sync/webhooksubscription/add/", form)
    assert refused.status_code == 200 and "mạng nội bộ" in refused.content.decode()
    assert not WebhookSubscription.objects.exists()
    form["url"] = "https://93.184.216.34/hook"
    created = admin_client.post("/quan-tri/sync/webhooksubscription/add/", form, follow=True)
    subscription = WebhookSubscription.objects.get()
    assert subscription.secret in created.content.decode()  # shown once, to be copied
    assert subscription.event_types == ["dossier.create", "dossier.approve"]
    assert list(subscription.agencies.values_list("code", flat=True)) == [JUSTICE]
    page = admin_client.get(f"/quan-tri/sync/webhooksubscription/{subscription.pk}/change/").content.decode()
    assert subscription.secret not in page and subscription.secret[-4:] in page
