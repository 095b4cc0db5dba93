"""The gateways' notices, exactly once: signed callbacks, status queries and statement lines are
applied under a lock on the intent; money that cannot be kept is refunded, and so is money paid for
a dossier that was refused or stopped."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from motcua.audit.services import record as audit_record
from motcua.dossiers.models import Decision, Status

from .. import gateways
from ..gateways import BadSignature, GatewayError, Kind, Notice
from ..models import Gateway, Notification, Payment, PaymentIntent
from .at_submission import refund_excesses
from .intents import expire_intents, group_order
from .recording import after_payment, receipt_number

logger = logging.getLogger(__name__)
Outcome = Notification.Outcome


def receive_notification(gateway: str, data: dict, *, receipts: bool = True) -> str:
    """Check and apply one server-to-server notification; returns its Notification outcome."""
    try:
        notice = gateways.get_gateway(gateway).parse_notification(data)
    except BadSignature:
        Notification.objects.create(
            gateway=gateway,
            reference=str(data.get("txn_ref", ""))[:40],
            payload=_safe(data),
            outcome=Outcome.BAD_SIGNATURE,
        )
        return Outcome.BAD_SIGNATURE
    return apply_notice(gateway, notice, receipts=receipts)


def _safe(data) -> dict:
    return {str(k)[:40]: str(v)[:200] for k, v in list(dict(data).items())[:40]}


def apply_notice(gateway: str, notice: Notice, *, receipts: bool = True) -> str:
    refunds, payments = [], []
    with transaction.atomic():
        intent = (
            # Lock the intent row only (no joins: FOR UPDATE would lock the dossier too), found by its
            # unique reference; the default ordering is dropped so the unique index answers alone.
            PaymentIntent.objects.select_for_update()
            .filter(reference=notice.reference, gateway=gateway)
            .order_by()
            .first()
        )
        members = []
        if intent is None and notice.reference:
            members = list(
                PaymentIntent.objects.select_for_update()
                .filter(group=notice.reference, gateway=gateway)
                .order_by("pk")
            )
        if members:
            outcome = _apply_group(members, notice, payments, refunds)
        else:
            outcome = _decide(intent, notice)
            if outcome == "pay":
                payment, outcome, refund = _pay(intent, notice)
                payments += [payment] if payment else []
                refunds += [refund] if refund else []
        Notification.objects.create(
            gateway=gateway,
            reference=notice.reference[:40],
            payload=_safe(notice.raw or {"amount": notice.amount}),
            outcome=outcome,
        )
    for refund in refunds:
        _refund_intent(refund)
    if receipts:
        from ..receipts import issue_receipt

        for payment in payments:
            issue_receipt(payment)
    return outcome


def _apply_group(members: list[PaymentIntent], notice: Notice, payments: list, refunds: list) -> str:
    """A grouped transaction's notice: its total must match; then each member is paid as if it had
    been notified alone (its own payment, receipt and refund rules)."""
    if notice.amount != sum(m.amount for m in members):
        return Outcome.BAD_AMOUNT
    outcomes = []
    for member in members:
        part = replace(notice, reference=member.reference, amount=member.amount)
        outcome = _decide(member, part)
        if outcome == "pay":
            payment, outcome, refund = _pay(member, part)
            payments += [payment] if payment else []
            refunds += [refund] if refund else []
        outcomes.append(outcome)
    return Outcome.APPLIED if Outcome.APPLIED in outcomes else outcomes[0]


def _decide(intent: PaymentIntent | None, notice: Notice) -> str:
    S = PaymentIntent.Status
    if intent is None:
        return Outcome.UNKNOWN
    if notice.amount != intent.amount:
        return Outcome.BAD_AMOUNT
    if notice.kind == Kind.PAID:
        if intent.status in (S.PAID, S.REFUNDED) or (intent.status == "refund_due"):
            return Outcome.DUPLICATE
        return "pay"
    if notice.kind == Kind.FAILED and intent.status == S.PENDING:
        intent.status = S.FAILED
        intent.save(update_fields=["status", "updated_at"])
        return Outcome.APPLIED
    return Outcome.STALE  # a pending or failed notice after the outcome is known


def _pay(intent: PaymentIntent, notice: Notice):
    """Record the money; when it cannot be kept (expired, already paid, dossier closed), refund it."""
    S = PaymentIntent.Status
    dossier = intent.charge.dossier
    paid_at = notice.paid_at or timezone.now()
    intent.gateway_txn = notice.transaction_no[:64]
    closed = dossier.is_final or dossier.decision == Decision.REFUSED
    # The gateway's time of payment decides, not our sweep: paid in time is paid even if we marked it expired.
    late = paid_at > intent.expires_at
    if closed or late or intent.charge.cancelled or intent.charge.payments.exists():
        intent.status = "refund_due"
        intent.save(update_fields=["status", "gateway_txn", "updated_at"])
        audit_record(
            "payments.refund_due",
            obj=dossier,
            data={
                "reference": intent.reference,
                "why": "closed" if closed else "expired" if late else "already_paid",
            },
        )
        return None, Outcome.REFUNDED, intent
    intent.status = S.PAID
    intent.save(update_fields=["status", "gateway_txn", "updated_at"])
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                charge=intent.charge,
                intent=intent,
                gateway=intent.gateway,
                amount=notice.amount,
                external_ref=notice.transaction_no[:64],
                paid_at=paid_at,
                receipt_number=receipt_number(),
            )
    except IntegrityError:  # another channel paid this charge in the meantime
        intent.status = "refund_due"
        intent.save(update_fields=["status", "updated_at"])
        return None, Outcome.REFUNDED, intent
    after_payment(payment, actor=None)
    return payment, Outcome.APPLIED, None


def _refund_intent(intent: PaymentIntent) -> bool:
    # An excess already given back (a partial refund) is not sent twice.
    done_before = Payment.objects.filter(intent=intent, excess_refunded_at__isnull=False)
    given_back = done_before.values_list("excess", flat=True).first() or 0
    try:
        # A member of a grouped transaction is a partial refund of the group's transaction.
        refund_no = gateways.get_gateway(intent.gateway).refund(
            intent.group or intent.reference, intent.gateway_txn, intent.amount - given_back
        )
    except GatewayError:
        logger.warning("refund of %s failed; `motcua payments refunds` retries", intent.reference)
        return False
    with transaction.atomic():
        PaymentIntent.objects.filter(pk=intent.pk, status="refund_due").update(
            status=PaymentIntent.Status.REFUNDED
        )
        payment = Payment.objects.filter(intent=intent).first()
        if payment is not None and payment.refunded_at is None:
            payment.refunded_at, payment.refund_ref = timezone.now(), refund_no[:64]
            payment.save(update_fields=["refunded_at", "refund_ref"])
        audit_record(
            "payments.refunded",
            obj=intent.charge.dossier,
            data={"reference": intent.reference, "refund": refund_no, "amount": intent.amount},
        )
    return True


def resolve_pending(intent: PaymentIntent, *, receipts: bool = True) -> str | None:
    """Ask the gateway about an intent we heard nothing of (timeout, lost notification)."""
    asked = intent
    if intent.group:  # the gateway knows the group's transaction, not its members
        members = PaymentIntent.objects.filter(group=intent.group)
        asked = group_order(
            intent.group, sum(m.amount for m in members), intent.created_at, intent.expires_at, ""
        )
    notice = gateways.get_gateway(intent.gateway).query(asked)
    if notice is None:
        if intent.expires_at <= timezone.now():
            expire_intents()
        return None
    return apply_notice(intent.gateway, notice, receipts=receipts)


def resolve_all_pending(*, older_than_seconds: int = 0) -> int:
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    count = 0
    for intent in PaymentIntent.objects.filter(
        status__in=["pending", "expired"], created_at__lte=cutoff, gateway__in=[Gateway.NATIONAL]
    ):
        try:
            if resolve_pending(intent):
                count += 1
        except GatewayError:
            logger.warning("status query of %s failed", intent.reference)
    return count


def refund_closed_dossiers() -> int:
    """Money paid online for a dossier that was refused, refused at reception or stopped goes back."""
    closed = Q(charge__dossier__decision=Decision.REFUSED) | Q(
        charge__dossier__status__in=[Status.NOT_RECEIVED, Status.STOPPED]
    )
    due = Payment.objects.filter(closed, refunded_at__isnull=True, intent__isnull=False)
    for payment in due.select_related("intent"):
        PaymentIntent.objects.filter(pk=payment.intent_id, status="paid").update(status="refund_due")
    done = 0
    for intent in PaymentIntent.objects.filter(status="refund_due").select_related("charge__dossier"):
        done += _refund_intent(intent)
    return done + refund_excesses()
