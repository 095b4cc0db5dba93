"""Encrypted backup and restore (sao lưu và phục hồi) of the database, the uploaded files and the keys.

A backup is a folder:

- ``backup.json``: plaintext header: format, time, database engine, the parts and the key's
  fingerprint (never the key), so a wrong key is named before anything is decrypted;
- ``database.enc``: SQLite's online backup (a consistent copy of the file) or ``pg_dump -Fc`` taken
  in the same snapshot as the manifest's hashes;
- ``files.enc``: a tar of MEDIA_ROOT (uploaded papers, signed results) and the key folders of
  VAR_DIR (``pki`` the signing CA, ``eid`` the sandbox IdP key, ``keys`` audit and encryption keys);
- ``manifest.enc``: per table its row count and a content hash (rows ordered by primary key, each value
  in a canonical text form that SQLite and PostgreSQL give alike), and the SHA-256 of every file.

Every part is AES-256-GCM in 1 MiB chunks (streaming, bounded memory); each chunk's nonce and
associated data carry the part's name, the chunk's index and a last-chunk flag, so an edited,
reordered, truncated or swapped chunk or part fails authentication. The key (32 bytes, URL-safe
base64, Fernet's format) comes from MOTCUA_BACKUP_KEY or the file named by MOTCUA_BACKUP_KEY_FILE,
never from the database or the backup. Each part has its own key derived with HKDF from a random salt.

`restore` decrypts and authenticates every part into a temporary folder before it touches anything
live. `restore --drill` restores into a scratch database (a temporary SQLite file, or a PostgreSQL
database ``<name>_drill_<time>`` dropped afterwards) and files into a scratch folder, compares counts
and hashes with the manifest, and runs ``motcua audit verify`` against the scratch database.
RPO/RTO and operations: docs/security/backup.md.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
import hmac
import io
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.apps import apps
from django.conf import settings
from django.db import connections, transaction

FORMAT = "motcua-backup/1"
MAGIC = b"MCBK1\n"
CHUNK = 1 << 20
#: Folders of VAR_DIR that hold keys; all that exist are backed up whole.
KEY_FOLDERS = ("pki", "eid", "keys")


class BackupError(Exception):
    """A refusal with a message for the operator (Vietnamese first, as every message)."""


# --------------------------------------------------------------------------------------------- keys


def generate_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def load_key(environ=os.environ) -> bytes:
    """The backup key from MOTCUA_BACKUP_KEY or MOTCUA_BACKUP_KEY_FILE (32 bytes, URL-safe base64)."""
    text = environ.get("MOTCUA_BACKUP_KEY", "").strip()
    path = environ.get("MOTCUA_BACKUP_KEY_FILE", "").strip()
    if not text and path:
        try:
            text = Path(path).read_text().strip()
        except OSError as exc:
            raise BackupError(f"Không đọc được tệp khóa sao lưu {path}: {exc.strerror}") from exc
    if not text:
        raise BackupError(
            "Chưa có khóa sao lưu: đặt MOTCUA_BACKUP_KEY hoặc MOTCUA_BACKUP_KEY_FILE "
            "(tạo khóa mới: motcua backup --generate-key; giữ khóa ở nơi khác bản sao lưu)."
        )
    try:
        key = base64.urlsafe_b64decode(text.encode() + b"=" * (-len(text) % 4))
    except ValueError as exc:
        raise BackupError("Khóa sao lưu không hợp lệ (cần 32 byte, base64 URL-safe).") from exc
    if len(key) != 32:
        raise BackupError("Khóa sao lưu không hợp lệ (cần 32 byte, base64 URL-safe).")
    return key


def key_fingerprint(key: bytes) -> str:
    return hmac.new(key, b"motcua-backup-key-id", hashlib.sha256).hexdigest()[:16]


def _part_key(key: bytes, salt: bytes, name: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=salt, info=f"motcua-backup:{name}".encode()
    ).derive(key)


# ------------------------------------------------------------------------------------- encryption


def encrypt_stream(key: bytes, name: str, source, target) -> str:
    """Encrypt `source` (a binary file) into `target`; the SHA-256 of the plaintext."""
    salt, prefix = os.urandom(16), os.urandom(7)
    aead = AESGCM(_part_key(key, salt, name))
    target.write(MAGIC + salt + prefix)
    digest = hashlib.sha256()
    index = 0
    chunk = source.read(CHUNK)
    while True:
        following = source.read(CHUNK) if chunk else b""
        last = not following
        digest.update(chunk)
        nonce = prefix + struct.pack(">IB", index, last)
        sealed = aead.encrypt(nonce, chunk, f"{name}:{index}:{int(last)}".encode())
        target.write(struct.pack(">I", len(sealed)) + sealed)
        if last:
            return digest.hexdigest()
        chunk, index = following, index + 1


def decrypt_stream(key: bytes, name: str, source, target) -> str:
    """Decrypt and authenticate; raise BackupError if any byte was changed, cut or moved."""
    head = source.read(len(MAGIC) + 16 + 7)
    if not head.startswith(MAGIC) or len(head) != len(MAGIC) + 23:
        raise BackupError(f"{name}: không phải phần của bản sao lưu motcua (hoặc đã bị cắt).")
    salt, prefix = head[len(MAGIC) : len(MAGIC) + 16], head[len(MAGIC) + 16 :]
    aead = AESGCM(_part_key(key, salt, name))
    digest, index = hashlib.sha256(), 0
    while True:
        size = source.read(4)
        if len(size) != 4:
            raise BackupError(f"{name}: bản sao lưu bị cắt cụt (thiếu phần cuối).")
        sealed = source.read(struct.unpack(">I", size)[0])
        for last in (False, True):
            try:
                chunk = aead.decrypt(
                    prefix + struct.pack(">IB", index, last), sealed, f"{name}:{index}:{int(last)}".encode()
                )
                break
            except InvalidTag:
                continue
        else:
            raise BackupError(
                f"{name}: xác thực thất bại ở khối #{index}: bản sao lưu đã bị sửa hoặc hỏng; không phục hồi."
            )
        digest.update(chunk)
        target.write(chunk)
        if last:
            if source.read(1):
                raise BackupError(f"{name}: có dữ liệu thừa sau khối cuối: bản sao lưu đã bị sửa.")
            return digest.hexdigest()
        index += 1


# ---------------------------------------------------------------------------------- content hashes


def _canonical(value):
    """One text form per value, the same from SQLite and PostgreSQL."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f") if value == value else "NaN"
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.isoformat()
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        return str(value) if isinstance(value, dt.timedelta) else value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview | bytearray):
        return bytes(value).hex()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def _models():
    seen, found = set(), []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.db_table in seen:
            continue
        seen.add(meta.db_table)
        found.append(model)
    return sorted(found, key=lambda m: m._meta.db_table)


