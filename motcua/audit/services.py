"""Write, anchor, purge and verify the audit log. The only code that writes AuditEntry rows (ADR 0038).

- `record()` appends to one of `MOTCUA_AUDIT_SHARDS` chains: the transaction takes the first
  chain head nobody holds (PostgreSQL `FOR UPDATE SKIP LOCKED`), keeps it for its later entries,
  and keys each entry's hash with the chain key (HMAC-SHA256, key outside the database).
- `anchor()` signs and time-stamps every chain head into the anchor store (outside the database);
  the worker runs it every `MOTCUA_AUDIT_ANCHOR_EVERY` seconds.
- `purge_before()` deletes the entries past retention and leaves a keyed checkpoint per chain.
- `verify()` recomputes every chain with the key ring and checks it against every anchor and
  every anchor's time-stamp token.
- `rotate_chain_key()` / `rotate_signing_key()` replace a key; old entries and anchors still
  verify with the old key, recorded by its id (ADR 0049).
"""

import hashlib
import hmac
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from motcua.core import crypto

from . import anchors, conf, keys
from .models import LEGACY_SHARD, AuditChainHead, AuditCheckpoint, AuditEntry

GENESIS = "0" * 64


def _iso(at: datetime) -> str:
    # UTC: the database may give the moment back in another zone than it was written in.
    return at.astimezone(UTC).isoformat()


def _dumps(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder)


def _digest(
    prev_hash: str, sequence: int, at, actor: str, action: str, object_type: str, object_id: str, data: dict
) -> str:
    """The legacy chain's unkeyed hash (entries written before ADR 0038)."""
    body = _dumps([prev_hash, sequence, _iso(at), actor, action, object_type, object_id, data])
    return hashlib.sha256(body.encode()).hexdigest()


def _mac(key: bytes, value) -> str:
    return hmac.new(key, _dumps(value).encode(), hashlib.sha256).hexdigest()


def _entry_mac(key: bytes, entry: AuditEntry) -> str:
    return _mac(
        key,
        [
            "motcua-audit-v2",
            entry.key_id,
            entry.shard,
            entry.shard_sequence,
            entry.sequence,
            entry.prev_hash,
            _iso(entry.at),
            entry.actor,
            entry.actor_id,
            entry.action,
            entry.object_type,
            entry.object_id,
            entry.data,
        ],
    )


def _checkpoint_mac(key: bytes, shard: int, sequence: int, hash_: str) -> str:
    return _mac(key, ["motcua-audit-checkpoint", shard, sequence, hash_])


def _head_query(where: str, skip_locked: bool) -> str:
    """One query: lock a chain head and take the province-wide order number of the new entry
    (PostgreSQL: a sequence, no lock held to commit; SQLite: MAX + 1 under the one write lock
    that the IMMEDIATE transaction already holds). The same number of queries as the old chain.
    Table names and clauses are this module's constants; values go as parameters."""
    head, entries = AuditChainHead._meta.db_table, AuditEntry._meta.db_table
    if connection.vendor == "postgresql":
        lock = "FOR UPDATE SKIP LOCKED" if skip_locked else "FOR UPDATE"
        order = "ORDER BY random() LIMIT 1" if skip_locked else ""
        return (
            "SELECT h.id, h.shard, h.sequence, h.hash, nextval('audit_entry_sequence') AS next_sequence "  # noqa: S608
            f"FROM (SELECT id, shard, sequence, hash FROM {head} WHERE {where} {order} {lock}) h"
        )
    order = "ORDER BY random() LIMIT 1" if skip_locked else ""
    return (
        f"SELECT id, shard, sequence, hash, (SELECT COALESCE(MAX(sequence), 0) + 1 FROM {entries}) "  # noqa: S608
        f"AS next_sequence FROM {head} WHERE {where} {order}"
    )


def _first(query: str, params: list) -> AuditChainHead | None:
    return next(iter(AuditChainHead.objects.raw(query, params)), None)


