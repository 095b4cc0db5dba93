"""Write and verify the hash-chained audit log. The only code that writes AuditEntry rows."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from .models import AuditChainHead, AuditEntry

GENESIS = "0" * 64


def _digest(
    prev_hash: str, sequence: int, at, actor: str, action: str, object_type: str, object_id: str, data: dict
) -> str:
    body = json.dumps(
        # UTC: the database may give the moment back in another zone than it was written in.
        [prev_hash, sequence, at.astimezone(UTC).isoformat(), actor, action, object_type, object_id, data],
        sort_keys=True,
        ensure_ascii=False,
        cls=DjangoJSONEncoder,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def record(
    action: str, *, actor=None, obj=None, object_type: str = "", object_id: str = "", data: dict | None = None
) -> AuditEntry:
    """Append one entry, in the caller's transaction (so it commits or rolls back with the change)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    actor_name = getattr(actor, "get_username", lambda: "")() if actor is not None else ""
    actor_name = actor_name or (actor if isinstance(actor, str) else "") or "system"
    actor_id = getattr(actor, "pk", None)
    # Round-trip through JSON so the stored value hashes the same way when verified.
    data = json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        sequence = head.sequence + 1
        at = timezone.now()
        digest = _digest(head.hash, sequence, at, actor_name, action, object_type, object_id, data)
        entry = AuditEntry.objects.create(
            sequence=sequence,
            at=at,
            actor=actor_name,
            actor_id=actor_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            data=data,
            prev_hash=head.hash,
            hash=digest,
        )
        head.sequence, head.hash = sequence, digest
        head.save(update_fields=["sequence", "hash"])
    return entry


@dataclass
class VerifyResult:
    checked: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify() -> VerifyResult:
    """Recompute the chain; report edited, deleted, inserted or truncated entries."""
    problems: list[str] = []
    prev_hash, expected_sequence, checked = GENESIS, 1, 0
    for entry in AuditEntry.objects.order_by("sequence").iterator(chunk_size=2000):
        checked += 1
        if entry.sequence != expected_sequence:
            problems.append(f"thiếu bản ghi #{expected_sequence}…#{entry.sequence - 1} (đã bị xóa)")
        if entry.prev_hash != prev_hash:
            problems.append(f"#{entry.sequence}: không nối với bản ghi trước (chuỗi bị cắt hoặc chèn)")
        digest = _digest(
            entry.prev_hash,
            entry.sequence,
            entry.at,
            entry.actor,
            entry.action,
            entry.object_type,
            entry.object_id,
            entry.data,
        )
        if digest != entry.hash:
            problems.append(f"#{entry.sequence}: nội dung đã bị sửa (mã băm không khớp)")
        prev_hash, expected_sequence = entry.hash, entry.sequence + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.sequence != expected_sequence - 1 or head.hash != prev_hash):
        problems.append(
            f"các bản ghi cuối đã bị xóa: đầu chuỗi ở #{head.sequence}, còn lại đến #{expected_sequence - 1}"
        )
    return VerifyResult(checked, problems)