def table_digests(alias: str = "default") -> dict[str, dict]:
    """Per table of every installed model: {"rows": n, "sha256": hash of its rows ordered by pk}."""
    existing = set(connections[alias].introspection.table_names())
    result = {}
    for model in _models():
        table = model._meta.db_table
        if table not in existing:
            continue
        columns = [f.attname for f in model._meta.concrete_fields]
        digest, rows = hashlib.sha256(), 0
        queryset = model._base_manager.using(alias).order_by("pk").values_list(*columns)
        for row in queryset.iterator(chunk_size=5000):
            digest.update(json.dumps([_canonical(v) for v in row], ensure_ascii=False).encode())
            digest.update(b"\n")
            rows += 1
        result[table] = {"rows": rows, "sha256": digest.hexdigest()}
    return result


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _local_media() -> bool:
    """Uploaded files are on this machine's disk (plain or wrapped in EncryptedStorage), not in S3."""
    return "s3" not in json.dumps(settings.STORAGES["default"], default=str).lower()


def _live_roots() -> dict[str, Path]:
    """Archive prefix -> live folder, whether it exists or not."""
    roots = {"media": Path(settings.MEDIA_ROOT)}
    roots.update({f"var/{name}": Path(settings.VAR_DIR) / name for name in KEY_FOLDERS})
    keys = getattr(settings, "MOTCUA_KEYS_DIR", None)
    if keys:  # the data keys kept outside VAR_DIR
        roots["var/keys"] = Path(keys)
    # The audit log's keys and its append-only anchor store (ADR 0038), wherever they are configured.
    audit_keys = _setting("MOTCUA_AUDIT_KEY_DIR")
    if audit_keys and Path(audit_keys) != roots["var/keys"]:
        roots["var/audit-keys"] = Path(audit_keys)
    roots["var/audit-anchors"] = Path(
        _setting("MOTCUA_AUDIT_ANCHOR_DIR") or Path(settings.VAR_DIR) / "audit-anchors"
    )
    return roots