def _lock_head() -> AuditChainHead:
    """Lock a chain head for this transaction: the one it already holds, else a free one.
    The head comes with `next_sequence`, the new entry's province-wide order number."""
    outer = connection.atomic_blocks[0] if len(connection.atomic_blocks) > 1 else None
    held = getattr(connection, "_motcua_audit_shard", None)
    if outer is not None and held is not None and held[0] is outer:
        # One chain per transaction: two heads locked in two orders by two transactions would deadlock.
        head = _first(_head_query("shard = %s", skip_locked=False), [held[1]])
        if head is not None:
            return head
    n = conf.shards()
    head = _first(_head_query("shard >= 0 AND shard < %s", skip_locked=True), [n])
    if head is None:  # all busy (wait for one at random), or not created yet
        if AuditChainHead.objects.filter(shard__gte=0, shard__lt=n).count() < n:
            AuditChainHead.objects.bulk_create(
                [AuditChainHead(shard=k) for k in range(n)], ignore_conflicts=True
            )
        head = _first(_head_query("shard = %s", skip_locked=False), [random.randrange(n)])
    if outer is not None:
        connection._motcua_audit_shard = (outer, head.shard)
        transaction.on_commit(_forget_shard)
    return head


def _forget_shard() -> None:
    connection._motcua_audit_shard = None


def record(
    action: str, *, actor=None, obj=None, object_type: str = "", object_id: str = "", data: dict | None = None
) -> AuditEntry:
    """Append one entry, in the caller's transaction (so it commits or rolls back with the change)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    if object_type == "person" and object_id:
        # No ID number in clear at rest (ADR 0048): the entry names the person by the blind index,
        # which an auditor holding the key recomputes to find that person's entries.
        object_id = crypto.blind_index(object_id)
    actor_name = getattr(actor, "get_username", lambda: "")() if actor is not None else ""
    actor_name = actor_name or (actor if isinstance(actor, str) else "") or "system"
    actor_id = getattr(actor, "pk", None)
    # Round-trip through JSON so the stored value hashes the same way when verified.
    data = json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))
    # Inside the caller's transaction without a savepoint of its own (two queries fewer per entry):
    # a failure here fails the caller's transaction, as the entry must never be lost from a change.
    with transaction.atomic(savepoint=False):
        head = _lock_head()
        # The key is read once the head is held: after a rotation no entry under the old key can
        # follow, in its chain, an entry under the new one (ADR 0049).
        key = keys.hmac_key()
        entry = AuditEntry(
            sequence=head.next_sequence,
            shard=head.shard,
            shard_sequence=head.sequence + 1,
            at=timezone.now(),
            actor=actor_name,
            actor_id=actor_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            data=data,
            key_id=keys.key_id(key),
            prev_hash=head.hash,
        )
        entry.hash = _entry_mac(key, entry)
        entry.save(force_insert=True)
        head.sequence, head.hash = entry.shard_sequence, entry.hash
        head.save(update_fields=["sequence", "hash"])
    return entry


def _now_iso(now: datetime | None) -> str:
    return (now or timezone.now()).astimezone(UTC).isoformat(timespec="microseconds")


def anchor(now: datetime | None = None) -> str:
    """Sign and time-stamp every chain head into the anchor store (outside the database). With a
    TSA, the line gets its token; when the TSA does not answer, the line is written flagged and
    this job's next run stamps a line that covers it (ADR 0049)."""
    heads = {str(h.shard): [h.sequence, h.hash] for h in AuditChainHead.objects.order_by("shard")}
    line = anchors.append({"kind": "anchor", "at": _now_iso(now), "heads": heads, "key_id": keys.key_id()})
    if "tst" in line:
        return f"{len(heads)} chains anchored, time-stamped"
    if "tst_error" in line:
        return f"{len(heads)} chains anchored, NOT time-stamped ({line['tst_error']}); retried next run"
    return f"{len(heads)} chains anchored"


#: After a chain-key rotation, entries under the retired key are accepted in each chain up to the
#: heads of the first anchor taken this long after it (transactions that had read the old key).
ROTATION_GRACE = timedelta(seconds=60)


def rotate_chain_key(*, recorded: bool = False, actor=None) -> tuple[str, list[str]]:
    """A new chain key first in the ring (the old ones stay, to verify their entries), recorded
    in the anchor store and in the log itself. `recorded=True`: the operator already put a new key
    first (MOTCUA_AUDIT_KEY and MOTCUA_AUDIT_KEY_RETIRED on every node); only record it."""
    if recorded:
        ring = [keys.key_id(k) for k in keys.hmac_ring()]
        new_id, retired = ring[0], ring[1:]
        if not retired:
            raise ValueError("the key ring holds one key: nothing was rotated")
    else:
        new_id, retired = keys.rotate_hmac_key()
    anchors.append({"kind": "chain-key", "at": _now_iso(None), "key_id": new_id, "retired": retired})
    record("audit.key_rotated", actor=actor, data={"key": "chain", "key_id": new_id, "retired": retired})
    return new_id, retired


