"""Demo accounts for the embedded mode and training (tài khoản dùng thử). Never for production."""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from motcua.eid import officers
from motcua.people.models import OfficerRole, User
from motcua.places.models import Agency
from motcua.registries import sandbox

DEMO_PASSWORD = "motcua-demo-2026"  # noqa: S105 — printed on purpose; demo accounts only


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    kind: str
    agency_code_suffix: str | None = None  # "000.00.04" → Sở Tư pháp of the deployment province
    roles: tuple[str, ...] = ()
    personal_id: str | None = None
    superuser: bool = False


ACCOUNTS = [
    DemoAccount(
        "quantri",
        "Quản trị hệ thống",
        User.Kind.OFFICER,
        "000.00.01",
        (OfficerRole.Role.ADMIN,),
        superuser=True,
    ),
    DemoAccount("tiepnhan", "Nguyễn Thị Lan", User.Kind.OFFICER, "000.00.30", (OfficerRole.Role.RECEPTION,)),
    DemoAccount(
        "chuyenvien", "Trần Văn Minh", User.Kind.OFFICER, "000.00.04", (OfficerRole.Role.SPECIALIST,)
    ),
    DemoAccount(
        "lanhdao",
        "Lê Thị Hương",
        User.Kind.OFFICER,
        "000.00.04",
        (OfficerRole.Role.UNIT_HEAD, OfficerRole.Role.APPROVER),
    ),
    # At the provincial people's committee: a province monitor sees every unit and the rankings.
    DemoAccount("giamsat", "Phạm Quốc Bảo", User.Kind.OFFICER, "000.00.00", (OfficerRole.Role.MONITOR,)),
    DemoAccount("congdan", "Hoàng Văn An", User.Kind.CITIZEN, personal_id="014090001234"),
]

#: The agencies the demo consults (liên thông, xin ý kiến): the personas' histories leave questions
#: open at each (motcua/demo/personas.py), so each gets one usable officer per answering role.
CONSULTED_AGENCIES = {
    "000.00.14": ("congan", ("Đỗ Văn Hùng", "Vũ Thị Thu", "Bùi Đức Thắng")),  # Công an tỉnh
    "000.00.03": ("taichinh", ("Ngô Thị Mai", "Đinh Văn Long", "Lý Thị Hạnh")),  # Sở Tài chính
}
_ANSWERING_ROLES = (
    ("chuyenvien", OfficerRole.Role.SPECIALIST),
    ("truongphong", OfficerRole.Role.UNIT_HEAD),
    ("lanhdao", OfficerRole.Role.APPROVER),
)
ACCOUNTS += [
    DemoAccount(f"{prefix}.{suffix}", name, User.Kind.OFFICER, code, (role,))
    for code, (prefix, names) in CONSULTED_AGENCIES.items()
    for (suffix, role), name in zip(_ANSWERING_ROLES, names, strict=True)
]


@transaction.atomic
def create_demo_accounts() -> list[str]:
    """Create or reset the demo accounts; returns a line per account."""
    lines = []
    hcode = settings.MOTCUA_PROVINCE_AGENCY_CODE
    for spec in ACCOUNTS:
        user, _ = User.objects.get_or_create(username=spec.username)
        user.full_name = spec.full_name
        user.kind = spec.kind
        user.personal_id = spec.personal_id
        user.is_staff = spec.kind == User.Kind.OFFICER
        user.is_superuser = spec.superuser
        user.set_password(DEMO_PASSWORD)
        user.save()
        where = ""
        if spec.agency_code_suffix:
            agency = Agency.objects.filter(code=f"{spec.agency_code_suffix}.{hcode}").first()
            if agency is None:
                raise LookupError("Chưa có cơ quan của tỉnh: chạy `motcua load_places` trước.")
            for role in spec.roles:
                OfficerRole.objects.get_or_create(user=user, agency=agency, role=role)
            # Reset: roles an earlier version of this list gave (e.g. the monitor's old unit) go.
            OfficerRole.objects.filter(user=user).exclude(agency=agency, role__in=spec.roles).delete()
            where = f" — {agency.name}"
        second = ""
        if spec.kind == User.Kind.OFFICER:
            # Officers sign in with a TOTP code too; the device (and its key) survives re-runs.
            device = officers.ensure_device(user)
            second = f" — khóa TOTP {officers.base32_key(device)}"
        lines.append(f"{spec.username} / {DEMO_PASSWORD}: {spec.full_name}{where}{second}")
    lines.append(
        "Mã xác thực của cán bộ: thêm khóa TOTP vào ứng dụng xác thực, "
        "hoặc chạy `.venv/bin/motcua eid code <tên đăng nhập>` để xem mã hiện tại."
    )
    if settings.MOTCUA_EID_SANDBOX:
        lines.append(
            f"VNeID thử nghiệm: số định danh của một công dân giả lập + mã đăng nhập "
            f"{settings.MOTCUA_EID_SANDBOX_PASSCODE}"
        )
        lines.extend(_sandbox_people())
    return lines


def _sandbox_people() -> list[str]:
    """Synthetic residents of the registries' sandbox to sign in with."""
    people = sandbox.demo_people()
    # Only the living can sign in with the eID (the deceased persona is there for the death forms).
    return [
        f"  {role}: {person.id_number} — {person.full_name}"
        for role, person in people.items()
        if person.deceased_on is None
    ]
