"""Floor-1 tables: the legal calendar (lịch nghỉ lễ, làm bù) and the dossier-code counters."""

from django.core.exceptions import ValidationError
from django.db import models


class CalendarDay(models.Model):
    """Ngày đặc biệt trong lịch pháp định: a day that does not follow the Monday–Friday rule.

    Only exceptions are stored: a holiday (ngày lễ, Tết), a day off given by a swap or as
    compensation (ngày nghỉ bù, ngày nghỉ hoán đổi), or a Saturday/Sunday made a working day
    (ngày làm bù). Every other Monday–Friday is a working day and every other Saturday and
    Sunday is not. The table is seeded by `manage.py load_calendar` and then maintained by an
    administrator from each year's official notice; it is the truth the deadline maths reads.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "Ngày lễ, Tết"
        DAY_OFF = "day_off", "Ngày nghỉ bù, nghỉ hoán đổi"
        WORKING_DAY = "working_day", "Ngày làm bù (thứ Bảy, Chủ nhật đi làm)"

    date = models.DateField("ngày", unique=True)
    kind = models.CharField("loại ngày", max_length=16, choices=Kind.choices)
    name = models.CharField("tên ngày", max_length=200)
    source = models.CharField(
        "nguồn", max_length=300, blank=True, help_text="Văn bản công bố hoặc nguồn dữ liệu của ngày này."
    )
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    #: Part of the calendar cache's version stamp (with the row count): keep auto_now.
    updated_at = models.DateTimeField("cập nhật lúc", auto_now=True)

    class Meta:
        verbose_name = "ngày trong lịch pháp định"
        verbose_name_plural = "lịch nghỉ lễ, nghỉ bù và làm bù"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} — {self.name} ({self.get_kind_display()})"

    @property
    def is_working(self) -> bool:
        return self.kind == self.Kind.WORKING_DAY

    def clean(self) -> None:
        # A make-up day on a weekday would change nothing and is almost certainly a typo.
        if self.kind == self.Kind.WORKING_DAY and self.date and self.date.weekday() < 5:
            raise ValidationError(
                {"kind": "Ngày làm bù phải là thứ Bảy hoặc Chủ nhật; thứ Hai – thứ Sáu vốn là ngày làm việc."}
            )


class DossierCodeCounter(models.Model):
    """Bộ đếm số thứ tự hồ sơ trong ngày: the last sequence number used per scope and day.

    The scope is the agency code for TT 01/2018 / TT 03/2025 codes and
    "<system owner>:<unit code>" for centralised-system codes (TT 04/2025), so the two never
    share a sequence. Rows are only written by `motcua.core.codes` with a single upsert.
    """

    scope = models.CharField("phạm vi đánh số", max_length=64)
    day = models.DateField("ngày tiếp nhận")
    last_value = models.PositiveIntegerField("số thứ tự cuối", default=0)

    class Meta:
        verbose_name = "bộ đếm mã hồ sơ"
        verbose_name_plural = "bộ đếm mã hồ sơ"
        ordering = ["-day", "scope"]
        constraints = [
            # The upsert in codes.py names (scope, day) as its ON CONFLICT target: this unique
            # index must exist on both SQLite and PostgreSQL.
            models.UniqueConstraint(fields=["scope", "day"], name="core_codecounter_scope_day_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.day:%d/%m/%Y}: {self.last_value}"


class Event(models.Model):
    """The event log (outbox): what happened, written in the same transaction as the change.

    Consumers (national-portal sync, dashboards, reminders, notifications) read it from their own
    cursor, in `id` order, idempotently.
    """

    topic = models.CharField("chủ đề", max_length=80, db_index=True)
    aggregate_type = models.CharField("loại đối tượng", max_length=40)
    aggregate_id = models.CharField("mã đối tượng", max_length=80, db_index=True)
    payload = models.JSONField("nội dung", default=dict)
    created_at = models.DateTimeField("thời điểm", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "sự kiện"
        verbose_name_plural = "nhật ký sự kiện"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.topic} {self.aggregate_id}"


class JobState(models.Model):
    """The last run of one periodic job (`motcua.core.jobs`), shared by every worker."""

    name = models.CharField("việc", max_length=100, primary_key=True)
    last_started = models.DateTimeField("bắt đầu lần cuối", null=True, blank=True)
    last_finished = models.DateTimeField("xong lần cuối", null=True, blank=True)
    last_outcome = models.CharField("kết quả", max_length=200, blank=True)
    last_error = models.CharField("lỗi", max_length=500, blank=True)
    last_seconds = models.FloatField("thời gian chạy (giây)", null=True, blank=True)
    #: The lease of the run in progress (its timeout + a grace): no second run starts before it ends.
    running_until = models.DateTimeField("đang chạy đến", null=True, blank=True)

    class Meta:
        verbose_name = "việc định kỳ"
        verbose_name_plural = "việc định kỳ"

    def __str__(self) -> str:
        return self.name
