"""The applicant's data store (kho dữ liệu điện tử): write results into it, find what to reuse."""

from django.db.models import QuerySet

from .models import DataStoreItem, User


def store(
    owner_id_number: str,
    *,
    title: str,
    source: str,
    issued_at,
    kind: str = "result",
    result_code: str = "",
    procedure_code: str = "",
    issuer: str = "",
    document_sha256: str = "",
    data: dict | None = None,
) -> DataStoreItem:
    """Put an item in the owner's store; the same source is stored once (idempotent)."""
    item, _ = DataStoreItem.objects.update_or_create(
        source=source,
        kind=kind,
        defaults={
            "owner_id_number": owner_id_number,
            "title": title[:300],
            "result_code": result_code[:40],
            "procedure_code": procedure_code,
            "issuer": issuer[:200],
            "issued_at": issued_at,
            "document_sha256": document_sha256,
            "data": data or {},
            "owner_user": User.objects.filter(personal_id_index=owner_id_number).first(),
        },
    )
    return item


def items_of(owner_id_number: str) -> QuerySet:
    return DataStoreItem.objects.filter(owner_id_index=owner_id_number, valid=True)