def _setting(name: str) -> str:
    return str(getattr(settings, name, None) or os.environ.get(name) or "")


def file_roots() -> dict[str, Path]:
    """Archive prefix -> folder: MEDIA_ROOT (when local) and the key folders that exist."""
    roots = _live_roots()
    if not _local_media():
        roots.pop("media")
    return {prefix: path for prefix, path in roots.items() if path.is_dir()}


def file_digests(roots: dict[str, Path]) -> dict[str, str]:
    found = {}
    for prefix, root in sorted(roots.items()):
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                found[f"{prefix}/{path.relative_to(root).as_posix()}"] = _file_sha256(path)
    return found


# ------------------------------------------------------------------------------------------ backup


@dataclass
class Report:
    """What a backup, restore or drill did: printed by the commands, asserted by the tests."""

    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    manifest: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def _engine(alias="default") -> str:
    vendor = connections[alias].vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"Cơ sở dữ liệu {vendor} chưa được hỗ trợ.")
    return vendor


def _pg_env(db: dict) -> dict:
    env = {**os.environ}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    return env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"Không tìm thấy {name}: cài postgresql-client cùng phiên bản với máy chủ.")
    return found


def _dump_sqlite(target: Path) -> dict:
    connection = connections["default"]
    connection.ensure_connection()
    with sqlite3.connect(target) as copy:
        connection.connection.backup(copy)
    copy.close()
    with _scratch_alias(target) as alias:
        return table_digests(alias)


def _dump_postgresql(target: Path) -> dict:
    """pg_dump in the snapshot the hashes are computed in: both see the same database."""
    connection = connections["default"]
    db = connection.settings_dict
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        dump = subprocess.Popen(
            [
                _pg_tool("pg_dump"),
                "-Fc",
                "--no-owner",
                f"--snapshot={snapshot}",
                "-f",
                str(target),
                db["NAME"],
            ],
            env=_pg_env(db),
            stderr=subprocess.PIPE,
        )
        try:
            digests = table_digests("default")
        finally:
            _, err = dump.communicate()
    if dump.returncode:
        raise BackupError(f"pg_dump thất bại: {err.decode(errors='replace').strip()[:500]}")
    return digests


def backup(out: str | Path, key: bytes | None = None) -> Report:
    """Write an encrypted backup into the folder `out` (created; refused if it holds a backup)."""
    key = key or load_key()
    out = Path(out)
    if (out / "backup.json").exists():
        raise BackupError(f"{out} đã có một bản sao lưu: chọn thư mục khác.")
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    engine = _engine()
    report = Report()
    with tempfile.TemporaryDirectory(prefix="motcua-backup-") as scratch:
        dump = Path(scratch) / "database"
        tables = _dump_sqlite(dump) if engine == "sqlite" else _dump_postgresql(dump)
        roots = file_roots()
        files = file_digests(roots)
        archive = Path(scratch) / "files.tar"
        with tarfile.open(archive, "w") as tar:
            for prefix, root in sorted(roots.items()):
                tar.add(root, arcname=prefix)
        parts = {}
        for name, plain in (("database", dump), ("files", archive)):
            with plain.open("rb") as source, (out / f"{name}.enc").open("wb") as target:
                parts[name] = encrypt_stream(key, name, source, target)
        manifest = {
            "format": FORMAT,
            "engine": engine,
            "tables": tables,
            "files": files,
            "parts": parts,
            "file_roots": sorted(roots),
        }
        with (out / "manifest.enc").open("wb") as target:
            encrypt_stream(key, "manifest", io.BytesIO(json.dumps(manifest, sort_keys=True).encode()), target)
    header = {
        "format": FORMAT,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "engine": engine,
        "key_id": key_fingerprint(key),
        "parts": ["database.enc", "files.enc", "manifest.enc"],
    }
    (out / "backup.json").write_text(json.dumps(header, indent=2) + "\n")
    for path in out.iterdir():
        path.chmod(0o600)
    report.seconds = time.monotonic() - started
    report.manifest = manifest
    rows = sum(t["rows"] for t in tables.values())
    size = sum((out / p).stat().st_size for p in header["parts"])
    report.lines.append(
        f"Đã sao lưu vào {out}: {len(tables)} bảng, {rows} dòng, {len(files)} tệp "
        f"({', '.join(sorted(roots)) or 'không có thư mục tệp'}), {size / 1e6:.1f} MB mã hóa, "
        f"{report.seconds:.1f} s."
    )
    if "media" not in roots:
        report.lines.append(
            "Lưu ý: tệp tải lên không nằm trên đĩa cục bộ (lưu trữ đối tượng S3): sao lưu bằng "
            "phiên bản hóa/nhân bản của bucket (docs/security/backup.md)."
        )
    return report


