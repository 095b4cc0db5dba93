"""ADR 0049: the audit keys rotate without breaking the verification of old entries and anchors, and
anchors carry RFC 3161 time-stamps from a TSA (the sandbox one, over real HTTP) that verify checks."""

import base64
import json
import os
import socket
import stat
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from motcua.audit import anchors, keys, services, timestamps, tsa_sandbox
from motcua.audit.models import AuditChainHead, AuditEntry
from motcua.audit.services import anchor, record, verify

from .conftest import as_database_administrator


def _entries(n, tag="x"):
    return [
        record("dossier.transition", actor="canbo", object_id=f"{tag}.{i}", data={"n": i}) for i in range(n)
    ]


def _lines(audit_dirs):
    [path] = list((audit_dirs / "anchors").glob("*.jsonl"))
    return path, path.read_text().splitlines()


def _resign_last(audit_dirs, change, signer=None):
    """What someone holding the anchor signing key can do: edit the last line and sign it again."""
    path, lines = _lines(audit_dirs)
    last = json.loads(lines[-1])
    last.pop("sig")
    change(last)
    signer = signer or keys.signing_key()
    last["sig"] = base64.b64encode(signer.sign(anchors._canonical(last))).decode()
    path.write_text("\n".join([*lines[:-1], anchors._canonical(last).decode()]) + "\n")


# --- rotation of the chain key ------------------------------------------------------------------


@pytest.mark.django_db
def test_after_rotating_the_chain_key_old_entries_still_verify_and_new_ones_use_the_new_key(audit_dirs):
    old_entries = _entries(3, "old")
    old_id = keys.key_id()
    anchor()
    new_id, retired = services.rotate_chain_key()
    assert retired == [old_id] and new_id != old_id and keys.key_id() == new_id
    new_entries = _entries(3, "new")
    assert {e.key_id for e in old_entries} == {old_id}
    assert {e.key_id for e in new_entries} == {new_id}
    # The chains go on across the rotation: the first new entry links to the last old one of its chain.
    assert AuditEntry.objects.filter(key_id=new_id, action="dossier.transition").count() == 3
    anchor()
    result = verify()
    assert result.ok, result.problems
    assert result.checked == 7  # 3 + 3 + the rotation itself, audited
    rotation = AuditEntry.objects.get(action="audit.key_rotated")
    assert rotation.data == {"key": "chain", "key_id": new_id, "retired": [old_id]}
    # The ring is one file, the writing key first, readable by its owner only; no key in the database.
    key_file = audit_dirs / "keys" / keys.HMAC_FILE
    ring = key_file.read_text().split()
    assert len(ring) == 2 and keys.key_id(ring[1].encode()) == old_id
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    dump = json.dumps(list(AuditEntry.objects.values()), default=str)
    assert ring[0] not in dump and ring[1] not in dump
    # The rotation is in the anchor store, signed.
    _, lines = _lines(audit_dirs)
    assert any(json.loads(line).get("kind") == "chain-key" for line in lines)


@pytest.mark.django_db
def test_tampering_is_still_found_after_a_rotation():
    old_entries = _entries(3, "old")
    services.rotate_chain_key()
    new_entries = _entries(3, "new")
    with as_database_administrator():
        AuditEntry.objects.filter(pk=old_entries[1].pk).update(data={"n": "edited before"})
        AuditEntry.objects.filter(pk=new_entries[1].pk).update(data={"n": "edited after"})
    problems = verify().problems
    assert sum("nội dung đã bị sửa" in p for p in problems) == 2, problems


@pytest.mark.django_db
def test_a_stolen_retired_key_cannot_write_entries_after_the_rotation():
    """Whoever kept the retired key may try to add entries under it after the rotation: once an
    anchor has been taken past the grace period, verify refuses them."""
    _entries(2, "old")
    old_key = keys.hmac_key()
    services.rotate_chain_key()
    _entries(1, "new")
    anchor(now=timezone.now() + services.ROTATION_GRACE + timedelta(seconds=5))
    head = AuditChainHead.objects.order_by("-sequence").first()
    forged = AuditEntry(
        sequence=AuditEntry.objects.order_by("-sequence").first().sequence + 1,
        shard=head.shard,
        shard_sequence=head.sequence + 1,
        at=timezone.now(),
        actor="canbo",
        action="dossier.transition",
        object_id="forged",
        data={},
        key_id=keys.key_id(old_key),
        prev_hash=head.hash,
    )
    forged.hash = services._entry_mac(old_key, forged)
    with as_database_administrator():
        forged.save(force_insert=True)
        AuditChainHead.objects.filter(pk=head.pk).update(sequence=forged.shard_sequence, hash=forged.hash)
    problems = verify().problems
    assert len(problems) == 1 and "đã được thay" in problems[0], problems


