"""Consent records keep the purpose they were given for (issue 17 item 6; Luật 91/2025 Điều 9.2)."""

from django.db import migrations, models

PROACTIVE = (
    "Nhắc việc và chuẩn bị sẵn hồ sơ từ dữ liệu của chính bạn (dịch vụ công chủ động, NĐ 224/2026 Điều 16–17)"
)
REMINDERS = "Gửi nhắc việc qua thư điện tử và tin nhắn SMS"


def fill_purpose(apps, schema_editor):
    # Earlier rows: the purpose follows from the scope, as the text they showed said.
    ConsentRecord = apps.get_model("foryou", "ConsentRecord")
    ConsentRecord.objects.filter(scope="reminders", purpose="").update(purpose=REMINDERS)
    ConsentRecord.objects.filter(purpose="").exclude(scope="reminders").update(purpose=PROACTIVE)


class Migration(migrations.Migration):
    dependencies = [
        ("foryou", "0004_reminders"),
    ]

    operations = [
        migrations.AddField(
            model_name="consentrecord",
            name="purpose",
            field=models.CharField(blank=True, max_length=300, verbose_name="mục đích xử lý"),
        ),
        migrations.RunPython(fill_purpose, migrations.RunPython.noop),
    ]
