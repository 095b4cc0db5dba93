"""System checks: refuse to run in production with the embedded mode's public sandbox keys, or
without the keys that encrypt personal data at rest (E003, ADR 0040).

The embedded mode (`make run`), debug and tests use sandbox adapters whose keys are constants in
the source (payments HMAC secrets, the national portal password) and a sandbox eID provider that
signs anyone in with a published passcode. In production they would let anyone forge a paid
notification or sign in as any citizen, so every management command and the WSGI application
(motcua/wsgi.py) stop with these errors.
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks

#: (setting, the public sandbox value) pairs that must not reach production.
SANDBOX_SECRETS = (
    ("MOTCUA_PAYMENTS_NATIONAL_SECRET", "sandbox-national-secret"),
    ("MOTCUA_PAYMENTS_BANK_SECRET", "sandbox-bank-secret"),
    ("MOTCUA_NATIONAL_PORTAL_PASSWORD", "sandbox-dvcqg"),
)
#: Sandboxes that must be off in production (each serves or trusts a fake outside system).
SANDBOX_SWITCHES = (
    "MOTCUA_EID_SANDBOX",
    "MOTCUA_PAYMENTS_SANDBOX",
    "MOTCUA_LGSP_SANDBOX",
    "MOTCUA_NATIONAL_PORTAL_SANDBOX",
)

TAG = "motcua_production"


def is_production() -> bool:
    return not (settings.DEBUG or getattr(settings, "EMBEDDED", False) or getattr(settings, "TESTING", False))


@checks.register(checks.Tags.security, TAG)
def sandbox_keys_in_production(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if not is_production():
        return []
    errors = []
    for name, public in SANDBOX_SECRETS:
        if getattr(settings, name, "") == public:
            errors.append(
                checks.Error(
                    f"{name} is the embedded mode's public sandbox value.",
                    hint=f"Set {name} to the secret issued for this installation.",
                    id="motcua.E001",
                )
            )
    for name in SANDBOX_SWITCHES:
        if getattr(settings, name, False):
            errors.append(
                checks.Error(
                    f"{name} is on outside the embedded mode, debug and tests.",
                    hint="Configure the real provider (e.g. MOTCUA_EID=vneid) and turn the sandbox off.",
                    id="motcua.E002",
                )
            )
    return errors


@checks.register(checks.Tags.security, TAG)
def data_keys_in_production(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Encryption at rest (ADR 0040): on, with data and blind-index keys given (never generated)."""
    if not is_production():
        return []
    from django.core.exceptions import ImproperlyConfigured

    from . import crypto

    if not crypto.enabled():
        return [
            checks.Error(
                "MOTCUA_ENCRYPT_AT_REST is off outside the embedded mode, debug and tests.",
                hint="Remove MOTCUA_ENCRYPT_AT_REST=0: personal data must be stored encrypted.",
                id="motcua.E003",
            )
        ]
    errors = []
    for what in (crypto.fernet, crypto.blind_index_key):
        try:
            what()
        except ImproperlyConfigured as exc:
            errors.append(
                checks.Error(
                    str(exc),
                    hint="Set MOTCUA_DATA_KEYS and MOTCUA_BLIND_INDEX_KEY (or their key files).",
                    id="motcua.E003",
                )
            )
    return errors


@checks.register(TAG)
def adapters_configured(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every adapter a setting names exists (core.adapters, ADR 0045), in every mode."""
    from . import adapters

    return [
        checks.Error(
            message,
            hint="Xem các nhóm bộ nối / see the families: motcua/core/adapters.py.",
            id="motcua.E004",
        )
        for message in adapters.problems()
    ]


def refuse_sandbox_in_production() -> None:
    """Raise ImproperlyConfigured when the checks above fail (the WSGI application calls it)."""
    from django.core.exceptions import ImproperlyConfigured

    errors = sandbox_keys_in_production() + data_keys_in_production()
    if errors:
        raise ImproperlyConfigured("; ".join(f"{e.id}: {e.msg}" for e in errors))
