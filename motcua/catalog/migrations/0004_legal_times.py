# Issue 13 item 3: the administrator-kept table of legal times (ADR 0029). Written by hand so that it
# holds only this model.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_province_list"),
    ]

    operations = [
        migrations.CreateModel(
            name="LegalTime",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "channel",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("", "Mọi cách thức"),
                            ("online", "Trực tuyến"),
                            ("counter", "Trực tiếp"),
                            ("post", "Dịch vụ bưu chính"),
                        ],
                        default="",
                        max_length=16,
                        verbose_name="cách thức nộp",
                    ),
                ),
                (
                    "amount",
                    models.DecimalField(decimal_places=2, default=0, max_digits=7, verbose_name="thời hạn"),
                ),
                (
                    "unit",
                    models.CharField(
                        choices=[
                            ("working_days", "ngày làm việc"),
                            ("days", "ngày (theo lịch)"),
                            ("working_hours", "giờ làm việc"),
                            ("same_day", "trong ngày (sau giờ chốt: ngày làm việc tiếp theo)"),
                        ],
                        max_length=16,
                        verbose_name="đơn vị",
                    ),
                ),
                ("legal_basis", models.TextField(verbose_name="căn cứ pháp lý")),
                ("set_by", models.CharField(max_length=150, verbose_name="người xác lập")),
                ("source", models.CharField(blank=True, max_length=500, verbose_name="nguồn")),
                ("note", models.TextField(blank=True, verbose_name="ghi chú")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="cập nhật")),
                (
                    "procedure",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="legal_times",
                        to="catalog.procedure",
                        verbose_name="thủ tục",
                    ),
                ),
            ],
            options={
                "verbose_name": "thời hạn giải quyết theo luật định",
                "verbose_name_plural": "thời hạn giải quyết theo luật định",
                "ordering": ["procedure__code", "channel"],
                "constraints": [
                    models.UniqueConstraint(fields=("procedure", "channel"), name="uniq_legal_time_channel")
                ],
            },
        ),
    ]
