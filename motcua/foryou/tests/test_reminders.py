"""Level-1 reminders by e-mail and SMS (issue 14 §2): sent by the nightly pass through the existing
ports to people who consented, at most once per suggestion and due date, never to a person who
refused or withdrew."""

from datetime import date, timedelta

import pytest
from django.core import mail

from motcua.foryou import nightly, services
from motcua.foryou.models import Reminder, Suggestion, TriggerKind, Watch
from motcua.people.models import User

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 6)
SENT_SMS = []


class RecordingSms:
    """The SMS port, recording what it is asked to send."""

    def send(self, phone, text):
        SENT_SMS.append((phone, text))
        return "rec-1"


@pytest.fixture
def kind(settings):
    settings.MOTCUA_SMS_GATEWAY = "motcua.foryou.tests.test_reminders.RecordingSms"
    SENT_SMS.clear()
    services.ensure_kinds()
    return TriggerKind.objects.filter(active=True, lead_days__gte=5).order_by("pk").first()


def resident(kind, person_id, *, email="", phone="", due=None):
    User.objects.create(
        username=f"u{person_id}",
        kind="citizen",
        personal_id=person_id,
        email=email,
        phone=phone,
        full_name="X",
    )
    Watch.objects.create(
        person_id=person_id,
        kind=kind,
        due=due or TODAY + timedelta(days=3),
        procedure_code="1.014063",
        level=1,
        because=f"Vì hạn của bạn là {TODAY + timedelta(days=3):%d/%m/%Y}",
    )


def test_reminders_go_once_to_who_consented_and_never_to_who_refused(kind):
    resident(kind, "001090000001", email="a@example.vn", phone="0912345678")  # consents
    resident(kind, "001090000002", email="b@example.vn", phone="0912345679")  # never consented
    resident(kind, "001090000003", email="c@example.vn", phone="0912345670")  # consents, refuses all
    resident(kind, "001090000004", email="d@example.vn")  # consents, refuses this kind only
    resident(kind, "001090000005", email="e@example.vn")  # consented, then withdrew
    for person in ("001090000001", "001090000003", "001090000004", "001090000005"):
        services.set_reminder_consent(person, True)
    services.set_reminder_consent("001090000005", False)
    services.refuse("001090000003", "*")
    services.refuse("001090000004", kind.code)

    nightly.run(TODAY)

    assert [m.to for m in mail.outbox] == [["a@example.vn"]]
    assert SENT_SMS and [phone for phone, _ in SENT_SMS] == ["0912345678"]
    message = mail.outbox[0]
    assert "Vì hạn của bạn là" in message.body and "1.014063" in message.body
    assert (TODAY + timedelta(days=3)).strftime("%d/%m/%Y") in SENT_SMS[0][1]
    reminded = Suggestion.objects.get(person_id="001090000001")
    assert set(reminded.reminders.values_list("channel", flat=True)) == {"email", "sms"}
    assert all(r.sent_at for r in Reminder.objects.all())
    assert not Reminder.objects.exclude(suggestion=reminded).exists()

    # The next night (and the same night again): nothing is sent twice for the same due date.
    nightly.run(TODAY)
    nightly.run(TODAY + timedelta(days=1))
    assert len(mail.outbox) == 1 and len(SENT_SMS) == 1

    # A new due date for the same kind is a new suggestion, so a new reminder.
    Watch.objects.filter(person_id="001090000001").update(due=TODAY + timedelta(days=4))
    nightly.run(TODAY + timedelta(days=1))
    assert len(mail.outbox) == 2


def test_a_refusal_after_queueing_stops_the_unsent_reminder(kind, settings):
    resident(kind, "001090000001", phone="0912345678")
    services.set_reminder_consent("001090000001", True)
    settings.MOTCUA_SMS_GATEWAY = "motcua.dossiers.notifications.SandboxSmsGateway"
    settings.MOTCUA_SMS_SANDBOX_FAIL = True
    nightly.run(TODAY)  # the port fails: the reminder stays queued with its error
    reminder = Reminder.objects.get()
    assert reminder.sent_at is None and reminder.error

    services.refuse("001090000001", "*")
    settings.MOTCUA_SMS_SANDBOX_FAIL = False
    nightly.run(TODAY + timedelta(days=1))
    assert not Reminder.objects.filter(sent_at__isnull=False).exists()
    assert not Reminder.objects.exists()  # dropped, never sent
