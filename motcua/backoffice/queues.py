"""Work queues (hàng đợi công việc) of the officers' site: which dossiers, filtered and sorted how.

Every queue starts from `visible_dossiers(user)` and narrows it with conditions that the
dossier indexes serve — (assignee | handling_agency | receiving_agency | the current step's
agency and role (ADR 0046) | status, then due_at) —
and the page is a LIMIT'ed, ordered scan: no COUNT(*) over the whole set (the count shown is
capped at COUNT_CAP), no N+1 (one query with select_related for the rows).
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import ExpressionWrapper, F, Q, QuerySet, TextField
from django.db.models.functions import Coalesce, Upper
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.catalog.models import Procedure
from motcua.core import calendar, crypto
from motcua.dossiers import services
from motcua.dossiers.access import (
    agency_side_dossiers,
    is_province_wide,
    officer_agency_ids,
    roles_of,
    visible_dossiers,
)
from motcua.dossiers.models import LATE_STATUSES, OPEN_STATUSES, Channel, Consultation, Status
from motcua.people.models import OfficerRole
from motcua.places.models import Agency

from . import labels

PAGE_SIZE = 50
#: The count above the list stops here ("hơn 1.000 hồ sơ"): counting a million rows is not free.
COUNT_CAP = 200
#: A page number past this is refused (OFFSET scans every skipped row): filter instead.
MAX_PAGE = 200
Role = OfficerRole.Role

# OPEN_STATUSES (statuses in which something is still to be done: not refused, stopped or
# returned), the default of most queues, comes from the dossiers' models with its partial indexes.
#: Statuses in which the legal clock runs.
RUNNING_STATUSES = (Status.RECEIVED, Status.PROCESSING)
#: Statuses after reception and before the end of processing (the appointment applies): the
#: condition of the partial indexes on the dossiers that can be late (dossiers 0008).
UNFINISHED_STATUSES = LATE_STATUSES
#: Roles that take a step of the processing (services.default_workflow).
STEP_ROLES = {Role.RECEPTION, Role.SPECIALIST, Role.UNIT_HEAD, Role.APPROVER}
#: More index-ordered pieces than this (an officer of many agencies): one plain query instead.
MAX_BRANCHES = 64
#: Open consultations read as a list of ids up to this many; beyond, as a subquery.
MAX_CONSULTATION_IDS = 5000


@dataclass(frozen=True)
class Queue:
    slug: str
    label: str
    description: str
    #: Statuses shown when the officer picks none; None = every status.
    default_statuses: tuple | None = OPEN_STATUSES


MINE, UNIT, RECEPTION, DUE_SOON, OVERDUE, WAITING, CONSULTED, ALL = (
    "cua-toi",
    "don-vi",
    "cho-tiep-nhan",
    "sap-den-han",
    "qua-han",
    "cho-y-kien",
    "xin-y-kien",
    "tat-ca",
)
QUEUES = {
    q.slug: q
    for q in [
        Queue(
            MINE,
            gettext_lazy("Việc của tôi"),
            gettext_lazy("Hồ sơ được phân công cho tôi, hoặc đang ở bước xử lý của vai trò của tôi."),
        ),
        Queue(
            UNIT,
            gettext_lazy("Hồ sơ của đơn vị"),
            gettext_lazy("Hồ sơ mà cơ quan của tôi tiếp nhận hoặc giải quyết."),
        ),
        Queue(
            RECEPTION,
            gettext_lazy("Chờ tiếp nhận"),
            gettext_lazy(
                "Hồ sơ trực tuyến mới nộp: phải tiếp nhận, từ chối hoặc yêu cầu bổ sung trong 8 giờ làm việc."
            ),
            default_statuses=(Status.NEW,),
        ),
        Queue(
            DUE_SOON,
            gettext_lazy("Sắp đến hạn"),
            gettext_lazy("Hồ sơ đang xử lý có ngày hẹn trả trong khoảng thời gian đã chọn."),
            default_statuses=RUNNING_STATUSES,
        ),
        Queue(
            OVERDUE,
            gettext_lazy("Quá hạn"),
            gettext_lazy("Hồ sơ chưa xử lý xong đã qua ngày hẹn trả, hoặc bị tính là quá hạn."),
        ),
        Queue(
            WAITING,
            gettext_lazy("Chờ cơ quan khác"),
            gettext_lazy("Hồ sơ của đơn vị đang chờ cơ quan khác trả lời liên thông, xin ý kiến."),
            default_statuses=None,
        ),
        Queue(
            CONSULTED,
            gettext_lazy("Được xin ý kiến"),
            gettext_lazy("Hồ sơ cơ quan khác chuyển đến đơn vị tôi để liên thông, xin ý kiến, chưa trả lời."),
            default_statuses=None,
        ),
        Queue(
            ALL,
            gettext_lazy("Tất cả hồ sơ"),
            gettext_lazy("Mọi hồ sơ tôi được xem. Dùng ô tìm kiếm và bộ lọc để thu hẹp."),
            default_statuses=None,
        ),
    ]
}

SORTS = {
    "han": gettext_lazy("Hạn trả sớm nhất"),
    "moi-nhan": gettext_lazy("Tiếp nhận gần nhất"),
    "ma": gettext_lazy("Mã hồ sơ"),
}
WITHIN_UNITS = {"gio": gettext_lazy("giờ làm việc"), "ngay": gettext_lazy("ngày làm việc")}
DEFAULT_WITHIN = (2, "ngay")
MAX_WITHIN = {"gio": 200, "ngay": 60}
ALL_STATUSES = "tat-ca"
MAX_Q = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: One word of letters, digits, dots and dashes with a digit in it: a dossier code (or its start).
_CODE_LIKE = re.compile(r"^(?=.*[0-9])[0-9A-Za-z.\-]+$")


@dataclass
class Filters:
    """The checked GET parameters. `params` keeps only the valid ones, to rebuild links."""

    status: int | None = None
    all_statuses: bool = False
    procedure: Procedure | None = None
    channel: str = ""
    agency: Agency | None = None
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "han"
    q: str = ""
    within: int = DEFAULT_WITHIN[0]
    within_unit: str = DEFAULT_WITHIN[1]
    page: int = 1
    notices: list[str] = field(default_factory=list)
    params: dict[str, str] = field(default_factory=dict)

    def describe(self) -> dict:
        """The filters as plain data, for the audit entry of a page or an export. The search words
        (an ID number or a name) are kept as their blind index, never in clear (ADR 0048)."""
        described = {k: v for k, v in self.params.items() if k not in ("trang", "q")}
        if self.q:
            described["q_index"] = crypto.blind_index(self.q, kind="id" if self.q.isdigit() else "name")
        return described


def _short(value: str, limit: int = 40) -> str:
    value = _CONTROL.sub("", value)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def parse_filters(data, queue: Queue) -> Filters:
    """Read the GET parameters; an unknown value is dropped with a notice, never an error."""
    f = Filters()

    def ignored(what: str, value: str) -> None:
        f.notices.append(
            _("Không dùng được %(what)s “%(value)s”: bộ lọc này đã được bỏ qua.")
            % {"what": what, "value": _short(value)}
        )

    q = " ".join(_CONTROL.sub(" ", data.get("q", "")).split())[:MAX_Q]
    if q:
        f.q = f.params["q"] = q
    if value := data.get("trang_thai", "").strip():
        if value == ALL_STATUSES:
            f.all_statuses = True
            f.params["trang_thai"] = value
        elif value.isdigit() and int(value) in Status.values:
            f.status = int(value)
            f.params["trang_thai"] = value
        else:
            ignored(_("trạng thái"), value)
    if value := data.get("thu_tuc", "").strip():
        f.procedure = Procedure.objects.filter(code=value[:32]).only("pk", "code", "name").first()
        if f.procedure:
            f.params["thu_tuc"] = f.procedure.code
        else:
            ignored(_("mã thủ tục"), value)
    if value := data.get("kenh", "").strip():
        if value in Channel.values:
            f.channel = f.params["kenh"] = value
        else:
            ignored(_("kênh nộp"), value)
    if value := data.get("co_quan", "").strip():
        f.agency = Agency.objects.filter(code=value[:32]).only("pk", "code", "name").first()
        if f.agency:
            f.params["co_quan"] = f.agency.code
        else:
            ignored(_("cơ quan"), value)
    for key, attr in (("tu_ngay", "date_from"), ("den_ngay", "date_to")):
        if value := data.get(key, "").strip():
            parsed = _parse_date(value)
            if parsed:
                setattr(f, attr, parsed)
                f.params[key] = parsed.isoformat()
            else:
                ignored(_("ngày"), value)
    if f.date_from and f.date_to and f.date_from > f.date_to:
        f.notices.append(_("“Từ ngày” sau “đến ngày”: đã đổi chỗ hai ngày."))
        f.date_from, f.date_to = f.date_to, f.date_from
        f.params["tu_ngay"], f.params["den_ngay"] = f.date_from.isoformat(), f.date_to.isoformat()
    if value := data.get("sap_xep", "").strip():
        if value in SORTS:
            f.sort = value
            if value != "han":
                f.params["sap_xep"] = value
        else:
            ignored(_("cách sắp xếp"), value)
    if queue.slug == DUE_SOON:
        unit = data.get("don_vi", "").strip()
        if unit:
            if unit in WITHIN_UNITS:
                f.within_unit = unit
            else:
                ignored(_("đơn vị thời gian"), unit)
        if value := data.get("trong", "").strip():
            if value.isdigit() and 1 <= int(value) <= MAX_WITHIN[f.within_unit]:
                f.within = int(value)
            else:
                ignored(_("khoảng thời gian"), value)
        f.within = min(f.within, MAX_WITHIN[f.within_unit])
        f.params["trong"], f.params["don_vi"] = str(f.within), f.within_unit
    if value := data.get("trang", "").strip():
        if value.isdigit() and 1 <= int(value) <= MAX_PAGE:
            f.page = int(value)
        else:
            f.notices.append(
                _("Chỉ xem được %(n)s trang đầu: hãy lọc hoặc tìm kiếm để thu hẹp danh sách.")
                % {"n": MAX_PAGE}
            )
    return f


# --- the queues' conditions ---------------------------------------------------------------------


def _step_pairs(user) -> list[tuple[int, list[str]]]:
    """(agency, roles) where the user may take a step of the processing."""
    pairs = []
    for agency_id, roles in sorted(roles_of(user).items()):
        step_roles = sorted(set(roles) & STEP_ROLES)
        if step_roles:
            pairs.append((agency_id, step_roles))
    return pairs


def _step_statuses() -> dict[str, set[int]]:
    """For each role, the statuses in which a step of that role is worked on while current.

    From the workflow (services.default_workflow) and how the services move through it: the
    first step is current while the dossier is received (2), the middle steps while it is
    processed (4), the last one (return of the result) once it is done (9). A paused dossier
    (supplement, payment, withdrawal) waits for someone else, not for its current step.
    """
    workflow = services.default_workflow()
    statuses: dict[str, set[int]] = {}
    for position, (_name, role, _where, _share) in enumerate(workflow, start=1):
        if position == 1:
            status = Status.RECEIVED
        elif position == len(workflow):
            status = Status.DONE
        else:
            status = Status.PROCESSING
        statuses.setdefault(role, set()).add(status)
    return statuses


def _my_step_ranges(user) -> list[tuple[int, Q]]:
    """(status, condition): the dossiers whose current step is the user's, each one range of the
    index (current_step_agency, current_step_role, status, due_at). The current step is on the
    dossier, kept by the lifecycle service (ADR 0046): no subquery over the steps."""
    by_role = _step_statuses()
    pieces = []
    for agency_id, roles in _step_pairs(user):
        for role in roles:
            for status in sorted(by_role.get(role, ())):
                piece = Q(current_step_agency_id=agency_id, current_step_role=role, status=status)
                pieces.append((status, piece))
    return pieces


def _my_agencies_q(user) -> Q | None:
    """Dossiers received or handled at one of the user's agencies; None for a province-wide user
    (a monitor, an administrator, a superuser), whose time-based queues cover the province."""
    if is_province_wide(user):
        return None
    agencies = sorted(officer_agency_ids(user))
    return Q(handling_agency_id__in=agencies) | Q(receiving_agency_id__in=agencies)


def due_cutoff(now: datetime, within: int, unit: str) -> datetime:
    cal = calendar.get_calendar()
    if unit == "gio":
        return cal.add_working_hours(now, within)
    return cal.closing_time(cal.add_working_days(cal.local_date(now), within))


def _overdue_q(now: datetime) -> Q:
    return Q(status__in=UNFINISHED_STATUSES, due_at__lt=now, finished_at__isnull=True) | Q(
        counts_as_overdue=True, status__in=OPEN_STATUSES
    )


def queue_condition(user, queue: Queue, filters: Filters, now: datetime) -> Q:
    """The queue's own condition (on top of visible_dossiers), as one Q. Q(pk__in=[]): nothing."""
    nothing = Q(pk__in=[])
    agencies = sorted(officer_agency_ids(user))
    if queue.slug == MINE:
        condition = Q(assignee_id=user.pk)
        for _status, piece in _my_step_ranges(user):
            condition |= piece
        return condition
    if queue.slug == UNIT:
        if not agencies:
            return nothing
        return Q(handling_agency_id__in=agencies) | Q(receiving_agency_id__in=agencies)
    if queue.slug == RECEPTION:
        if not agencies:
            return nothing
        return Q(receiving_agency_id__in=agencies, status=Status.NEW)
    if queue.slug == DUE_SOON:
        mine = _my_agencies_q(user)
        condition = Q(due_at__gte=now, due_at__lte=due_cutoff(now, filters.within, filters.within_unit))
        return condition & mine if mine is not None else condition
    if queue.slug == OVERDUE:
        mine = _my_agencies_q(user)
        return _overdue_q(now) & mine if mine is not None else _overdue_q(now)
    if queue.slug in (WAITING, CONSULTED):
        if not agencies:
            return nothing
        side = "from_agency_id__in" if queue.slug == WAITING else "to_agency_id__in"
        # The open consultations of an agency are few: read their dossier ids first, so that
        # the database fetches those dossiers by key instead of scanning for them.
        open_ones = Consultation.objects.filter(**{side: agencies}, answered_at__isnull=True)
        ids = list(open_ones.values_list("dossier_id", flat=True).distinct()[: MAX_CONSULTATION_IDS + 1])
        if len(ids) > MAX_CONSULTATION_IDS:
            return Q(pk__in=open_ones.values("dossier_id"))
        return Q(pk__in=ids)
    return Q()  # ALL: everything visible


