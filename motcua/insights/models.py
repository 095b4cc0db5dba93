"""What the insights app stores. The index itself is computed, never stored (ADR 0018)."""

from django.conf import settings
from django.db import models


class Target(models.Model):
    """Chỉ tiêu giao cho người đứng đầu cơ quan: a target a monitor sets for an agency and one period.

    `value` is a percentage (0–100) for the rates, or points (0–100) for the index total. The
    period is read like `motcua index --period` (month, quarter or year), kept as kind + first day so
    that targets sort and filter by date."""

    class Measure(models.TextChoices):
        INDEX_TOTAL = "index_total", "Tổng điểm Chỉ số 766"
        ONLINE_RATE = "online_rate", "Tỷ lệ hồ sơ trực tuyến (%)"
        ON_TIME_RATE = "on_time_rate", "Tỷ lệ hồ sơ giải quyết đúng hạn (%)"
        SATISFACTION = "satisfaction", "Tỷ lệ hài lòng (%)"
        DIGITISATION = "digitisation", "Tỷ lệ số hóa hồ sơ (%)"
        ONLINE_PAYMENT = "online_payment", "Tỷ lệ thanh toán trực tuyến (%)"

    class PeriodKind(models.TextChoices):
        MONTH = "month", "Tháng"
        QUARTER = "quarter", "Quý"
        YEAR = "year", "Năm"

    agency = models.ForeignKey(
        "places.Agency", verbose_name="cơ quan", on_delete=models.PROTECT, related_name="targets"
    )
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người đứng đầu chịu trách nhiệm",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="targets_held",
    )
    measure = models.CharField("chỉ tiêu", max_length=32, choices=Measure.choices)
    period_kind = models.CharField("loại kỳ", max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField("ngày đầu kỳ")
    value = models.DecimalField("giá trị giao", max_digits=6, decimal_places=2)
    note = models.TextField("ghi chú", blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người giao", on_delete=models.PROTECT, related_name="+"
    )
    set_at = models.DateTimeField("thời điểm giao", auto_now=True)
    version = models.PositiveIntegerField("phiên bản", default=1)

    class Meta:
        verbose_name = "chỉ tiêu"
        verbose_name_plural = "chỉ tiêu"
        ordering = ["-period_start", "agency__name", "measure"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "measure", "period_kind", "period_start"], name="uniq_target_per_period"
            ),
            models.CheckConstraint(
                condition=models.Q(value__gte=0) & models.Q(value__lte=100), name="target_value_0_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency} — {self.get_measure_display()} — {self.period_start:%m/%Y}: {self.value}"
