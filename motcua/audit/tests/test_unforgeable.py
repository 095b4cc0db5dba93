"""Issue 17 item 2: tampering is found even by someone who can write the whole database, and
officers no longer wait for one another on a single chain head (ADR 0038)."""

import hashlib
import json
import os
import stat
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, transaction

from motcua.audit import anchors, keys, services
from motcua.audit.models import LEGACY_SHARD, AuditChainHead, AuditCheckpoint, AuditEntry
from motcua.audit.services import anchor, purge_before, record, verify

from .conftest import as_database_administrator


def _entries(n=5):
    return [
        record("dossier.transition", actor="canbo", object_id=f"H52.{i}", data={"n": i}) for i in range(n)
    ]


def _sha256_chain(entry, prev_hash):
    """What an attacker without the key can compute: any unkeyed hash, here the old scheme's."""
    body = json.dumps(
        [
            prev_hash,
            entry.sequence,
            entry.at.isoformat(),
            entry.actor,
            entry.action,
            entry.object_type,
            entry.object_id,
            entry.data,
        ],
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(body.encode()).hexdigest()


@pytest.mark.django_db
def test_an_edit_with_every_later_hash_and_the_head_recomputed_is_found():
    entries = _entries(5)
    shard = entries[0].shard
    with as_database_administrator():
        AuditEntry.objects.filter(pk=entries[1].pk).update(data={"n": 999})
        prev = entries[0].hash
        for entry in AuditEntry.objects.filter(shard=shard, shard_sequence__gte=2).order_by("shard_sequence"):
            digest = _sha256_chain(entry, prev)
            AuditEntry.objects.filter(pk=entry.pk).update(prev_hash=prev, hash=digest)
            prev = digest
        AuditChainHead.objects.filter(shard=shard).update(hash=prev)
    result = verify()
    assert not result.ok
    # The chain links and the head agree: only the key finds every rewritten entry.
    assert not any("nối" in p or "cuối" in p for p in result.problems), result.problems
    assert sum("sửa" in p for p in result.problems) == 4, result.problems


@pytest.mark.django_db
def test_an_edit_with_hashes_recomputed_under_another_key_is_found():
    entries = _entries(3)
    other_key = b"k" * 64
    with as_database_administrator():
        prev = services.GENESIS
        for entry in AuditEntry.objects.order_by("shard_sequence"):
            entry.prev_hash = prev
            entry.data = {"n": "rewritten"}
            entry.hash = services._entry_mac(other_key, entry)
            AuditEntry.objects.filter(pk=entry.pk).update(prev_hash=prev, data=entry.data, hash=entry.hash)
            prev = entry.hash
        AuditChainHead.objects.filter(shard=entries[0].shard).update(hash=prev)
    assert sum("sửa" in p for p in verify().problems) == 3


@pytest.mark.django_db
def test_cutting_the_tail_and_moving_the_head_back_is_found_by_the_anchors():
    entries = _entries(5)
    anchor()
    shard = entries[0].shard
    with as_database_administrator():
        AuditEntry.objects.filter(shard=shard, shard_sequence__gte=4).delete()
        AuditChainHead.objects.filter(shard=shard).update(sequence=3, hash=entries[2].hash)
    result = verify()
    assert not result.ok
    assert any("vị trí 5" in p and "không còn" in p for p in result.problems), result.problems


@pytest.mark.django_db
def test_a_rewritten_chain_that_keeps_its_length_is_found_by_the_anchors():
    """Even with the key stolen, the anchored head no longer matches a rewritten chain."""
    entries = _entries(3)
    anchor()
    key = keys.hmac_key()
    with as_database_administrator():
        prev = services.GENESIS
        for entry in AuditEntry.objects.filter(shard=entries[0].shard).order_by("shard_sequence"):
            entry.prev_hash, entry.data = prev, {"n": "rewritten"}
            entry.hash = services._entry_mac(key, entry)
            AuditEntry.objects.filter(pk=entry.pk).update(prev_hash=prev, data=entry.data, hash=entry.hash)
            prev = entry.hash
        AuditChainHead.objects.filter(shard=entries[0].shard).update(hash=prev)
    problems = verify().problems
    assert any("không khớp mốc neo" in p for p in problems), problems


@pytest.mark.django_db
def test_anchors_are_signed_chained_and_checked(audit_dirs):
    _entries(2)
    anchor()
    _entries(2)
    anchor()
    _entries(1)
    anchor()
    assert verify().ok and verify().anchors == 3
    [path] = list((audit_dirs / "anchors").glob("*.jsonl"))
    lines = path.read_text().splitlines()
    first = json.loads(lines[0])
    assert first["kind"] == "anchor" and first["at"][:10] == path.stem and first["sig"]
    assert json.loads(lines[1])["prev"] == hashlib.sha256(lines[0].encode()).hexdigest()
    # Only the public key is needed to check an anchor.
    public = (audit_dirs / "keys" / keys.PUBLIC_FILE).read_bytes()
    assert b"PRIVATE" not in public
    # An anchor edited in the store (an older head put back) fails its signature.
    edited = json.loads(lines[2])
    edited["heads"] = first["heads"]
    path.write_text("\n".join([lines[0], lines[1], json.dumps(edited)]) + "\n")
    assert any("chữ ký không hợp lệ" in p for p in verify().problems)
    # An anchor removed from the store breaks the store's own chain.
    path.write_text("\n".join([lines[0], lines[2]]) + "\n")
    assert any("mốc neo trước" in p for p in verify().problems)


@pytest.mark.django_db
def test_the_keys_live_in_files_outside_the_database_readable_by_the_owner_only(audit_dirs):
    entry = record("x.y")
    key_file = audit_dirs / "keys" / keys.HMAC_FILE
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    anchor()
    assert stat.S_IMODE(os.stat(audit_dirs / "keys" / keys.SIGNING_FILE).st_mode) == 0o600
    assert entry.key_id == keys.key_id() and key_file.read_bytes().strip().decode() not in json.dumps(
        list(AuditEntry.objects.values()), default=str
    )


@pytest.mark.django_db
def test_the_key_can_come_from_the_environment(settings):
    settings.MOTCUA_AUDIT_KEY = "x" * 48
    entry = record("x.y")
    assert entry.key_id == keys.key_id(b"x" * 48)
    assert verify().ok
    settings.MOTCUA_AUDIT_KEY = "y" * 48
    assert any("không phải khóa" in p for p in verify().problems)


@pytest.mark.django_db
def test_the_legacy_chain_still_verifies_and_its_edits_are_found():
    """Entries written before the keyed chains (migration 0002 made them chain -1)."""
    from django.utils import timezone

    prev = services.GENESIS
    for n in (1, 2):
        at = timezone.now()
        digest = services._digest(prev, n, at, "canbo", "old.action", "", "", {"n": n})
        AuditEntry.objects.create(
            sequence=n,
            shard=LEGACY_SHARD,
            shard_sequence=n,
            at=at,
            actor="canbo",
            action="old.action",
            data={"n": n},
            prev_hash=prev,
            hash=digest,
        )
        prev = digest
    AuditChainHead.objects.create(shard=LEGACY_SHARD, sequence=2, hash=prev)
    record("new.action")
    assert verify().ok
    with as_database_administrator():
        AuditEntry.objects.filter(shard=LEGACY_SHARD, shard_sequence=1).update(actor="someone")
    assert any("#1" in p and "sửa" in p for p in verify().problems)


@pytest.mark.django_db
def test_retention_purges_a_prefix_and_the_rest_still_verifies_against_the_anchors():
    entries = _entries(5)
    anchor()
    deleted = purge_before(entries[3].at)  # keeps the 4th and 5th
    assert deleted == 3
    assert AuditEntry.objects.filter(shard=entries[0].shard, shard_sequence__lte=3).count() == 0
    checkpoint = AuditCheckpoint.objects.get(shard=entries[0].shard)
    assert (checkpoint.sequence, checkpoint.hash) == (3, entries[2].hash)
    # The purge is itself audited, and written to the anchor store.
    assert AuditEntry.objects.filter(action="audit.purge").count() == 1
    store = anchors.read_all()
    assert [r["kind"] for r in store.records] == ["anchor", "checkpoint"] and not store.problems
    result = verify()
    assert result.ok, result.problems
    # A checkpoint moved forward to hide a deletion fails its key.
    with as_database_administrator():
        AuditEntry.objects.filter(pk=entries[3].pk).delete()
        AuditCheckpoint.objects.filter(pk=checkpoint.pk).update(sequence=4, hash=entries[3].hash)
    assert any("điểm bắt đầu" in p for p in verify().problems)


@pytest.mark.django_db
def test_nothing_is_purged_inside_the_retention(settings):
    settings.MOTCUA_RETENTION_AUDIT_DAYS = 730
    _entries(2)
    assert purge_before() == 0 and AuditEntry.objects.count() == 2


@pytest.mark.django_db
def test_the_jobs_anchor_every_five_minutes_and_purge_daily():
    from motcua.core import jobs

    registered = {job.name: job for job in jobs.registered()}
    assert registered["audit.anchor"].every_seconds == 300
    assert registered["audit.purge"].every_seconds == 24 * 3600
    _entries(1)
    assert "anchored" in registered["audit.anchor"].run()
    assert verify().anchors == 1


@pytest.mark.django_db
def test_the_command_anchors_and_verifies(capsys):
    _entries(2)
    call_command("audit", "anchor")
    call_command("audit", "verify")
    assert "toàn vẹn: 2 bản ghi, 1 mốc neo" in capsys.readouterr().out


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's")
def test_postgresql_refuses_to_update_or_delete_an_audit_entry():
    entry = record("x.y")
    for statement in (
        lambda: AuditEntry.objects.filter(pk=entry.pk).update(actor="someone"),
        lambda: AuditEntry.objects.filter(pk=entry.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            statement()
    assert AuditEntry.objects.get(pk=entry.pk).actor == "system"
    # The retention purge may delete, and only inside its own transaction.
    assert purge_before(entry.at + timedelta(seconds=1)) == 1
    record("x.z")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(action="x.z").delete()


@pytest.fixture
def file_database():
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite" and (name in (":memory:", "") or "mode=memory" in name):
        pytest.skip("threads need a file or server database (make test uses a file SQLite database)")


@pytest.mark.django_db(transaction=True)
def test_eight_officers_at_once_write_valid_chains(file_database):
    errors, barrier = [], threading.Barrier(8)

    def officer(n):
        try:
            barrier.wait()
            for i in range(10):
                with transaction.atomic():
                    a = record("dossier.transition", actor=f"canbo{n}", object_id=f"{n}.{i}")
                    b = record("dossier.view", actor=f"canbo{n}", object_id=f"{n}.{i}")
                # A transaction's entries stay in one chain, one after the other.
                assert a.shard == b.shard and b.shard_sequence == a.shard_sequence + 1, (a, b)
        except Exception as exc:  # noqa: BLE001 — reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=officer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    anchor()
    result = verify()
    assert result.ok and result.checked == 160, result.problems
    assert AuditEntry.objects.values("sequence").distinct().count() == 160
    assert AuditEntry.objects.values("shard").distinct().count() > 1


@pytest.mark.django_db
def test_one_shard_is_the_old_single_chain(settings):
    settings.MOTCUA_AUDIT_SHARDS = 1
    for _ in range(3):
        with transaction.atomic():
            record("x.y")
    assert set(AuditEntry.objects.values_list("shard", flat=True)) == {0}
    assert verify().ok


@pytest.mark.django_db
def test_each_anchor_is_also_published_to_the_configured_url(settings, audit_dirs):
    import http.server

    received = []

    class Publication(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 — the handler's protocol
            received.append(self.rfile.read(int(self.headers["Content-Length"])).decode())
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Publication)
    thread = threading.Thread(target=server.handle_request)
    thread.start()
    settings.MOTCUA_AUDIT_ANCHOR_URL = f"http://127.0.0.1:{server.server_port}/anchors"
    _entries(1)
    anchor()
    thread.join(5)
    server.server_close()
    [path] = list((audit_dirs / "anchors").glob("*.jsonl"))
    assert received == path.read_text().splitlines()
    # The publication being down never loses the anchor: the file is the record.
    settings.MOTCUA_AUDIT_ANCHOR_URL = f"http://127.0.0.1:{server.server_port}/anchors"
    anchor()
    assert len(path.read_text().splitlines()) == 2 and verify().ok


@pytest.mark.django_db
def test_the_purge_command_reports_what_it_deleted(capsys):
    _entries(2)
    call_command("audit", "purge")
    assert "Đã xóa 0 bản ghi" in capsys.readouterr().out
