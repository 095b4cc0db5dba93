"""Tell the applicant what happened to their dossier, with the agency, the officer and the time
(NĐ 224/2026 Art 15.1): in-app always when they have an account, e-mail and SMS when known.

E-mail goes through Django's mail backends (`EMAIL_BACKEND`); SMS through the SMS port
(`MOTCUA_SMS_GATEWAY`), whose sandbox adapter keeps the messages in the database; both chosen
through `core.adapters` (families "email" and "sms"). Both leave the request (ADR 0041): the
transition writes the notification rows and enqueues `deliver_notifications` in its own transaction
(the task is a row of the same database), so a rolled-back transition tells nobody anything, a
committed one is delivered even if the process dies right after the commit, and the officer's
click never waits on SMTP or the SMS gateway. A failed channel is tried again with backoff; after
the last attempt the task is a dead letter in the admin, replayable. Delivery is at least once.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from motcua.core import adapters, tasks

from .models import Notification

log = logging.getLogger(__name__)


class SandboxSmsGateway:
    """The SMS port's sandbox: accepts every well-formed Vietnamese number, keeps the message.

    Set `MOTCUA_SMS_SANDBOX_FAIL = True` to make it fail (for tests of the failure path).
    """

    def send(self, phone: str, text: str) -> str:
        digits = "".join(c for c in phone if c.isdigit())
        if getattr(settings, "MOTCUA_SMS_SANDBOX_FAIL", False):
            raise ConnectionError("Cổng SMS (sandbox) đang được cấu hình để báo lỗi.")
        if not (len(digits) in (10, 11) and digits.startswith(("0", "84"))):
            raise ValueError(f"Số điện thoại không hợp lệ: {phone!r}")
        return f"sandbox-{timezone.now():%Y%m%d%H%M%S%f}"


def sms_gateway():
    """The SMS adapter MOTCUA_SMS_GATEWAY names (family "sms" of core.adapters): "sandbox"
    (default) or a dotted class path."""
    return adapters.get("sms")()


def mail_connection():
    """The e-mail adapter EMAIL_BACKEND names (family "email" of core.adapters): Django's setting,
    a dotted path (Django reads it too), or "sandbox" / "smtp" for motcua's own messages."""
    return adapters.get("email")(fail_silently=False)


def register_adapters() -> None:
    """The "sms" and "email" families (DossiersConfig.ready)."""
    from django.core.mail.backends import filebased, smtp

    adapters.declare("sms", setting="MOTCUA_SMS_GATEWAY", default="sandbox", dotted=True)
    adapters.register("sms", "sandbox", SandboxSmsGateway)
    adapters.declare("email", setting="EMAIL_BACKEND", default="smtp", dotted=True)
    adapters.register("email", "sandbox", filebased.EmailBackend)
    adapters.register("email", "smtp", smtp.EmailBackend)


def due_text(dossier) -> str:
    """The legal appointment date (ngày hẹn trả kết quả), or "" when the dossier has none."""
    return timezone.localtime(dossier.due_at).strftime("%H:%M %d/%m/%Y") if dossier.due_at else ""


def message_for(dossier, entry, details=()) -> tuple[str, str]:
    """Subject and body for the applicant. `details` are the (label, text) pairs the applicant may
    read of this action (services.APPLICANT_READS); the officer's note is never part of it."""
    subject = f"Hồ sơ {dossier.code}: {entry.label}"
    who = entry.actor_name + (f" ({entry.actor_title})" if entry.actor_title else "")
    where = entry.agency.name if entry.agency else ""
    lines = [
        f"Hồ sơ {dossier.code} — {dossier.procedure.name}",
        f"Trạng thái: {dossier.get_status_display()}",
        f"Thao tác: {entry.label}",
        *(f"{label}: {text}" for label, text in details),
        f"Cơ quan: {where}",
        f"Người xử lý: {who}",
        f"Thời điểm: {timezone.localtime(entry.at):%H:%M %d/%m/%Y}",
    ]
    if due_text(dossier):
        lines.append(f"Ngày hẹn trả kết quả: {due_text(dossier)}")
    return subject, "\n".join(lines)


def sms_text(dossier, subject: str, details=()) -> str:
    """The short message: what happened, what the applicant must know, the appointment date."""
    parts = [subject] + ([f"Hẹn trả kết quả: {due_text(dossier)}"] if due_text(dossier) else [])
    return ". ".join(parts + [f"{label}: {text}" for label, text in details])[:300]


def notify_applicant(dossier, entry, details=()) -> list[Notification]:
    subject, body = message_for(dossier, entry, details)
    made = []
    if dossier.applicant_user_id:
        made.append(
            Notification(
                dossier=dossier,
                channel=Notification.Channel.IN_APP,
                recipient=dossier.applicant_name,
                user_id=dossier.applicant_user_id,
                subject=subject,
                body=body,
                sent_at=timezone.now(),
            )
        )
    if dossier.applicant_email:
        made.append(
            Notification(
                dossier=dossier,
                channel=Notification.Channel.EMAIL,
                recipient=dossier.applicant_email,
                subject=subject,
                body=body,
            )
        )
    if dossier.applicant_phone:
        made.append(
            Notification(
                dossier=dossier,
                channel=Notification.Channel.SMS,
                recipient=dossier.applicant_phone,
                subject=subject,
                body=sms_text(dossier, subject, details),
            )
        )
    # One INSERT for the channels (the ids come back on SQLite and PostgreSQL alike).
    made = Notification.objects.bulk_create(made) if made else []
    outgoing = [n.pk for n in made if n.channel != Notification.Channel.IN_APP]
    if outgoing:
        tasks.enqueue(deliver_notifications, outgoing)
    return made


class NotDelivered(Exception):
    """Some channel failed for a reason that may pass (the task tries again later)."""


def deliver(notification_ids) -> list[int]:
    """Send the e-mails and SMS not sent yet; a failure is recorded on the notification. Returns the
    ids that failed for a reason that may pass (an invalid number will not: it is not retried)."""
    retry = []
    for note in Notification.objects.filter(pk__in=notification_ids, sent_at__isnull=True):
        try:
            if note.channel == Notification.Channel.EMAIL:
                send_mail(note.subject, note.body, None, [note.recipient], connection=mail_connection())
            else:
                sms_gateway().send(note.recipient, note.body)
            note.sent_at, note.error = timezone.now(), ""
        except Exception as exc:  # noqa: BLE001 — a channel's failure must not lose the others
            log.warning("notification %s failed: %s", note.pk, exc)
            note.error = str(exc)[:300]
            if not isinstance(exc, ValueError):
                retry.append(note.pk)
        note.save(update_fields=["sent_at", "error"])
    return retry


@tasks.durable(retries=8, timeout=60, backoff_seconds=30, cap_seconds=3600)
def deliver_notifications(notification_ids: list[int]) -> int:
    """The task: deliver, and fail (so the queue retries with backoff) while a channel is down."""
    retry = deliver(notification_ids)
    if retry:
        raise NotDelivered(f"{len(retry)} thông báo chưa gửi được: {retry}")
    return len(notification_ids)


def mark_read(notification_ids) -> int:
    """The applicant has seen these notifications on their page."""
    return Notification.objects.filter(pk__in=list(notification_ids), read_at__isnull=True).update(
        read_at=timezone.now()
    )
