"""Targets (chỉ tiêu) that monitors give the heads of agencies, and who may see which dashboard.

* Who sees what (phạm vi xem): a monitor (MONITOR) at a province-level agency (UBND tỉnh, Trung tâm
  Phục vụ hành chính công tỉnh) or a superuser sees the province, every department and commune and
  the rankings, and sets targets; a monitor at another agency, and a head (APPROVER, UNIT_HEAD),
  see the unit of their own agency (`resolve_unit(agency.code)`: a commune's agencies mean the
  commune) and its targets. Everyone else sees nothing.
* Targets: one row per (agency, measure, period), replaced with an optimistic version check and an
  audit entry; `set_target` is the only code that writes them.
* Progress: each target is compared with the figure `services.report` gives for the target's agency
  and period — the same document `motcua index --json` prints, so the dashboard, the targets and
  the command cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from motcua.audit.services import record as audit_record
from motcua.core import events
from motcua.dossiers.access import roles_of
from motcua.people.models import OfficerRole, User
from motcua.places.models import Agency

from . import services
from .models import Target
from .periods import Period, PeriodError, parse_period
from .queries import PROVINCE_KINDS, Unit, province_unit, resolve_unit

Role = OfficerRole.Role
HEAD_ROLES = {Role.APPROVER, Role.UNIT_HEAD}
DASHBOARD_ROLES = HEAD_ROLES | {Role.MONITOR}
Measure = Target.Measure

#: measure → the indicator of the QĐ 766 report whose ratio it reads (None: the total, in points).
MEASURE_INDICATORS = {
    Measure.INDEX_TOTAL: None,
    Measure.ONLINE_RATE: "3",  # hồ sơ trực tuyến toàn trình / hồ sơ của TTHC đủ điều kiện
    Measure.ON_TIME_RATE: "2.1",  # hồ sơ giải quyết đúng hạn
    Measure.SATISFACTION: "6.3",  # hài lòng về tiếp nhận, giải quyết hồ sơ
    Measure.DIGITISATION: "5.2",  # hồ sơ số hóa thành phần và kết quả
    Measure.ONLINE_PAYMENT: "4.1",  # hồ sơ có nghĩa vụ tài chính thanh toán trực tuyến
}

ON_TRACK, BEHIND, NO_DATA = "on_track", "behind", "no_data"
STATUS_LABELS = {ON_TRACK: "Đạt", BEHIND: "Chưa đạt", NO_DATA: "Chưa có số liệu"}


class TargetError(ValueError):
    """A target that cannot be set; the message is Vietnamese, for the user.

    `field` names the form field at fault ("" when it is the whole request)."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


class TargetConflict(TargetError):
    """Someone else changed the target since the form was opened (optimistic version check)."""


# --- who sees what ---------------------------------------------------------------------------------


@dataclass
class Viewer:
    """What one officer may see of the dashboards (phạm vi giám sát)."""

    user: object
    province_wide: bool = False
    may_set_targets: bool = False
    agencies: list[Agency] = field(default_factory=list)  # their own agencies (monitor or head)
    units: list[Unit] = field(default_factory=list)  # the dashboards of those agencies

    @property
    def allowed(self) -> bool:
        return self.province_wide or bool(self.units)

    def may_view(self, unit: Unit) -> bool:
        if self.province_wide:
            return True
        return any((u.kind, u.key) == (unit.kind, unit.key) for u in self.units)

    def default_unit(self) -> Unit | None:
        if self.province_wide:
            return province_unit()
        return self.units[0] if self.units else None

    def targets(self) -> QuerySet:
        """The targets this viewer may read: all (province-wide), else their agencies' or their own."""
        qs = Target.objects.select_related("agency", "head", "set_by")
        if self.province_wide:
            return qs
        if not self.allowed:
            return qs.none()
        return qs.filter(Q(agency__in=self.agencies) | Q(head=self.user))


