"""Paying at submission (nộp phí, lệ phí khi nộp hồ sơ trực tuyến) and the officer's notice of
financial obligation: the charges assessed when either comes (the event subscriber), and what was
paid early settled against the notice, the excess refunded (ADR 0014, issue 13)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from motcua.audit.services import record as audit_record
from motcua.catalog.models import OnlineLevel
from motcua.core import events
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Channel, Dossier, Status

from .. import gateways
from ..gateways import GatewayError
from ..models import Charge, Payment
from .assessment import accepts_payment, assess, paid_total

logger = logging.getLogger(__name__)


# --- paying at submission (nộp phí, lệ phí khi nộp hồ sơ trực tuyến) -------------------------------

#: Open, and not yet told the amount by a notice (status 6 has its own page and to-do).
BEFORE_NOTICE = (Status.NEW, Status.RECEIVED, Status.PROCESSING)


def offers_payment_at_submission(dossier: Dossier) -> bool:
    """A full-online procedure (toàn trình) submitted on the province's portal is paid at submission,
    with the fee lines of the catalog, without waiting for a notice of financial obligation."""
    return (
        dossier.channel == Channel.OWN_PORTAL
        and dossier.procedure.online_level == OnlineLevel.FULL
        and dossier.status in BEFORE_NOTICE
        and accepts_payment(dossier)
    )


def assess_at_submission(dossier: Dossier, *, new: bool = False) -> list[Charge]:
    """The charges of a full-online dossier as assessed from the catalog, written once at submission.

    `new`: the dossier was created in the caller's transaction, so it has no charge yet (nothing to
    look up, lock or replace)."""
    if not offers_payment_at_submission(dossier):
        return []
    if not new and Charge.objects.filter(dossier=dossier).exists():
        return []
    return assess(dossier, new=new)


def unpaid_before_notice(dossier_ids) -> dict[int, int]:
    """{dossier id: amount still to pay} of dossiers payable before any notice (paid at submission)."""
    rows = (
        Charge.objects.filter(
            dossier_id__in=dossier_ids,
            cancelled=False,
            payments__isnull=True,
            dossier__status__in=BEFORE_NOTICE,
            dossier__channel=Channel.OWN_PORTAL,
            dossier__procedure__online_level=OnlineLevel.FULL,
        )
        .values("dossier_id")
        .annotate(total=Sum("amount"))
    )
    return {row["dossier_id"]: row["total"] for row in rows if row["total"]}


def settle_paid_in_advance(dossier: Dossier) -> str:
    """The officer's notice wins over what was paid at submission (ADR 0014, issue 13).

    Paid as much as the notice asks: the obligation is met, the dossier moves on. Paid more: the
    excess is refunded through the gateway, and the dossier moves on. Paid less: `assess` already
    wrote the top-up charge ("top_up"), which the applicant pays like any other.
    """
    dossier.refresh_from_db()
    if dossier.status != Status.FINANCIAL:
        return "not_waiting"
    if Charge.objects.filter(dossier=dossier, cancelled=False, payments__isnull=True).exists():
        return "top_up"
    paid = paid_total(dossier)
    if paid < dossier.fee_due:
        return "short"
    if paid > dossier.fee_due:
        _set_excess(dossier, paid - dossier.fee_due)
    dossier_services.confirm_payment(dossier, amount=dossier.fee_due, reference="nop-khi-nop-ho-so")
    return "refunded_excess" if paid > dossier.fee_due else "met"


def _set_excess(dossier: Dossier, excess: int) -> None:
    """Give back `excess` from the latest online payments (a partial refund of each as needed)."""
    with transaction.atomic():
        payments = (
            Payment.objects.select_for_update(of=("self",))
            .filter(charge__dossier=dossier, refunded_at__isnull=True, intent__isnull=False, excess=0)
            .order_by("-paid_at", "-id")
        )
        for payment in payments:
            if excess <= 0:
                break
            part = min(excess, payment.amount)
            payment.excess = part
            payment.save(update_fields=["excess"])
            excess -= part
            audit_record(
                "payments.excess_due",
                obj=dossier,
                data={"receipt": payment.receipt_number, "excess": part, "due": dossier.fee_due},
            )
    refund_excesses(dossier)


def refund_excesses(dossier: Dossier | None = None) -> int:
    """Send the partial refunds still owed (retried by the refund job when a gateway failed)."""
    owed = Payment.objects.filter(
        excess__gt=0, excess_refunded_at__isnull=True, refunded_at__isnull=True, intent__isnull=False
    )
    if dossier is not None:
        owed = owed.filter(charge__dossier=dossier)
    done = 0
    for payment in owed.select_related("intent", "charge__dossier"):
        intent = payment.intent
        try:
            refund_no = gateways.get_gateway(intent.gateway).refund(
                intent.reference, intent.gateway_txn, payment.excess
            )
        except GatewayError:
            logger.warning("refund of the excess of %s failed; the refund job retries", intent.reference)
            continue
        with transaction.atomic():
            updated = Payment.objects.filter(pk=payment.pk, excess_refunded_at__isnull=True).update(
                excess_refunded_at=timezone.now(), excess_refund_ref=refund_no[:64]
            )
            if updated:
                audit_record(
                    "payments.excess_refunded",
                    obj=payment.charge.dossier,
                    data={"receipt": payment.receipt_number, "refund": refund_no, "amount": payment.excess},
                )
                done += 1
    return done


def on_event(event) -> None:
    """The officer's notice of financial obligation is assessed in its own transaction, so the
    charges exist as soon as the dossier enters status 6; what was paid at submission is then
    settled once that transaction commits. A full-online dossier submitted on the e-form is
    assessed at once, so it can be paid on the receipt (subscribed in PaymentsConfig.ready)."""
    if event.topic not in ("dossier.request_payment", "eforms.submitted"):
        return
    if event.topic == "eforms.submitted":
        # The e-form's submission holds the dossier it has just created or found (eforms.services.submit).
        held = events.held_object(event, "dossier")
        if held is not None and held.code == event.aggregate_id:
            assess_at_submission(held, new=bool(events.held_object(event, "created")))
            return
    dossier = (
        Dossier.objects.select_related("handling_agency", "procedure").filter(code=event.aggregate_id).first()
    )
    if dossier is None:
        return
    if event.topic == "eforms.submitted":
        assess_at_submission(dossier)
        return
    assess(dossier)
    if Payment.objects.filter(charge__dossier=dossier).exists():
        pk = dossier.pk
        transaction.on_commit(lambda: _settle_safely(pk))


def assess_waiting() -> int:
    """Assess the dossiers waiting for payment (status 6) with no charges yet (`motcua payments assess`);
    settle those that paid at submission (the safety net behind the notice's on-commit settlement)."""
    waiting = Dossier.objects.filter(status=Status.FINANCIAL).exclude(charges__cancelled=False)
    count = 0
    for dossier in waiting.select_related("handling_agency").iterator():
        count += bool(assess(dossier))
    paid_early = Dossier.objects.filter(status=Status.FINANCIAL, charges__payments__isnull=False).distinct()
    for dossier in paid_early.iterator():
        _settle_safely(dossier.pk)
    return count


def _settle_safely(dossier_id: int) -> None:
    """Settle after the notice's commit or from the job: a refusal is logged, the job tries again."""
    try:
        settle_paid_in_advance(Dossier.objects.get(pk=dossier_id))
    except (dossier_services.TransitionError, GatewayError):
        logger.warning("settling the advance payment of dossier %s failed; the job retries", dossier_id)
