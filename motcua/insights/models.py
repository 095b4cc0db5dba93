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


# --- the index in real time (ADR 0022): maintained aggregates ------------------------------------


class TallyCounts(models.Model):
    """The additive counts of the index for one span of days (`day`), one handling agency, one
    procedure and one assigned officer (0 = none). Kept up to date by `motcua.insights.realtime`
    from the event log; `rebuild()` recomputes them from the dossiers.

    Day columns count dossiers whose reception (received…cdb) or end (ended…finished_us) fell in the
    span. Delta columns are the steps of the open-dossier counts: +1 on the first day a dossier is
    unfinished (or overdue) at midnight, −1 on the first day it no longer is, so the count at the end
    of a period is the sum of the deltas up to that day."""

    day = models.DateField("ngày")
    agency_key = models.PositiveIntegerField("cơ quan giải quyết", default=0)
    procedure_key = models.PositiveIntegerField("thủ tục", default=0)
    officer_key = models.PositiveIntegerField("cán bộ xử lý", default=0)
    # by day of reception
    received = models.IntegerField(default=0)
    synced = models.IntegerField(default=0)
    online = models.IntegerField(default=0)
    fee = models.IntegerField(default=0)
    paid = models.IntegerField(default=0)
    reuse = models.IntegerField(default=0)
    store = models.IntegerField(default=0)
    cdb = models.IntegerField(default=0)
    # by day of end
    ended = models.IntegerField(default=0)
    ended_ok = models.IntegerField(default=0)
    granted = models.IntegerField(default=0)
    with_result = models.IntegerField(default=0)
    digitised = models.IntegerField(default=0)
    ended_complaint = models.IntegerField(default=0)
    finished = models.IntegerField(default=0)
    finished_us = models.BigIntegerField(default=0)
    #: ended without a legal time (chưa có thời hạn luật định): never on time nor late
    ended_untimed = models.IntegerField(default=0)
    # steps of the counts at the end of a period
    late = models.IntegerField(default=0)
    late_complaint = models.IntegerField(default=0)
    unfin = models.IntegerField(default=0)
    unfin_complaint = models.IntegerField(default=0)
    unfin_untimed = models.IntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day} {self.agency_key}/{self.procedure_key}/{self.officer_key}"


class IndexTally(TallyCounts):
    """Số liệu tổng hợp duy trì liên tục theo ngày: the counts of one local day (`day`)."""

    class Meta:
        verbose_name = "số liệu tổng hợp theo ngày"
        verbose_name_plural = "số liệu tổng hợp theo ngày"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "agency_key", "procedure_key", "officer_key"], name="uniq_index_tally"
            )
        ]
        indexes = [
            models.Index(fields=["agency_key", "day"], name="index_tally_agency_day"),
            models.Index(fields=["procedure_key", "day"], name="index_tally_procedure_day"),
            models.Index(fields=["officer_key", "day"], name="index_tally_officer_day"),
        ]


class IndexTallyMonth(TallyCounts):
    """Số liệu tổng hợp theo tháng: the same counts for a whole month (`day` = its first day), kept
    beside the daily rows so that a long period reads its whole months here (about 5 times fewer
    rows) and only its partial months from the days (ADR 0026)."""

    class Meta:
        verbose_name = "số liệu tổng hợp theo tháng"
        verbose_name_plural = "số liệu tổng hợp theo tháng"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "agency_key", "procedure_key", "officer_key"], name="uniq_index_tally_month"
            )
        ]
        indexes = [
            models.Index(fields=["agency_key", "day"], name="index_month_agency_day"),
            models.Index(fields=["procedure_key", "day"], name="index_month_procedure_day"),
            models.Index(fields=["officer_key", "day"], name="index_month_officer_day"),
        ]


class DossierFact(models.Model):
    """Dữ kiện của hồ sơ cho chỉ số: one narrow row per received dossier with everything the period
    rules of the index read, already reduced to integers (ADR 0026).

    Written by `motcua.insights.realtime` from the dossier and its documents, payments, result and
    feedback, in the same step that keeps `IndexTally` up to date: an update subtracts the tally rows
    of the stored fact and adds those of the new one (idempotent). The full recompute of any period
    is one aggregate over this table (`realtime.gather(..., basis="facts")`), and `rebuild()` derives
    it again from the dossiers.

    Days are local days as proleptic ordinals (`date.toordinal()`): integer comparisons, the same on
    every database. For a period of local days [F, L]:
    * received in it ⇔ F ≤ received_day ≤ L;
    * ended in it ⇔ F ≤ ended_day ≤ L (set only for the ended statuses);
    * unfinished at its end ⇔ received_day ≤ L < closed_day (null: still open);
    * overdue at its end ⇔ late_day ≤ L < closed_day (null late_day: never overdue)."""

    dossier_id = models.BigIntegerField("hồ sơ", primary_key=True)
    agency_key = models.PositiveIntegerField("cơ quan giải quyết", default=0)
    procedure_key = models.PositiveIntegerField("thủ tục", default=0)
    officer_key = models.PositiveIntegerField("cán bộ xử lý", default=0)
    flags = models.PositiveIntegerField("điều kiện không phụ thuộc kỳ (bit)", default=0)
    received_day = models.IntegerField("ngày tiếp nhận")
    ended_day = models.IntegerField("ngày kết thúc", null=True)
    closed_day = models.IntegerField("ngày thôi tính là đang giải quyết", null=True)
    late_day = models.IntegerField("ngày bắt đầu quá hạn", null=True)
    finished_us = models.BigIntegerField("thời gian giải quyết (µs)", null=True)

    class Meta:
        verbose_name = "dữ kiện hồ sơ cho chỉ số"
        verbose_name_plural = "dữ kiện hồ sơ cho chỉ số"
        indexes = [
            # Covering, in the order of the recompute's GROUP BY: SQLite aggregates in index order
            # instead of sorting every row (ADR 0026).
            models.Index(
                fields=[
                    "procedure_key",
                    "flags",
                    "agency_key",
                    "officer_key",
                    "received_day",
                    "ended_day",
                    "closed_day",
                    "late_day",
                    "finished_us",
                ],
                name="dossier_fact_by_procedure",
            ),
        ]

    def __str__(self) -> str:
        return f"hồ sơ #{self.dossier_id}"


class IndexDirty(models.Model):
    """A dossier whose fact must be recomputed: written in the same transaction as the change
    (from the event or the save), consumed right after the commit or by the worker."""

    dossier_id = models.BigIntegerField("hồ sơ", db_index=True)

    class Meta:
        verbose_name = "hồ sơ chờ cập nhật chỉ số"
        verbose_name_plural = "hồ sơ chờ cập nhật chỉ số"

    def __str__(self) -> str:
        return f"hồ sơ #{self.dossier_id}"


class IndexState(models.Model):
    """Whether the maintained aggregates can answer: built by `rebuild()` under these settings."""

    name = models.CharField(max_length=20, primary_key=True, default="index")
    fingerprint = models.CharField("cấu hình khi dựng", max_length=200)
    built_at = models.DateTimeField("dựng lúc")
    dossiers = models.PositiveIntegerField("số hồ sơ", default=0)
    seconds = models.FloatField("thời gian dựng (giây)", default=0)

    class Meta:
        verbose_name = "trạng thái số liệu tổng hợp"
        verbose_name_plural = "trạng thái số liệu tổng hợp"

    def __str__(self) -> str:
        return f"{self.name} ({self.built_at:%Y-%m-%d %H:%M})"
