"""The two keys of the audit log, both kept outside the database (khóa của nhật ký kiểm toán).

- the chain key (HMAC-SHA256): every entry's hash is keyed with it, so whoever can write the
  database but not read this key cannot recompute a chain after editing it;
- the anchor signing key (Ed25519): anchors of the chain heads are signed with it; a verifier
  only needs the public half.

Given by `MOTCUA_AUDIT_KEY` (the chain key) or read from files in `MOTCUA_AUDIT_KEY_DIR`
(var/keys/ by default), created there on first use with mode 0600 — back that folder up with
the database (ADR 0038).

Rotation (ADR 0049). The chain key is a ring: `MOTCUA_AUDIT_KEY` (the new one) with
`MOTCUA_AUDIT_KEY_RETIRED` (the older ones), or the lines of `audit-hmac.key`; the first writes,
every one verifies the entries that name it (an entry is never re-keyed: that would be rewriting
the log). The anchor key is replaced; the old public half stays
beside it as `audit-anchor-ed25519.<fingerprint>.pub.pem`, and the rotation is itself an anchor
signed by the old key and countersigned by the new one. Both rotations: `motcua audit rotate-key`.
"""

import fcntl
import hashlib
import logging
import os
import secrets
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from . import conf

logger = logging.getLogger(__name__)

HMAC_FILE = "audit-hmac.key"
SIGNING_FILE = "audit-anchor-ed25519.pem"
PUBLIC_FILE = "audit-anchor-ed25519.pub.pem"
RETIRED_PUBLIC = "audit-anchor-ed25519.{fingerprint}.pub.pem"


def _create_once(path: Path, content: bytes) -> None:
    """Write `content` to `path` unless it exists; two processes racing keep the same file."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, content)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)  # fails if another process made it first: theirs wins
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    if not (settings.DEBUG or getattr(settings, "EMBEDDED", False) or getattr(settings, "TESTING", False)):
        logger.warning("audit key created at %s: back it up with the database", path)


def _stamp(path: Path) -> tuple[int, int] | None:
    """What changes when a key file is replaced: other processes read the new ring at their next entry."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_mtime_ns, st.st_size)


def _lines(text: str) -> list[bytes]:
    lines = (line.strip() for line in text.splitlines())
    return [line.encode() for line in lines if line and not line.startswith("#")]


def _retired_setting(text: str) -> list[bytes]:
    """MOTCUA_AUDIT_KEY_RETIRED: the older keys, one a line (or comma-separated on one line)."""
    return _lines(text if "\n" in text.strip() else text.replace(",", "\n"))


@cache
def _hmac_ring(setting: str, retired: str, directory: str, stamp) -> tuple[bytes, ...]:
    path = Path(directory) / HMAC_FILE
    if setting:  # one key, taken whole (a secret may hold any character)
        ring, where = [setting.encode(), *_retired_setting(retired)], "MOTCUA_AUDIT_KEY"
    else:
        if not path.exists():
            _create_once(path, secrets.token_hex(32).encode())
        ring, where = _lines(path.read_text()), str(path)
        if any(len(key) < 32 for key in ring):
            raise RuntimeError(f"{where}: the audit chain key is too short")
    if not ring:
        raise RuntimeError(f"{where}: no audit chain key")
    return tuple(ring)


def hmac_ring() -> tuple[bytes, ...]:
    """The chain keys, the writing one first (vòng khóa chuỗi)."""
    directory = conf.key_dir()
    return _hmac_ring(
        conf.hmac_key_setting(), conf.retired_keys_setting(), str(directory), _stamp(directory / HMAC_FILE)
    )


def hmac_key() -> bytes:
    return hmac_ring()[0]


def key_id(key: bytes | None = None) -> str:
    """A short, public name of the chain key (stored on each entry; not the key)."""
    return hashlib.sha256(b"motcua-audit-key-id:" + (key or hmac_key())).hexdigest()[:12]


def keys_by_id() -> dict[str, bytes]:
    """Every chain key of the ring by its id, the writing one first."""
    return {key_id(key): key for key in hmac_ring()}


def rotate_hmac_key() -> tuple[str, list[str]]:
    """Put a new chain key first in the key file (the old ones stay, to verify their entries).
    Returns the new key's id and the ids it retires. Refused when the key comes from the
    environment: there the operator puts the new key first in MOTCUA_AUDIT_KEY on every node."""
    if conf.hmac_key_setting():
        raise RuntimeError(
            "MOTCUA_AUDIT_KEY is set: on every node put the new key there and the old one in "
            "MOTCUA_AUDIT_KEY_RETIRED, restart, then run `motcua audit rotate-key --chain --recorded`"
        )
    directory = conf.key_dir()
    hmac_ring()  # creates the file on first use
    with open(directory / ".audit-hmac.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two rotations at once must not drop each other's key
        old = _lines((directory / HMAC_FILE).read_text())
        new = secrets.token_hex(32).encode()
        _replace(directory / HMAC_FILE, b"\n".join([new, *old]) + b"\n")
    return key_id(new), [key_id(key) for key in old]


def _replace(path: Path, content: bytes) -> None:
    """Replace a key file whole (0600): a reader sees the old file or the new one, never half."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, content)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


@cache
def _signing_key(directory: str, stamp) -> Ed25519PrivateKey:
    path = Path(directory) / SIGNING_FILE
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        _create_once(path, pem)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    public = Path(directory) / PUBLIC_FILE
    if not public.exists():
        _create_once(public, _public_pem(key.public_key()))
    return key


def _public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def signing_key() -> Ed25519PrivateKey:
    directory = conf.key_dir()
    return _signing_key(str(directory), _stamp(directory / SIGNING_FILE))


def public_key() -> Ed25519PublicKey | None:
    """The anchors' current verification key: the public file, else derived from the private one."""
    directory = conf.key_dir()
    if (directory / PUBLIC_FILE).exists():
        return serialization.load_pem_public_key((directory / PUBLIC_FILE).read_bytes())
    if (directory / SIGNING_FILE).exists():
        return signing_key().public_key()
    return None


def public_keys() -> dict[str, Ed25519PublicKey]:
    """Every anchor verification key kept beside the signing key, by fingerprint: the current one
    and the retired ones (`audit-anchor-ed25519.<fingerprint>.pub.pem`)."""
    found = {}
    for path in sorted(conf.key_dir().glob(RETIRED_PUBLIC.format(fingerprint="*"))):
        key = serialization.load_pem_public_key(path.read_bytes())
        found[public_fingerprint(key)] = key
    current = public_key()
    if current is not None:
        found[public_fingerprint(current)] = current
    return found


def public_from_raw(raw: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(raw)


def public_raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def new_signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def install_signing_key(old: Ed25519PrivateKey, new: Ed25519PrivateKey) -> None:
    """Keep the old public half as a retired key, then make `new` the signing key (the old private
    key is gone: nobody can sign as it any more)."""
    directory = conf.key_dir()
    old_public = old.public_key()
    retired = directory / RETIRED_PUBLIC.format(fingerprint=public_fingerprint(old_public))
    if not retired.exists():
        _create_once(retired, _public_pem(old_public))
    pem = new.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _replace(directory / SIGNING_FILE, pem)
    _replace(directory / PUBLIC_FILE, _public_pem(new.public_key()))


def public_fingerprint(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]
