"""The procedure catalog (danh mục thủ tục hành chính), shaped like the national TTHC database.

A `Procedure` is the stable identity (its national code) with the current values denormalised
for browsing and search. Every import that changes a procedure adds a `ProcedureVersion`; the
versions keep their own submission methods and document requirements, so a dossier can point
at the version in force when it was received.
"""

from django.db import models


class Field(models.Model):
    """Lĩnh vực: the subject area a procedure belongs to (e.g. "Hộ tịch")."""

    name = models.CharField("tên lĩnh vực", max_length=255, unique=True)
    slug = models.SlugField("đường dẫn", max_length=255, unique=True)

    class Meta:
        verbose_name = "lĩnh vực"
        verbose_name_plural = "lĩnh vực"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Level(models.TextChoices):
    """Cấp thực hiện, after the 2025 two-tier reform."""

    MINISTRY = "ministry", "Cấp bộ"
    PROVINCE = "province", "Cấp tỉnh"
    COMMUNE = "commune", "Cấp xã"
    OTHER = "other", "Cơ quan khác"


class OnlineLevel(models.TextChoices):
    """Mức độ dịch vụ công trực tuyến (NĐ 42/2022 / NĐ 224/2026)."""

    FULL = "full", "Toàn trình"
    PARTIAL = "partial", "Một phần"
    NONE = "none", "Cung cấp thông tin"
    UNKNOWN = "unknown", "Chưa xác định"


#: `online_level_source` of a level an administrator decided; a re-import keeps it.
ADMIN_SOURCE_PREFIX = "quản trị: "


