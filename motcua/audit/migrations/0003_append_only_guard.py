"""PostgreSQL: audit entries cannot be updated or deleted, except by the retention purge (ADR 0038).

The purge sets `SET LOCAL motcua.audit_purge = 'on'` in its own transaction. This guards against
mistakes and against application accounts; a superuser can still disable a trigger, which is why
the chains are keyed and anchored outside the database. SQLite (the embedded mode, one file that
its owner controls entirely) has no guard: its tests flush tables with DELETE.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION motcua_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('motcua.audit_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'motcua: the audit log is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_append_only ON audit_auditentry;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION motcua_audit_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS audit_append_only ON audit_auditentry;
DROP FUNCTION IF EXISTS motcua_audit_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_keyed_shards")]

    operations = [migrations.RunPython(forward, backward)]
