"""The current step on the dossier (ADR 0046): two columns, filled from the steps, then indexed;
and the overdue queue's partial indexes on the few dossiers counted as overdue."""

import django.db.models.deletion
from django.db import migrations, models

#: PostgreSQL: one pass over the open steps (DISTINCT ON keeps each dossier's first one).
FILL_POSTGRESQL = """
UPDATE dossiers_dossier AS d
SET current_step_agency_id = s.agency_id, current_step_role = s.role
FROM (
    SELECT DISTINCT ON (dossier_id) dossier_id, agency_id, role
    FROM dossiers_dossierstep
    WHERE finished_at IS NULL
    ORDER BY dossier_id, position
) AS s
WHERE d.id = s.dossier_id
"""
#: Any other database (SQLite): the first open step of each dossier that has one.
FILL_OTHER = """
UPDATE dossiers_dossier
SET current_step_agency_id = (
        SELECT s.agency_id FROM dossiers_dossierstep s
        WHERE s.dossier_id = dossiers_dossier.id AND s.finished_at IS NULL ORDER BY s.position LIMIT 1
    ),
    current_step_role = (
        SELECT s.role FROM dossiers_dossierstep s
        WHERE s.dossier_id = dossiers_dossier.id AND s.finished_at IS NULL ORDER BY s.position LIMIT 1
    )
WHERE EXISTS (
    SELECT 1 FROM dossiers_dossierstep s WHERE s.dossier_id = dossiers_dossier.id AND s.finished_at IS NULL
)
"""


def fill(apps, schema_editor):
    sql = FILL_POSTGRESQL if schema_editor.connection.vendor == "postgresql" else FILL_OTHER
    schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0004_encrypt_at_rest"),
        ("places", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="dossier",
            name="current_step_agency",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="places.agency",
                verbose_name="cơ quan của bước đang xử lý",
            ),
        ),
        migrations.AddField(
            model_name="dossier",
            name="current_step_role",
            field=models.CharField(
                blank=True,
                default="",
                editable=False,
                max_length=16,
                verbose_name="vai trò của bước đang xử lý",
            ),
        ),
        # Reversing drops the columns: nothing to undo.
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(
                condition=models.Q(("current_step_agency__isnull", False)),
                fields=["current_step_agency", "current_step_role", "status", "due_at"],
                name="dossier_current_step_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(
                condition=models.Q(("counts_as_overdue", True)),
                fields=["receiving_agency", "status", "due_at"],
                name="dossier_counted_late_recv_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(
                condition=models.Q(("counts_as_overdue", True)),
                fields=["handling_agency", "status", "due_at"],
                name="dossier_counted_late_hand_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(
                condition=models.Q(("counts_as_overdue", True)),
                fields=["status", "due_at"],
                name="dossier_counted_late_idx",
            ),
        ),
    ]