def rotate_signing_key(*, actor=None) -> tuple[str, str]:
    """A new anchor signing key: the hand-over line is signed by the old key and countersigned by
    the new; the old public half is kept as a retired key, its private half is gone."""
    old = keys.public_fingerprint(keys.signing_key().public_key())
    new = keys.new_signing_key()
    line = anchors.append({"kind": "signing-key", "at": _now_iso(None)}, new_signing_key=new)
    record("audit.key_rotated", actor=actor, data={"key": "anchor", "old": old, "new": line["new_signer"]})
    return old, line["new_signer"]


def _moment(record: dict) -> datetime | None:
    try:
        return datetime.fromisoformat(record.get("at", ""))
    except (TypeError, ValueError):  # an unreadable line: the store's own check reports it
        return None


def _retired_after(records: list[dict]) -> list[tuple[str, set[str], dict[int, int] | None]]:
    """For each chain-key rotation: (where, the ids it retired, the chain positions after which those
    ids may no longer appear — the heads of the first anchor ROTATION_GRACE after it; None if
    no such anchor yet)."""
    found = []
    for i, rotation in enumerate(records):
        at = _moment(rotation)
        if rotation.get("kind") != "chain-key" or at is None:
            continue
        boundary = None
        for later in records[i + 1 :]:
            later_at = _moment(later)
            if later.get("kind") == "anchor" and later_at is not None and later_at >= at + ROTATION_GRACE:
                boundary = {int(s): seq for s, (seq, _) in later.get("heads", {}).items()}
                break
        found.append((rotation["_where"], set(rotation.get("retired", [])), boundary))
    return found


def purge_before(cutoff: datetime | None = None) -> int:
    """Delete the entries older than `cutoff` (default: the retention, `MOTCUA_RETENTION_AUDIT_DAYS`),
    chain by chain as a prefix, and leave a keyed checkpoint where each chain now starts, also
    written to the anchor store. Returns the number of entries deleted."""
    cutoff = cutoff or timezone.now() - timedelta(days=conf.retention_days())
    key = keys.hmac_key()
    deleted, moved = 0, {}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # the append-only trigger lets this transaction delete
                cursor.execute("SET LOCAL motcua.audit_purge = 'on'")
        last = AuditEntry.objects.filter(at__lt=cutoff).values("shard").annotate(upto=Max("shard_sequence"))
        for row in last:
            shard, upto = row["shard"], row["upto"]
            end = AuditEntry.objects.get(shard=shard, shard_sequence=upto)
            AuditCheckpoint.objects.update_or_create(
                shard=shard,
                defaults={
                    "sequence": upto,
                    "hash": end.hash,
                    "purged_at": timezone.now(),
                    "mac": _checkpoint_mac(key, shard, upto, end.hash),
                },
            )
            count, _ = AuditEntry.objects.filter(shard=shard, shard_sequence__lte=upto).delete()
            deleted += count
            moved[str(shard)] = [upto, end.hash]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('motcua.audit_purge', 'off', true)")
        if moved:
            record("audit.purge", data={"cutoff": _iso(cutoff), "deleted": deleted, "checkpoints": moved})
    if moved:
        anchors.append(
            {"kind": "checkpoint", "at": _now_iso(None), "checkpoints": moved, "cutoff": _iso(cutoff)}
        )
    return deleted


def purge_job() -> str:
    return f"{purge_before()} entries purged"


@dataclass
class VerifyResult:
    checked: int
    problems: list[str]
    anchors: int = 0
    notes: list[str] = field(default_factory=list)
    stamped: int = 0  # anchors whose RFC 3161 token checked

    @property
    def ok(self) -> bool:
        return not self.problems


def _label(shard: int, position: int, sequence: int) -> str:
    return f"#{position}" if shard == LEGACY_SHARD else f"#{sequence} (chuỗi {shard}, vị trí {position})"


def _gap(shard: int, first: int, last: int) -> str:
    span = f"{first}…{last}" if last > first else f"{first}"
    return f"#{span}" if shard == LEGACY_SHARD else f"vị trí {span} của chuỗi {shard}"


