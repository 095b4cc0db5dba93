"""Users: citizens, business representatives and officers (người dân, doanh nghiệp, cán bộ)."""

from django.contrib.auth.models import AbstractUser
from django.db import models

from motcua.core.crypto import (
    BlindIndexed,
    BlindIndexField,
    EncryptedJSONField,
    EncryptedTextField,
    IndexedQuerySet,
)


class User(BlindIndexed, AbstractUser):
    """One account for every kind of person; what they may do comes from `kind` and their roles."""

    class Kind(models.TextChoices):
        CITIZEN = "citizen", "Công dân"
        BUSINESS = "business", "Doanh nghiệp, tổ chức"
        OFFICER = "officer", "Cán bộ, công chức"

    kind = models.CharField("loại tài khoản", max_length=16, choices=Kind.choices, default=Kind.CITIZEN)
    full_name = EncryptedTextField("họ và tên", max_length=150, blank=True)
    #: Số định danh cá nhân (12 digits), the key of the national population database.
    personal_id = EncryptedTextField("số định danh cá nhân", max_length=12, null=True, blank=True)
    #: Its keyed blind index (ADR 0048): one account per person; look up with `personal_id_index=number`.
    personal_id_index = BlindIndexField(source="personal_id", null=True, unique=True)
    phone = EncryptedTextField("số điện thoại", max_length=20, blank=True)

    class Meta:
        verbose_name = "người dùng"
        verbose_name_plural = "người dùng"

    def __str__(self) -> str:
        return self.full_name or self.username


class OfficerRole(models.Model):
    """A role an officer holds in one agency (vai trò của cán bộ tại một cơ quan)."""

    class Role(models.TextChoices):
        RECEPTION = "reception", "Tiếp nhận"
        SPECIALIST = "specialist", "Chuyên viên xử lý"
        UNIT_HEAD = "unit_head", "Lãnh đạo phòng"
        APPROVER = "approver", "Lãnh đạo phê duyệt"
        MONITOR = "monitor", "Giám sát"
        ADMIN = "admin", "Quản trị"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    agency = models.ForeignKey("places.Agency", on_delete=models.PROTECT, related_name="officer_roles")
    role = models.CharField("vai trò", max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = "vai trò cán bộ"
        verbose_name_plural = "vai trò cán bộ"
        constraints = [models.UniqueConstraint(fields=["user", "agency", "role"], name="uniq_officer_role")]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.agency}"


class DataStoreItem(BlindIndexed, models.Model):
    """Kho dữ liệu điện tử của tổ chức, cá nhân: a result or paper the state already holds.

    Keyed by the owner's identifier (personal ID or tax code), so it is found whether or not the
    owner has an account. A later dossier reuses it instead of asking for the paper again.
    """

    owner_id_number = EncryptedTextField("số định danh / mã số thuế", max_length=20)
    owner_id_index = BlindIndexField(source="owner_id_number", db_index=True)
    owner_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="data_store"
    )
    kind = models.CharField("loại", max_length=40, default="result")
    title = models.CharField("tên giấy tờ", max_length=300)
    result_code = models.CharField("mã kết quả (KQ…)", max_length=40, blank=True)
    procedure_code = models.CharField("mã thủ tục", max_length=32, blank=True)
    #: Where it came from, e.g. "dossier:000.00.04.H52-260302-0001".
    source = models.CharField("nguồn", max_length=120)
    issuer = models.CharField("cơ quan cấp", max_length=200, blank=True)
    issued_at = models.DateTimeField("ngày cấp")
    document_sha256 = models.CharField(max_length=64, blank=True)
    data = EncryptedJSONField("dữ liệu", default=dict)
    valid = models.BooleanField("còn hiệu lực", default=True)

    #: update() and bulk_update() keep the blind indexes in step (ADR 0048).
    objects = IndexedQuerySet.as_manager()

    class Meta:
        verbose_name = "dữ liệu trong kho của công dân, tổ chức"
        verbose_name_plural = "kho dữ liệu điện tử của công dân, tổ chức"
        ordering = ["-issued_at"]
        constraints = [models.UniqueConstraint(fields=["source", "kind"], name="uniq_datastore_source")]

    def __str__(self) -> str:
        return f"{self.title} — {self.owner_id_number}"