class Procedure(models.Model):
    """Thủ tục hành chính, identified by its national code (e.g. 1.001193)."""

    class Status(models.TextChoices):
        IN_FORCE = "in_force", "Đang có hiệu lực"
        EXPIRED = "expired", "Hết hiệu lực"
        ABOLISHED = "abolished", "Đã bãi bỏ"

    code = models.CharField("mã thủ tục", max_length=32, unique=True)
    name = models.TextField("tên thủ tục")
    field = models.ForeignKey(
        Field, verbose_name="lĩnh vực", null=True, on_delete=models.PROTECT, related_name="procedures"
    )
    at_ministry = models.BooleanField("cấp bộ", default=False)
    at_province = models.BooleanField("cấp tỉnh", default=False)
    at_commune = models.BooleanField("cấp xã", default=False)
    at_other = models.BooleanField("cơ quan khác", default=False)
    online_level = models.CharField(
        "mức độ trực tuyến", max_length=16, choices=OnlineLevel.choices, default=OnlineLevel.UNKNOWN
    )
    #: Where the online level came from, e.g. "lang-son-2025-04: Toàn trình".
    online_level_source = models.CharField("nguồn mức độ trực tuyến", max_length=120, blank=True)
    status = models.CharField("tình trạng", max_length=16, choices=Status.choices, default=Status.IN_FORCE)
    effective_from = models.DateField("hiệu lực từ", null=True, blank=True)
    effective_to = models.DateField("hết hiệu lực từ", null=True, blank=True)
    abolished_on = models.DateField("bãi bỏ ngày", null=True, blank=True)
    #: How many provincial catalogues list it: a cheap signal of how common it is, used in ranking.
    provincial_listings = models.PositiveSmallIntegerField("số danh mục tỉnh có", default=0)
    #: Known only from the province's published list (code, name, field, level, online level, the
    #: deciding act): its papers, times and fees are still to come, from the catalog sync or an
    #: administrator. The procedure page says so and links to the national portal's page.
    details_pending = models.BooleanField("chi tiết đang được cập nhật", default=False)
    #: Codes of the province's list that this procedure replaces (the 2025 reform re-coded many),
    #: as its record says; a list row with one of these codes is this procedure.
    replaced_codes = models.JSONField("thay thế các mã", default=list, blank=True)
    current_version = models.ForeignKey(
        "ProcedureVersion",
        verbose_name="phiên bản hiện hành",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    agencies = models.ManyToManyField(
        "places.Agency",
        through="ProcedureAgency",
        related_name="procedures",
        verbose_name="cơ quan thực hiện",
    )
    updated_at = models.DateTimeField("cập nhật", auto_now=True)

    class Meta:
        verbose_name = "thủ tục hành chính"
        verbose_name_plural = "thủ tục hành chính"
        ordering = ["code"]
        indexes = [
            models.Index(fields=["status", "at_commune"]),
            models.Index(fields=["status", "at_province"]),
            models.Index(fields=["online_level"]),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    @property
    def levels(self) -> list[str]:
        pairs = [
            (self.at_ministry, Level.MINISTRY),
            (self.at_province, Level.PROVINCE),
            (self.at_commune, Level.COMMUNE),
            (self.at_other, Level.OTHER),
        ]
        return [level for flag, level in pairs if flag]

    @property
    def level_labels(self) -> list[str]:
        return [Level(level).label for level in self.levels]


class ProcedureVersion(models.Model):
    """One version of a procedure's content, immutable once written (phiên bản thủ tục)."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("phiên bản số")
    content_hash = models.CharField("mã băm nội dung", max_length=64)
    name = models.TextField("tên thủ tục")
    decision_no = models.CharField("quyết định công bố", max_length=255, blank=True)
    procedure_type = models.CharField("loại thủ tục", max_length=255, blank=True)
    field_name = models.CharField("lĩnh vực", max_length=255, blank=True)
    levels = models.JSONField("cấp thực hiện", default=list)
    target_subjects = models.JSONField("đối tượng thực hiện", default=list)
    competent_agency = models.TextField("cơ quan có thẩm quyền", blank=True)
    implementing_agency = models.TextField("cơ quan thực hiện", blank=True)
    coordinating_agency = models.TextField("cơ quan phối hợp", blank=True)
    delegated_agency = models.TextField("cơ quan được ủy quyền", blank=True)
    receiving_address = models.TextField("địa chỉ tiếp nhận", blank=True)
    steps = models.JSONField("trình tự thực hiện", default=list)
    conditions = models.TextField("yêu cầu, điều kiện", blank=True)
    result_text = models.TextField("kết quả", blank=True)
    #: [{"name": ..., "code": "KQ.G01.000064"}] parsed from the result text.
    results = models.JSONField("kết quả (loại và mã)", default=list)
    #: [{"number": "123/2015/NĐ-CP", "title": ..., "issued_date": ..., "issuer": ...}]
    legal_basis = models.JSONField("căn cứ pháp lý", default=list)
    related_procedures = models.TextField("thủ tục liên quan", blank=True)
    source = models.CharField("nguồn dữ liệu", max_length=120)
    source_url = models.URLField("trang gốc", max_length=500, blank=True)
    imported_at = models.DateTimeField("thời điểm nhập")
    superseded_at = models.DateTimeField("bị thay thế lúc", null=True, blank=True)

    class Meta:
        verbose_name = "phiên bản thủ tục"
        verbose_name_plural = "phiên bản thủ tục"
        ordering = ["procedure", "-number"]
        constraints = [models.UniqueConstraint(fields=["procedure", "number"], name="uniq_procedure_version")]

    def __str__(self) -> str:
        return f"{self.procedure.code} v{self.number}"


class TimeUnit(models.TextChoices):
    WORKING_DAYS = "working_days", "ngày làm việc"
    DAYS = "days", "ngày"
    WORKING_HOURS = "working_hours", "giờ làm việc"
    MONTHS = "months", "tháng"
    NOT_REGULATED = "not_regulated", "không quy định"
    UNKNOWN = "unknown", "chưa rõ"


class Channel(models.TextChoices):
    """Cách thức thực hiện (kênh nộp)."""

    ONLINE = "online", "Trực tuyến"
    COUNTER = "counter", "Trực tiếp"
    POST = "post", "Dịch vụ bưu chính"


class SubmissionMethod(models.Model):
    """One channel of a procedure version, with its legal processing time and fee."""

    class FeeStatus(models.TextChoices):
        FREE = "free", "Miễn phí"
        PAID = "paid", "Có phí, lệ phí"
        UNKNOWN = "unknown", "Chưa có thông tin"

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="methods")
    channel = models.CharField("kênh", max_length=16, choices=Channel.choices)
    processing_time_text = models.CharField("thời hạn giải quyết (gốc)", max_length=500, blank=True)
    time_amount = models.DecimalField("thời hạn", max_digits=7, decimal_places=2, null=True, blank=True)
    time_unit = models.CharField(
        "đơn vị thời hạn", max_length=16, choices=TimeUnit.choices, default=TimeUnit.UNKNOWN
    )
    fee_text = models.CharField("phí, lệ phí (gốc)", max_length=500, blank=True)
    fee_status = models.CharField("phí", max_length=8, choices=FeeStatus.choices, default=FeeStatus.UNKNOWN)
    #: Every amount in VND named for this channel (several when the fee depends on the case).
    fee_amounts = models.JSONField("các mức thu (đồng)", default=list)
    note = models.TextField("mô tả", blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "cách thức thực hiện"
        verbose_name_plural = "cách thức thực hiện"
        ordering = ["version", "position"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.processing_time_text}"

    @property
    def time_display(self) -> str:
        if self.time_amount is None:
            return self.get_time_unit_display() if self.time_unit == TimeUnit.NOT_REGULATED else ""
        amount = self.time_amount.normalize()
        return f"{amount:f} {self.get_time_unit_display()}"


class DocumentRequirement(models.Model):
    """Thành phần hồ sơ: a paper the applicant provides, with how many originals and copies."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="documents")
    group = models.TextField("trường hợp", blank=True)
    name = models.TextField("tên giấy tờ")
    originals = models.PositiveSmallIntegerField("bản chính", default=0)
    copies = models.PositiveSmallIntegerField("bản sao", default=0)
    form_template = models.CharField("mẫu đơn, tờ khai", max_length=255, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "thành phần hồ sơ"
        verbose_name_plural = "thành phần hồ sơ"
        ordering = ["version", "position"]

    def __str__(self) -> str:
        return self.name[:80]


class ProcedureAgency(models.Model):
    """Which agency of the deployment carries out a procedure, and at which level."""

    class Role(models.TextChoices):
        IMPLEMENTING = "implementing", "Thực hiện"
        RECEIVING = "receiving", "Tiếp nhận"

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="agency_links")
    agency = models.ForeignKey("places.Agency", on_delete=models.CASCADE, related_name="procedure_links")
    role = models.CharField("vai trò", max_length=16, choices=Role.choices, default=Role.IMPLEMENTING)

    class Meta:
        verbose_name = "cơ quan thực hiện thủ tục"
        verbose_name_plural = "cơ quan thực hiện thủ tục"
        constraints = [
            models.UniqueConstraint(fields=["procedure", "agency", "role"], name="uniq_procedure_agency")
        ]

    def __str__(self) -> str:
        return f"{self.procedure_id} — {self.agency_id} ({self.role})"


class ProvincialListing(models.Model):
    """A row of a provincial procedure catalogue (danh mục TTHC của tỉnh), kept as imported."""

    source = models.CharField("danh mục", max_length=40)
    provincial_code = models.CharField("mã của tỉnh", max_length=64)
    base_code = models.CharField("mã quốc gia", max_length=32, blank=True, db_index=True)
    name = models.TextField("tên")
    field_name = models.CharField("lĩnh vực", max_length=255, blank=True)
    online_level_text = models.CharField("mức độ (gốc)", max_length=40, blank=True)
    online_level = models.CharField("mức độ", max_length=16, choices=OnlineLevel.choices)
    implementing_level = models.CharField("cấp thực hiện (gốc)", max_length=255, blank=True)
    #: The province's deciding act (quyết định công bố của UBND tỉnh), as the list prints it.
    decision_no = models.CharField("quyết định công bố", max_length=255, blank=True)
    #: The catalog procedure this row is (its base code, or the new code that replaced it); empty
    #: when the row is not in the catalog (see `catalog_coverage`).
    catalog_code = models.CharField("mã trong danh mục", max_length=32, blank=True, db_index=True)

    class Meta:
        verbose_name = "dòng danh mục TTHC của tỉnh"
        verbose_name_plural = "danh mục TTHC của tỉnh"
        constraints = [
            models.UniqueConstraint(fields=["source", "provincial_code"], name="uniq_provincial_listing")
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.provincial_code}"


class CatalogSyncRun(models.Model):
    """One run of the catalog sync from the national TTHC database (lần đồng bộ danh mục TTHC):
    what it added, changed (with the fields), abolished, left alone, and what it could not read."""

    class Outcome(models.TextChoices):
        OK = "ok", "Hoàn tất"
        PARTIAL = "partial", "Hoàn tất, có bản ghi lỗi"
        FAILED = "failed", "Thất bại (không lấy được danh sách)"

    started_at = models.DateTimeField("bắt đầu")
    finished_at = models.DateTimeField("kết thúc", null=True, blank=True)
    since = models.DateTimeField("thay đổi từ", null=True, blank=True)
    dry_run = models.BooleanField("chạy thử (không ghi)", default=False)
    outcome = models.CharField("kết quả", max_length=8, choices=Outcome.choices, default=Outcome.OK)
    listed = models.PositiveIntegerField("số thủ tục trong danh sách", default=0)
    #: ["1.000001", …]
    added = models.JSONField("thêm mới", default=list)
    #: [{"code": "1.000001", "version": 2, "fields": ["tên thủ tục", …]}, …]
    changed = models.JSONField("thay đổi (phiên bản mới)", default=list)
    #: [{"code": …, "on": "2026-11-01"}, …]
    abolished = models.JSONField("bãi bỏ", default=list)
    #: [{"code": …, "status": "in_force"}, …] a procedure the national database restored.
    restored = models.JSONField("hiệu lực trở lại", default=list)
    unchanged = models.PositiveIntegerField("không đổi", default=0)
    #: [{"code": …, "error": "…"}, …] records that could not be read: nothing changed for them.
    errors = models.JSONField("lỗi", default=list)
    message = models.TextField("ghi chú", blank=True)

    class Meta:
        verbose_name = "lần đồng bộ danh mục TTHC"
        verbose_name_plural = "các lần đồng bộ danh mục TTHC"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} — {self.get_outcome_display()}"

    def lines(self) -> list[str]:
        """The report, in Vietnamese, as `motcua sync catalog` prints it."""
        head = "CHẠY THỬ — không ghi gì. " if self.dry_run else ""
        out = [
            f"{head}Đồng bộ danh mục TTHC từ CSDL quốc gia: {self.listed} thủ tục trong danh sách; "
            f"{len(self.added)} mới, {len(self.changed)} thay đổi, {len(self.abolished)} bãi bỏ, "
            f"{len(self.restored)} hiệu lực trở lại, {self.unchanged} không đổi, {len(self.errors)} lỗi."
        ]
        if self.message:
            out.append(self.message)
        out += [f"  MỚI        {code}" for code in self.added]
        out += [
            f"  THAY ĐỔI   {c['code']} → phiên bản {c.get('version') or '?'}: {', '.join(c['fields'])}"
            for c in self.changed
        ]
        out += [f"  BÃI BỎ     {a['code']} (ngày {a.get('on') or '?'})" for a in self.abolished]
        out += [f"  HIỆU LỰC   {r['code']}" for r in self.restored]
        out += [f"  LỖI        {e['code'] or '?'}: {e['error']}" for e in self.errors]
        return out


class NationalCatalogChange(models.Model):
    """Sandbox of the national TTHC database: a procedure published, changed or abolished there
    (công bố thủ tục mới / sửa đổi / bãi bỏ). The sandbox serves the shipped national records with
    these on top, so the catalog sync can be driven, over HTTP, to a known result."""

    code = models.CharField("mã thủ tục", max_length=32, db_index=True)
    #: The fields of the LayThuTuc record that the national database now says (replacing the shipped ones).
    record = models.JSONField("bản ghi (các trường thay đổi)", default=dict)
    published_at = models.DateTimeField("công bố lúc")

    class Meta:
        verbose_name = "thay đổi trên CSDL TTHC quốc gia (giả lập)"
        verbose_name_plural = "thay đổi trên CSDL TTHC quốc gia (giả lập)"
        ordering = ["published_at", "id"]

    def __str__(self) -> str:
        return f"{self.code} @ {self.published_at:%Y-%m-%d %H:%M}"


# The administrator-kept legal times live in their own module (issue 13 item 3, ADR 0029).
from .legaltime_model import LegalTime  # noqa: E402, F401
