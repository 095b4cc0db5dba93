"""Retention (thời hạn lưu giữ): logs and leftovers purged by policy, one setting per kind.

Level 3 (TCVN 14423:2026, research spec §8.2) asks for logs kept online at least 3 months; the
spec recommends 12 ([INFERRED], NĐ 333/2026 asks service providers for 12). So log-like kinds
default to 365 days and may never be set below `LOG_FLOOR_DAYS` (90): a smaller setting is raised
to it. Dossiers, results and payments are records under archive and accounting law and are never
purged here. The audit log is kept and purged by the audit app (docs/adr/0039).

On PostgreSQL the message log is partitioned by month (partitions.py): a month past retention is
dropped whole. Other rows are deleted in batches by primary-key range (`MOTCUA_RETENTION_BATCH` rows
per statement): the ids of these tables grow with their time column, so the old rows are one id range found by
a binary search on the primary key, and each batch is a short transaction that never scans the
table; the time condition is kept in every DELETE so a row out of order is never lost early.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

#: Level 3: logs online for at least 3 months.
LOG_FLOOR_DAYS = 90


@dataclass
class Outcome:
    kind: str
    setting: str
    days: int | None
    cutoff: str | None
    rows: int | None
    dry_run: bool
    note: str = ""


def _days(name: str, default: int, floor: int = LOG_FLOOR_DAYS) -> int:
    value = int(getattr(settings, name, default))
    if value < floor:
        logger.warning("%s=%s is below the %s days level 3 requires; using %s", name, value, floor, floor)
        return floor
    return value


def _batch() -> int:
    return max(100, int(getattr(settings, "MOTCUA_RETENTION_BATCH", 5000)))


def _boundary(queryset, field: str, cutoff) -> int | None:
    """The largest id whose `field` is before `cutoff`, by binary search on the primary key.

    Assumes ids grow with `field` (both set at insert); the DELETE keeps the time condition anyway."""
    ids = queryset.order_by().values_list("pk", flat=True)
    first = ids.order_by("pk").first()
    if first is None:
        return None
    head = queryset.filter(pk=first).values_list(field, flat=True).first()
    if head is None or head >= cutoff:
        return None
    lo, hi = first, ids.order_by("-pk").first()
    while lo < hi:  # the row at lo is old; none after hi is
        mid = (lo + hi + 1) // 2
        row = queryset.filter(pk__gte=mid, pk__lte=hi).order_by("pk").values_list("pk", field).first()
        if row is not None and row[1] < cutoff:
            lo = row[0]
        else:
            hi = mid - 1
    return lo


def _purge_range(queryset, field: str, cutoff, dry_run: bool) -> int:
    old = queryset.filter(**{f"{field}__lt": cutoff})
    if dry_run:
        return old.count()
    size, total = _batch(), 0
    last = _boundary(queryset, field, cutoff)
    if last is not None:
        lo = queryset.order_by("pk").values_list("pk", flat=True).first()
        while lo is not None and lo <= last:
            with transaction.atomic():
                total += old.filter(pk__gte=lo, pk__lt=lo + size, pk__lte=last).delete()[0]
            lo = (
                queryset.filter(pk__gte=lo + size, pk__lte=last)
                .order_by("pk")
                .values_list("pk", flat=True)
                .first()
            )
    # Rows out of id order (a clock moved back, rows back-dated): few, deleted by their time.
    stray = old if last is None else old.filter(pk__gt=last)
    while True:
        with transaction.atomic():
            ids = list(stray.order_by("pk").values_list("pk", flat=True)[:size])
            if not ids:
                break
            total += queryset.filter(pk__in=ids).delete()[0]
    return total


def _kind(kind, setting, default, queryset, field, now, dry_run, floor=LOG_FLOOR_DAYS) -> Outcome:
    days = _days(setting, default, floor)
    cutoff = now - timedelta(days=days)
    rows = _purge_range(queryset, field, cutoff, dry_run)
    return Outcome(kind, setting, days, cutoff.isoformat(), rows, dry_run)


def message_log(now, dry_run) -> Outcome:
    """On PostgreSQL whole months past retention are dropped (partitions.py); the rest in batches."""
    from motcua.exchange.models import MessageLog

    from . import partitions

    setting = "MOTCUA_RETENTION_MESSAGE_LOG_DAYS"
    days = _days(setting, 365)
    cutoff = now - timedelta(days=days)
    dropped, note = 0, ""
    if partitions.enabled():
        if not dry_run:
            partitions.ensure_ahead(timezone.localdate(now))
            old_months = partitions.droppable(cutoff)
            dropped = sum(partitions.drop(name) for name, _month in old_months)
            note = f"đã xóa {len(old_months)} phân vùng tháng"
        else:
            note = f"sẽ xóa {len(partitions.droppable(cutoff))} phân vùng tháng"
    rows = dropped + _purge_range(MessageLog.objects.all(), "created_at", cutoff, dry_run)
    return Outcome("message_log", setting, days, cutoff.isoformat(), rows, dry_run, note)


def axes(now, dry_run) -> list[Outcome]:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    return [
        _kind(
            f"axes.{m.__name__}",
            "MOTCUA_RETENTION_AXES_DAYS",
            365,
            m.objects.all(),
            "attempt_time",
            now,
            dry_run,
        )
        for m in (AccessAttempt, AccessFailureLog, AccessLog)
    ]


def notifications(now, dry_run) -> list[Outcome]:
    from motcua.dossiers.models import Notification
    from motcua.foryou.models import Reminder

    setting = "MOTCUA_RETENTION_NOTIFICATIONS_DAYS"
    return [
        _kind("notifications", setting, 365, Notification.objects.all(), "created_at", now, dry_run),
        _kind("reminders", setting, 365, Reminder.objects.all(), "created_at", now, dry_run),
    ]


def drafts(now, dry_run) -> Outcome:
    """Abandoned e-form drafts (never those that became a dossier)."""
    from motcua.eforms.models import Draft

    stale = Draft.objects.filter(state=Draft.State.ABANDONED, dossier__isnull=True)
    days = _days("MOTCUA_RETENTION_DRAFTS_DAYS", 400, floor=30)
    cutoff = now - timedelta(days=days)
    old = stale.filter(updated_at__lt=cutoff)
    if dry_run:
        rows = old.count()
    else:
        rows, size = 0, _batch()
        while True:
            with transaction.atomic():
                ids = list(old.order_by("pk").values_list("pk", flat=True)[:size])
                if not ids:
                    break
                rows += Draft.objects.filter(pk__in=ids).delete()[1].get("eforms.Draft", 0)
    return Outcome("drafts", "MOTCUA_RETENTION_DRAFTS_DAYS", days, cutoff.isoformat(), rows, dry_run)


def sessions(now, dry_run) -> Outcome:
    """Expired sessions, through the session engine's own clear_expired (Django's clearsessions)."""
    engine = import_module(settings.SESSION_ENGINE)
    rows = None
    if settings.SESSION_ENGINE.endswith(".db") or settings.SESSION_ENGINE.endswith("cached_db"):
        from django.contrib.sessions.models import Session

        rows = Session.objects.filter(expire_date__lt=now).count()
    if not dry_run:
        engine.SessionStore.clear_expired()
    note = "" if rows is not None else "bộ lưu phiên tự xóa phiên hết hạn"
    return Outcome("sessions", "SESSION_COOKIE_AGE", None, now.isoformat(), rows, dry_run, note)


def audit_note() -> Outcome:
    return Outcome(
        "audit", "", None, None, None, True, "do ứng dụng audit lưu giữ và xóa theo chính sách riêng"
    )


def purge(*, dry_run: bool = False, now=None) -> list[Outcome]:
    """Every kind, each on its own: one failing kind is logged and never stops the others."""
    now = now or timezone.now()
    outcomes: list[Outcome] = []
    steps = (message_log, axes, notifications, drafts, sessions)
    for step in steps:
        try:
            got = step(now, dry_run)
        except Exception:
            logger.exception("retention step %s failed", step.__name__)
            outcomes.append(Outcome(step.__name__, "", None, None, None, dry_run, "lỗi, xem nhật ký"))
            continue
        outcomes.extend(got if isinstance(got, list) else [got])
    outcomes.append(audit_note())
    return outcomes


def purge_job() -> dict:
    """The worker's nightly pass (core.jobs "privacy.purge")."""
    from motcua.audit.services import record as audit_record

    outcomes = purge()
    counts = {o.kind: o.rows for o in outcomes if o.rows is not None}
    audit_record("privacy.purge", actor="system", object_type="retention", data=counts)
    return counts


def as_dicts(outcomes: list[Outcome]) -> list[dict]:
    return [asdict(o) for o in outcomes]
