"""The person a draft is filed for (`acting_for`, an ID number or tax code) encrypted at rest; the
"one open draft" constraint moves to its blind index (ADR 0048). Backwards decrypts first."""

from django.conf import settings
from django.db import migrations, models

import motcua.core.crypto

INDEX, UNINDEX = motcua.core.crypto.index_columns("eforms_draft", [("acting_for", "acting_for_index", "id")])


class Migration(migrations.Migration):
    dependencies = [
        ("eforms", "0002_encrypt_at_rest"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="draft",
            name="eforms_one_open_draft",
        ),
        migrations.AlterField(
            model_name="draft",
            name="acting_for",
            field=motcua.core.crypto.EncryptedTextField(
                max_length=20, verbose_name="nộp thay cho (số định danh / mã số thuế)"
            ),
        ),
        migrations.AddField(
            model_name="draft",
            name="acting_for_index",
            field=motcua.core.crypto.BlindIndexField(kind="id", source="acting_for"),
        ),
        migrations.RunPython(INDEX, UNINDEX, elidable=False),
        migrations.AddConstraint(
            model_name="draft",
            constraint=models.UniqueConstraint(
                condition=models.Q(("state", "open")),
                fields=("owner", "acting_for_index", "definition"),
                name="eforms_one_open_draft",
            ),
        ),
    ]
