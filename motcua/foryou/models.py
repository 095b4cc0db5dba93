"""Proactive services: trigger kinds (data), suggestions and their trace, refusals and consents.

People are keyed by their personal ID number (số định danh cá nhân), like the data store: a
resident need not have an account for the nightly pass to prepare their reminders. The number is
stored only as its keyed blind index (ADR 0048): `person_id` is a `BlindIndexField` that indexes the
number it is given, so `filter(person_id=number)` finds the rows and the column never holds the number;
a bundle case, whose number is read back for its dossiers, keeps it encrypted in `person_number`.
"""

from django.db import models

from motcua.core.crypto import BlindIndexField, EncryptedTextField


class Level(models.IntegerChoices):
    """NĐ 224/2026 Điều 16 (no level 4: nothing is done for the citizen without them)."""

    REMINDER = 1, "Mức 1: nhắc việc"
    PREPARED = 2, "Mức 2: nhắc việc kèm hồ sơ soạn sẵn"
    OPTIONS = 3, "Mức 3: hồ sơ soạn sẵn và các lựa chọn được so sánh"


class TriggerKind(models.Model):
    """A kind of trigger (loại sự kiện kích hoạt): kept as data, loaded from data/foryou/triggers.json."""

    code = models.SlugField("mã", max_length=40, unique=True)
    name = models.CharField("tên", max_length=200)
    #: Which data it reads: population, civil_status, driving_licence, social_insurance, dossiers.
    source = models.CharField("nguồn dữ liệu", max_length=32)
    rule = models.JSONField("quy tắc", default=dict)
    lead_days = models.PositiveIntegerField("báo trước (ngày)")
    window_days = models.PositiveIntegerField("còn gợi ý sau hạn (ngày)", default=0)
    procedures = models.JSONField("thủ tục gợi ý (mã)", default=list)
    level = models.PositiveSmallIntegerField("mức độ", choices=Level.choices)
    agency = models.CharField("cơ quan giải quyết", max_length=120)
    because = models.CharField("lý do (mẫu)", max_length=300)
    legal_basis = models.TextField("căn cứ pháp lý của thủ tục")
    data_basis = models.TextField("căn cứ sử dụng dữ liệu")
    version = models.PositiveIntegerField("phiên bản quy tắc", default=1)
    active = models.BooleanField("đang dùng", default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "loại gợi ý chủ động"
        verbose_name_plural = "loại gợi ý chủ động"
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name


class Suggestion(models.Model):
    """One suggestion to one person for one due date (gợi ý), with what became of it (Điều 19)."""

    person_id = BlindIndexField("số định danh (chỉ mục mù)", db_index=True)
    kind = models.ForeignKey(TriggerKind, on_delete=models.PROTECT, related_name="suggestions")
    procedure_code = models.CharField("thủ tục", max_length=32)
    agency = models.CharField("cơ quan", max_length=120)
    level = models.PositiveSmallIntegerField("mức độ", choices=Level.choices)
    due = models.DateField("hạn")
    because = models.CharField("lý do", max_length=400)
    inputs = models.JSONField("dữ liệu đầu vào", default=dict)
    rule_version = models.PositiveIntegerField("phiên bản quy tắc")
    origin = models.CharField("tạo bởi", max_length=16)  # page | sign_in | nightly | cli
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    first_shown_at = models.DateTimeField("hiển thị lần đầu", null=True, blank=True)
    shown_count = models.PositiveIntegerField("số lần hiển thị", default=0)
    acted_at = models.DateTimeField("đã nộp hồ sơ lúc", null=True, blank=True)
    acted_dossier = models.CharField("hồ sơ đã nộp", max_length=64, blank=True)
    dismissed_at = models.DateTimeField("bỏ qua lúc", null=True, blank=True)
    refused_at = models.DateTimeField("từ chối lúc", null=True, blank=True)

    class Meta:
        verbose_name = "gợi ý chủ động"
        verbose_name_plural = "gợi ý chủ động"
        constraints = [
            models.UniqueConstraint(fields=["person_id", "kind", "due"], name="foryou_one_per_due"),
        ]

    def __str__(self) -> str:
        return f"{self.kind.code} {self.due}"


class SuggestionTrace(models.Model):
    """Truy vết (NĐ 224 Điều 17): each time a suggestion was shown, with its inputs and rule version.

    Append-only: written by services.record_shown, never updated."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="traces")
    at = models.DateTimeField("lúc", auto_now_add=True)
    channel = models.CharField("kênh", max_length=16)  # page | cli | sign_in
    rule_version = models.PositiveIntegerField("phiên bản quy tắc")
    level = models.PositiveSmallIntegerField("mức độ")
    because = models.CharField("lý do", max_length=400)
    inputs = models.JSONField("dữ liệu đầu vào", default=dict)

    class Meta:
        verbose_name = "truy vết gợi ý"
        verbose_name_plural = "truy vết gợi ý"

    def __str__(self) -> str:
        return f"{self.suggestion_id} {self.at:%Y-%m-%d %H:%M} {self.channel}"


class Preference(models.Model):
    """A person's refusal of proactive services (quyền từ chối, Điều 17): all of them or per kind."""

    person_id = BlindIndexField("số định danh (chỉ mục mù)", unique=True)
    refused_all = models.BooleanField("từ chối mọi dịch vụ chủ động", default=False)
    refused_kinds = models.JSONField("từ chối các loại", default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "lựa chọn về dịch vụ chủ động"
        verbose_name_plural = "lựa chọn về dịch vụ chủ động"

    def __str__(self) -> str:
        return "refused all" if self.refused_all else f"refused {len(self.refused_kinds)} kinds"

    def refuses(self, kind_code: str) -> bool:
        return self.refused_all or kind_code in self.refused_kinds


class ConsentRecord(models.Model):
    """Proof of a consent, withdrawal or refusal (Luật 91/2025 Điều 9): who, when, which text, how."""

    class Action(models.TextChoices):
        REFUSE = "refuse", "Từ chối"
        ALLOW = "allow", "Cho phép lại"
        CONSENT = "consent", "Đồng ý"
        WITHDRAW = "withdraw", "Rút lại đồng ý"

    person_id = BlindIndexField("số định danh (chỉ mục mù)", db_index=True)
    at = models.DateTimeField("lúc", auto_now_add=True)
    action = models.CharField("hành động", max_length=16, choices=Action.choices)
    #: "*" every proactive service, a kind code, or "reminders" (e-mail and SMS reminders).
    scope = models.CharField("phạm vi", max_length=40)
    #: Why the data is processed under this consent or refusal (mục đích xử lý, Luật 91 Điều 9.2).
    purpose = models.CharField("mục đích xử lý", max_length=300, blank=True)
    text_version = models.CharField("phiên bản thông báo", max_length=20)
    text = models.TextField("nội dung đã hiển thị")
    channel = models.CharField("kênh", max_length=16)  # web | cli

    class Meta:
        verbose_name = "bản ghi đồng ý / từ chối"
        verbose_name_plural = "bản ghi đồng ý / từ chối"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.action} {self.scope} {self.text_version}"


class Watch(models.Model):
    """The next date a trigger kind fires for a resident (lịch nhắc): the nightly pass scans these.

    Written by each evaluation of the person (sign-in, page, registry events, refresh); holds a
    date and the inputs that justify it, nothing more of the registry record."""

    person_id = BlindIndexField("số định danh (chỉ mục mù)")
    kind = models.ForeignKey(TriggerKind, on_delete=models.CASCADE, related_name="+")
    due = models.DateField("hạn")
    procedure_code = models.CharField("thủ tục", max_length=32)
    level = models.PositiveSmallIntegerField("mức độ", choices=Level.choices)
    because = models.CharField("lý do", max_length=400)
    inputs = models.JSONField("dữ liệu đầu vào", default=dict)
    refreshed_at = models.DateTimeField("cập nhật", auto_now=True)

    class Meta:
        verbose_name = "lịch nhắc"
        verbose_name_plural = "lịch nhắc"
        constraints = [models.UniqueConstraint(fields=["person_id", "kind"], name="foryou_one_watch")]
        indexes = [models.Index(fields=["kind", "due"], name="foryou_watch_due")]

    def __str__(self) -> str:
        return f"{self.kind_id} {self.due}"


class RecommenderModel(models.Model):
    """A recommender learned from the province's dossiers (mô hình gợi ý dịch vụ, issue 15).

    Rebuilt nightly on the worker (`recommendations.rebuild`); every recommendation shown names the
    `version` it came from. Holds aggregates only, each counted on at least `min_people` people."""

    version = models.CharField("phiên bản", max_length=40, unique=True)
    built_at = models.DateTimeField("xây dựng lúc", auto_now_add=True)
    as_of = models.DateField("dữ liệu đến ngày")
    people = models.PositiveIntegerField("số người trong dữ liệu")
    dossiers = models.PositiveIntegerField("số hồ sơ trong dữ liệu")
    seconds = models.FloatField("thời gian xây dựng (giây)", default=0)
    payload = models.JSONField("mô hình")

    class Meta:
        verbose_name = "mô hình gợi ý dịch vụ"
        verbose_name_plural = "mô hình gợi ý dịch vụ"
        ordering = ["-built_at", "-id"]

    def __str__(self) -> str:
        return self.version


class RecommendationShown(models.Model):
    """Truy vết (NĐ 224 Điều 17): one recommendation shown to one person, with the model version."""

    person_id = BlindIndexField("số định danh (chỉ mục mù)", db_index=True)
    procedure_code = models.CharField("thủ tục", max_length=32)
    because = models.CharField("lý do", max_length=400)
    source = models.CharField("nguồn", max_length=16)  # learned | rule | age | popular
    model_version = models.CharField("phiên bản mô hình", max_length=40)
    channel = models.CharField("kênh", max_length=16)  # receipt | page | counter
    at = models.DateTimeField("lúc", auto_now_add=True)

    class Meta:
        verbose_name = "gợi ý dịch vụ đã hiển thị"
        verbose_name_plural = "gợi ý dịch vụ đã hiển thị"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.procedure_code} {self.model_version}"