# ----------------------------------------------------------------------------------------- restore


def _open_backup(source: Path, key: bytes, scratch: Path) -> tuple[dict, dict]:
    """Authenticate and decrypt every part into `scratch`; (header, manifest)."""
    try:
        header = json.loads((source / "backup.json").read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} không chứa bản sao lưu motcua (backup.json).") from exc
    if header.get("format") != FORMAT:
        raise BackupError(f"Định dạng bản sao lưu không hỗ trợ: {header.get('format')}.")
    if not hmac.compare_digest(header.get("key_id", ""), key_fingerprint(key)):
        raise BackupError(
            "Sai khóa: bản sao lưu này được mã hóa bằng khóa khác "
            f"(mã khóa {header.get('key_id')}, khóa đang dùng {key_fingerprint(key)})."
        )
    plain = {}
    for name in ("manifest", "database", "files"):
        path = source / f"{name}.enc"
        if not path.is_file():
            raise BackupError(f"Thiếu phần {path.name} của bản sao lưu.")
        with path.open("rb") as src, (scratch / name).open("wb") as dst:
            plain[name] = decrypt_stream(key, name, src, dst)
    manifest = json.loads((scratch / "manifest").read_text())
    for name in ("database", "files"):
        if manifest["parts"][name] != plain[name]:
            raise BackupError(f"{name}: mã băm khác với bản kê: bản sao lưu đã bị tráo phần.")
    if manifest["engine"] != header["engine"]:
        raise BackupError("Đầu bản sao lưu và bản kê không khớp: bản sao lưu đã bị sửa.")
    return header, manifest


class _scratch_alias:
    """A temporary connection alias to another database (a SQLite file or a PostgreSQL name)."""

    def __init__(self, name):
        self.name = name

    def __enter__(self) -> str:
        from django.db.utils import load_backend

        self.alias = f"backup_{uuid.uuid4().hex[:8]}"
        settings_dict = {**connections["default"].settings_dict, "NAME": str(self.name)}
        # Not added to DATABASES: a connection made here is the backup's own, not the project's.
        connections[self.alias] = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(
            settings_dict, self.alias
        )
        return self.alias

    def __exit__(self, *exc):
        connections[self.alias].close()
        del connections[self.alias]


def _compare(report: Report, expected: dict, tables: dict, files: dict) -> None:
    for table, want in sorted(expected["tables"].items()):
        got = tables.get(table)
        if got is None:
            report.problems.append(f"bảng {table}: không có sau khi phục hồi")
        elif got != want:
            report.problems.append(
                f"bảng {table}: {got['rows']} dòng / mã băm {got['sha256'][:12]}, "
                f"bản kê: {want['rows']} dòng / {want['sha256'][:12]}"
            )
    for name, want in sorted(expected["files"].items()):
        if files.get(name) != want:
            report.problems.append(f"tệp {name}: {'thiếu' if name not in files else 'nội dung khác'}")
    rows = sum(t["rows"] for t in tables.values())
    report.lines.append(
        f"So với bản kê: {len(expected['tables'])} bảng ({rows} dòng), {len(expected['files'])} tệp: "
        + ("giống hệt." if not report.problems else f"{len(report.problems)} khác biệt.")
    )


