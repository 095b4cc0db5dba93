"""Webhook rules: the signature receivers verify, the target URLs motcua refuses (SSRF), and which
events become deliveries, with what in them (codes only), in the transaction of the change."""

import base64
import hashlib
import hmac
import json
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
from motcua.sync.tests import spec_verifier
from motcua.sync.tests.conftest import CENTER, JUSTICE

# A Standard Webhooks secret: whsec_ + base64 of random bytes (the spec's own example form).
SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
OTHER = "whsec_" + base64.b64encode(b"o" * 32).decode()
BODY = b'{"id":"1","type":"dossier.create"}'
MSG_ID = "3f1c6e2a-0000-4000-8000-000000000001"
NOW = 1_700_000_000

# --- signature (Standard Webhooks) ------------------------------------------------------------


def test_signed_headers_verify_with_an_independent_implementation_of_the_spec():
    headers = webhooks.signed_headers(SECRET, MSG_ID, BODY, timestamp=NOW)
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert headers["webhook-id"] == MSG_ID and headers["webhook-timestamp"] == str(NOW)
    assert headers["webhook-signature"].startswith("v1,")
    assert spec_verifier.verify(SECRET, BODY, headers, now=NOW)
    assert webhooks.verify_signature(SECRET, BODY, headers, now=NOW)
    assert webhooks.verify_signature(SECRET, BODY.decode(), headers, now=NOW)  # str or bytes


def test_the_signature_is_base64_hmac_sha256_of_id_dot_timestamp_dot_body_under_the_decoded_key():
    headers = webhooks.signed_headers(SECRET, MSG_ID, BODY, timestamp=NOW)
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    mac = hmac.new(key, f"{MSG_ID}.{NOW}.".encode() + BODY, hashlib.sha256).digest()
    assert headers["webhook-signature"] == "v1," + base64.b64encode(mac).decode()


def test_header_names_are_read_in_any_case():
    headers = {k.title(): v for k, v in webhooks.signed_headers(SECRET, MSG_ID, BODY, timestamp=NOW).items()}
    assert webhooks.verify_signature(SECRET, BODY, headers, now=NOW)


def test_a_tampered_body_fails_verification():
    headers = webhooks.signed_headers(SECRET, MSG_ID, BODY, timestamp=NOW)
    for body in (BODY.replace(b"create", b"approve"), BODY + b" "):
        assert not spec_verifier.verify(SECRET, body, headers, now=NOW)
        assert not webhooks.verify_signature(SECRET, body, headers, now=NOW)


def test_a_tampered_timestamp_or_id_fails_verification():
    headers = webhooks.signed_headers(SECRET, MSG_ID, BODY, timestamp=NOW)
    moved = {**headers, "webhook-timestamp": str(NOW + 100)}
    other_id = {**headers, "webhook-id": MSG_ID.replace("1", "2")}
    for tampered in (moved, other_id):
        assert not spec_verifier.verify(SECRET, BODY, tampered, now=NOW + 100)
        assert not webhooks.verify_signature(SECRET, BODY, tampered, now=NOW + 100)


def test_another_secret_fails_verification():
    headers = webhooks.signed_headers(SECRET, MSG_ID, BODY, timestamp=NOW)
    assert not spec_verifier.verify(OTHER, BODY, headers, now=NOW)
    assert not webhooks.verify_signature(OTHER, BODY, headers, now=NOW)
    assert not webhooks.verify_signature("", BODY, headers, now=NOW)


def test_a_stale_or_future_timestamp_is_refused():
    old = webhooks.signed_headers(SECRET, MSG_ID, BODY, timestamp=NOW - 301)
    future = webhooks.signed_headers(SECRET, MSG_ID, BODY, timestamp=NOW + 301)
    assert not webhooks.verify_signature(SECRET, BODY, old, now=NOW)
    assert not webhooks.verify_signature(SECRET, BODY, future, now=NOW)
    assert webhooks.verify_signature(SECRET, BODY, old, tolerance=600, now=NOW)


