"""The audit log (nhật ký kiểm toán): append-only, in keyed hash chains anchored outside the database.

Entries are written into one of N chains (shards) so that officers acting at the same time do
not wait for each other; each entry is chained to the previous one of its shard by an HMAC keyed
with a key kept outside the database. The shard heads are signed and time-stamped into an
append-only store outside the database every few minutes. Editing, deleting or truncating
entries — even by someone who can write the database — is found by `motcua audit verify`
(ADR 0038). Entries written before that scheme form the legacy chain (shard -1, plain SHA-256).
"""

from django.db import models

LEGACY_SHARD = -1


class AuditEntry(models.Model):
    # `sequence` orders all entries of the province (unique, increasing); the chains use
    # (`shard`, `shard_sequence`).
    sequence = models.PositiveBigIntegerField("số thứ tự", unique=True)
    shard = models.SmallIntegerField("chuỗi", default=LEGACY_SHARD)
    shard_sequence = models.PositiveBigIntegerField("số thứ tự trong chuỗi")
    at = models.DateTimeField("thời điểm", db_index=True)
    actor = models.CharField("người thực hiện", max_length=150)
    actor_id = models.BigIntegerField("mã người thực hiện", null=True, blank=True)
    action = models.CharField("hành động", max_length=80, db_index=True)
    object_type = models.CharField("loại đối tượng", max_length=80, blank=True)
    object_id = models.CharField("mã đối tượng", max_length=80, blank=True, db_index=True)
    data = models.JSONField("chi tiết", default=dict, blank=True)
    key_id = models.CharField("mã khóa", max_length=16, blank=True)  # empty: legacy, unkeyed
    prev_hash = models.CharField("mã băm trước", max_length=64)
    hash = models.CharField("mã băm", max_length=64, unique=True)

    class Meta:
        verbose_name = "bản ghi kiểm toán"
        verbose_name_plural = "nhật ký kiểm toán"
        ordering = ["sequence"]
        constraints = [
            models.UniqueConstraint(fields=["shard", "shard_sequence"], name="audit_entry_shard_position")
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_type}:{self.object_id} — {self.actor}"


class AuditChainHead(models.Model):
    """The last entry of one chain. Locking it serialises the writers of that chain only."""

    shard = models.SmallIntegerField(unique=True)
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = "đầu chuỗi kiểm toán"

    def __str__(self) -> str:
        return f"[{self.shard}] #{self.sequence} {self.hash[:12]}"


class AuditCheckpoint(models.Model):
    """Where a chain starts after a retention purge: the last purged entry's position and hash,
    with an HMAC (the chain key) so that it cannot be moved to hide a deletion."""

    shard = models.SmallIntegerField(unique=True)
    sequence = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)
    purged_at = models.DateTimeField()
    mac = models.CharField(max_length=64)

    class Meta:
        verbose_name = "điểm bắt đầu chuỗi kiểm toán"

    def __str__(self) -> str:
        return f"[{self.shard}] from #{self.sequence + 1}"