def effective_statuses(queue: Queue, filters: Filters) -> tuple | None:
    """The statuses the list may show; None = any."""
    if filters.status is not None:
        return (filters.status,)
    if filters.all_statuses or queue.default_statuses is None:
        return None
    return tuple(queue.default_statuses)


#: (side, agency id): the dossiers an agency handles ("handling") or receives ("receiving").
Side = tuple[str, int]


def _agency_sides(user) -> list[Side]:
    """One index prefix per (agency, side): handled by each of the user's agencies, then received
    by each. A dossier on two sides (received at a commune's centre, handled by its committee) is
    in two pieces, and the UNION that joins the pieces keeps it once. The pieces do not exclude
    each other on purpose: "received here AND NOT handled by one of mine" cannot be read from an
    index, so at a commune's centre, whose dossiers its own committee handles, that piece read
    and rejected every dossier of the range instead of stopping after its first rows."""
    agencies = sorted(officer_agency_ids(user))
    return [("handling", a) for a in agencies] + [("receiving", a) for a in agencies]


@dataclass(frozen=True)
class Branch:
    """One index-ordered piece of a split queue. `side`: the piece is one side of one of the
    user's agencies, read from `agency_side_dossiers` (within the user's scope by itself: no
    consultation subquery in its plan); None: read from `visible_dossiers`."""

    condition: Q
    side: Side | None = None


