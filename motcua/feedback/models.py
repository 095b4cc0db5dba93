"""Ratings of a dossier (đánh giá mức độ hài lòng) and feedback cases (phản ánh, kiến nghị — PAKN).

State changes go through `motcua.feedback.services` only.
"""

from django.conf import settings
from django.db import models

from motcua.core.crypto import BlindIndexed, BlindIndexField, EncryptedTextField, IndexedQuerySet


class Satisfaction(models.IntegerChoices):
    """The rating scale; 3 and 4 count as satisfied (QĐ 1565 criterion C4)."""

    VERY_SATISFIED = 4, "Rất hài lòng"
    SATISFIED = 3, "Hài lòng"
    NEUTRAL = 2, "Bình thường"
    DISSATISFIED = 1, "Không hài lòng"


SATISFIED_LEVELS = {Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED}


class Rating(models.Model):
    """One rating per dossier, by its applicant, once the result is out."""

    dossier = models.OneToOneField(
        "dossiers.Dossier", verbose_name="hồ sơ", on_delete=models.CASCADE, related_name="rating"
    )
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="ratings"
    )
    level = models.PositiveSmallIntegerField("mức độ hài lòng", choices=Satisfaction.choices)
    comment = models.TextField("ý kiến", blank=True)
    created_at = models.DateTimeField("thời điểm đánh giá", auto_now_add=True)

    class Meta:
        verbose_name = "đánh giá"
        verbose_name_plural = "đánh giá mức độ hài lòng"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.get_level_display()}"

    @property
    def is_satisfied(self) -> bool:
        return self.level in SATISFIED_LEVELS


class FeedbackCase(BlindIndexed, models.Model):
    """Phản ánh, kiến nghị: a citizen's complaint or suggestion that an agency must answer in time.

    Legal times on the national portal (spec §1.2 group 6): accept or reject within 2 working
    days, ask for more information within 5, answer within 15, publish the answer within 2.
    """

    class Status(models.TextChoices):
        NEW = "new", "Mới tiếp nhận"
        ACCEPTED = "accepted", "Đang xử lý"
        INFO_REQUESTED = "info_requested", "Đề nghị bổ sung thông tin"
        REJECTED = "rejected", "Không thụ lý"
        ANSWERED = "answered", "Đã trả lời"
        PUBLISHED = "published", "Đã công khai trả lời"

    class Reaction(models.TextChoices):
        NONE = "", "Chưa đánh giá"
        LIKE = "like", "Hài lòng với trả lời"
        DISLIKE = "dislike", "Không hài lòng với trả lời"

    code = models.CharField("mã phản ánh", max_length=40, unique=True)
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name="hồ sơ",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback_cases",
    )
    rating = models.OneToOneField(
        Rating, null=True, blank=True, on_delete=models.SET_NULL, related_name="feedback_case"
    )
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="feedback_cases"
    )
    submitter_name = EncryptedTextField("người phản ánh", max_length=200)
    submitter_id_number = EncryptedTextField("số định danh", max_length=20)
    submitter_id_index = BlindIndexField(source="submitter_id_number", db_index=True)
    agency = models.ForeignKey(
        "places.Agency", verbose_name="cơ quan xử lý", on_delete=models.PROTECT, related_name="feedback_cases"
    )
    subject = models.CharField("tiêu đề", max_length=200)
    content = models.TextField("nội dung")
    status = models.CharField("trạng thái", max_length=16, choices=Status.choices, default=Status.NEW)
    #: Another case by the same person about the same dossier (counts against PAKN satisfaction).
    repeated = models.BooleanField("phản ánh lặp lại", default=False)

    opened_at = models.DateTimeField("ngày tiếp nhận")
    accept_due_at = models.DateTimeField("hạn thụ lý")
    #: When the agency accepted or rejected the case (thụ lý / không thụ lý).
    decided_at = models.DateTimeField("ngày quyết định thụ lý", null=True, blank=True)
    answer_due_at = models.DateTimeField("hạn trả lời")
    answered_at = models.DateTimeField("ngày trả lời", null=True, blank=True)
    publish_due_at = models.DateTimeField("hạn công khai", null=True, blank=True)
    published_at = models.DateTimeField("ngày công khai", null=True, blank=True)

    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    officer_note = models.TextField("lý do / yêu cầu của cơ quan", blank=True)
    answer = models.TextField("nội dung trả lời", blank=True)
    reaction = models.CharField(
        "đánh giá trả lời", max_length=8, choices=Reaction.choices, default=Reaction.NONE, blank=True
    )
    version = models.PositiveIntegerField(default=1)

    #: update() and bulk_update() keep the blind indexes in step (ADR 0048).
    objects = IndexedQuerySet.as_manager()

    class Meta:
        verbose_name = "phản ánh, kiến nghị"
        verbose_name_plural = "phản ánh, kiến nghị"
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["agency", "status", "answer_due_at"])]

    def __str__(self) -> str:
        return self.code

    @property
    def is_open(self) -> bool:
        return self.status in {self.Status.NEW, self.Status.ACCEPTED, self.Status.INFO_REQUESTED}

    def answered_on_time(self) -> bool | None:
        """None while unanswered; rejection counts against the acceptance deadline."""
        if self.status == self.Status.REJECTED:
            return self.decided_at is not None and self.decided_at <= self.accept_due_at
        if self.answered_at is None:
            return None
        return self.answered_at <= self.answer_due_at
