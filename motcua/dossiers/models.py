"""Dossiers (hồ sơ TTHC) and everything that happens to them.

State changes go through `motcua.dossiers.services` only; these models hold the data.
"""

from django.conf import settings
from django.core.validators import validate_email
from django.db import models

from motcua.core.crypto import (
    BlindIndexed,
    BlindIndexField,
    EncryptedJSONField,
    EncryptedTextField,
    IndexedQuerySet,
)


class Status(models.IntegerChoices):
    """The ten national status codes (TrangThaiHoSo, spec §4.4)."""

    NEW = 1, "Mới đăng ký"
    RECEIVED = 2, "Được tiếp nhận"
    NOT_RECEIVED = 3, "Không được tiếp nhận"
    PROCESSING = 4, "Đang xử lý"
    SUPPLEMENT = 5, "Yêu cầu bổ sung giấy tờ"
    FINANCIAL = 6, "Yêu cầu thực hiện nghĩa vụ tài chính"
    WITHDRAWAL = 7, "Công dân yêu cầu rút hồ sơ"
    STOPPED = 8, "Dừng xử lý"
    DONE = 9, "Đã xử lý xong"
    RETURNED = 10, "Đã trả kết quả"


#: Statuses in which the legal clock does not run.
PAUSED_STATUSES = {Status.SUPPLEMENT, Status.FINANCIAL, Status.WITHDRAWAL}
#: Statuses after which nothing more happens.
FINAL_STATUSES = {Status.NOT_RECEIVED, Status.STOPPED, Status.RETURNED}
#: Statuses in which something is still to be done, in order: what the work queues show by default
#: (and the condition of the partial indexes on the open dossiers).
OPEN_STATUSES = tuple(sorted(int(s) for s in set(Status.values) - FINAL_STATUSES))
#: Statuses after reception and before the end of processing: past its appointment, a dossier in
#: one of them is late (quá hạn). The condition of the partial indexes on the late-able dossiers.
LATE_STATUSES = (
    Status.RECEIVED.value,
    Status.PROCESSING.value,
    Status.SUPPLEMENT.value,
    Status.FINANCIAL.value,
    Status.WITHDRAWAL.value,
)


class Channel(models.TextChoices):
    """Kênh nộp; `national_code` maps to KenhThucHien (1 counter, 2 online, 3 post)."""

    NATIONAL_PORTAL = "national_portal", "Trực tuyến (Cổng DVC quốc gia)"
    OWN_PORTAL = "own_portal", "Trực tuyến (Cổng của tỉnh)"
    COUNTER = "counter", "Trực tiếp"
    POST = "post", "Bưu chính công ích"

    @property
    def is_online(self) -> bool:
        return self in (Channel.NATIONAL_PORTAL, Channel.OWN_PORTAL)


class ApplicantKind(models.TextChoices):
    CITIZEN = "citizen", "Công dân"
    ORGANISATION = "organisation", "Tổ chức, doanh nghiệp"


class Decision(models.TextChoices):
    APPROVED = "approved", "Chấp thuận"
    REFUSED = "refused", "Từ chối"