def branch_conditions(user, queue: Queue, filters: Filters, now: datetime) -> list[Branch] | None:
    """The queue split into pieces that each match an index (agency or assignee, status, due_at),
    so that each piece is read in due-date order and only its first rows are read. None when the
    queue is not split (it is small, or its plain order already follows an index)."""
    statuses = effective_statuses(queue, filters)
    every = statuses if statuses is not None else tuple(Status.values)
    branches: list[Branch] = []
    if queue.slug == MINE:
        branches = [Branch(Q(assignee_id=user.pk, status=s)) for s in every]
        branches += [Branch(piece) for status, piece in _my_step_ranges(user) if status in every]
    elif queue.slug == UNIT:
        if statuses == OPEN_STATUSES:
            # The default list: one range per side of the partial indexes on the open dossiers,
            # (agency, due_at, id) WHERE status IN OPEN_STATUSES, already in the page's order.
            branches = [Branch(Q(status__in=OPEN_STATUSES), side) for side in _agency_sides(user)]
        else:
            branches = [Branch(Q(status=s), side) for side in _agency_sides(user) for s in every]
    elif queue.slug in (DUE_SOON, OVERDUE):
        sides = [None] if is_province_wide(user) else _agency_sides(user)
        if queue.slug == DUE_SOON:
            window = Q(due_at__gte=now, due_at__lte=due_cutoff(now, filters.within, filters.within_unit))
            branches = [Branch(Q(status=s) & window, side) for side in sides for s in every]
        else:
            # Past the appointment, bounded by due_at < now, so only the late rows are read: for an
            # agency, one range per side of the partial indexes on the dossiers that can be late
            # (agency, due_at, id) WHERE status IN UNFINISHED_STATUSES (dossiers 0008); province-
            # wide, one range per status of (status, due_at). (finished_at is always empty in these
            # statuses — the services set it with "done" or "stopped" — and left out here: the
            # planner, taking it for selective, read whole ranges instead of their first rows.)
            # Counted as overdue (a second supplement request, rare): one piece per side over the
            # partial indexes on counts_as_overdue, its few rows sorted.
            late = Q(due_at__lt=now)
            late_statuses = [s for s in UNFINISHED_STATUSES if s in every]
            counted = sorted(s for s in every if s in OPEN_STATUSES)
            for side in sides:
                if side is None:
                    branches += [Branch(Q(status=s) & late) for s in late_statuses]
                elif late_statuses == list(UNFINISHED_STATUSES):
                    branches.append(Branch(Q(status__in=UNFINISHED_STATUSES) & late, side))
                elif late_statuses:
                    branches += [Branch(Q(status=s) & late, side) for s in late_statuses]
                if counted:
                    branches.append(Branch(Q(status__in=counted, counts_as_overdue=True), side))
    elif queue.slug == ALL and not is_province_wide(user):
        # Everything the user may see, in due-date order: one range per side of the full indexes
        # (agency, due_at, id) (dossiers 0009), plus the dossiers sent to one of the user's
        # agencies for an opinion, read by key (few) and sorted.
        status = Q() if statuses is None else Q(status__in=statuses)
        branches = [Branch(status, side) for side in _agency_sides(user)]
        agencies = sorted(officer_agency_ids(user))
        if agencies:
            asked = Consultation.objects.filter(to_agency_id__in=agencies)
            ids = list(asked.values_list("dossier_id", flat=True).distinct()[: MAX_CONSULTATION_IDS + 1])
            if len(ids) > MAX_CONSULTATION_IDS:
                return None
            if ids:
                branches.append(Branch(status & Q(pk__in=ids)))
    else:
        return None
    if not branches:
        return [Branch(Q(pk__in=[]))]
    return branches if len(branches) <= MAX_BRANCHES else None


