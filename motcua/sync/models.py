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


class OutboxMessage(models.Model):
    """One dossier event to deliver to the national portal (tin chờ đồng bộ lên Cổng DVCQG).

    Written by the event subscriber in the transaction of the change. Delivered in `id` order per
    dossier: a message goes only when no earlier message of its dossier is pending or dead.
    Each delivery sends the dossier's full current record (DongBoHoSoMC) and, when the event has a
    history entry, its progress record (CapNhatTienDoHoSoMC); both are idempotent on the portal.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Chờ gửi"
        SENT = "sent", "Đã gửi"
        DEAD = "dead", "Lỗi, chờ xử lý"

    event_id = models.BigIntegerField("sự kiện", unique=True, null=True, blank=True)
    topic = models.CharField("chủ đề", max_length=80)
    dossier = models.ForeignKey(
        "dossiers.Dossier", verbose_name="hồ sơ", on_delete=models.CASCADE, related_name="+"
    )
    dossier_code = models.CharField("mã hồ sơ", max_length=64)
    history = models.ForeignKey(
        "dossiers.DossierHistory", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField("trạng thái", max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField("số lần thử", default=0)
    next_try_at = models.DateTimeField("thử lại lúc", db_index=True)
    last_error = models.TextField("lỗi gần nhất", blank=True)
    created_at = models.DateTimeField("tạo lúc", db_index=True)
    sent_at = models.DateTimeField("gửi xong lúc", null=True, blank=True)

    class Meta:
        verbose_name = "tin đồng bộ Cổng DVCQG"
        verbose_name_plural = "hàng đợi đồng bộ Cổng DVCQG"
        ordering = ["id"]
        indexes = [
            models.Index(fields=["state", "next_try_at"]),
            models.Index(fields=["dossier_code", "state", "id"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.topic} {self.dossier_code} ({self.state})"


# --- the national portal sandbox's own tables (what the "portal" received) ----------------------


class SandboxControl(models.Model):
    """How the sandbox behaves now (one row): normal, slow, fail, timeout, twice, malformed."""

    class Mode(models.TextChoices):
        NORMAL = "normal", "Bình thường"
        SLOW = "slow", "Chậm"
        FAIL = "fail", "Lỗi HTTP"
        TIMEOUT = "timeout", "Nhận rồi trả lời quá hạn"
        TWICE = "twice", "Xử lý hai lần"
        MALFORMED = "malformed", "Trả lời sai định dạng"

    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.NORMAL)
    delay_ms = models.PositiveIntegerField(default=0)
    status = models.PositiveSmallIntegerField(default=503)
    #: How many more service calls the mode applies to (None: until changed).
    remaining = models.IntegerField(null=True, blank=True)

    class Meta:
        verbose_name = "chế độ sandbox Cổng DVCQG"
        verbose_name_plural = "chế độ sandbox Cổng DVCQG"

    def __str__(self) -> str:
        return f"{self.mode} ({self.delay_ms} ms)"


class SandboxSession(models.Model):
    token = models.CharField(max_length=64, unique=True)
    username = models.CharField(max_length=100)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = "phiên sandbox Cổng DVCQG"
        verbose_name_plural = "phiên sandbox Cổng DVCQG"

    def __str__(self) -> str:
        return f"{self.username} → {self.expires_at:%H:%M}"


class SandboxDossier(models.Model):
    """A dossier as the sandbox portal holds it: the last full record received."""

    code = models.CharField("MaHoSo", max_length=64, unique=True)
    agency_code = models.CharField("madonvi", max_length=40)
    status = models.PositiveSmallIntegerField("TrangThaiHoSo")
    record = models.JSONField(default=dict)
    received = models.PositiveIntegerField("số lần nhận", default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "hồ sơ trên sandbox Cổng DVCQG"
        verbose_name_plural = "hồ sơ trên sandbox Cổng DVCQG"

    def __str__(self) -> str:
        return f"{self.code} ({self.status})"


class SandboxProgress(models.Model):
    """A progress entry (QuaTrinhXuLy) the sandbox portal received; a duplicate is not stored twice."""

    dossier = models.ForeignKey(SandboxDossier, on_delete=models.CASCADE, related_name="progress")
    key = models.CharField(max_length=64, unique=True)
    status = models.PositiveSmallIntegerField("TrangThai")
    at = models.CharField("ThoiDiemXuLy", max_length=14)
    record = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "quá trình xử lý trên sandbox Cổng DVCQG"
        verbose_name_plural = "quá trình xử lý trên sandbox Cổng DVCQG"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.at} → {self.status}"


# --- webhooks to subscribed systems (ADR 0020) ---------------------------------------------------


class WebhookSubscription(models.Model):
    """A system that receives dossier events by webhook (hệ thống đăng ký nhận sự kiện).

    Managed in the admin. It hears only the event types it chose and only about dossiers whose
    handling or receiving agency is one of `agencies` (least privilege). The secret signs every
    request (Standard Webhooks, HMAC-SHA256); it is generated by motcua and shown once, when created
    or rotated.
    """

    name = models.CharField("tên hệ thống nhận", max_length=120, unique=True)
    url = models.URLField("địa chỉ nhận (URL)", max_length=500)
    secret = models.CharField("khóa bí mật", max_length=100, editable=False)
    #: Topics, e.g. ["dossier.create", "dossier.approve"] (see webhooks.event_types()).
    event_types = models.JSONField("loại sự kiện", default=list)
    agencies = models.ManyToManyField(
        "places.Agency",
        verbose_name="cơ quan được nhận tin",
        related_name="+",
        help_text="Chỉ gửi sự kiện của hồ sơ do các cơ quan này tiếp nhận hoặc giải quyết.",
    )
    active = models.BooleanField("đang hoạt động", default=True)
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    secret_rotated_at = models.DateTimeField("đổi khóa lúc", null=True, blank=True)
    #: The secret before the last rotation: it signs too for a grace period (a second `v1,` entry).
    previous_secret = models.CharField("khóa bí mật trước", max_length=100, blank=True, editable=False)

    class Meta:
        verbose_name = "đăng ký nhận webhook"
        verbose_name_plural = "đăng ký nhận webhook"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def wants(self, topic: str) -> bool:
        return topic in (self.event_types or [])


class WebhookDelivery(models.Model):
    """One event to POST to one subscription (tin webhook chờ gửi).

    Written in the transaction of the change. `body` is fixed at creation, so every attempt sends the
    same bytes with the same `event_id` (receivers deduplicate on it). Delivered in `id` order per
    (subscription, dossier): a row goes only when no earlier row of the pair is pending or dead.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Chờ gửi"
        SENT = "sent", "Đã gửi"
        DEAD = "dead", "Lỗi, chờ xử lý"

    subscription = models.ForeignKey(
        WebhookSubscription, verbose_name="đăng ký", on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField("mã sự kiện", unique=True, editable=False)
    #: The core.events Event it came from (None for a test ping).
    source_event = models.BigIntegerField("sự kiện gốc", null=True, blank=True)
    topic = models.CharField("loại sự kiện", max_length=80)
    dossier_code = models.CharField("mã hồ sơ", max_length=64, blank=True)
    body = models.TextField("nội dung gửi")
    state = models.CharField("trạng thái", max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField("số lần thử", default=0)
    next_try_at = models.DateTimeField("thử lại lúc")
    last_status = models.PositiveSmallIntegerField("mã trả về gần nhất", null=True, blank=True)
    last_error = models.TextField("lỗi gần nhất", blank=True)
    created_at = models.DateTimeField("tạo lúc", db_index=True)
    sent_at = models.DateTimeField("gửi xong lúc", null=True, blank=True)

    class Meta:
        verbose_name = "tin webhook"
        verbose_name_plural = "hàng đợi webhook"
        ordering = ["id"]
        indexes = [
            models.Index(fields=["state", "next_try_at"], name="sync_webhook_due"),
            models.Index(fields=["subscription", "dossier_code", "state", "id"], name="sync_webhook_chain"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "source_event"], name="sync_webhook_once_per_event"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.topic} {self.dossier_code} → {self.subscription_id} ({self.state})"
