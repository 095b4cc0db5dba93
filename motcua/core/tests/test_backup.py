"""Backup and restore (issue 17 item 8): encrypted, authenticated, and proven by a drill.

Run on SQLite and on PostgreSQL (DATABASE_URL=postgres://…): the same tests, pg_dump/pg_restore there.
"""

import io
import json

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection

from motcua.audit import services as audit_services
from motcua.audit.services import record
from motcua.core import backup
from motcua.people.models import User

DATA_KEY = Fernet.generate_key().decode()

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def var(tmp_path, settings, monkeypatch):
    """A VAR_DIR with an uploaded paper, a signing key and a data key; a backup key in the environment."""
    root = tmp_path / "var"
    settings.VAR_DIR = root
    settings.MEDIA_ROOT = root / "media"
    settings.MOTCUA_KEYS_DIR = None
    # The audit log's keys and anchors outside the database (where the audit app keeps them, ADR 0038).
    settings.MOTCUA_AUDIT_KEY_DIR = str(root / "keys")
    settings.MOTCUA_AUDIT_ANCHOR_DIR = str(root / "audit-anchors")
    (root / "media" / "dossiers" / "2026").mkdir(parents=True)
    (root / "media" / "dossiers" / "2026" / "giay-to.pdf").write_bytes(b"%PDF-1.7 ban scan\n" * 100)
    (root / "pki").mkdir()
    (root / "pki" / "ca.key.pem").write_text("-----BEGIN PRIVATE KEY-----\nkhoa\n")
    (root / "keys").mkdir()
    (root / "keys" / "data.keys").write_text(DATA_KEY + "\n")  # a real one: names are encrypted
    monkeypatch.setenv("MOTCUA_BACKUP_KEY", backup.generate_key())
    monkeypatch.delenv("MOTCUA_BACKUP_KEY_FILE", raising=False)
    return root


def _some_data():
    user = User.objects.create(username="sao-luu", full_name="Nguyễn Văn Sao Lưu", kind="citizen")
    for n in range(5):
        record("backup.test", actor=user, obj=user, data={"n": n, "tên": "Lưu"})
    if hasattr(audit_services, "anchor"):  # the anchored audit log (issue 17 item 2), when present
        audit_services.anchor()
    return user


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_backup_then_drill_proves_identical(var, tmp_path):
    _some_data()
    out = tmp_path / "bk"
    printed = _run("backup", "--out", str(out))
    assert "Đã sao lưu" in printed
    assert sorted(p.name for p in out.iterdir()) == [
        "backup.json",
        "database.enc",
        "files.enc",
        "manifest.enc",
    ]
    # Nothing readable in the parts: the paper's text and the key are not in the ciphertext.
    for part in ("database.enc", "files.enc", "manifest.enc"):
        blob = (out / part).read_bytes()
        assert b"ban scan" not in blob and DATA_KEY.encode() not in blob and b"sao-luu" not in blob
    header = json.loads((out / "backup.json").read_text())
    assert header["engine"] == connection.vendor and "key" not in json.dumps(header).replace("key_id", "")

    report = backup.restore(out, drill=True)
    assert report.ok, report.problems
    manifest = report.manifest
    assert manifest["tables"]["audit_auditentry"]["rows"] >= 5
    assert manifest["tables"]["people_user"]["rows"] >= 1
    assert set(manifest["files"]) >= {
        "media/dossiers/2026/giay-to.pdf",
        "var/pki/ca.key.pem",
        "var/keys/data.keys",
    }
    assert any(line.startswith("audit verify") for line in report.lines)
    if hasattr(audit_services, "anchor"):
        assert any(name.startswith("var/audit-anchors/") for name in manifest["files"])
        assert any("mốc neo của bản sao lưu" in line for line in report.lines)
    printed = _run("restore", "--from", str(out), "--drill")
    assert "giống hệt" in printed
    # The drill left the live files and database alone.
    assert (var / "media" / "dossiers" / "2026" / "giay-to.pdf").exists()


def test_drill_notices_a_difference(var, tmp_path, monkeypatch):
    """The comparison can fail: a manifest that does not match what is restored is reported."""
    _some_data()
    out = tmp_path / "bk"
    backup.backup(out)
    real = backup.table_digests

    def one_row_missing(alias="default"):
        found = real(alias)
        found["people_user"] = {**found["people_user"], "rows": found["people_user"]["rows"] - 1}
        return found

    monkeypatch.setattr(backup, "table_digests", one_row_missing)
    report = backup.restore(out, drill=True, audit=False)
    assert not report.ok
    assert any("people_user" in problem for problem in report.problems)


