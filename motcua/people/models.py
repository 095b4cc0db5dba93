"""Users: citizens, business representatives and officers (người dân, doanh nghiệp, cán bộ)."""

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """One account for every kind of person; what they may do comes from `kind` and their roles."""

    class Kind(models.TextChoices):
        CITIZEN = "citizen", "Công dân"
        BUSINESS = "business", "Doanh nghiệp, tổ chức"
        OFFICER = "officer", "Cán bộ, công chức"

    kind = models.CharField("loại tài khoản", max_length=16, choices=Kind.choices, default=Kind.CITIZEN)
    full_name = models.CharField("họ và tên", max_length=150, blank=True)
    #: Số định danh cá nhân (12 digits), the key of the national population database.
    personal_id = models.CharField("số định danh cá nhân", max_length=12, null=True, blank=True, unique=True)
    phone = models.CharField("số điện thoại", max_length=20, blank=True)

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
