"""Name search in the officers' queues (`applicant_name__icontains`) on PostgreSQL.

`icontains` compiles to `UPPER(applicant_name) LIKE UPPER('%…%')`; a trigram GIN index on
that expression lets PostgreSQL answer it without scanning every dossier. SQLite has no such
index and needs none at the embedded scale, so the migration does nothing there.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS dossiers_applicant_name_trgm "
        "ON dossiers_dossier USING gin (UPPER(applicant_name) gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS dossiers_applicant_name_trgm")


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
