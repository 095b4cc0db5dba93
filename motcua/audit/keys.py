"""The two keys of the audit log, both kept outside the database (khóa của nhật ký kiểm toán).

- the chain key (HMAC-SHA256): every entry's hash is keyed with it, so whoever can write the
  database but not read this key cannot recompute a chain after editing it;
- the anchor signing key (Ed25519): anchors of the chain heads are signed with it; a verifier
  only needs the public half.

Given by `MOTCUA_AUDIT_KEY` (the chain key) or read from files in `MOTCUA_AUDIT_KEY_DIR`
(var/keys/ by default), created there on first use with mode 0600 — back that folder up with
the database (ADR 0038).
"""

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


@cache
def _hmac_key(setting: str, directory: str) -> bytes:
    if setting:
        return setting.encode()
    path = Path(directory) / HMAC_FILE
    if not path.exists():
        _create_once(path, secrets.token_hex(32).encode())
    key = path.read_bytes().strip()
    if len(key) < 32:
        raise RuntimeError(f"{path}: the audit chain key is too short")
    return key


def hmac_key() -> bytes:
    return _hmac_key(conf.hmac_key_setting(), str(conf.key_dir()))


def key_id(key: bytes | None = None) -> str:
    """A short, public name of the chain key (stored on each entry; not the key)."""
    return hashlib.sha256(b"motcua-audit-key-id:" + (key or hmac_key())).hexdigest()[:12]


@cache
def _signing_key(directory: str) -> Ed25519PrivateKey:
    path = Path(directory) / SIGNING_FILE
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        _create_once(path, pem)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    public = Path(directory) / PUBLIC_FILE
    if not public.exists():
        _create_once(
            public,
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
        )
    return key


def signing_key() -> Ed25519PrivateKey:
    return _signing_key(str(conf.key_dir()))


def public_key() -> Ed25519PublicKey | None:
    """The anchors' verification key: the public file, else derived from the private one."""
    directory = conf.key_dir()
    if (directory / PUBLIC_FILE).exists():
        return serialization.load_pem_public_key((directory / PUBLIC_FILE).read_bytes())
    if (directory / SIGNING_FILE).exists():
        return signing_key().public_key()
    return None


def public_fingerprint(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]
