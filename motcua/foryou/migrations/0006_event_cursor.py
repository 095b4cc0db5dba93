"""The registry-event consumer's cursor on the event log (issue 14: triggers on new registry events)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("foryou", "0005_consent_purpose"),
    ]

    operations = [
        migrations.CreateModel(
            name="EventCursor",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=60, unique=True, verbose_name="bộ đọc")),
                ("last_event_id", models.BigIntegerField(default=0, verbose_name="sự kiện cuối đã đọc")),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={"verbose_name": "con trỏ đọc sự kiện", "verbose_name_plural": "con trỏ đọc sự kiện"},
        ),
    ]
