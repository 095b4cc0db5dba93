"""The audit log (nhật ký kiểm toán): append-only, each entry chained to the previous by SHA-256.

Editing or deleting any entry breaks the chain, and `motcua audit verify` finds where.
"""

from django.db import models


class AuditEntry(models.Model):
    sequence = models.PositiveBigIntegerField("số thứ tự", unique=True)
    at = models.DateTimeField("thời điểm", db_index=True)
    actor = models.CharField("người thực hiện", max_length=150)
    actor_id = models.BigIntegerField("mã người thực hiện", null=True, blank=True)
    action = models.CharField("hành động", max_length=80, db_index=True)
    object_type = models.CharField("loại đối tượng", max_length=80, blank=True)
    object_id = models.CharField("mã đối tượng", max_length=80, blank=True, db_index=True)
    data = models.JSONField("chi tiết", default=dict, blank=True)
    prev_hash = models.CharField("mã băm trước", max_length=64)
    hash = models.CharField("mã băm", max_length=64, unique=True)

    class Meta:
        verbose_name = "bản ghi kiểm toán"
        verbose_name_plural = "nhật ký kiểm toán"
        ordering = ["sequence"]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_type}:{self.object_id} — {self.actor}"


class AuditChainHead(models.Model):
    """One row: the last sequence and hash. Locking it serialises writers of the chain."""

    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = "đầu chuỗi kiểm toán"

    def __str__(self) -> str:
        return f"#{self.sequence} {self.hash[:12]}"
