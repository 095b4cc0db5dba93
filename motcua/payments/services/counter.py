"""Fees paid at the counter (thu tiền tại quầy): cash with the receipt-book number or a card
terminal's reference, recorded by the officers who may take money."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from motcua.dossiers import access
from motcua.dossiers.models import Dossier
from motcua.people.models import OfficerRole

from ..models import Charge, Gateway, Payment
from .assessment import accepts_payment
from .errors import PaymentError
from .recording import after_payment, receipt_number


def may_record_counter_payment(officer, dossier: Dossier) -> bool:
    """Who takes money at a counter (thu tiền tại quầy): a reception officer of the receiving agency
    (bộ phận một cửa) or a specialist of the handling agency (where the fee is paid on the spot)."""
    Role = OfficerRole.Role
    return access.has_role_at(officer, dossier.receiving_agency_id, {Role.RECEPTION}) or access.has_role_at(
        officer, dossier.handling_agency_id, {Role.SPECIALIST}
    )


def record_counter_payment(charge: Charge, officer, *, method: str, reference: str) -> Payment:
    """A fee paid at the counter (cash with the receipt-book number, or a card terminal's reference)."""
    if method not in (Gateway.COUNTER_CASH, Gateway.COUNTER_CARD):
        raise PaymentError("Hình thức nộp tại quầy không hợp lệ.")
    reference = (reference or "").strip()
    if not reference or len(reference) > 64:
        raise PaymentError("Ghi số biên lai thu tiền mặt hoặc mã giao dịch của máy POS (tối đa 64 ký tự).")
    if not may_record_counter_payment(officer, charge.dossier):
        raise PaymentError(
            "Chỉ cán bộ tiếp nhận của nơi tiếp nhận hồ sơ hoặc chuyên viên của cơ quan giải quyết "
            "được ghi nhận thu tiền tại quầy."
        )
    try:
        with transaction.atomic():
            charge = Charge.objects.select_for_update().select_related("dossier").get(pk=charge.pk)
            if charge.cancelled or charge.payments.exists():
                raise PaymentError("Khoản này đã được nộp hoặc đã được xác định lại.")
            if not accepts_payment(charge.dossier):
                raise PaymentError("Hồ sơ đã kết thúc hoặc bị từ chối: không thu phí, lệ phí.")
            payment = Payment.objects.create(
                charge=charge,
                gateway=method,
                amount=charge.amount,
                external_ref=reference,
                paid_at=timezone.now(),
                recorded_by=officer,
                receipt_number=receipt_number(),
            )
            after_payment(payment, actor=officer)
    except IntegrityError:
        raise PaymentError("Khoản này đã được nộp.") from None
    from ..receipts import issue_receipt

    return issue_receipt(payment)
