"""The list of all an agency's dossiers (issue 18 §3): per side, in its order (due_at, id). These
two indexes replace the foreign keys' one-column indexes, which they serve as well (same prefix):
as many indexes to keep up on every write as before. Made first, dropped after."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0008_late_dossiers_by_agency"),
        ("places", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(fields=["handling_agency", "due_at", "id"], name="dossier_hand_due_idx"),
        ),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(fields=["receiving_agency", "due_at", "id"], name="dossier_recv_due_idx"),
        ),
        migrations.AlterField(
            model_name="dossier",
            name="handling_agency",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="handled_dossiers",
                to="places.agency",
                verbose_name="cơ quan giải quyết",
            ),
        ),
        migrations.AlterField(
            model_name="dossier",
            name="receiving_agency",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="received_dossiers",
                to="places.agency",
                verbose_name="nơi tiếp nhận",
            ),
        ),
    ]
