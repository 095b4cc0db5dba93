"""ID numbers and names encrypted at rest, with keyed blind indexes for the lookups (ADR 0048).

`User.personal_id`'s uniqueness moves to `personal_id_index` (NULL where there is no number, so many
accounts may have none). Existing rows are encrypted and indexed; backwards decrypts them first.
"""

from django.db import migrations

import motcua.core.crypto

INDEX_USERS, UNINDEX_USERS = motcua.core.crypto.index_columns(
    "people_user", [("personal_id", "personal_id_index", "id")], null=True
)
INDEX_ITEMS, UNINDEX_ITEMS = motcua.core.crypto.index_columns(
    "people_datastoreitem", [("owner_id_number", "owner_id_index", "id")]
)
ENCRYPT, DECRYPT = motcua.core.crypto.encrypt_columns([("people_user", "full_name")])


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0003_encrypt_at_rest"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="personal_id",
            field=motcua.core.crypto.EncryptedTextField(
                blank=True, max_length=12, null=True, verbose_name="số định danh cá nhân"
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="personal_id_index",
            field=motcua.core.crypto.BlindIndexField(kind="id", null=True, source="personal_id", unique=True),
        ),
        migrations.AlterField(
            model_name="user",
            name="full_name",
            field=motcua.core.crypto.EncryptedTextField(blank=True, max_length=150, verbose_name="họ và tên"),
        ),
        migrations.AlterField(
            model_name="datastoreitem",
            name="owner_id_number",
            field=motcua.core.crypto.EncryptedTextField(
                max_length=20, verbose_name="số định danh / mã số thuế"
            ),
        ),
        migrations.AddField(
            model_name="datastoreitem",
            name="owner_id_index",
            field=motcua.core.crypto.BlindIndexField(db_index=True, kind="id", source="owner_id_number"),
        ),
        migrations.RunPython(INDEX_USERS, UNINDEX_USERS, elidable=False),
        migrations.RunPython(INDEX_ITEMS, UNINDEX_ITEMS, elidable=False),
        migrations.RunPython(ENCRYPT, DECRYPT, elidable=False),
    ]
