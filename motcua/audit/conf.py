"""Settings of the audit log, read when used (tests and the bench change them at run time).

Each comes from Django settings if set there, else from the environment (`MOTCUA_AUDIT_*`).
Keys and anchors live OUTSIDE the database: whoever can write the database must not be able
to read the key or rewrite the anchors (ADR 0038).
"""

import hashlib
import os
import tempfile
from functools import cache
from pathlib import Path

from django.conf import settings


def _get(name: str, default):
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    return default if value in (None, "") else value


@cache
def _test_dir() -> Path:
    # Tests never write keys or anchors into the project's var/ (shared by other processes).
    return Path(tempfile.mkdtemp(prefix="motcua-audit-test-"))


def _var_dir() -> Path:
    if getattr(settings, "TESTING", False):
        return _test_dir()
    return Path(settings.VAR_DIR)


def shards() -> int:
    """Number of chains written in parallel; 1 gives the old single global lock."""
    return max(1, int(_get("MOTCUA_AUDIT_SHARDS", 16)))


def key_dir() -> Path:
    return Path(_get("MOTCUA_AUDIT_KEY_DIR", _var_dir() / "keys"))


def anchor_dir() -> Path:
    default = _var_dir() / "audit-anchors"
    current_test = os.environ.get("PYTEST_CURRENT_TEST", "")
    if getattr(settings, "TESTING", False) and current_test:
        # Each test its own store: another test's anchors name entries its rollback removed.
        test_id = current_test.rsplit(" ", 1)[0]
        default = default / hashlib.sha256(test_id.encode()).hexdigest()[:16]
    return Path(_get("MOTCUA_AUDIT_ANCHOR_DIR", default))


def anchor_url() -> str:
    """Where each anchor is also POSTed (publication), or empty."""
    return str(_get("MOTCUA_AUDIT_ANCHOR_URL", ""))


def anchor_every() -> int:
    return max(1, int(_get("MOTCUA_AUDIT_ANCHOR_EVERY", 300)))


def retention_days() -> int:
    """Audit entries are kept this long, then purged (level 3 asks ≥ 3 months online; NĐ 333
    asks 12 months of logs; we keep 2 years by default, more if the province's policy says so)."""
    return max(1, int(_get("MOTCUA_RETENTION_AUDIT_DAYS", 730)))


def hmac_key_setting() -> str:
    """The chain key given directly (a secret store / environment), instead of a key file."""
    return str(_get("MOTCUA_AUDIT_KEY", ""))


def retired_keys_setting() -> str:
    """With MOTCUA_AUDIT_KEY: the older chain keys, still needed to verify their entries (ADR 0049)."""
    return str(_get("MOTCUA_AUDIT_KEY_RETIRED", ""))


def tsa_url() -> str:
    """The RFC 3161 time-stamping authority's URL (http or https); empty: anchors are not stamped."""
    return str(_get("MOTCUA_AUDIT_TSA_URL", "")).strip()


def tsa_ca() -> str:
    """A PEM file with the TSA's root certificate(s): the tokens are trusted only if they chain to one."""
    return str(_get("MOTCUA_AUDIT_TSA_CA", "")).strip()


def tsa_timeout() -> float:
    """Seconds the anchor job waits for the TSA (the job only: no audited action waits for it)."""
    return max(0.5, float(_get("MOTCUA_AUDIT_TSA_TIMEOUT", 5)))