def verify() -> VerifyResult:
    """Recompute every chain with the key; check it against its head, its checkpoint and every
    anchor. Reports edited, deleted, inserted or truncated entries, and a moved head."""
    problems: list[str] = []
    notes: list[str] = []
    ring = keys.keys_by_id()
    starts = {}
    for cp in AuditCheckpoint.objects.all():
        # Written under the key of its day: any key of the ring (all are outside the database).
        if not any(
            hmac.compare_digest(cp.mac, _checkpoint_mac(k, cp.shard, cp.sequence, cp.hash))
            for k in ring.values()
        ):
            problems.append(f"chuỗi {cp.shard}: điểm bắt đầu sau khi xóa theo thời hạn lưu trữ bị sửa")
        starts[cp.shard] = (cp.sequence, cp.hash)
    store = anchors.read_all()
    problems += store.problems
    notes += store.notes
    rotations = _retired_after(store.records)
    late = 0
    anchor_records = [r for r in store.records if r.get("kind") == "anchor"]
    wanted = {(int(s), seq) for r in anchor_records for s, (seq, _) in r.get("heads", {}).items()}
    by_position: dict[tuple[int, int], str] = {}
    tips: dict[int, tuple[int, str]] = {}
    checked = 0
    shard, prev_hash, expected = None, GENESIS, 1
    for entry in AuditEntry.objects.order_by("shard", "shard_sequence").iterator(chunk_size=2000):
        if entry.shard != shard:
            if shard is not None:
                tips[shard] = (expected - 1, prev_hash)
            shard = entry.shard
            start_sequence, prev_hash = starts.get(shard, (0, GENESIS))
            expected = start_sequence + 1
        checked += 1
        if (shard, entry.shard_sequence) in wanted:
            by_position[(shard, entry.shard_sequence)] = entry.hash
        where = _label(shard, entry.shard_sequence, entry.sequence)
        if entry.shard_sequence != expected:
            problems.append(f"thiếu bản ghi {_gap(shard, expected, entry.shard_sequence - 1)} (đã bị xóa)")
        if entry.prev_hash != prev_hash:
            problems.append(f"{where}: không nối với bản ghi trước (chuỗi bị cắt hoặc chèn)")
        if shard == LEGACY_SHARD:
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
        elif entry.key_id not in ring:
            problems.append(f"{where}: khóa {entry.key_id!r} không phải khóa của nhật ký")
            digest = None
        else:
            digest = _entry_mac(ring[entry.key_id], entry)
            for rotation_where, retired, boundary in rotations:
                if (
                    entry.key_id in retired
                    and boundary is not None
                    and entry.shard_sequence > boundary.get(shard, 0)
                ):
                    late += 1
                    if late <= 20:
                        problems.append(
                            f"{where}: ghi bằng khóa {entry.key_id!r} đã được thay ({rotation_where}), "
                            "sau mốc neo đầu tiên kể từ khi thay"
                        )
        if digest is not None and not hmac.compare_digest(digest, entry.hash):
            problems.append(f"{where}: nội dung đã bị sửa (mã băm không khớp)")
        prev_hash, expected = entry.hash, entry.shard_sequence + 1
    if shard is not None:
        tips[shard] = (expected - 1, prev_hash)
    for shard_, start in starts.items():
        tips.setdefault(shard_, start)

    heads = {h.shard: h for h in AuditChainHead.objects.all()}
    for shard_, head in heads.items():
        tip = tips.get(shard_, (0, GENESIS))
        if (head.sequence, head.hash) != tip:
            problems.append(
                f"các bản ghi cuối đã bị xóa: đầu chuỗi {shard_} ở vị trí {head.sequence}, "
                f"còn lại đến vị trí {tip[0]}"
            )
    for shard_ in tips.keys() - heads.keys():
        if tips[shard_][0]:
            problems.append(f"chuỗi {shard_}: không có đầu chuỗi")

    for record in anchor_records:
        for s, (seq, h) in record.get("heads", {}).items():
            s = int(s)
            if seq == 0:
                continue
            start = starts.get(s, (0, GENESIS))
            if seq < start[0]:
                continue  # purged by retention, behind a keyed checkpoint
            found = start[1] if seq == start[0] else by_position.get((s, seq))
            if found is None:
                problems.append(
                    f"{record['_where']} ({record['at']}): chuỗi {s} có bản ghi vị trí {seq}, "
                    "nay không còn (các bản ghi cuối bị cắt, đầu chuỗi bị lùi)"
                )
            elif found != h:
                problems.append(
                    f"{record['_where']} ({record['at']}): chuỗi {s} vị trí {seq} không khớp mốc neo "
                    "(chuỗi bị viết lại)"
                )
    if late > 20:
        problems.append(f"… và {late - 20} bản ghi khác ghi bằng khóa đã được thay")
    anchored = len(anchor_records)
    if not anchored:
        notes.append("chưa có mốc neo nào: chỉ kiểm tra được bằng khóa, chưa kiểm tra việc cắt đuôi chuỗi")
    return VerifyResult(checked, problems, anchored, notes, store.stamped)