def _extract(archive: Path, target: Path) -> None:
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")  # no absolute paths, no "..", no devices


def _audit_verify(alias: str, files_dir: Path, report: Report) -> None:
    """`motcua audit verify` against the restored database (`alias`), with the audit keys and anchors
    of the backup (the store as it was when the backup was taken: later anchors name entries the
    backup cannot hold). Run through the command, whatever the audit app's verify checks."""
    from django.core.management import call_command
    from django.test.utils import override_settings

    overrides = {}
    anchors = files_dir / "var" / "audit-anchors"
    if anchors.is_dir():
        overrides["MOTCUA_AUDIT_ANCHOR_DIR"] = str(anchors)
    for keys in (files_dir / "var" / "audit-keys", files_dir / "var" / "keys"):
        if keys.is_dir() and any(p.name.startswith("audit") for p in keys.iterdir()):
            overrides["MOTCUA_AUDIT_KEY_DIR"] = str(keys)
            break
    out, err = io.StringIO(), io.StringIO()
    original = connections["default"]
    connections["default"] = connections[alias]  # this thread only: the audit models read "default"
    try:
        with override_settings(**overrides):
            call_command("audit", "verify", stdout=out, stderr=err)
    except Exception as exc:  # noqa: BLE001 — CommandError or a crash: both fail the check
        text = (err.getvalue() + "\n" + str(exc)).strip()
        report.problems.append(f"audit verify: {text[-800:]}")
    finally:
        connections["default"] = original
    text = (out.getvalue() + err.getvalue()).strip()
    last = text.splitlines()[-1] if text else (report.problems[-1] if report.problems else "")
    where = "khóa và mốc neo của bản sao lưu" if overrides else "khóa và mốc neo đang dùng"
    report.lines.append(f"audit verify trên bản phục hồi ({where}): {last}")
    _check_anchor_prefix(anchors, report)


def _check_anchor_prefix(backed_up: Path, report: Report) -> None:
    """The live anchor store is append-only: each anchor file of the backup must still begin it."""
    live = _live_roots().get("var/audit-anchors")
    if not backed_up.is_dir() or live is None or not live.is_dir():
        return
    for path in sorted(backed_up.rglob("*")):
        if not path.is_file():
            continue
        now = live / path.relative_to(backed_up)
        old = path.read_bytes()
        if not now.is_file() or now.read_bytes()[: len(old)] != old:
            report.problems.append(
                f"mốc neo {path.name}: kho mốc neo hiện tại không còn bắt đầu bằng bản đã sao lưu"
            )
    report.lines.append("Kho mốc neo hiện tại nối tiếp kho trong bản sao lưu (chỉ ghi thêm).")


def restore(
    source: str | Path, key: bytes | None = None, *, drill: bool = False, audit: bool = True
) -> Report:
    """Restore the backup in `source` into the live database and folders, or with `drill` into
    scratch ones that are compared with the manifest and then removed."""
    key = key or load_key()
    source = Path(source)
    engine = _engine()
    started = time.monotonic()
    report = Report()
    with tempfile.TemporaryDirectory(prefix="motcua-restore-") as scratch_name:
        scratch = Path(scratch_name)
        header, manifest = _open_backup(source, key, scratch)
        report.manifest = manifest
        report.lines.append(
            f"Bản sao lưu {source} ({header['created_at']}, {header['engine']}): xác thực đủ 3 phần."
        )
        if manifest["engine"] != engine:
            raise BackupError(
                f"Bản sao lưu của {manifest['engine']} không phục hồi được vào {engine} "
                "(phục hồi vào cùng loại cơ sở dữ liệu)."
            )
        files_dir = scratch / "files-out"
        _extract(scratch / "files", files_dir)
        files = file_digests({p: files_dir / p for p in manifest["file_roots"]})
        if drill:
            _drill_database(
                engine, scratch / "database", manifest, files, report, files_dir if audit else None
            )
        else:
            _restore_database(engine, scratch / "database")
            kept = _restore_files(manifest, files_dir)
            live_roots = {p: r for p, r in _live_roots().items() if p in manifest["file_roots"]}
            live_files = file_digests(live_roots)
            for prefix in kept:  # the live anchor store was kept, not rolled back: compared by prefix
                live_files.update({n: h for n, h in manifest["files"].items() if n.startswith(prefix + "/")})
            _compare(report, manifest, table_digests("default"), live_files)
            if audit:
                _audit_verify("default", files_dir, report)
    report.seconds = time.monotonic() - started
    report.lines.append(f"{'Diễn tập' if drill else 'Phục hồi'} xong trong {report.seconds:.1f} s.")
    return report