def viewer(user) -> Viewer:
    """The dashboard scope of `user`, from their roles at active agencies."""
    view = Viewer(user)
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return view
    held = roles_of(user)
    monitor_at = {a for a, roles in held.items() if Role.MONITOR in roles}
    own = {a for a, roles in held.items() if roles & DASHBOARD_ROLES}
    agencies = list(Agency.objects.filter(pk__in=own).select_related("admin_unit").order_by("code"))
    province_monitor = any(a.kind in PROVINCE_KINDS and a.pk in monitor_at for a in agencies)
    view.province_wide = bool(user.is_superuser) or province_monitor
    view.may_set_targets = view.province_wide
    view.agencies = agencies
    seen = set()
    for agency in agencies:
        unit = resolve_unit(agency.code)
        if (unit.kind, unit.key) not in seen:
            seen.add((unit.kind, unit.key))
            view.units.append(unit)
    return view


def may_view_dashboards(user) -> bool:
    """Cheap check (roles only, no query beyond the cached roles) for the navigation link."""
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return False
    return bool(user.is_superuser) or any(roles & DASHBOARD_ROLES for roles in roles_of(user).values())


def heads_of(agency: Agency) -> QuerySet:
    """The officers who may answer for a target of `agency` (lãnh đạo: approvers and unit heads)."""
    return (
        User.objects.filter(roles__agency=agency, roles__role__in=HEAD_ROLES, is_active=True)
        .distinct()
        .order_by("username")  # the name is encrypted at rest (ADR 0048): not an order the database has
    )


# --- periods of targets ----------------------------------------------------------------------------


def period_text(kind: str, first_day) -> str:
    """The `motcua index --period` string of a target's period."""
    if kind == Target.PeriodKind.MONTH:
        return f"{first_day.year}-{first_day.month:02d}"
    if kind == Target.PeriodKind.QUARTER:
        return f"{first_day.year}-Q{(first_day.month - 1) // 3 + 1}"
    return str(first_day.year)


def target_period(target: Target) -> Period:
    return parse_period(period_text(target.period_kind, target.period_start))


def _target_period(value: Period | str) -> Period:
    try:
        period = parse_period(value) if isinstance(value, str) else value
    except PeriodError as exc:
        raise TargetError(str(exc), "period") from exc
    if period.kind not in Target.PeriodKind.values:
        raise TargetError(
            "Chỉ tiêu được giao theo tháng, quý hoặc năm (ví dụ 2026-09, 2026-Q3, 2026).", "period"
        )
    return period


def _value(raw) -> Decimal:
    text = str(raw if raw is not None else "").strip().replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise TargetError("Giá trị chỉ tiêu phải là một số từ 0 đến 100.", "value")
    if not Decimal(0) <= value <= Decimal(100):
        raise TargetError(f"Giá trị chỉ tiêu phải từ 0 đến 100 (đã nhập {text}).", "value")
    if value != value.quantize(Decimal("0.01")):
        raise TargetError("Giá trị chỉ tiêu chỉ có tối đa hai chữ số thập phân.", "value")
    return value.quantize(Decimal("0.01"))


# --- setting a target ------------------------------------------------------------------------------