def _search_q(q: str) -> Q:
    """Code (whole or its beginning), ID number (exact) or applicant name (whole, case and diacritics
    folded): the number and the name are encrypted at rest and found through their blind indexes
    (ADR 0048), so a part of a name no longer finds a dossier."""
    compact = q.replace(" ", "")
    if compact.isdigit() and len(compact) >= 9:
        return Q(applicant_id_index=compact) | Q(code__startswith=compact)
    if " " not in q and _CODE_LIKE.match(compact) and any(c.isdigit() for c in compact):
        upper = compact.upper()
        codes = Q(code__startswith=upper)
        if upper != compact:
            codes |= Q(code__startswith=compact)
        return codes | Q(applicant_id_index=compact)
    return Q(applicant_name_index=q)


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _filtered(user, filters: Filters, qs: QuerySet | None = None) -> QuerySet:
    """visible_dossiers(user) (or `qs`, a part of it) narrowed by the filters every queue shares."""
    qs = visible_dossiers(user) if qs is None else qs
    if filters.procedure is not None:
        qs = qs.filter(procedure_id=filters.procedure.pk)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.agency is not None:
        qs = qs.filter(Q(handling_agency_id=filters.agency.pk) | Q(receiving_agency_id=filters.agency.pk))
    if filters.date_from:
        qs = qs.filter(received_at__gte=_local_midnight(filters.date_from))
    if filters.date_to:
        qs = qs.filter(received_at__lt=_local_midnight(filters.date_to + timedelta(days=1)))
    if filters.q:
        qs = qs.filter(_search_q(filters.q))
    return qs