def test_tampered_archive_is_refused(var, tmp_path):
    _some_data()
    out = tmp_path / "bk"
    backup.backup(out)
    blob = bytearray((out / "database.enc").read_bytes())
    blob[len(blob) // 2] ^= 0x01
    (out / "database.enc").write_bytes(bytes(blob))
    with pytest.raises(CommandError, match="xác thực thất bại"):
        _run("restore", "--from", str(out), "--drill")


def test_truncated_or_swapped_parts_are_refused(var, tmp_path):
    _some_data()
    out = tmp_path / "bk"
    backup.backup(out)
    whole = (out / "files.enc").read_bytes()
    (out / "files.enc").write_bytes(whole[: len(whole) - 20])
    with pytest.raises(backup.BackupError):
        backup.restore(out, drill=True)
    # A part put under another part's name fails too (its name is in every chunk's associated data).
    (out / "files.enc").write_bytes((out / "manifest.enc").read_bytes())
    with pytest.raises(backup.BackupError, match="files"):
        backup.restore(out, drill=True)


def test_wrong_key_is_refused_with_a_clear_message(var, tmp_path, monkeypatch):
    _some_data()
    out = tmp_path / "bk"
    backup.backup(out)
    monkeypatch.setenv("MOTCUA_BACKUP_KEY", backup.generate_key())
    with pytest.raises(CommandError, match="Sai khóa"):
        _run("restore", "--from", str(out), "--drill")


def test_no_key_no_backup(var, tmp_path, monkeypatch):
    monkeypatch.delenv("MOTCUA_BACKUP_KEY")
    with pytest.raises(CommandError, match="MOTCUA_BACKUP_KEY"):
        _run("backup", "--out", str(tmp_path / "bk"))
    assert not (tmp_path / "bk" / "backup.json").exists()


def test_key_from_a_file(tmp_path):
    key = backup.generate_key()
    (tmp_path / "k").write_text(key + "\n")
    assert backup.load_key({"MOTCUA_BACKUP_KEY_FILE": str(tmp_path / "k")}) == backup.load_key(
        {"MOTCUA_BACKUP_KEY": key}
    )
    with pytest.raises(backup.BackupError, match="32 byte"):
        backup.load_key({"MOTCUA_BACKUP_KEY": "ngắn"})


def test_restore_reproduces_counts_hashes_and_files(var, tmp_path):
    user = _some_data()
    out = tmp_path / "bk"
    manifest = backup.backup(out).manifest
    # After the backup: a row added, one changed, a paper deleted, a key overwritten.
    User.objects.create(username="sau-sao-luu", kind="citizen")
    User.objects.filter(pk=user.pk).update(full_name="Đã đổi")
    (var / "media" / "dossiers" / "2026" / "giay-to.pdf").unlink()
    (var / "pki" / "ca.key.pem").write_text("khác")
    assert backup.table_digests()["people_user"] != manifest["tables"]["people_user"]

    with pytest.raises(CommandError, match="--yes"):
        _run("restore", "--from", str(out))
    printed = _run("restore", "--from", str(out), "--yes")
    assert "đã phục hồi, giống hệt" in printed
    assert backup.table_digests() == {t: manifest["tables"][t] for t in backup.table_digests()}
    assert not User.objects.filter(username="sau-sao-luu").exists()
    assert User.objects.get(pk=user.pk).full_name == "Nguyễn Văn Sao Lưu"
    assert (var / "media" / "dossiers" / "2026" / "giay-to.pdf").read_bytes().startswith(b"%PDF-1.7")
    assert (var / "pki" / "ca.key.pem").read_text().startswith("-----BEGIN")


def test_canonical_values_are_the_same_text_whatever_the_database_returns():
    import datetime as dt
    import decimal
    from zoneinfo import ZoneInfo

    hanoi = dt.datetime(2026, 12, 6, 11, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    assert (
        backup._canonical(hanoi) == backup._canonical(hanoi.astimezone(dt.UTC)) == "2026-12-06T04:00:00+00:00"
    )
    assert backup._canonical(decimal.Decimal("100.00")) == backup._canonical(decimal.Decimal("100")) == "100"
    assert backup._canonical({"b": 1, "a": 2}) == backup._canonical({"a": 2, "b": 1})
    assert backup._canonical(memoryview(b"\x01\x02")) == "0102"


def test_encryption_round_trip_over_several_chunks(monkeypatch):
    monkeypatch.setattr(backup, "CHUNK", 1000)
    key = backup.load_key({"MOTCUA_BACKUP_KEY": backup.generate_key()})
    plain = bytes(range(256)) * 40  # 10 chunks and a bit
    sealed = io.BytesIO()
    digest = backup.encrypt_stream(key, "database", io.BytesIO(plain), sealed)
    back = io.BytesIO()
    assert backup.decrypt_stream(key, "database", io.BytesIO(sealed.getvalue()), back) == digest
    assert back.getvalue() == plain
    # Dropping the last chunk (a clean cut at a chunk boundary) is caught.
    cut = sealed.getvalue()[: -(4 + 240 + 16)]  # the last chunk: length, 240 bytes, tag
    with pytest.raises(backup.BackupError):
        backup.decrypt_stream(key, "database", io.BytesIO(cut), io.BytesIO())


def test_empty_part_round_trip():
    key = backup.load_key({"MOTCUA_BACKUP_KEY": backup.generate_key()})
    sealed = io.BytesIO()
    backup.encrypt_stream(key, "files", io.BytesIO(b""), sealed)
    back = io.BytesIO()
    backup.decrypt_stream(key, "files", io.BytesIO(sealed.getvalue()), back)
    assert back.getvalue() == b""
