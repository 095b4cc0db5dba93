"""The log of pulls from the national portal: when, what came, what was refused and why."""

from django.db import models


class PullRun(models.Model):
    """One `pull_new_dossiers` run (lần lấy hồ sơ mới từ Cổng DVC quốc gia).

    `since` of the next scheduled pull is the `started_at` of the last run that finished; the
    rejected records are kept with the field and the reason, for an operator to follow up.
    """

    adapter = models.CharField("bộ nối", max_length=60)
    started_at = models.DateTimeField("bắt đầu", db_index=True)
    finished_at = models.DateTimeField("kết thúc")
    since = models.DateTimeField("lấy hồ sơ từ", null=True, blank=True)
    fetched = models.PositiveIntegerField("số bản ghi nhận được", default=0)
    created = models.PositiveIntegerField("hồ sơ mới", default=0)
    duplicates = models.PositiveIntegerField("đã có (trùng mã)", default=0)
    rejected = models.PositiveIntegerField("bị từ chối", default=0)
    #: [{"MaHoSo": ..., "field": ..., "reason": ...}]
    rejections = models.JSONField("bản ghi bị từ chối", default=list, blank=True)

    class Meta:
        verbose_name = "lần lấy hồ sơ từ Cổng DVC quốc gia"
        verbose_name_plural = "các lần lấy hồ sơ từ Cổng DVC quốc gia"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.started_at:%d/%m/%Y %H:%M} {self.adapter}: +{self.created}, trùng {self.duplicates}"
