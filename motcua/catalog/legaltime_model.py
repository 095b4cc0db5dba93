"""The administrator-kept table of legal times (bảng thời hạn giải quyết theo luật định).

Imported by `motcua.catalog.models`; the rules that read it are in `motcua.catalog.legaltimes`.
"""

from django.core.exceptions import ValidationError
from django.db import models


class LegalTime(models.Model):
    """Thời hạn giải quyết theo luật định of one procedure, for one channel or for all of them.

    Kept by the province's administrators, with the legal basis and who set it; shipped filled for
    the e-form procedures, the Đề án 06 essential services and the NĐ 63/2024 bundles
    (data/catalog/legal-times). It wins over the national record's printed time (ADR 0029).
    """

    class Unit(models.TextChoices):
        WORKING_DAYS = "working_days", "ngày làm việc"
        DAYS = "days", "ngày (theo lịch)"
        WORKING_HOURS = "working_hours", "giờ làm việc"
        #: Giải quyết trong ngày; received after the province's cut-off (15:00): the next working day.
        SAME_DAY = "same_day", "trong ngày (sau giờ chốt: ngày làm việc tiếp theo)"

    class ChannelChoice(models.TextChoices):
        ALL = "", "Mọi cách thức"
        ONLINE = "online", "Trực tuyến"
        COUNTER = "counter", "Trực tiếp"
        POST = "post", "Dịch vụ bưu chính"

    procedure = models.ForeignKey(
        "catalog.Procedure", verbose_name="thủ tục", on_delete=models.CASCADE, related_name="legal_times"
    )
    channel = models.CharField(
        "cách thức nộp", max_length=16, choices=ChannelChoice.choices, blank=True, default=""
    )
    amount = models.DecimalField("thời hạn", max_digits=7, decimal_places=2, default=0)
    unit = models.CharField("đơn vị", max_length=16, choices=Unit.choices)
    legal_basis = models.TextField("căn cứ pháp lý")
    #: Who decided the value: an administrator's name, or the shipped data file (SHIPPED_BY).
    set_by = models.CharField("người xác lập", max_length=150)
    #: Where the value can be checked: the national record's page, the act's text.
    source = models.CharField("nguồn", max_length=500, blank=True)
    note = models.TextField("ghi chú", blank=True)
    updated_at = models.DateTimeField("cập nhật", auto_now=True)

    class Meta:
        verbose_name = "thời hạn giải quyết theo luật định"
        verbose_name_plural = "thời hạn giải quyết theo luật định"
        ordering = ["procedure__code", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "channel"], name="uniq_legal_time_channel")
        ]

    def __str__(self) -> str:
        return f"{self.procedure_id} {self.channel or '*'}: {self.display}"

    @property
    def display(self) -> str:
        if self.unit == self.Unit.SAME_DAY:
            return self.get_unit_display()
        return f"{self.amount.normalize():f} {self.get_unit_display()}"

    def clean(self):
        if self.unit == self.Unit.SAME_DAY:
            if self.amount:
                raise ValidationError({"amount": "Thời hạn “trong ngày” không có số lượng: để 0."})
        elif self.amount is None or self.amount <= 0:
            raise ValidationError({"amount": "Thời hạn phải lớn hơn 0."})
        if self.unit in (self.Unit.WORKING_DAYS, self.Unit.DAYS) and self.amount != int(self.amount):
            raise ValidationError({"amount": "Thời hạn theo ngày phải là số nguyên."})
        if not (self.legal_basis or "").strip():
            raise ValidationError({"legal_basis": "Ghi căn cứ pháp lý của thời hạn."})