@pytest.mark.django_db
def test_the_environment_key_rotates_with_the_retired_keys_setting(settings):
    settings.MOTCUA_AUDIT_KEY = "x" * 48
    first = record("x.y")
    with pytest.raises(RuntimeError, match="MOTCUA_AUDIT_KEY_RETIRED"):
        services.rotate_chain_key()  # the file is not the ring here: the operator sets the variables
    settings.MOTCUA_AUDIT_KEY = "y" * 48
    settings.MOTCUA_AUDIT_KEY_RETIRED = "x" * 48
    new_id, retired = services.rotate_chain_key(recorded=True)
    assert retired == [first.key_id] and new_id == keys.key_id(b"y" * 48)
    assert record("x.z").key_id == new_id
    assert verify().ok
    settings.MOTCUA_AUDIT_KEY_RETIRED = ""  # the old key lost: its entries can no longer be vouched for
    assert any("không phải khóa" in p for p in verify().problems)


@pytest.mark.django_db
def test_a_checkpoint_left_by_a_purge_before_the_rotation_still_verifies():
    _entries(3, "old")
    services.purge_before(timezone.now() + timedelta(seconds=1))
    services.rotate_chain_key()
    _entries(2, "new")
    result = verify()
    assert result.ok, result.problems


# --- rotation of the anchor signing key ---------------------------------------------------------


@pytest.mark.django_db
def test_after_rotating_the_signing_key_old_and_new_anchors_verify(audit_dirs):
    _entries(2)
    anchor()
    old_private = keys.signing_key()
    old, new = services.rotate_signing_key()
    assert old != new and keys.public_fingerprint(keys.signing_key().public_key()) == new
    _entries(2)
    anchor()
    assert verify().ok, verify().problems
    _, lines = _lines(audit_dirs)
    signers = [json.loads(line)["signer"] for line in lines]
    assert signers == [old, old, new]  # the hand-over line is signed by the old key
    key_dir = audit_dirs / "keys"
    assert (key_dir / keys.RETIRED_PUBLIC.format(fingerprint=old)).exists()
    assert b"PRIVATE" not in (key_dir / keys.RETIRED_PUBLIC.format(fingerprint=old)).read_bytes()
    # A verifier that only has the first public key trusts the new one through the hand-over line.
    (key_dir / keys.PUBLIC_FILE).unlink()
    (key_dir / keys.SIGNING_FILE).rename(audit_dirs / "elsewhere.pem")
    assert verify().ok, verify().problems
    (audit_dirs / "elsewhere.pem").rename(key_dir / keys.SIGNING_FILE)
    # The retired private key, if someone kept it, signs nothing any more.
    _resign_last(audit_dirs, lambda line: line.update(signer=old), signer=old_private)
    assert any("đã được thay" in p for p in verify().problems)


@pytest.mark.django_db
def test_a_hand_over_line_the_new_key_did_not_countersign_is_refused(audit_dirs):
    """Someone holding the old signing key cannot hand the signing over to a key of their own
    choosing without that key's countersignature matching the line."""
    anchor()
    old_private = keys.signing_key()
    services.rotate_signing_key()
    stranger = keys.new_signing_key().public_key()

    def other_new_key(line):
        line["new_public"] = base64.b64encode(keys.public_raw(stranger)).decode()
        line["new_signer"] = keys.public_fingerprint(stranger)

    _resign_last(audit_dirs, other_new_key, signer=old_private)
    problems = verify().problems
    assert any("khóa mới không ký xác nhận" in p for p in problems), problems


# --- RFC 3161 time-stamps -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def sandbox_tsa(tmp_path_factory):
    server = tsa_sandbox.Server(tsa_sandbox.SandboxTSA(tmp_path_factory.mktemp("tsa"))).start()
    yield server
    server.stop()


@pytest.fixture
def tsa(sandbox_tsa, settings):
    sandbox_tsa.tsa.mode = "ok"
    settings.MOTCUA_AUDIT_TSA_URL = sandbox_tsa.url
    settings.MOTCUA_AUDIT_TSA_CA = str(sandbox_tsa.tsa.ca_file)
    settings.MOTCUA_AUDIT_TSA_TIMEOUT = 5
    return sandbox_tsa


