"""Intents to pay online (yêu cầu thanh toán): one per charge and idempotency key, or a group of
them paid with one gateway transaction; how to pay each comes from its gateway."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from motcua.audit.services import record as audit_record

from .. import gateways
from ..gateways import Start
from ..models import Charge, Gateway, PaymentIntent
from .assessment import accepts_payment
from .errors import PaymentError


def new_reference() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "TT" + "".join(secrets.choice(alphabet) for _ in range(10))


def start_payment(
    charge: Charge, gateway: str, *, idempotency_key: str, return_url: str = ""
) -> tuple[PaymentIntent, Start]:
    """An intent to pay `charge` (the same key gives back the same intent) and how to pay it."""
    if gateway not in (Gateway.NATIONAL, Gateway.VIETQR):
        raise PaymentError("Kênh thanh toán không hợp lệ.")
    if not idempotency_key or len(idempotency_key) > 80:
        raise PaymentError("Thiếu khóa chống trùng của yêu cầu thanh toán.")
    now = timezone.now()
    with transaction.atomic():
        charge = Charge.objects.select_for_update().select_related("dossier").get(pk=charge.pk)
        existing = PaymentIntent.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            if existing.charge_id != charge.pk:
                raise PaymentError("Khóa chống trùng đã dùng cho một khoản khác.")
            intent = existing
        else:
            if charge.cancelled:
                raise PaymentError("Khoản thu này đã được xác định lại; hãy tải lại trang.")
            if charge.payments.exists():
                raise PaymentError("Khoản này đã được nộp.")
            if not accepts_payment(charge.dossier):
                raise PaymentError("Hồ sơ đã kết thúc, không nhận thanh toán.")
            expire_intents(now)
            intent = PaymentIntent.objects.create(
                charge=charge,
                gateway=gateway,
                reference=new_reference(),
                idempotency_key=idempotency_key,
                amount=charge.amount,
                created_at=now,
                expires_at=now + timedelta(minutes=settings.MOTCUA_PAYMENTS_INTENT_MINUTES),
            )
            audit_record(
                "payments.intent",
                obj=charge.dossier,
                data={"reference": intent.reference, "gateway": gateway, "amount": intent.amount},
            )
    if intent.status != PaymentIntent.Status.PENDING or intent.expires_at <= now:
        raise PaymentError("Yêu cầu thanh toán này đã hết hạn hoặc đã kết thúc; hãy tạo yêu cầu mới.")
    return intent, gateways.get_gateway(gateway).start(intent, return_url=return_url)


def group_order(reference: str, amount: int, created_at, expires_at, label: str):
    """What a gateway is given for a grouped transaction: the group's reference and total."""
    from types import SimpleNamespace

    return SimpleNamespace(
        reference=reference,
        amount=amount,
        created_at=created_at,
        expires_at=expires_at,
        charge=SimpleNamespace(dossier=SimpleNamespace(code=label)),
    )


def start_group_payment(
    charges, gateway: str, *, idempotency_key: str, return_url: str = "", label: str = ""
) -> tuple[list[PaymentIntent], Start]:
    """One gateway transaction that pays several charges (of several dossiers) at once.

    Each charge gets its own member intent (so each dossier keeps its own payment and receipt); the
    members share `group`, the reference the gateway is given with their total. The same key gives
    back the same group."""
    if gateway not in (Gateway.NATIONAL, Gateway.VIETQR):
        raise PaymentError("Kênh thanh toán không hợp lệ.")
    if not idempotency_key or len(idempotency_key) > 60:
        raise PaymentError("Thiếu khóa chống trùng của yêu cầu thanh toán.")
    ids = sorted({c.pk for c in charges})
    if not ids:
        raise PaymentError("Không có khoản nào phải nộp.")
    now = timezone.now()
    with transaction.atomic():
        locked = list(Charge.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        existing = PaymentIntent.objects.filter(idempotency_key=f"{idempotency_key}#{ids[0]}").first()
        if existing is not None:
            members = list(PaymentIntent.objects.filter(group=existing.group).order_by("pk"))
            if sorted(m.charge_id for m in members) != ids:
                raise PaymentError("Khóa chống trùng đã dùng cho các khoản khác.")
        else:
            for charge in locked:
                if charge.cancelled:
                    raise PaymentError("Khoản thu này đã được xác định lại; hãy tải lại trang.")
                if charge.payments.exists():
                    raise PaymentError("Khoản này đã được nộp.")
                if not accepts_payment(charge.dossier):
                    raise PaymentError("Hồ sơ đã kết thúc, không nhận thanh toán.")
            expire_intents(now)
            group = new_reference()
            expires = now + timedelta(minutes=settings.MOTCUA_PAYMENTS_INTENT_MINUTES)
            members = [
                PaymentIntent.objects.create(
                    charge=charge,
                    gateway=gateway,
                    reference=new_reference(),
                    idempotency_key=f"{idempotency_key}#{charge.pk}",
                    amount=charge.amount,
                    created_at=now,
                    expires_at=expires,
                    group=group,
                )
                for charge in locked
            ]
            for member in members:
                audit_record(
                    "payments.intent",
                    obj=member.charge.dossier,
                    data={
                        "reference": member.reference,
                        "group": group,
                        "gateway": gateway,
                        "amount": member.amount,
                    },
                )
    if any(m.status != PaymentIntent.Status.PENDING or m.expires_at <= now for m in members):
        raise PaymentError("Yêu cầu thanh toán này đã hết hạn hoặc đã kết thúc; hãy tạo yêu cầu mới.")
    order = group_order(
        members[0].group, sum(m.amount for m in members), members[0].created_at, members[0].expires_at, label
    )
    return members, gateways.get_gateway(gateway).start(order, return_url=return_url)


def expire_intents(now: datetime | None = None) -> int:
    return PaymentIntent.objects.filter(
        status=PaymentIntent.Status.PENDING, expires_at__lte=now or timezone.now()
    ).update(status="expired")
