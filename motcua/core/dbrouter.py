"""Read replica routing (đọc từ bản sao): only where the caller asks for it.

Read-only traffic — dashboards, reports, open data, exports — runs inside `use_replica()` (a
context manager and a decorator); there its reads go to the "replica" alias when one is
configured (DATABASE_REPLICA_URL, MOTCUA_READ_REPLICA). Every other read, and every write even
inside the block (an audit entry of an export), stays on "default": a citizen who just submitted
never reads an older copy of their own dossier (no read-after-write surprise from replica lag).
"""

from __future__ import annotations

import contextvars
from contextlib import ContextDecorator

from django.conf import settings

REPLICA = "replica"
_PRIMARY_ONLY = {"django_cache", "sessions", "axes", "otp_totp"}
_wanted: contextvars.ContextVar[bool] = contextvars.ContextVar("motcua_use_replica", default=False)


def replica_enabled() -> bool:
    return bool(getattr(settings, "MOTCUA_READ_REPLICA", False)) and REPLICA in settings.DATABASES


class use_replica(ContextDecorator):  # noqa: N801 — reads like the context manager it is
    """`with use_replica():` or `@use_replica()`: reads in the block go to the replica when there is one."""

    def __enter__(self):
        self._token = _wanted.set(True)
        return self

    def __exit__(self, *exc):
        _wanted.reset(self._token)
        return False


def read_alias() -> str:
    """The alias a read would use now ("replica" or "default")."""
    return REPLICA if _wanted.get() and replica_enabled() else "default"


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        # The database cache (rate-limit counters) and sessions are read where they are written.
        if model._meta.app_label in _PRIMARY_ONLY:
            return None
        if _wanted.get() and replica_enabled():
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        dbs = {"default", REPLICA}
        if obj1._state.db in dbs and obj2._state.db in dbs:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica follows the primary by replication: never migrated on its own.
        return db != REPLICA
