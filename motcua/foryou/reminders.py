"""Level-1 reminders by e-mail and SMS (nhắc việc qua thư điện tử, tin nhắn), run by the nightly pass.

In-app suggestions rest on the state's statutory basis; e-mail and SMS go beyond it and need the
person's consent (Luật 91/2025 Điều 9, `ConsentRecord` scope "reminders"). So the pass starts from
the people whose latest reminder consent is a consent (few), not from the suggestions (many), then
takes their open suggestions (not dismissed, acted on or refused, still in their window), skips any
kind they refused, and writes one `Reminder` row per suggestion and channel before sending through
the existing ports (Django's mail backend, the dossiers' SMS port). The unique row makes a
reminder go out at most once per suggestion, i.e. per person, kind and due date. The address and
number are those of the person's citizen account.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ConsentRecord, Preference, Reminder, Suggestion

log = logging.getLogger(__name__)


def consenting(person_ids=None) -> set[str]:
    """The people whose latest "reminders" record is a consent (a withdrawal ends it)."""
    records = ConsentRecord.objects.filter(scope="reminders")
    if person_ids is not None:
        records = records.filter(person_id__in=list(person_ids))
    latest: dict[str, str] = {}
    for person_id, action in records.order_by("person_id", "at", "pk").values_list("person_id", "action"):
        latest[person_id] = action
    return {p for p, action in latest.items() if action == ConsentRecord.Action.CONSENT}


def _message(suggestion: Suggestion) -> tuple[str, str, str]:
    """Subject, e-mail body and SMS text: why, what, by when; nothing beyond the person's own data."""
    due = suggestion.due.strftime("%d/%m/%Y")
    subject = _("Nhắc việc: %(kind)s") % {"kind": suggestion.kind.name}
    body = "\n".join(
        [
            suggestion.because,
            _("Thủ tục gợi ý: %(code)s (%(agency)s)")
            % {"code": suggestion.procedure_code, "agency": suggestion.agency},
            _("Hạn: %(due)s") % {"due": due},
            _("Xem trên trang “Dành cho bạn” của Cổng dịch vụ công, hoặc từ chối nhận nhắc việc tại đó."),
        ]
    )
    sms = f"{subject}. {suggestion.because} " + _("Hạn: %(due)s") % {"due": due}
    return subject[:200], body, sms[:300]


def send_due(today=None, person_ids=None) -> dict:
    """Queue and send the reminders due today; returns {"queued": n, "sent": n, "failed": n}.
    `person_ids`: only these people (the registry-event consumer), else everyone who consented."""
    from motcua.people.models import User

    today = today or timezone.localdate()
    people = consenting(person_ids)
    if not people:
        return {"queued": 0, "sent": 0, "failed": 0}
    contacts = {  # keyed by the blind index, as the suggestions are (ADR 0048)
        u.personal_id_index: {"personal_id": u.personal_id, "email": u.email, "phone": u.phone}
        for u in User.objects.filter(personal_id_index__in=people, is_active=True).only(
            "personal_id", "personal_id_index", "email", "phone"
        )
    }
    refusals = {p.person_id: p for p in Preference.objects.filter(person_id__in=people)}
    open_suggestions = (
        Suggestion.objects.filter(
            person_id__in=list(contacts),
            dismissed_at__isnull=True,
            acted_at__isnull=True,
            refused_at__isnull=True,
            kind__active=True,
            due__gte=today - timedelta(days=366),
        )
        .select_related("kind")
        .exclude(reminders__isnull=False)
    )
    rows = []
    for suggestion in open_suggestions:
        kind = suggestion.kind
        # Only while the suggestion is in its window: due − lead ≤ today ≤ due + window.
        if not (
            suggestion.due - timedelta(days=kind.lead_days)
            <= today
            <= suggestion.due + timedelta(days=kind.window_days)
        ):
            continue
        pref = refusals.get(suggestion.person_id)
        if pref is not None and pref.refuses(kind.code):
            continue
        contact = contacts[suggestion.person_id]
        subject, body, sms = _message(suggestion)
        if contact["email"]:
            rows.append(
                Reminder(
                    suggestion=suggestion,
                    channel="email",
                    recipient=contact["email"],
                    subject=subject,
                    body=body,
                )
            )
        if contact["phone"]:
            rows.append(
                Reminder(
                    suggestion=suggestion,
                    channel="sms",
                    recipient=contact["phone"],
                    subject=subject,
                    body=sms,
                )
            )
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    sent, failed = deliver(today)
    return {"queued": len(rows), "sent": sent, "failed": failed}


def deliver(today=None) -> tuple[int, int]:
    """Send what is queued and unsent, checking consent and refusal again at the moment of sending."""
    from motcua.dossiers.notifications import mail_connection, sms_gateway

    pending = list(Reminder.objects.filter(sent_at__isnull=True).select_related("suggestion__kind"))
    if not pending:
        return 0, 0
    people = {r.suggestion.person_id for r in pending}
    allowed = consenting(people)
    refusals = {p.person_id: p for p in Preference.objects.filter(person_id__in=people)}
    sent = failed = 0
    for reminder in pending:
        suggestion = reminder.suggestion
        pref = refusals.get(suggestion.person_id)
        if suggestion.person_id not in allowed or (pref is not None and pref.refuses(suggestion.kind.code)):
            reminder.delete()  # consent withdrawn or refused meanwhile: never sent
            continue
        try:
            if reminder.channel == Reminder.Channel.EMAIL:
                send_mail(
                    reminder.subject, reminder.body, None, [reminder.recipient], connection=mail_connection()
                )
            else:
                sms_gateway().send(reminder.recipient, reminder.body)
            reminder.sent_at, reminder.error = timezone.now(), ""
            sent += 1
        except Exception as exc:  # noqa: BLE001 — one channel's failure must not stop the others
            log.warning("reminder %s failed: %s", reminder.pk, type(exc).__name__)
            reminder.error = str(exc)[:300]
            failed += 1
        reminder.save(update_fields=["sent_at", "error"])
    return sent, failed