def ordering(queue: Queue, sort: str) -> list:
    """The ORDER BY of the plain (not split) list. Outside "tất cả", the sort key is an
    expression no index serves, so the database starts from the queue's own (selective)
    condition and sorts the few rows it finds, instead of walking the whole due-date index."""
    if sort == "moi-nhan":
        return [F("received_at").desc(nulls_last=True), "-id"]
    if sort == "ma":
        return ["code"] if queue.slug == ALL else [Upper("code"), "id"]
    if queue.slug == RECEPTION:
        return [F("reply_due_at").asc(nulls_last=True), "submitted_at", "id"]
    if queue.slug == ALL:
        return [F("due_at").asc(nulls_last=True), "id"]
    return [Coalesce("due_at", "reply_due_at").asc(nulls_last=True), "id"]


def _union_parts(querysets) -> tuple[list[str], list]:
    """Each queryset as `SELECT * FROM (…) bo_N`, ready to be joined with UNION (which removes
    the dossiers two pieces share). A piece that can match nothing is left out."""
    parts, params = [], []
    for i, qs in enumerate(querysets):
        try:
            sql, p = qs.query.sql_with_params()
        except EmptyResultSet:
            continue
        parts.append(f"SELECT * FROM ({sql}) bo_{i}")  # noqa: S608 — SQL compiled by Django
        params.extend(p)
    return parts, params