class Bundle(models.Model):
    """A life-event bundle (liên thông TTHC) as data: its steps, their order, what flows between them."""

    code = models.SlugField("mã", max_length=40, unique=True)
    name = models.CharField("tên", max_length=300)
    legal_total = models.CharField("tổng thời hạn theo quy định", max_length=200)
    legal_basis = models.CharField("căn cứ", max_length=300)
    #: [{"key", "procedure", "name", "agency", "after", "carries": {form field: result field}, "choice"}]
    steps = models.JSONField("các bước", default=list)
    active = models.BooleanField("đang dùng", default=True)

    class Meta:
        verbose_name = "nhóm thủ tục liên thông"
        verbose_name_plural = "nhóm thủ tục liên thông"

    def __str__(self) -> str:
        return self.name


class BundleCase(models.Model):
    """One application for a bundle: the data asked once, then one linked dossier per procedure."""

    code = models.CharField("mã hồ sơ liên thông", max_length=40, unique=True)
    bundle = models.ForeignKey(Bundle, on_delete=models.PROTECT, related_name="cases")
    person_number = EncryptedTextField("số định danh người nộp", max_length=12, blank=True)
    person_id = BlindIndexField("số định danh người nộp (chỉ mục mù)", source="person_number", db_index=True)
    user = models.ForeignKey(
        "people.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answers = models.JSONField("dữ liệu tờ khai chung", default=dict)
    chosen = models.JSONField("các bước người nộp chọn", default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "hồ sơ liên thông"
        verbose_name_plural = "hồ sơ liên thông"

    def __str__(self) -> str:
        return self.code


class BundleStep(models.Model):
    """One procedure of a bundle case and its own dossier (at its own agency)."""

    class State(models.TextChoices):
        WAITING = "waiting", "Chờ kết quả bước trước"
        STARTED = "started", "Đã nộp"
        DONE = "done", "Đã có kết quả"
        STOPPED = "stopped", "Bị từ chối / dừng"
        BLOCKED = "blocked", "Không thực hiện (bước trước bị từ chối)"
        UNAVAILABLE = "unavailable", "Thủ tục chưa có trong danh mục"
        NOT_CHOSEN = "not_chosen", "Không chọn"

    case = models.ForeignKey(BundleCase, on_delete=models.CASCADE, related_name="steps")
    key = models.CharField(max_length=40)
    position = models.PositiveSmallIntegerField()
    procedure_code = models.CharField("thủ tục", max_length=32, blank=True)
    name = models.CharField("tên", max_length=300, blank=True)
    agency = models.CharField("cơ quan", max_length=120)
    after = models.CharField("sau bước", max_length=40, blank=True)
    state = models.CharField("tình trạng", max_length=16, choices=State.choices)
    dossier = models.OneToOneField(
        "dossiers.Dossier", null=True, blank=True, on_delete=models.SET_NULL, related_name="bundle_step"
    )
    carried = models.JSONField("dữ liệu nhận từ bước trước", default=dict)

    class Meta:
        verbose_name = "bước liên thông"
        verbose_name_plural = "bước liên thông"
        ordering = ["case", "position"]
        constraints = [models.UniqueConstraint(fields=["case", "key"], name="foryou_bundle_step_key")]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.key}"


class Reminder(models.Model):
    """An e-mail or SMS reminder of one suggestion (nhắc việc, mức 1), sent only with consent.

    The outbox of the nightly pass: one row per suggestion (so per person, kind and due date) and
    channel, written before sending, so a reminder is never sent twice; a failure is kept and the
    next night tries again."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Thư điện tử"
        SMS = "sms", "Tin nhắn"

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="reminders")
    channel = models.CharField("kênh", max_length=8, choices=Channel.choices)
    recipient = models.CharField("người nhận", max_length=200)
    subject = models.CharField("tiêu đề", max_length=200)
    body = models.TextField("nội dung")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField("gửi lúc", null=True, blank=True)
    error = models.CharField("lỗi", max_length=300, blank=True)

    class Meta:
        verbose_name = "nhắc việc đã gửi"
        verbose_name_plural = "nhắc việc đã gửi"
        constraints = [
            models.UniqueConstraint(fields=["suggestion", "channel"], name="foryou_one_reminder_per_channel")
        ]

    def __str__(self) -> str:
        return f"{self.suggestion_id} {self.channel}"


class EventCursor(models.Model):
    """How far a consumer of the event log has read (con trỏ đọc nhật ký sự kiện): its last event id.

    `feed.consume` moves it in the same transaction as the suggestions it creates, so a run that
    fails leaves it where it was and the next run reads the same events again (idempotent)."""

    name = models.CharField("bộ đọc", max_length=60, unique=True)
    last_event_id = models.BigIntegerField("sự kiện cuối đã đọc", default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "con trỏ đọc sự kiện"
        verbose_name_plural = "con trỏ đọc sự kiện"

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_event_id}"
