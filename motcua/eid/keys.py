"""The sandbox provider's RS256 signing key (khóa ký của VNeID thử nghiệm), kept in VAR_DIR/eid.

Generated once (`motcua eid init`, or on first use), mode 0600, like the sandbox CA of
`motcua signing init`. The JWKS publishes only the public half.
"""

import base64
import hashlib
import json
import os
import threading
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings

_lock = threading.Lock()


def key_path() -> Path:
    return Path(settings.VAR_DIR) / "eid" / "sandbox-idp.key.pem"


def init_key(force: bool = False) -> tuple[Path, bool]:
    """Create the key file if missing (or replace it with force); returns (path, created)."""
    path = key_path()
    with _lock:
        if path.exists() and not force:
            return path, False
        path.parent.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        os.replace(tmp, path)  # atomic: a concurrent reader sees the old file or the new one
        signing_key.cache_clear()
        return path, True


@lru_cache(maxsize=1)
def signing_key() -> rsa.RSAPrivateKey:
    path, _created = init_key()
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_jwk() -> dict:
    numbers = signing_key().public_key().public_numbers()
    jwk = {"kty": "RSA", "e": _b64(numbers.e), "n": _b64(numbers.n)}
    # RFC 7638 thumbprint as the key id, so a new key gets a new kid.
    thumb = hashlib.sha256(json.dumps(jwk, sort_keys=True, separators=(",", ":")).encode()).digest()
    kid = base64.urlsafe_b64encode(thumb).rstrip(b"=").decode()
    return {**jwk, "kid": kid, "use": "sig", "alg": "RS256"}
