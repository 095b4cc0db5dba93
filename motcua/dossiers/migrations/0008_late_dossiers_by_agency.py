"""The overdue queue's partial indexes (issue 18 §3): the dossiers that can be late (received, in
processing or paused) of an agency, per side, in the queue's order (due_at, id). An agency's late
dossiers are then one range per side, `due_at < now`, instead of one range per status."""

from django.db import migrations, models

#: LATE_STATUSES of the dossiers' models when this migration was written.
LATE = (2, 4, 5, 6, 7)


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0007_open_dossiers_by_agency"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(
                condition=models.Q(("status__in", LATE)),
                fields=["handling_agency", "due_at", "id"],
                name="dossier_late_hand_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(
                condition=models.Q(("status__in", LATE)),
                fields=["receiving_agency", "due_at", "id"],
                name="dossier_late_recv_idx",
            ),
        ),
    ]
