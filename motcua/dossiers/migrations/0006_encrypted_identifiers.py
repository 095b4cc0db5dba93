"""The applicant's ID number and name encrypted at rest, each with a keyed blind index (ADR 0048):
the ID number for every lookup and scoping, the case- and diacritics-folded whole name for the
officers' search. The plaintext name's b-tree index and PostgreSQL trigram index (0002) are dropped:
ciphertext cannot be searched by a part. Existing rows are encrypted and indexed; backwards decrypts
them first (and recreates the trigram index last)."""

from django.db import migrations

import motcua.core.crypto

INDEX, UNINDEX = motcua.core.crypto.index_columns(
    "dossiers_dossier",
    [("applicant_id_number", "applicant_id_index", "id"), ("applicant_name", "applicant_name_index", "name")],
)


def drop_trigram(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS dossiers_applicant_name_trgm")


def create_trigram(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS dossiers_applicant_name_trgm "
            "ON dossiers_dossier USING gin (UPPER(applicant_name) gin_trgm_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0005_current_step"),
    ]

    operations = [
        migrations.RunPython(drop_trigram, create_trigram, elidable=False),
        migrations.RemoveIndex(
            model_name="dossier",
            name="dossiers_do_applica_1c8ec8_idx",
        ),
        migrations.AlterField(
            model_name="dossier",
            name="applicant_id_number",
            field=motcua.core.crypto.EncryptedTextField(max_length=20, verbose_name="số giấy tờ"),
        ),
        migrations.AlterField(
            model_name="dossier",
            name="applicant_name",
            field=motcua.core.crypto.EncryptedTextField(max_length=200, verbose_name="chủ hồ sơ"),
        ),
        migrations.AddField(
            model_name="dossier",
            name="applicant_id_index",
            field=motcua.core.crypto.BlindIndexField(db_index=True, kind="id", source="applicant_id_number"),
        ),
        migrations.AddField(
            model_name="dossier",
            name="applicant_name_index",
            field=motcua.core.crypto.BlindIndexField(db_index=True, kind="name", source="applicant_name"),
        ),
        migrations.RunPython(INDEX, UNINDEX, elidable=False),
    ]
