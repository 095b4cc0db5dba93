"""Administrative units (đơn vị hành chính) of the 2025 two-tier reform, and agencies (cơ quan)."""

from django.db import models


class AdminUnit(models.Model):
    """A province (tỉnh / thành phố trung ương) or a commune-level unit (xã / phường / đặc khu).

    Codes are the National Statistics Office codes of the 2025 list; since 1 July 2025 there is no
    district level, so a commune hangs directly under its province.
    """

    class Kind(models.TextChoices):
        PROVINCE = "province", "Tỉnh"
        CITY = "city", "Thành phố trực thuộc trung ương"
        COMMUNE = "commune", "Xã"
        WARD = "ward", "Phường"
        SPECIAL_ZONE = "special_zone", "Đặc khu"

    code = models.CharField("mã", max_length=8, unique=True)
    name = models.CharField("tên", max_length=120)
    kind = models.CharField("loại", max_length=16, choices=Kind.choices)
    codename = models.CharField("tên mã", max_length=120, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name="thuộc", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = "đơn vị hành chính"
        verbose_name_plural = "đơn vị hành chính"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_province(self) -> bool:
        return self.kind in (self.Kind.PROVINCE, self.Kind.CITY)


class LegacyWard(models.Model):
    """A commune-level unit of the pre-2025 three-tier list (63 provinces, with districts)."""

    code = models.CharField("mã cũ", max_length=8, unique=True)
    name = models.CharField("tên", max_length=120)
    district_code = models.CharField("mã huyện cũ", max_length=8)
    district_name = models.CharField("huyện cũ", max_length=120)
    province_code = models.CharField("mã tỉnh cũ", max_length=8)
    province_name = models.CharField("tỉnh cũ", max_length=120)

    class Meta:
        verbose_name = "xã cũ (trước 2025)"
        verbose_name_plural = "xã cũ (trước 2025)"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}, {self.district_name}, {self.province_name}"


class WardConversion(models.Model):
    """Old ward → new ward (bảng chuyển đổi). A split old ward has one row per new ward."""

    old_ward = models.ForeignKey(LegacyWard, on_delete=models.CASCADE, related_name="conversions")
    new_unit = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="legacy_conversions")
    is_partly_merged = models.BooleanField("chỉ một phần sáp nhập", default=False)

    class Meta:
        verbose_name = "chuyển đổi xã cũ sang mới"
        verbose_name_plural = "chuyển đổi xã cũ sang mới"
        constraints = [models.UniqueConstraint(fields=["old_ward", "new_unit"], name="uniq_ward_conversion")]

    def __str__(self) -> str:
        return f"{self.old_ward_id} → {self.new_unit_id}"


class Agency(models.Model):
    """An agency that receives or settles procedures (cơ quan, đơn vị).

    `code` is the electronic agency identifier (mã định danh điện tử, QĐ 20/2020/QĐ-TTg):
    V1V2V3.Z1Z2.Y1Y2.MX1X2, the prefix of every dossier code it issues.
    """

    class Kind(models.TextChoices):
        PROVINCIAL_COMMITTEE = "provincial_committee", "UBND tỉnh"
        DEPARTMENT = "department", "Sở, ban, ngành tỉnh"
        PROVINCIAL_CENTER = "provincial_center", "Trung tâm Phục vụ hành chính công tỉnh"
        COMMUNE_COMMITTEE = "commune_committee", "UBND xã, phường, đặc khu"
        COMMUNE_CENTER = "commune_center", "Trung tâm Phục vụ hành chính công xã"
        COMMUNE_POLICE = "commune_police", "Công an xã, phường, đặc khu"
        OTHER = "other", "Cơ quan khác"

    code = models.CharField("mã định danh điện tử", max_length=32, unique=True)
    name = models.CharField("tên", max_length=200)
    short_name = models.CharField("tên viết tắt", max_length=40, blank=True)
    kind = models.CharField("loại", max_length=32, choices=Kind.choices)
    admin_unit = models.ForeignKey(
        AdminUnit, verbose_name="địa bàn", on_delete=models.PROTECT, related_name="agencies"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="cơ quan cấp trên",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    #: Which national ministry's procedures this department carries out (e.g. "bo-tu-phap").
    ministry_groups = models.JSONField("bộ, ngành chủ quản", default=list, blank=True)
    #: Words that identify it in the catalog's "cơ quan thực hiện" text (e.g. "Sở Tư pháp").
    match_names = models.JSONField("tên gọi trong danh mục TTHC", default=list, blank=True)
    address = models.CharField("địa chỉ", max_length=255, blank=True)
    is_active = models.BooleanField("đang hoạt động", default=True)

    class Meta:
        verbose_name = "cơ quan"
        verbose_name_plural = "cơ quan"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name
