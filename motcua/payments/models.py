"""Fees (phí, lệ phí), what a dossier owes, and how it was paid.

Administrators keep `FeeLine` and `FeeRule` (dates of effect); `services.assess` turns them into
`Charge` rows (khoản phải nộp) of a dossier; every attempt to pay a charge online is a
`PaymentIntent` (yêu cầu thanh toán) with an idempotency key; money received is one `Payment`
per charge whatever the channel (database constraint: a charge is never paid twice).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from motcua.core.money import format_vnd


class Per(models.TextChoices):
    DOSSIER = "dossier", "Mỗi hồ sơ"
    COPY = "copy", "Mỗi bản"
    ITEM = "item", "Mỗi đơn vị (trang, thửa, xe…)"


class FeeLine(models.Model):
    """One fee or charge of a procedure on a channel (mức thu phí, lệ phí), valid between two dates."""

    class Kind(models.TextChoices):
        CHARGE = "le_phi", "Lệ phí"
        FEE = "phi", "Phí"

    procedure = models.ForeignKey(
        "catalog.Procedure", verbose_name="thủ tục", on_delete=models.CASCADE, related_name="fee_lines"
    )
    #: Blank: every channel. Otherwise a catalog channel (online, counter, post).
    channel = models.CharField("kênh", max_length=16, blank=True)
    kind = models.CharField("loại", max_length=8, choices=Kind.choices, default=Kind.CHARGE)
    name = models.CharField("tên khoản thu", max_length=300)
    amount = models.PositiveBigIntegerField("mức thu (đồng)")
    per = models.CharField("tính theo", max_length=8, choices=Per.choices, default=Per.DOSSIER)
    legal_basis = models.CharField("căn cứ pháp lý", max_length=500)
    valid_from = models.DateField("áp dụng từ")
    valid_to = models.DateField("áp dụng đến hết", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "khoản phí, lệ phí"
        verbose_name_plural = "khoản phí, lệ phí"
        ordering = ["procedure", "valid_from", "id"]

    def __str__(self) -> str:
        return f"{self.name}: {format_vnd(self.amount)}"


class FeeRule(models.Model):
    """A reduction (giảm) or an exemption (miễn) that the law or the province grants, with dates of effect.

    Applies to one fee line, or to every line of one procedure, or (both blank) to every fee.
    """

    class Kind(models.TextChoices):
        REDUCTION = "reduction", "Giảm"
        EXEMPTION = "exemption", "Miễn"

    kind = models.CharField("loại", max_length=10, choices=Kind.choices)
    fee_line = models.ForeignKey(
        FeeLine, null=True, blank=True, on_delete=models.CASCADE, related_name="rules"
    )
    procedure = models.ForeignKey(
        "catalog.Procedure", null=True, blank=True, on_delete=models.CASCADE, related_name="fee_rules"
    )
    #: Blank: every channel ("online": the lower online fee many provinces decide).
    channel = models.CharField("kênh", max_length=16, blank=True)
    #: Blank: everyone; otherwise the group the law names (e.g. "nguoi_co_cong", "ho_ngheo", "tre_em").
    applicant_group = models.CharField("đối tượng", max_length=40, blank=True)
    #: Share taken off, in percent (exemptions are 100).
    percent = models.PositiveSmallIntegerField("tỷ lệ giảm (%)", default=100)
    legal_basis = models.CharField("căn cứ pháp lý", max_length=500)
    valid_from = models.DateField("áp dụng từ")
    valid_to = models.DateField("áp dụng đến hết", null=True, blank=True)

    class Meta:
        verbose_name = "miễn, giảm phí, lệ phí"
        verbose_name_plural = "miễn, giảm phí, lệ phí"
        ordering = ["valid_from", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.percent}%: {self.legal_basis[:60]}"


class Charge(models.Model):
    """One amount a dossier owes (khoản phải nộp), as assessed, with its legal basis."""

    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.CASCADE, related_name="charges")
    fee_line = models.ForeignKey(FeeLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField("khoản thu", max_length=300)
    quantity = models.PositiveIntegerField("số lượng", default=1)
    unit_amount = models.PositiveBigIntegerField("đơn giá (đồng)")
    reduction = models.PositiveBigIntegerField("được giảm (đồng)", default=0)
    amount = models.PositiveBigIntegerField("phải nộp (đồng)")
    legal_basis = models.TextField("căn cứ pháp lý")
    assessed_at = models.DateTimeField("xác định lúc")
    #: Replaced by a later assessment (never deleted: receipts point here).
    cancelled = models.BooleanField(default=False)

    class Meta:
        verbose_name = "khoản phải nộp"
        verbose_name_plural = "khoản phải nộp"
        ordering = ["dossier", "id"]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.name} {self.amount}"


class Gateway(models.TextChoices):
    NATIONAL = "national", "Nền tảng thanh toán trên Cổng DVCQG"
    VIETQR = "vietqr", "Chuyển khoản ngân hàng (VietQR)"
    COUNTER_CASH = "cash", "Tiền mặt tại bộ phận một cửa"
    COUNTER_CARD = "card", "Thẻ qua máy POS tại bộ phận một cửa"


class PaymentIntent(models.Model):
    """One attempt to pay one charge through a gateway (yêu cầu thanh toán)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Chờ thanh toán"
        PAID = "paid", "Đã thanh toán"
        FAILED = "failed", "Không thành công"
        EXPIRED = "expired", "Hết hạn"
        REFUND_DUE = "refund_due", "Chờ hoàn tiền"
        #: The gateway took money we must give back (duplicate, expired, refused dossier).
        REFUNDED = "refunded", "Đã hoàn tiền"

    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, related_name="intents")
    gateway = models.CharField("kênh thanh toán", max_length=10, choices=Gateway.choices)
    #: Also the reference sent to the gateway (vnp_TxnRef-like; the VietQR transfer content).
    reference = models.CharField("mã giao dịch", max_length=40, unique=True)
    idempotency_key = models.CharField(max_length=80, unique=True)
    amount = models.PositiveBigIntegerField("số tiền (đồng)")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField("hết hạn lúc")
    gateway_txn = models.CharField("mã giao dịch của cổng", max_length=64, blank=True)
    #: One gateway transaction for several charges (a life-event bundle paid once, ADR 0033): the
    #: reference the gateway knows; each member intent keeps its own charge and amount.
    group = models.CharField("mã giao dịch gộp", max_length=40, blank=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "yêu cầu thanh toán"
        verbose_name_plural = "yêu cầu thanh toán"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.reference


class Payment(models.Model):
    """Money received for a charge (khoản đã nộp), with its signed e-receipt (biên lai điện tử)."""

    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, related_name="payments")
    intent = models.OneToOneField(
        PaymentIntent, null=True, blank=True, on_delete=models.PROTECT, related_name="payment"
    )
    gateway = models.CharField("kênh thanh toán", max_length=10, choices=Gateway.choices)
    amount = models.PositiveBigIntegerField("số tiền (đồng)")
    #: The gateway's transaction number, or the card terminal's reference, or the cash receipt book number.
    external_ref = models.CharField("mã tham chiếu", max_length=64, blank=True)
    paid_at = models.DateTimeField("nộp lúc")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    receipt_number = models.CharField("số biên lai", max_length=40, unique=True)
    receipt_file = models.FileField("biên lai điện tử", upload_to="receipts/%Y/%m/", blank=True)
    receipt_sha256 = models.CharField(max_length=64, blank=True)
    refunded_at = models.DateTimeField("hoàn tiền lúc", null=True, blank=True)
    refund_ref = models.CharField("mã hoàn tiền", max_length=64, blank=True)
    #: Paid at submission beyond what the officer's notice later asked (nộp thừa): given back
    #: through the gateway (a partial refund), the rest of the payment stays.
    excess = models.PositiveBigIntegerField("nộp thừa phải hoàn (đồng)", default=0)
    excess_refunded_at = models.DateTimeField("hoàn phần nộp thừa lúc", null=True, blank=True)
    excess_refund_ref = models.CharField("mã hoàn phần nộp thừa", max_length=64, blank=True)

    class Meta:
        verbose_name = "khoản đã nộp"
        verbose_name_plural = "khoản đã nộp"
        ordering = ["-paid_at"]
        constraints = [
            # Never charged twice: one payment per charge, whatever the channel.
            models.UniqueConstraint(fields=["charge"], name="payments_one_payment_per_charge"),
        ]

    def __str__(self) -> str:
        return self.receipt_number