@dataclass
class QueueQuery:
    """A queue with its filters: either one queryset, or index-ordered pieces read as a union."""

    user: object
    queue: Queue
    filters: Filters
    qs: QuerySet  # the whole list as one queryset, ordered (the plain way)
    branches: list[QuerySet] | None = None  # the same rows, split; used with the "han" sort

    @property
    def split(self) -> bool:
        return self.branches is not None

    def ids(self, offset: int, limit: int, count_cap: int = 0) -> tuple[list[int], int | None]:
        """The ids of one page, in order, and — for a split queue — the number of rows counted
        up to count_cap + 1 in the same query (None when not counted)."""
        if not self.split:
            return list(self.qs.values_list("pk", flat=True)[offset : offset + limit]), None
        per_branch = max(offset + limit, count_cap + 1)
        parts, params = _union_parts(
            branch.annotate(bo_id=F("pk"), bo_key=F("due_at"))
            .order_by(F("due_at").asc(nulls_last=True), "pk")
            .values_list("bo_id", "bo_key")[:per_branch]
            for branch in self.branches
        )
        if not parts:
            return [], 0
        # Only SQL that Django compiled, with its parameters, is joined here.
        sql = (
            f"SELECT bo_id, COUNT(*) OVER () FROM ({' UNION '.join(parts)}) bo_u "  # noqa: S608
            "ORDER BY bo_key ASC NULLS LAST, bo_id ASC LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, limit, offset])
            rows = cursor.fetchall()
        return [row[0] for row in rows], (rows[0][1] if rows else None)

    def count(self, cap: int) -> int:
        """How many rows, counting at most cap + 1."""
        if not self.split:
            return self.qs.order_by().values("pk")[: cap + 1].count()
        parts, params = _union_parts(
            branch.annotate(bo_id=F("pk")).order_by().values_list("bo_id")[: cap + 1]
            for branch in self.branches
        )
        if not parts:
            return 0
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({' UNION '.join(parts)}) bo_u", params)  # noqa: S608
            return cursor.fetchone()[0]

    def rows(self, ids: list[int]) -> list:
        """The dossiers of these ids with what the exports show, in the order of `ids` (put back
        here: the query itself is not sorted)."""
        qs = with_row_data(visible_dossiers(self.user).filter(pk__in=ids)).order_by()
        found = {d.pk: d for d in qs}
        return [found[pk] for pk in ids if pk in found]

    def page_rows(self, ids: list[int]) -> list[SimpleNamespace]:
        """The rows of one page, in the order of `ids`, as plain objects with the attributes of
        PAGE_FIELDS (`d.procedure.code`, `d.assignee` None when unassigned, …): what the page's
        lines, their countdowns and the audit entry read. The same query as `rows`, without a
        model instance per dossier, procedure, agency and assignee (250 a page), and each
        assignee's name decrypted once per page rather than once per row."""
        fields = [f for f in PAGE_FIELDS if f != "assignee__full_name"]
        qs = visible_dossiers(self.user).filter(pk__in=ids).order_by()
        # The assignee's name as stored (its token): the few officers of a page repeat.
        qs = qs.annotate(
            bo_assignee_name=ExpressionWrapper(F("assignee__full_name"), output_field=TextField())
        )
        names: dict[str, str] = {}
        found = {}
        for values in qs.values_list(*fields, "bo_assignee_name"):
            top: dict = {}
            related: dict[str, dict] = {}
            for name, value in zip(fields, values[:-1], strict=True):
                head, _sep, attr = name.partition("__")
                if attr:
                    related.setdefault(head, {})[attr] = value
                else:
                    top[name] = value
            token = values[-1]
            if token and token not in names:
                names[token] = crypto.decrypt_text(token)
            related["assignee"]["full_name"] = names.get(token, token)
            for head, attrs in related.items():
                top[head] = SimpleNamespace(**attrs) if attrs["id"] is not None else None
            found[top["id"]] = SimpleNamespace(pk=top["id"], **top)
        return [found[pk] for pk in ids if pk in found]

    def iter_rows(self, cap: int, chunk: int = 500):
        """Every row (at most cap), in order, in chunks: for the exports."""
        if not self.split:
            yield from with_row_data(self.qs)[:cap].iterator(chunk_size=chunk)
            return
        ids, _counted = self.ids(0, cap)
        for start in range(0, len(ids), chunk):
            yield from self.rows(ids[start : start + chunk])


def build(user, queue: Queue, filters: Filters, now: datetime | None = None) -> QueueQuery:
    """The queue's rows, from visible_dossiers(user), with the queue's condition and the filters."""
    now = now or timezone.now()
    base = _filtered(user, filters)
    statuses = effective_statuses(queue, filters)
    qs = base.filter(queue_condition(user, queue, filters, now))
    if statuses is not None:
        qs = qs.filter(status__in=statuses)
    qs = qs.order_by(*ordering(queue, filters.sort))
    branches = None
    if filters.sort == "han":
        conditions = branch_conditions(user, queue, filters, now)
        if conditions is not None:
            branches = [
                (
                    base if b.side is None else _filtered(user, filters, agency_side_dossiers(user, *b.side))
                ).filter(b.condition)
                for b in conditions
            ]
    return QueueQuery(user, queue, filters, qs, branches)


def dossiers_for(user, queue: Queue, filters: Filters, now: datetime | None = None) -> QuerySet:
    """The whole filtered, scoped, ordered list as one queryset (tests, tools)."""
    return build(user, queue, filters, now).qs


ROW_FIELDS = (
    "id",
    "code",
    "status",
    "channel",
    "applicant_name",
    "applicant_id_number",
    "applicant_kind",
    "received_at",
    "submitted_at",
    "due_at",
    "reply_due_at",
    "finished_at",
    "paused_at",
    "counts_as_overdue",
    "version",
    "procedure__id",
    "procedure__code",
    "procedure__name",
    "handling_agency__id",
    "handling_agency__name",
    "handling_agency__short_name",
    "receiving_agency__id",
    "receiving_agency__name",
    "receiving_agency__short_name",
    "assignee__id",
    "assignee__username",
    "assignee__full_name",
)


#: What a queue page shows (the exports also show the ID number: decrypting 50 of them is not free).
PAGE_FIELDS = tuple(f for f in ROW_FIELDS if f != "applicant_id_number")


def with_row_data(qs: QuerySet) -> QuerySet:
    """Only the columns the list and the exports show, in one query (no N+1)."""
    return qs.select_related("procedure", "handling_agency", "receiving_agency", "assignee").only(*ROW_FIELDS)


@dataclass
class Page:
    rows: list
    number: int
    has_next: bool
    count: int
    count_capped: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * PAGE_SIZE + len(self.rows)


def page_of(query: QueueQuery, number: int) -> Page:
    """One page: PAGE_SIZE + 1 ids (to know whether there is a next page), their rows, and a
    count capped at COUNT_CAP (read with the ids for a split queue, else only when there is
    more than this page)."""
    offset = (number - 1) * PAGE_SIZE
    ids, counted = query.ids(offset, PAGE_SIZE + 1, COUNT_CAP)
    has_next = len(ids) > PAGE_SIZE
    rows = query.page_rows(ids[:PAGE_SIZE]) if ids else []
    if not has_next and (rows or number == 1):
        count = offset + len(rows)
    elif counted is not None:
        count = counted
    else:
        count = query.count(COUNT_CAP)
    return Page(rows, number, has_next, min(count, COUNT_CAP), count > COUNT_CAP)


def agency_choices(user) -> list[Agency]:
    """The agencies offered in the filter: the user's own; every active one for province-wide users."""
    if is_province_wide(user):
        return list(Agency.objects.filter(is_active=True).only("pk", "code", "name", "kind").order_by("code"))
    return list(Agency.objects.filter(pk__in=officer_agency_ids(user)).only("pk", "code", "name", "kind"))


def status_choices() -> list[tuple[int, str]]:
    return [(value, labels.status_label(value)) for value in Status.values]
