import contextlib

import pytest
from django.db import connection


@pytest.fixture(autouse=True)
def audit_dirs(settings, tmp_path):
    """A key and an anchor store of the test's own, outside the database (as in production)."""
    settings.MOTCUA_AUDIT_KEY_DIR = str(tmp_path / "keys")
    settings.MOTCUA_AUDIT_ANCHOR_DIR = str(tmp_path / "anchors")
    return tmp_path


@contextlib.contextmanager
def as_database_administrator():
    """What an administrator with full database rights can do: on PostgreSQL, switch the
    append-only trigger off for the transaction (superuser), then write the table freely."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    yield
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = origin")