class Dossier(BlindIndexed, models.Model):
    """Hồ sơ: one application for one procedure, from reception to the returned result."""

    code = models.CharField("mã hồ sơ", max_length=64, unique=True)
    #: The national portal's MaHoSo for dossiers that came from it (then equal to `code`).
    national_code = models.CharField("mã hồ sơ quốc gia", max_length=64, null=True, blank=True, unique=True)
    procedure = models.ForeignKey(
        "catalog.Procedure", verbose_name="thủ tục", on_delete=models.PROTECT, related_name="dossiers"
    )
    procedure_version = models.ForeignKey(
        "catalog.ProcedureVersion",
        verbose_name="phiên bản thủ tục",
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    channel = models.CharField("kênh nộp", max_length=20, choices=Channel.choices)

    applicant_kind = models.CharField(
        "loại chủ hồ sơ", max_length=16, choices=ApplicantKind.choices, default=ApplicantKind.CITIZEN
    )
    applicant_name = EncryptedTextField("chủ hồ sơ", max_length=200)
    #: Blind index of the folded full name (ADR 0048): the officers' search finds a whole name.
    applicant_name_index = BlindIndexField(source="applicant_name", kind="name", db_index=True)
    #: Số định danh cá nhân (citizen) or mã số thuế / mã số doanh nghiệp (organisation).
    applicant_id_number = EncryptedTextField("số giấy tờ", max_length=20)
    #: Its keyed blind index (ADR 0048): look up with `applicant_id_index=number` (or `__in`).
    applicant_id_index = BlindIndexField(source="applicant_id_number", db_index=True)
    applicant_address = EncryptedTextField("địa chỉ", max_length=300, blank=True)
    applicant_phone = EncryptedTextField("điện thoại", max_length=20, blank=True)
    applicant_email = EncryptedTextField(
        "thư điện tử", max_length=254, blank=True, validators=[validate_email]
    )
    applicant_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="tài khoản người nộp",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dossiers",
    )
    summary = models.CharField("trích yếu", max_length=500, blank=True)
    form_data = EncryptedJSONField("dữ liệu tờ khai", default=dict, blank=True)
    #: Idempotency key of an online submission on our own portal: a retry returns the same dossier.
    submission_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)

    receiving_agency = models.ForeignKey(
        "places.Agency",
        verbose_name="nơi tiếp nhận",
        on_delete=models.PROTECT,
        related_name="received_dossiers",
        db_index=False,  # dossier_recv_due_idx starts with it
    )
    handling_agency = models.ForeignKey(
        "places.Agency",
        verbose_name="cơ quan giải quyết",
        on_delete=models.PROTECT,
        related_name="handled_dossiers",
        db_index=False,  # dossier_hand_due_idx starts with it
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="cán bộ xử lý",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_dossiers",
    )

    #: The current step (bước đang xử lý: the first unfinished DossierStep), copied here by the
    #: lifecycle service (`services.perform`) after every transition, so that "Việc của tôi" is
    #: one index range per (agency, role) instead of a subquery over the steps (ADR 0046).
    #: None / "" when no step is open (not received yet, or every step finished).
    current_step_agency = models.ForeignKey(
        "places.Agency",
        verbose_name="cơ quan của bước đang xử lý",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # the composite index below starts with it
        editable=False,
    )
    current_step_role = models.CharField(
        "vai trò của bước đang xử lý", max_length=16, blank=True, default="", editable=False
    )

    status = models.PositiveSmallIntegerField("trạng thái", choices=Status.choices, db_index=True)
    #: Where a paused dossier goes back to when the pause ends.
    resume_status = models.PositiveSmallIntegerField(choices=Status.choices, null=True, blank=True)

    submitted_at = models.DateTimeField("ngày nộp", null=True, blank=True)
    received_at = models.DateTimeField("ngày tiếp nhận", null=True, blank=True)
    counting_start = models.DateTimeField("bắt đầu tính thời hạn", null=True, blank=True)
    due_at = models.DateTimeField("ngày hẹn trả", null=True, blank=True, db_index=True)
    #: Online dossiers must be answered (received, refused or sent back) within 8 working hours.
    reply_due_at = models.DateTimeField("hạn phản hồi hồ sơ trực tuyến", null=True, blank=True)
    replied_at = models.DateTimeField("đã phản hồi lúc", null=True, blank=True)
    paused_at = models.DateTimeField("tạm dừng tính thời hạn từ", null=True, blank=True)
    #: The clock restarts from zero when the pause ends (return after appraisal, NĐ 61 Art 19).
    restart_on_resume = models.BooleanField(default=False)
    finished_at = models.DateTimeField("ngày kết thúc xử lý", null=True, blank=True)
    returned_at = models.DateTimeField("ngày trả kết quả", null=True, blank=True)
    refused_at = models.DateTimeField("ngày từ chối", null=True, blank=True)

    time_amount = models.DecimalField(
        "thời hạn giải quyết", max_digits=7, decimal_places=2, null=True, blank=True
    )
    time_unit = models.CharField("đơn vị thời hạn", max_length=16, blank=True)

    supplement_count = models.PositiveSmallIntegerField("số lần yêu cầu bổ sung", default=0)
    #: A second supplement request makes the dossier count as overdue (QĐ 766).
    counts_as_overdue = models.BooleanField("tính là quá hạn", default=False)
    apology_count = models.PositiveSmallIntegerField("số lần xin lỗi, hẹn lại", default=0)

    fee_due = models.PositiveBigIntegerField("phí, lệ phí phải nộp (đồng)", default=0)
    fee_paid = models.PositiveBigIntegerField("đã nộp (đồng)", default=0)
    result_by_post = models.BooleanField("trả kết quả qua bưu chính", default=False)

    decision = models.CharField("quyết định", max_length=16, choices=Decision.choices, blank=True)
    decision_reason = models.TextField("lý do", blank=True)

    #: Optimistic locking: every transition names the version it saw.
    version = models.PositiveIntegerField("phiên bản", default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    #: update() and bulk_update() keep the blind indexes in step (ADR 0048).
    objects = IndexedQuerySet.as_manager()

    class Meta:
        verbose_name = "hồ sơ"
        verbose_name_plural = "hồ sơ"
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["handling_agency", "status", "due_at"]),
            models.Index(fields=["receiving_agency", "status", "due_at"]),
            models.Index(fields=["assignee", "status", "due_at"]),
            models.Index(fields=["status", "due_at"]),
            models.Index(
                fields=["current_step_agency", "current_step_role", "status", "due_at"],
                name="dossier_current_step_idx",
                condition=models.Q(current_step_agency__isnull=False),
            ),
            # "Quá hạn": the few dossiers counted as overdue (QĐ 766), per side and province-wide.
            models.Index(
                fields=["receiving_agency", "status", "due_at"],
                name="dossier_counted_late_recv_idx",
                condition=models.Q(counts_as_overdue=True),
            ),
            models.Index(
                fields=["handling_agency", "status", "due_at"],
                name="dossier_counted_late_hand_idx",
                condition=models.Q(counts_as_overdue=True),
            ),
            models.Index(
                fields=["status", "due_at"],
                name="dossier_counted_late_idx",
                condition=models.Q(counts_as_overdue=True),
            ),
            # "Hồ sơ của đơn vị": the open dossiers (a few per cent of all) of one agency, per side,
            # in the queue's order, so that the default list is one range per side, not per status.
            models.Index(
                fields=["handling_agency", "due_at", "id"],
                name="dossier_open_hand_idx",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            models.Index(
                fields=["receiving_agency", "due_at", "id"],
                name="dossier_open_recv_idx",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            # "Quá hạn": the dossiers that can be late, per side, in the queue's order, so that an
            # agency's late ones are one range (due_at < now) per side, not one per status.
            models.Index(
                fields=["handling_agency", "due_at", "id"],
                name="dossier_late_hand_idx",
                condition=models.Q(status__in=LATE_STATUSES),
            ),
            models.Index(
                fields=["receiving_agency", "due_at", "id"],
                name="dossier_late_recv_idx",
                condition=models.Q(status__in=LATE_STATUSES),
            ),
            # "Tất cả hồ sơ": all of an agency's dossiers, per side, in the list's order. They
            # replace the foreign keys' own one-column indexes (db_index=False above), whose
            # lookups these serve as well: as many indexes to keep up on every write as before.
            models.Index(fields=["handling_agency", "due_at", "id"], name="dossier_hand_due_idx"),
            models.Index(fields=["receiving_agency", "due_at", "id"], name="dossier_recv_due_idx"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


class DossierDocument(models.Model):
    """A paper of the dossier (thành phần hồ sơ): received, digitised or reused from data."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="documents")
    requirement = models.ForeignKey(
        "catalog.DocumentRequirement", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.TextField("tên giấy tờ")
    originals = models.PositiveSmallIntegerField("bản chính", default=0)
    copies = models.PositiveSmallIntegerField("bản sao", default=0)
    file = models.FileField("tệp", upload_to="dossiers/%Y/%m/", blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    #: DuocSoHoa: a paper copied to an electronic file at reception.
    digitised = models.BooleanField("đã số hóa", default=False)
    #: DuocTaiSuDung / DuocLayTuKhoDMQG: taken from the applicant's data store instead of a paper.
    reused = models.BooleanField("tái sử dụng dữ liệu", default=False)
    is_supplement = models.BooleanField("bổ sung", default=False)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "giấy tờ của hồ sơ"
        verbose_name_plural = "giấy tờ của hồ sơ"
        ordering = ["dossier", "id"]

    def __str__(self) -> str:
        return self.name[:80]


class DossierHistory(models.Model):
    """Quá trình xử lý: one row per transition, with the agency, the officer and the time (NĐ 224)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField("thời điểm")
    action = models.CharField("hành động", max_length=40)
    label = models.CharField("nội dung", max_length=200)
    from_status = models.PositiveSmallIntegerField(choices=Status.choices, null=True)
    to_status = models.PositiveSmallIntegerField(choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField("người xử lý", max_length=150)
    actor_title = models.CharField("chức danh", max_length=80, blank=True)
    agency = models.ForeignKey(
        "places.Agency", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField("ghi chú", blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "quá trình xử lý"
        verbose_name_plural = "quá trình xử lý"
        ordering = ["dossier", "at", "id"]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class DueDateChange(models.Model):
    """Every change of the appointment date (ngày hẹn trả), with the reason."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="due_date_changes")
    at = models.DateTimeField()
    old_due_at = models.DateTimeField(null=True)
    new_due_at = models.DateTimeField(null=True)
    reason = models.CharField(max_length=200)

    class Meta:
        verbose_name = "thay đổi ngày hẹn trả"
        verbose_name_plural = "thay đổi ngày hẹn trả"
        ordering = ["dossier", "at", "id"]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.old_due_at} → {self.new_due_at}"


class DossierStep(models.Model):
    """A step of the processing, with its agency, role and share of the legal time."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    name = models.CharField("bước", max_length=120)
    role = models.CharField("vai trò", max_length=16)
    agency = models.ForeignKey("places.Agency", on_delete=models.PROTECT, related_name="+")
    share_hours = models.DecimalField("thời gian (giờ làm việc)", max_digits=8, decimal_places=2)
    due_at = models.DateTimeField("hạn của bước", null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "bước xử lý"
        verbose_name_plural = "bước xử lý"
        ordering = ["dossier", "position"]
        constraints = [models.UniqueConstraint(fields=["dossier", "position"], name="uniq_dossier_step")]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"


class Consultation(models.Model):
    """Liên thông / xin ý kiến: another agency's part of the work, in parallel when electronic."""

    class Kind(models.TextChoices):
        CONSULT = "consult", "Xin ý kiến"
        INTERLINK = "interlink", "Liên thông"

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="consultations")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    from_agency = models.ForeignKey("places.Agency", on_delete=models.PROTECT, related_name="+")
    to_agency = models.ForeignKey("places.Agency", on_delete=models.PROTECT, related_name="consultations")
    question = models.TextField("nội dung đề nghị")
    requested_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField("trả lời", blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "liên thông, xin ý kiến"
        verbose_name_plural = "liên thông, xin ý kiến"
        ordering = ["dossier", "requested_at", "id"]
        indexes = [models.Index(fields=["to_agency", "answered_at"])]

    def __str__(self) -> str:
        return f"{self.dossier_id} → {self.to_agency_id}"


class DossierResult(models.Model):
    """Kết quả giải quyết: the signed result document and its structured data."""

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="result")
    title = models.CharField("tên kết quả", max_length=300)
    result_code = models.CharField("mã kết quả", max_length=40, blank=True)
    file = models.FileField("tệp kết quả đã ký", upload_to="results/%Y/%m/")
    sha256 = models.CharField(max_length=64)
    signed_by = models.CharField("người ký", max_length=150)
    signed_at = models.DateTimeField("thời điểm ký")
    data = models.JSONField("dữ liệu kết quả", default=dict)

    class Meta:
        verbose_name = "kết quả giải quyết"
        verbose_name_plural = "kết quả giải quyết"

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.title}"


class Notification(models.Model):
    """A message to the applicant about their dossier (in-app, e-mail or SMS)."""

    class Channel(models.TextChoices):
        IN_APP = "in_app", "Trong ứng dụng"
        EMAIL = "email", "Thư điện tử"
        SMS = "sms", "Tin nhắn"

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="notifications")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    recipient = models.CharField("người nhận", max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = "thông báo"
        verbose_name_plural = "thông báo"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.channel} → {self.recipient}: {self.subject}"