class Notification(models.Model):
    """Every server-to-server notification received, applied or not (the evidence for disputes)."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", "Đã ghi nhận"
        DUPLICATE = "duplicate", "Trùng, bỏ qua"
        STALE = "stale", "Đến muộn hoặc sai thứ tự, bỏ qua"
        BAD_SIGNATURE = "bad_signature", "Sai chữ ký, từ chối"
        BAD_AMOUNT = "bad_amount", "Sai số tiền, từ chối"
        UNKNOWN = "unknown", "Không rõ giao dịch, từ chối"
        REFUNDED = "refunded", "Đã nhận tiền nhưng phải hoàn lại"

    gateway = models.CharField(max_length=10, choices=Gateway.choices)
    reference = models.CharField(max_length=40, blank=True, db_index=True)
    payload = models.JSONField(default=dict)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "thông báo từ cổng thanh toán"
        verbose_name_plural = "thông báo từ cổng thanh toán"
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.gateway} {self.reference} {self.outcome}"


class ReconciliationLine(models.Model):
    """One line of the daily reconciliation (đối soát) of a gateway, per agency."""

    class Kind(models.TextChoices):
        MATCHED = "matched", "Khớp hai bên"
        ONLY_OURS = "only_ours", "Chỉ có ở hệ thống một cửa"
        ONLY_GATEWAY = "only_gateway", "Chỉ có ở cổng thanh toán / ngân hàng"
        AMOUNT_DIFFERS = "amount_differs", "Lệch số tiền"

    day = models.DateField("ngày đối soát")
    gateway = models.CharField(max_length=10, choices=Gateway.choices)
    agency = models.ForeignKey(
        "places.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reference = models.CharField("mã giao dịch", max_length=64)
    #: The grouped transaction (one line of the gateway's file) this member line is a share of.
    group = models.CharField("mã giao dịch gộp", max_length=40, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    our_amount = models.BigIntegerField(null=True, blank=True)
    their_amount = models.BigIntegerField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.TextField("cách xử lý", blank=True)

    class Meta:
        verbose_name = "dòng đối soát"
        verbose_name_plural = "đối soát thanh toán"
        ordering = ["day", "gateway", "reference"]
        constraints = [
            models.UniqueConstraint(fields=["day", "gateway", "reference"], name="payments_recon_once"),
        ]
        indexes = [
            models.Index(
                fields=["day", "gateway"], condition=Q(resolved_at__isnull=True), name="payments_recon_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.gateway} {self.reference} {self.kind}"


class SandboxTransaction(models.Model):
    """The sandboxes' own books (the national platform's and the bank's), kept apart from ours."""

    gateway = models.CharField(max_length=10, choices=Gateway.choices)
    txn = models.CharField(max_length=64, unique=True)
    reference = models.CharField(max_length=64, db_index=True)
    amount = models.BigIntegerField()
    status = models.CharField(max_length=12)  # paid | declined | refunded
    paid_at = models.DateTimeField()
    #: Notifications held back ("notify late"), sent by `motcua payments sandbox-flush`.
    held = models.JSONField(default=list, blank=True)
    refund_txn = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "giao dịch (môi trường thử)"
        verbose_name_plural = "giao dịch (môi trường thử)"

    def __str__(self) -> str:
        return self.txn
