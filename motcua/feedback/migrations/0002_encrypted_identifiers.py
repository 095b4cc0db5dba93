"""The submitter's ID number and name encrypted at rest, the number with its blind index (ADR 0048).
Existing rows are encrypted and indexed; backwards decrypts them first."""

from django.db import migrations

import motcua.core.crypto

INDEX, UNINDEX = motcua.core.crypto.index_columns(
    "feedback_feedbackcase", [("submitter_id_number", "submitter_id_index", "id")]
)
ENCRYPT, DECRYPT = motcua.core.crypto.encrypt_columns([("feedback_feedbackcase", "submitter_name")])


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="feedbackcase",
            name="submitter_id_number",
            field=motcua.core.crypto.EncryptedTextField(max_length=20, verbose_name="số định danh"),
        ),
        migrations.AddField(
            model_name="feedbackcase",
            name="submitter_id_index",
            field=motcua.core.crypto.BlindIndexField(db_index=True, kind="id", source="submitter_id_number"),
        ),
        migrations.AlterField(
            model_name="feedbackcase",
            name="submitter_name",
            field=motcua.core.crypto.EncryptedTextField(max_length=200, verbose_name="người phản ánh"),
        ),
        migrations.RunPython(INDEX, UNINDEX, elidable=False),
        migrations.RunPython(ENCRYPT, DECRYPT, elidable=False),
    ]
