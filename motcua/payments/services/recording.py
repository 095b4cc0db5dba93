"""A payment recorded, online or at the counter: its receipt number, the audit entry and the
`payment.paid` event, and the financial obligation met when nothing is left to pay."""

from __future__ import annotations

import secrets

from django.utils import timezone

from motcua.audit.services import record as audit_record
from motcua.core.events import publish
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Dossier, Status

from ..models import Charge, Gateway, Payment
from .assessment import paid_total


def receipt_number() -> str:
    return f"BL{timezone.localdate():%y%m%d}-{secrets.token_hex(4).upper()}"


def after_payment(payment: Payment, actor) -> None:
    dossier = payment.charge.dossier
    audit_record(
        "payments.paid",
        actor=actor,
        obj=dossier,
        data={
            "receipt": payment.receipt_number,
            "amount": payment.amount,
            "gateway": payment.gateway,
            "reference": payment.external_ref,
        },
    )
    publish(
        "payment.paid",
        "dossier",
        dossier.code,
        {
            "amount": payment.amount,
            "gateway": payment.gateway,
            "receipt": payment.receipt_number,
            "online": payment.gateway in (Gateway.NATIONAL, Gateway.VIETQR),
        },
    )
    _meet_obligation(dossier, payment.receipt_number)


def _meet_obligation(dossier: Dossier, reference: str) -> None:
    dossier.refresh_from_db()
    if dossier.status != Status.FINANCIAL:
        return
    charges = Charge.objects.filter(dossier=dossier, cancelled=False)
    if charges.filter(payments__isnull=True).exists():
        return
    total = paid_total(dossier)
    if total >= dossier.fee_due:
        dossier_services.confirm_payment(dossier, amount=total, reference=reference)