@pytest.mark.django_db
def test_anchors_carry_a_tsa_token_over_their_hash_and_verify_checks_it(tsa, audit_dirs):
    _entries(2)
    before = tsa.tsa.requests
    assert "time-stamped" in anchor()
    assert tsa.tsa.requests == before + 1  # over HTTP, to the sandbox server
    _, lines = _lines(audit_dirs)
    line = json.loads(lines[-1])
    token = base64.b64decode(line["tst"])
    checked = timestamps.check_token(token, anchors.stamped_message(line), timestamps.trust_roots())
    assert checked.ok and checked.trusted and "motcua sandbox TSA" in checked.tsa
    assert abs(checked.gen_time - timezone.now()) < timedelta(minutes=1)
    result = verify()
    assert result.ok and result.stamped == 1, result.problems
    out = _call("verify")
    assert "1 dấu thời gian RFC 3161" in out


@pytest.mark.django_db
def test_a_forged_or_altered_tsa_token_is_refused_by_verify(tsa, audit_dirs, tmp_path):
    _entries(1)
    anchor()
    _entries(1)
    anchor()
    _, lines = _lines(audit_dirs)
    first_token = json.loads(lines[0])["tst"]

    def altered(line):  # one byte of the TSA's signature changed
        raw = bytearray(base64.b64decode(line["tst"]))
        raw[-10] ^= 0x01
        line["tst"] = base64.b64encode(bytes(raw)).decode()

    _resign_last(audit_dirs, altered)
    problems = verify().problems
    assert len(problems) == 1 and "chữ ký của dấu thời gian không hợp lệ" in problems[0], problems

    # A token from another authority (its own root, not the configured one): a forged TSA.
    other = tsa_sandbox.Server(tsa_sandbox.SandboxTSA(tmp_path / "other-tsa")).start()
    try:
        forged = timestamps.HttpTSA(other.url, roots=timestamps.trust_roots(str(other.tsa.ca_file)))

        def from_another_tsa(line):
            line["tst"] = base64.b64encode(forged.stamp(anchors.stamped_message(line))).decode()

        _resign_last(audit_dirs, from_another_tsa)
    finally:
        other.stop()
    problems = verify().problems
    assert len(problems) == 1 and "không nối tới chứng thư gốc" in problems[0], problems

    # A genuine token, but of another anchor.
    _resign_last(audit_dirs, lambda line: line.update(tst=first_token))
    problems = verify().problems
    assert len(problems) == 1 and "không phải của mốc neo này" in problems[0], problems


@pytest.mark.django_db
def test_tsa_down_the_anchor_is_written_flagged_and_the_next_run_stamps_it(tsa, audit_dirs, settings):
    _entries(1)
    tsa.tsa.mode = "error"
    out = anchor()
    assert "NOT time-stamped" in out and "HTTP 503" in out
    # The audited action never waits for the authority: it does not call it at all.
    before = tsa.tsa.requests
    record("dossier.transition", actor="canbo", object_id="during-outage")
    assert tsa.tsa.requests == before
    _, lines = _lines(audit_dirs)
    flagged = json.loads(lines[-1])
    assert "tst" not in flagged and "HTTP 503" in flagged["tst_error"]
    result = verify()
    assert result.ok, result.problems
    assert any("chưa có dấu thời gian" in n and "lần ghi mốc neo sau" in n for n in result.notes), (
        result.notes
    )

    tsa.tsa.mode = "ok"
    assert "time-stamped" in anchor()  # the next run of the job: its token covers the flagged line
    result = verify()
    assert result.ok and result.stamped == 1, result.problems
    assert any("được dấu thời gian của" in n and "phủ" in n for n in result.notes), result.notes
    assert not any("chưa có dấu thời gian" in n for n in result.notes)


@pytest.mark.django_db
def test_a_tsa_that_refuses_or_hangs_does_not_hold_the_anchor_job(tsa, audit_dirs, settings):
    tsa.tsa.mode = "refuse"
    assert "từ chối" in anchor()
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts the connection, never answers
    try:
        settings.MOTCUA_AUDIT_TSA_URL = f"http://127.0.0.1:{silent.getsockname()[1]}/"
        settings.MOTCUA_AUDIT_TSA_TIMEOUT = 0.5
        started = time.monotonic()
        out = anchor()
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    assert "NOT time-stamped" in out and elapsed < 3, (out, elapsed)
    settings.MOTCUA_AUDIT_TSA_URL = "http://127.0.0.1:9/"  # nothing listens: refused at once
    assert "NOT time-stamped" in anchor()
    assert verify().ok


@pytest.mark.django_db
def test_the_command_rotates_both_keys_and_verify_still_passes(tsa, audit_dirs):
    _entries(2)
    anchor()
    out = _call("rotate-key")
    assert "Khóa chuỗi mới" in out and "Khóa ký mốc neo mới" in out
    _entries(2)
    anchor()
    assert "Nhật ký kiểm toán toàn vẹn" in _call("verify")


def _call(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("audit", *args, stdout=out)
    return out.getvalue()
