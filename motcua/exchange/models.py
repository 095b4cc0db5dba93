"""The message log (nhật ký trao đổi dữ liệu): every request motcua sends to an outside system and its
answer, as the X-Road security server keeps them. Rows hold personal data (ID numbers in URLs, registry
answers), so they are read through the read-only, audited admin or `motcua messages` only.

At rest (ADR 0040): `url`, `request_body` and `response_body` are stored with ID numbers, phones,
e-mail addresses and names masked (what an operator needs to debug: status, shape, codes, timing);
the exchange as it was sent and received is kept whole in `sealed`, encrypted with the data keys."""

from django.db import models

from motcua.core.crypto import EncryptedJSONField


class MessageLog(models.Model):
    class Outcome(models.TextChoices):
        OK = "ok", "Thành công"
        NOT_FOUND = "not_found", "Không có dữ liệu"
        HTTP_ERROR = "http_error", "Lỗi từ hệ thống ngoài"
        TIMEOUT = "timeout", "Quá thời gian chờ"
        CONNECTION_ERROR = "connection_error", "Không kết nối được"
        BAD_RESPONSE = "bad_response", "Dữ liệu trả về không hợp lệ"
        CIRCUIT_OPEN = "circuit_open", "Tạm ngắt kết nối (circuit breaker)"

    service = models.CharField("dịch vụ", max_length=40)
    method = models.CharField("phương thức", max_length=8)
    url = models.CharField("địa chỉ", max_length=1000)
    request_body = models.TextField("nội dung gửi", blank=True)
    response_status = models.PositiveSmallIntegerField("mã trả về", null=True, blank=True)
    response_body = models.TextField("nội dung nhận", blank=True)
    duration_ms = models.PositiveIntegerField("thời gian (ms)", default=0)
    outcome = models.CharField("kết quả", max_length=20, choices=Outcome.choices)
    attempt = models.PositiveSmallIntegerField("lần thử", default=1)
    correlation_id = models.CharField("mã tương quan", max_length=64)
    created_at = models.DateTimeField("thời điểm", auto_now_add=True)
    #: {"url", "request_body", "response_body"} whole, encrypted: evidence for disputes.
    sealed = EncryptedJSONField("nội dung đầy đủ (mã hóa)", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "nhật ký trao đổi dữ liệu"
        verbose_name_plural = "nhật ký trao đổi dữ liệu"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["service", "created_at"], name="exchange_msg_service_at"),
            models.Index(fields=["correlation_id"], name="exchange_msg_correlation"),
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.method} {self.response_status or '-'} ({self.get_outcome_display()})"

    def save(self, *args, **kwargs):
        """A new row keeps the exchange whole only in `sealed`; the plaintext columns are masked."""
        if self._state.adding and self.sealed is None:
            from .masking import mask_for_storage

            self.sealed = {
                "url": self.url,
                "request_body": self.request_body,
                "response_body": self.response_body,
            }
            self.url = mask_for_storage(self.url)[:1000]
            self.request_body = mask_for_storage(self.request_body)
            self.response_body = mask_for_storage(self.response_body)
        super().save(*args, **kwargs)
