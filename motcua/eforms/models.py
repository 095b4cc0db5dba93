"""Form definitions (biểu mẫu điện tử tương tác) and the citizen's drafts (bản nháp tờ khai)."""

import uuid

from django.conf import settings
from django.db import models

from motcua.core.crypto import (
    BlindIndexed,
    BlindIndexField,
    EncryptedJSONField,
    EncryptedTextField,
    IndexedQuerySet,
)


class FormDefinition(models.Model):
    """One version of a procedure's interactive e-form, loaded from data/forms/<code>.json.

    A changed file makes a new version; drafts keep the version they started on.
    """

    procedure = models.ForeignKey(
        "catalog.Procedure", on_delete=models.PROTECT, related_name="form_definitions"
    )
    version = models.PositiveIntegerField("phiên bản")
    title = models.CharField("tên biểu mẫu", max_length=300)
    essential = models.BooleanField("dịch vụ công thiết yếu (Đề án 06)", default=False)
    schema = models.JSONField("JSON Schema (draft 2020-12)")
    ui = models.JSONField("gợi ý hiển thị: trang, nhãn, điền sẵn, điều kiện, giấy tờ")
    content_hash = models.CharField("mã băm nội dung", max_length=64)
    source_path = models.CharField("tệp nguồn", max_length=300)
    is_current = models.BooleanField("đang dùng", default=True)
    loaded_at = models.DateTimeField("nạp lúc", auto_now_add=True)

    class Meta:
        verbose_name = "biểu mẫu điện tử"
        verbose_name_plural = "biểu mẫu điện tử"
        constraints = [
            models.UniqueConstraint(fields=["procedure", "version"], name="eforms_one_number_per_version"),
            models.UniqueConstraint(
                fields=["procedure"], condition=models.Q(is_current=True), name="eforms_one_current_form"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @property
    def pages(self) -> list[dict]:
        return self.ui.get("pages", [])


class Draft(BlindIndexed, models.Model):
    """A citizen's answers to one form, saved page by page; becomes a dossier once submitted."""

    class State(models.TextChoices):
        OPEN = "open", "Đang khai"
        SUBMITTED = "submitted", "Đã nộp"
        ABANDONED = "abandoned", "Bỏ dở"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="form_drafts")
    acting_for = EncryptedTextField("nộp thay cho (số định danh / mã số thuế)", max_length=20)
    acting_for_index = BlindIndexField(source="acting_for")
    definition = models.ForeignKey(FormDefinition, on_delete=models.PROTECT, related_name="drafts")
    state = models.CharField("tình trạng", max_length=12, choices=State.choices, default=State.OPEN)
    answers = EncryptedJSONField("câu trả lời", default=dict)
    #: field → {"value", "label", "source", "locked"} or {"unavailable": label}
    provenance = models.JSONField("nguồn dữ liệu điền sẵn", default=dict)
    #: paper key → {"mode": "registry"|"datastore"|"upload", …}
    papers = models.JSONField("giấy tờ kèm theo", default=dict)
    touched = models.JSONField("trường người dân đã nhập", default=list)
    current_page = models.PositiveSmallIntegerField("trang đang khai", default=0)
    pages_seen = models.PositiveSmallIntegerField("số trang đã qua", default=0)
    submission_key = models.UUIDField("khóa chống nộp trùng", default=uuid.uuid4, unique=True, editable=False)

    signed_in_at = models.DateTimeField("đăng nhập lúc", null=True, blank=True)
    opened_at = models.DateTimeField("mở biểu mẫu lúc", auto_now_add=True)
    updated_at = models.DateTimeField("cập nhật lúc", auto_now=True)
    submitted_at = models.DateTimeField("nộp lúc", null=True, blank=True)
    abandoned_at = models.DateTimeField("đánh dấu bỏ dở lúc", null=True, blank=True)
    dossier = models.OneToOneField(
        "dossiers.Dossier", on_delete=models.PROTECT, null=True, blank=True, related_name="form_draft"
    )

    # Measurements for the QĐ 1565 criteria, filled at submission.
    seconds_from_sign_in = models.FloatField("giây từ đăng nhập đến nộp", null=True, blank=True)
    seconds_from_open = models.FloatField("giây từ mở biểu mẫu đến nộp", null=True, blank=True)
    fields_prefilled = models.PositiveSmallIntegerField("số trường điền sẵn", null=True, blank=True)
    fields_typed = models.PositiveSmallIntegerField("số trường người dân nhập", null=True, blank=True)
    pages_count = models.PositiveSmallIntegerField("số trang", null=True, blank=True)

    #: update() and bulk_update() keep the blind indexes in step (ADR 0048).
    objects = IndexedQuerySet.as_manager()

    class Meta:
        verbose_name = "bản nháp tờ khai"
        verbose_name_plural = "bản nháp tờ khai"
        indexes = [models.Index(fields=["state", "updated_at"])]
        constraints = [
            # One open draft per person, form version and person acted for: "start" resumes it.
            models.UniqueConstraint(
                fields=["owner", "acting_for_index", "definition"],
                condition=models.Q(state="open"),
                name="eforms_one_open_draft",
            )
        ]

    def __str__(self) -> str:
        return f"{self.definition.title} — {self.owner_id} ({self.get_state_display()})"