@pytest.mark.parametrize(
    "headers",
    [
        None,
        {},
        {"webhook-id": MSG_ID, "webhook-timestamp": str(NOW)},
        {"webhook-id": MSG_ID, "webhook-timestamp": "abc", "webhook-signature": "v1,abc"},
        {"webhook-timestamp": str(NOW), "webhook-signature": "v1,abc"},
        {"webhook-id": MSG_ID, "webhook-timestamp": str(NOW), "webhook-signature": "garbage"},
        # the old scheme's header is not read any more
        {"X-Motcua-Signature": f"t={NOW},v1=abc"},
    ],
)
def test_malformed_signature_headers_are_refused(headers):
    assert not webhooks.verify_signature(SECRET, BODY, headers, now=NOW)


def test_two_signatures_while_rotating_verify_with_either_secret():
    headers = webhooks.signed_headers([OTHER, SECRET], MSG_ID, BODY, timestamp=NOW)
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (SECRET, OTHER):
        assert spec_verifier.verify(secret, BODY, headers, now=NOW)
        assert webhooks.verify_signature(secret, BODY, headers, now=NOW)
    third = "whsec_" + base64.b64encode(b"t" * 32).decode()
    assert not spec_verifier.verify(third, BODY, headers, now=NOW)
    assert not webhooks.verify_signature(third, BODY, headers, now=NOW)


def test_a_secret_issued_in_the_url_safe_alphabet_names_the_same_key():
    raw = bytes(range(200, 232))  # bytes whose base64 has + and /
    standard = "whsec_" + base64.b64encode(raw).decode()
    legacy = "whsec_" + base64.urlsafe_b64encode(raw).decode().rstrip("=")
    assert "+" in standard or "/" in standard
    assert webhooks.secret_key(legacy) == webhooks.secret_key(standard) == raw
    headers = webhooks.signed_headers(legacy, MSG_ID, BODY, timestamp=NOW)
    assert spec_verifier.verify(standard, BODY, headers, now=NOW)


def test_new_secrets_are_standard_webhooks_secrets():
    secret = webhooks.new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32


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
def test_after_a_rotation_both_secrets_sign_for_the_grace_period_then_only_the_new_one(
    reference_data, settings
):
    settings.MOTCUA_WEBHOOK_ROTATION_GRACE_SECONDS = 3600
    subscription, old = webhooks.create_subscription(
        "a", "https://93.184.216.34/", ["dossier.create"], _agencies(JUSTICE)
    )
    assert webhooks.signing_secrets(subscription) == [old]
    new = webhooks.rotate_secret(subscription)
    subscription = WebhookSubscription.objects.get(pk=subscription.pk)
    assert webhooks.signing_secrets(subscription) == [new, old]
    headers = webhooks.signed_headers(webhooks.signing_secrets(subscription), MSG_ID, BODY, timestamp=NOW)
    # A receiver that has not switched yet and one that has both accept the request.
    assert spec_verifier.verify(old, BODY, headers, now=NOW)
    assert spec_verifier.verify(new, BODY, headers, now=NOW)
    later = subscription.secret_rotated_at + timedelta(seconds=3601)
    assert webhooks.signing_secrets(subscription, now=later) == [new]


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
def test_a_topic_no_subscription_may_choose_reads_no_subscription(desk):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _subscribe()  # every topic it may choose
    dossier = desk.receive()
    with CaptureQueriesContext(connection) as queries:
        publish("eforms.submitted", "dossier", dossier.code, {})  # e-form measurements: no webhook topic
    assert not any("sync_webhooksubscription" in q["sql"] for q in queries.captured_queries)
    with CaptureQueriesContext(connection) as queries:
        publish("dossier.create", "dossier", dossier.code, {})
    assert any("sync_webhooksubscription" in q["sql"] for q in queries.captured_queries)


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
