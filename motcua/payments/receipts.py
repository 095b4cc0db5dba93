"""The electronic receipt (biên lai điện tử) of a payment: a signed PDF, on the dossier and in the store."""

import hashlib

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation

from motcua.core.pdf import place_date
from motcua.core.signing import get_signer, render_and_sign
from motcua.dossiers.papers import place_of
from motcua.people import datastore

from .models import Payment

STORE_KIND = "fee_receipt"


def receipt_url(payment: Payment) -> str:
    code = payment.charge.dossier.code
    return f"{settings.MOTCUA_PUBLIC_BASE_URL}/thanh-toan/{code}/bien-lai/{payment.receipt_number}/"


def issue_receipt(payment: Payment) -> Payment:
    """Render, sign and keep the receipt once (a second call returns the one already issued)."""
    payment = Payment.objects.select_related(
        "charge__dossier__receiving_agency", "charge__dossier__procedure"
    ).get(pk=payment.pk)
    if payment.receipt_file:
        return payment
    dossier = payment.charge.dossier
    agency = dossier.receiving_agency
    signer_name = settings.MOTCUA_PAYMENTS_RECEIPT_SIGNER
    with translation.override("vi"):
        pdf = render_and_sign(
            "payments/receipt.html",
            {
                "payment": payment,
                "charge": payment.charge,
                "dossier": dossier,
                "agency_name": agency.name,
                "document_title": "Biên lai thu phí, lệ phí",
                "place_date": place_date(place_of(agency), timezone.localdate(payment.paid_at)),
                "lookup_url": receipt_url(payment),
            },
            signer=get_signer(signer_name, agency.name),
            signer_name=signer_name,
            agency_name=agency.name,
            reason=f"Biên lai {payment.receipt_number} hồ sơ {dossier.code}",
        )
    sha256 = hashlib.sha256(pdf).hexdigest()
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.receipt_file:
            return locked
        locked.receipt_file.save(f"{locked.receipt_number}.pdf", ContentFile(pdf), save=False)
        locked.receipt_sha256 = sha256
        locked.save(update_fields=["receipt_file", "receipt_sha256"])
        datastore.store(
            dossier.applicant_id_number,
            title=f"Biên lai thu phí, lệ phí {locked.receipt_number} — hồ sơ {dossier.code}",
            source=f"payment:{locked.receipt_number}",
            issued_at=locked.paid_at,
            kind=STORE_KIND,
            procedure_code=dossier.procedure.code,
            issuer=agency.name,
            document_sha256=sha256,
            data={
                "dossier_code": dossier.code,
                "receipt_number": locked.receipt_number,
                "amount": locked.amount,
                "fee": payment.charge.name,
                "gateway": locked.gateway,
            },
        )
    return locked