def _drill_database(engine: str, dump: Path, manifest: dict, files: dict, report: Report, audit_files):
    db = connections["default"].settings_dict
    if engine == "sqlite":
        with _scratch_alias(dump) as alias:
            _compare(report, manifest, table_digests(alias), files)
            report.lines.append(f"Cơ sở dữ liệu diễn tập: tệp tạm {dump.name} (SQLite).")
            if audit_files is not None:
                _audit_verify(alias, audit_files, report)
        return
    name = f"{db['NAME']}_drill_{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S}"[:63]
    admin = connections["default"]
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        _pg_restore(db, name, dump)
        with _scratch_alias(name) as alias:
            _compare(report, manifest, table_digests(alias), files)
            report.lines.append(f"Cơ sở dữ liệu diễn tập: {name} (PostgreSQL), xóa sau khi so.")
            if audit_files is not None:
                _audit_verify(alias, audit_files, report)
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_restore(db: dict, name: str, dump: Path) -> None:
    args = [_pg_tool("pg_restore"), "--no-owner", "--exit-on-error", "--single-transaction", "-d", name]
    done = subprocess.run([*args, str(dump)], env=_pg_env(db), capture_output=True, text=True)
    if done.returncode:
        raise BackupError(f"pg_restore thất bại: {done.stderr.strip()[:800]}")


def _restore_database(engine: str, dump: Path) -> None:
    connection = connections["default"]
    if engine == "sqlite":
        connection.ensure_connection()
        if connection.in_atomic_block:
            raise BackupError("Không phục hồi giữa một giao dịch.")
        with sqlite3.connect(dump) as source:
            source.backup(connection.connection)  # page by page into the live file
        source.close()
        return
    _swap_postgresql(connection, dump)


def _swap_postgresql(connection, dump: Path) -> None:
    """Restore into a new database, then put it in place of the live one by renaming both, so a
    failed restore leaves the live database untouched (`pg_restore --clean` cannot drop the
    partitions of partitioned tables one by one). The old database is dropped once the new one is
    in place."""
    db = connection.settings_dict
    live = db["NAME"]
    stamp = f"{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S}"
    incoming, old = f"{live}_restore_{stamp}"[:63], f"{live}_before_{stamp}"[:63]
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{incoming}"')
    try:
        _pg_restore(db, incoming, dump)
    except BackupError:
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{incoming}" WITH (FORCE)')
        raise
    connections.close_all()
    with connection._nodb_cursor() as cursor:
        # The web processes and workers were stopped (--yes says so); any connection left is cut.
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [live],
        )
        cursor.execute(f'ALTER DATABASE "{live}" RENAME TO "{old}"')
        cursor.execute(f'ALTER DATABASE "{incoming}" RENAME TO "{live}"')
        cursor.execute(f'DROP DATABASE "{old}" WITH (FORCE)')


def _restore_files(manifest: dict, files_dir: Path) -> list[str]:
    """Each backed-up folder replaces the live one (moved aside first, removed once in place); the
    audit anchor store is append-only and is put back only where it is gone. The prefixes kept."""
    live, kept = _live_roots(), []
    for prefix in manifest["file_roots"]:
        target, incoming = live[prefix], files_dir / prefix
        if prefix == "var/audit-anchors" and target.is_dir() and any(target.iterdir()):
            kept.append(prefix)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        aside = target.with_name(f".{target.name}.before-restore")
        if aside.exists():
            shutil.rmtree(aside)
        if target.exists():
            target.rename(aside)
        shutil.copytree(incoming, target)
        if aside.exists():
            shutil.rmtree(aside)
    return kept


def iter_lines(report: Report) -> Iterator[str]:
    yield from report.lines
    for problem in report.problems:
        yield f"  KHÁC: {problem}"