def set_target(
    actor,
    *,
    agency: Agency,
    measure: str,
    period: Period | str,
    value,
    note: str = "",
    head=None,
    expected_version: int = 0,
) -> Target:
    """Giao chỉ tiêu: create or replace the target of (agency, measure, period).

    `expected_version` is the version the monitor saw (0: none yet); if the target changed since,
    nothing is written and TargetConflict says so. Writes one audit entry and one event."""
    if not viewer(actor).may_set_targets:
        raise TargetError("Chỉ cán bộ giám sát cấp tỉnh được giao chỉ tiêu.")
    if measure not in Measure.values:
        raise TargetError("Hãy chọn một chỉ tiêu trong danh sách.", "measure")
    if agency is None or not agency.is_active:
        raise TargetError("Hãy chọn một cơ quan đang hoạt động.", "agency")
    period = _target_period(period)
    amount = _value(value)
    note = (note or "").strip()[:2000]
    if head is not None and not heads_of(agency).filter(pk=head.pk).exists():
        raise TargetError(f"{head.full_name or head.username} không phải lãnh đạo của {agency.name}.", "head")
    key = {"agency": agency, "measure": measure, "period_kind": period.kind, "period_start": period.first_day}
    try:
        with transaction.atomic():
            current = Target.objects.select_for_update().filter(**key).first()
            seen = current.version if current else 0
            if expected_version != seen:
                raise TargetConflict(
                    "Chỉ tiêu này vừa được người khác thay đổi (giá trị hiện tại: "
                    f"{current.value if current else 'chưa giao'}). Hãy xem lại rồi lưu lần nữa."
                )
            previous = None if current is None else str(current.value)
            if current is None:
                target = Target.objects.create(
                    **key, value=amount, note=note, head=head, set_by=actor, version=1
                )
            else:
                target = current
                target.value, target.note, target.head, target.set_by = amount, note, head, actor
                target.version += 1
                target.save()
            audit_record(
                "insights.target.set",
                actor=actor,
                obj=target,
                data={
                    "agency": agency.code,
                    "measure": measure,
                    "period": period_text(period.kind, period.first_day),
                    "value": str(amount),
                    "previous": previous,
                    "head": head.username if head else None,
                    "version": target.version,
                },
            )
            events.publish(
                "insights.target_set",
                "insights.target",
                str(target.pk),
                {"agency": agency.code, "measure": measure, "value": str(amount), "version": target.version},
            )
    except IntegrityError as exc:  # two first-time saves at once: the unique constraint decides
        raise TargetConflict("Chỉ tiêu này vừa được người khác giao. Hãy xem lại rồi lưu lần nữa.") from exc
    return target


# --- progress --------------------------------------------------------------------------------------


def actual_value(report: dict, measure: str) -> float | None:
    """The figure a target of `measure` is compared with: the total (points) or a ratio in %."""
    code = MEASURE_INDICATORS[measure]
    if code is None:
        return report["total"]
    for group in report["groups"]:
        for indicator in group["indicators"]:
            if indicator["code"] == code:
                ratio = indicator["ratio"]
                return None if ratio is None else round(ratio * 100, 2)
    return None


@dataclass
class Progress:
    target: Target
    period: Period
    actual: float | None

    @property
    def status(self) -> str:
        if self.actual is None:
            return NO_DATA
        return ON_TRACK if Decimal(str(self.actual)) >= self.target.value else BEHIND

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def gap(self) -> float | None:
        """How far from the target (negative: behind)."""
        return None if self.actual is None else round(self.actual - float(self.target.value), 2)

    @property
    def percent_of_target(self) -> int | None:
        """Progress towards the target, 0–100 (for the progress bar)."""
        if self.actual is None:
            return None
        if not self.target.value:
            return 100
        return max(0, min(100, round(self.actual / float(self.target.value) * 100)))


def for_period(targets: QuerySet, period: Period) -> QuerySet:
    """The targets given for exactly this period (a custom range has none)."""
    if period.kind not in Target.PeriodKind.values:
        return targets.none()
    return targets.filter(period_kind=period.kind, period_start=period.first_day)


def progress(targets, reports: dict | None = None) -> list[Progress]:
    """Each target beside its agency's figure for the target's period (one report per agency and
    period, shared between its measures). `reports` caches reports between calls."""
    reports = {} if reports is None else reports
    rows = []
    for target in targets:
        period = target_period(target)
        key = (target.agency.code, period.kind, period.first_day)
        if key not in reports:
            reports[key] = services.report(period, resolve_unit(target.agency.code))
        rows.append(Progress(target, period, actual_value(reports[key], target.measure)))
    return rows


def behind(targets) -> list[Progress]:
    """Who is behind (chưa đạt): the targets whose figure is below the value, furthest behind first."""
    rows = [p for p in progress(targets) if p.status == BEHIND]
    rows.sort(key=lambda p: (p.gap, p.target.agency.name))
    return rows


def unit_targets(targets: QuerySet, unit: Unit) -> QuerySet:
    """The targets of the agencies that make up `unit` (every agency for the province)."""
    if unit.agency_ids is None:
        if unit.procedure_id is not None or unit.officer_id is not None:
            return targets.none()
        return targets
    return targets.filter(agency_id__in=unit.agency_ids)
