"""Chains per shard with keyed hashes (ADR 0038). Existing entries become the legacy chain (-1)."""

from django.db import migrations, models
from django.db.models import F

SEQUENCE = "audit_entry_sequence"


def existing_entries_are_the_legacy_chain(apps, schema_editor):
    apps.get_model("audit", "AuditEntry").objects.update(shard=-1, shard_sequence=F("sequence"))
    apps.get_model("audit", "AuditChainHead").objects.update(shard=-1)


def global_sequence(apps, schema_editor):
    # PostgreSQL: the province-wide order number comes from a sequence (no lock, no wait).
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE} AS bigint MINVALUE 1")
    schema_editor.execute(
        f"SELECT setval('{SEQUENCE}', COALESCE((SELECT MAX(sequence) FROM audit_auditentry), 0) + 1, false)"
    )


def drop_global_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="auditchainhead", name="shard", field=models.SmallIntegerField(default=-1)
        ),
        migrations.AddField(
            model_name="auditentry",
            name="shard",
            field=models.SmallIntegerField(default=-1, verbose_name="chuỗi"),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="shard_sequence",
            field=models.PositiveBigIntegerField(default=0, verbose_name="số thứ tự trong chuỗi"),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="key_id",
            field=models.CharField(blank=True, default="", max_length=16, verbose_name="mã khóa"),
            preserve_default=False,
        ),
        migrations.RunPython(existing_entries_are_the_legacy_chain, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditchainhead", name="shard", field=models.SmallIntegerField(unique=True)
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="shard_sequence",
            field=models.PositiveBigIntegerField(verbose_name="số thứ tự trong chuỗi"),
        ),
        migrations.AddConstraint(
            model_name="auditentry",
            constraint=models.UniqueConstraint(
                fields=("shard", "shard_sequence"), name="audit_entry_shard_position"
            ),
        ),
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("shard", models.SmallIntegerField(unique=True)),
                ("sequence", models.PositiveBigIntegerField()),
                ("hash", models.CharField(max_length=64)),
                ("purged_at", models.DateTimeField()),
                ("mac", models.CharField(max_length=64)),
            ],
            options={"verbose_name": "điểm bắt đầu chuỗi kiểm toán"},
        ),
        migrations.RunPython(global_sequence, drop_global_sequence),
    ]
