"""Data-subject requests (yêu cầu của chủ thể dữ liệu cá nhân, Luật 91/2025 Điều 4; NĐ 356/2025 Điều 5).

People are keyed by their personal ID number, like the data store and foryou; the account is kept
too (SET_NULL) so the request survives the account. Written only by `services`.
"""

from django.conf import settings
from django.db import models

from motcua.core.crypto import BlindIndexField, EncryptedTextField


class DataSubjectRequest(models.Model):
    class Kind(models.TextChoices):
        ACCESS = "access", "Xem, nhận bản sao dữ liệu"
        CORRECTION = "correction", "Chỉnh sửa dữ liệu"
        RESTRICTION = "restriction", "Hạn chế xử lý dữ liệu"
        OBJECTION = "objection", "Phản đối xử lý dữ liệu"
        DELETION = "deletion", "Xóa dữ liệu"
        WITHDRAW = "withdraw", "Rút lại sự đồng ý"

    class Status(models.TextChoices):
        RECEIVED = "received", "Đã nhận, chờ xác nhận"
        ACKNOWLEDGED = "acknowledged", "Đã xác nhận, đang xử lý"
        DONE = "done", "Đã thực hiện"
        PARTLY = "partly", "Đã thực hiện một phần"
        REFUSED = "refused", "Không thực hiện (có lý do)"

    OPEN = (Status.RECEIVED, Status.ACKNOWLEDGED)

    code = models.CharField("mã yêu cầu", max_length=24, unique=True)
    #: The number, encrypted (read back: shown to the officer, passed to foryou); found by `person_id`,
    #: its keyed blind index (ADR 0048).
    person_number = EncryptedTextField("số định danh", max_length=12, blank=True)
    person_id = BlindIndexField("số định danh (chỉ mục mù)", source="person_number", db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField("loại yêu cầu", max_length=16, choices=Kind.choices)
    #: For a withdrawal: "*" proactive services, "reminders" e-mail/SMS reminders, or a kind code.
    scope = models.CharField("phạm vi", max_length=40, blank=True)
    details = models.TextField("nội dung yêu cầu", blank=True)
    status = models.CharField("tình trạng", max_length=16, choices=Status.choices, default=Status.RECEIVED)
    received_at = models.DateTimeField("tiếp nhận lúc")
    ack_due_at = models.DateTimeField("hạn xác nhận đã nhận")
    due_at = models.DateTimeField("hạn giải quyết")
    due_explanation = models.TextField("cách tính hạn", blank=True)
    extended = models.BooleanField("đã gia hạn", default=False)
    extension_reason = models.TextField("lý do gia hạn", blank=True)
    acknowledged_at = models.DateTimeField("xác nhận lúc", null=True, blank=True)
    answered_at = models.DateTimeField("trả lời lúc", null=True, blank=True)
    answer = models.TextField("nội dung trả lời", blank=True)
    legal_basis = models.TextField("căn cứ pháp lý của trả lời", blank=True)
    #: What the system did: {"deleted": {what: n}, "kept": [{what, basis}], "withdrawn": scope}.
    outcome = models.JSONField("kết quả thực hiện", default=dict, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "yêu cầu của chủ thể dữ liệu"
        verbose_name_plural = "yêu cầu của chủ thể dữ liệu"
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["status", "due_at"], name="privacy_dsr_open_due")]

    def __str__(self) -> str:
        return self.code

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN
