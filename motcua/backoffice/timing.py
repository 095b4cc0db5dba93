"""The countdown an officer sees: working time left, or how late (thời gian còn lại / quá hạn).

Working time is office hours on working days (core's legal calendar), 8 hours a day, so "còn
1 ngày 2 giờ" means 10 office hours before the appointment, whatever the weekend in between.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core import calendar
from motcua.dossiers.models import FINAL_STATUSES, PAUSED_STATUSES, Status

HOURS_PER_DAY = Decimal(8)
#: Less than this much working time left: shown as "sắp đến hạn".
SOON_HOURS = Decimal(8)


@dataclass(frozen=True)
class Countdown:
    state: str  # left | soon | overdue | paused | on_time | late | none
    text: str

    @property
    def css(self) -> str:
        return f"cd cd-{self.state}"

    @property
    def is_late(self) -> bool:
        return self.state in ("overdue", "late")


def working_span(hours: Decimal) -> str:
    """10.5 → "1 ngày 2 giờ 30 phút" (8 working hours a day)."""
    minutes = int((abs(hours) * 60).to_integral_value())
    days, minutes = divmod(minutes, int(HOURS_PER_DAY) * 60)
    hours_part, minutes = divmod(minutes, 60)
    parts = []
    if days:
        parts.append(_("%(n)s ngày") % {"n": days})
    if hours_part:
        parts.append(_("%(n)s giờ") % {"n": hours_part})
    if minutes and not days:
        parts.append(_("%(n)s phút") % {"n": minutes})
    return " ".join(parts) or _("dưới 1 phút")


def _between(start: datetime, end: datetime, cal=None) -> Decimal:
    return (cal or calendar.get_calendar()).working_hours_between(start, end)


def lacks_legal_time(dossier) -> bool:
    """Received and still open or done, but without an appointment because its procedure has no legal
    time (chưa có thời hạn luật định, ADR 0029): the officer's screens flag it."""
    return (
        dossier.received_at is not None
        and dossier.due_at is None
        and dossier.status not in (Status.NEW, Status.NOT_RECEIVED, Status.STOPPED)
    )


def countdown(dossier, now: datetime | None = None, cal=None) -> Countdown:
    """What is left of the legal time (or of the 8-hour reply limit for a new online dossier).
    `cal`: the calendar to count with (a list passes one `calendar.FrozenCalendar` for its rows)."""
    now = now or timezone.now()
    status = dossier.status
    if status == Status.NEW:
        if dossier.reply_due_at is None:
            return Countdown("none", _("Chờ tiếp nhận"))
        if now <= dossier.reply_due_at:
            left = _between(now, dossier.reply_due_at, cal)
            state = "soon" if left < 2 else "left"
            return Countdown(state, _("Còn %(span)s làm việc để phản hồi") % {"span": working_span(left)})
        late = _between(dossier.reply_due_at, now, cal)
        return Countdown("overdue", _("Quá hạn phản hồi %(span)s làm việc") % {"span": working_span(late)})
    if status in (Status.NOT_RECEIVED, Status.STOPPED):
        return Countdown("none", _("Đã kết thúc"))
    if status in (Status.DONE, Status.RETURNED) or dossier.finished_at:
        if dossier.due_at is None and lacks_legal_time(dossier):
            return Countdown("untimed", _("Đã xử lý xong · chưa có thời hạn luật định"))
        if dossier.due_at is None or dossier.finished_at is None:
            return Countdown("none", _("Đã xử lý xong"))
        if dossier.finished_at <= dossier.due_at and not dossier.counts_as_overdue:
            return Countdown("on_time", _("Xử lý xong đúng hạn"))
        return Countdown("late", _("Xử lý xong trễ hạn"))
    if status in PAUSED_STATUSES:
        text = _("Tạm dừng tính thời hạn")
        if dossier.counts_as_overdue:
            text += " · " + _("tính là quá hạn (bổ sung lần hai)")
        return Countdown("paused", text)
    if dossier.due_at is None:
        return Countdown("untimed", _("Chưa có thời hạn luật định"))
    if now <= dossier.due_at:
        left = _between(now, dossier.due_at, cal)
        state = "soon" if left < SOON_HOURS else "left"
        text = _("Còn %(span)s làm việc") % {"span": working_span(left)}
        if dossier.counts_as_overdue:
            return Countdown("overdue", text + " · " + _("tính là quá hạn (bổ sung lần hai)"))
        return Countdown(state, text)
    late = _between(dossier.due_at, now, cal)
    return Countdown("overdue", _("Quá hạn %(span)s làm việc") % {"span": working_span(late)})


def is_open(dossier) -> bool:
    return dossier.status not in FINAL_STATUSES
