"""The unit queue's partial indexes (issue 18 §3): the open dossiers of an agency, per side, in the
queue's order (due_at, id). Only the open dossiers are in them (a few per cent of all at 10^6)."""

from django.db import migrations, models

#: OPEN_STATUSES of the dossiers' models when this migration was written.
OPEN = (1, 2, 4, 5, 6, 7, 9)


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0006_encrypted_identifiers"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(
                condition=models.Q(("status__in", OPEN)),
                fields=["handling_agency", "due_at", "id"],
                name="dossier_open_hand_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(
                condition=models.Q(("status__in", OPEN)),
                fields=["receiving_agency", "due_at", "id"],
                name="dossier_open_recv_idx",
            ),
        ),
    ]
