"""The counts of the QĐ 766 index for (period, unit), gathered with a handful of aggregate queries.

Every count is a conditional COUNT in the database (one pass over the dossiers of the unit touched by
the period, one over the feedback cases, one over the fee-bearing procedures, one over the catalog),
optionally grouped by a key so that a ranking of all departments or communes costs the same handful
of queries as one unit. `motcua.insights.index.compute` turns the counts into points.

Rules (spec §1.2, ADR 0018):
* ended in the period: status 3/8/9/10 whose end (finished_at, else refused_at) falls in it; on time
  ⇔ finished_at ≤ due_at and not `counts_as_overdue` (more than one supplement request). due_at
  already includes the paused time (dossiers.clock.enter shifts it when a pause ends).
* unfinished at the end of the period: received before the end and not ended before it; overdue ⇔
  counts_as_overdue or due_at < end (while paused, due_at < paused_at: the clock stopped there).

Each condition is written once (`static_conditions`, `period_conditions`, `count_rules`) and used by
the counts, by `dossiers_behind` (the dossiers behind a figure) and by the live aggregates of
`motcua.insights.realtime` (ADR 0022).
"""

from __future__ import annotations

import operator
from collections import defaultdict
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from functools import reduce

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    Avg,
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    When,
)
from django.db.models.functions import Coalesce

from motcua.catalog.models import (
    DocumentRequirement,
    OnlineLevel,
    Procedure,
    ProcedureAgency,
    SubmissionMethod,
)
from motcua.dossiers import reuse
from motcua.dossiers.models import Channel, Decision, Dossier, DossierDocument, Status
from motcua.feedback.models import FeedbackCase, Rating, Satisfaction
from motcua.payments.models import Gateway, Payment
from motcua.places.models import AdminUnit, Agency

from .index import Counts  # noqa: F401 — re-exported for services
from .periods import Period

ONLINE_CHANNELS = [Channel.NATIONAL_PORTAL, Channel.OWN_PORTAL]
ONLINE_GATEWAYS = [Gateway.NATIONAL, Gateway.VIETQR]
ENDED_STATUSES = [Status.NOT_RECEIVED, Status.STOPPED, Status.DONE, Status.RETURNED]
#: Ended without a result to be late with (as services.is_overdue).
NO_RESULT_STATUSES = [Status.NOT_RECEIVED, Status.STOPPED]
RESULT_STATUSES = [Status.DONE, Status.RETURNED]
COMMUNE_KINDS = {Agency.Kind.COMMUNE_COMMITTEE, Agency.Kind.COMMUNE_CENTER, Agency.Kind.COMMUNE_POLICE}
PROVINCE_KINDS = {Agency.Kind.PROVINCIAL_COMMITTEE, Agency.Kind.PROVINCIAL_CENTER}


class UnitError(ValueError):
    """A unit that cannot be found; the message is Vietnamese, for the user."""


@dataclass(frozen=True)
class Unit:
    """Đơn vị đánh giá: the province, a department, a commune, a procedure or an officer."""

    kind: str  # province | department | commune | agency | procedure | officer
    key: str
    label: str
    agency_ids: tuple[int, ...] | None = None  # None: every agency (the province)
    procedure_id: int | None = None
    officer_id: int | None = None

    def as_dict(self) -> dict:
        return {"kind": self.kind, "key": self.key, "label": self.label}

    # --- what belongs to the unit --------------------------------------------------------------

    def dossier_q(self) -> Q:
        if self.procedure_id is not None:
            return Q(procedure_id=self.procedure_id)
        if self.officer_id is not None:
            return Q(assignee_id=self.officer_id)
        if self.agency_ids is not None:
            return Q(handling_agency_id__in=self.agency_ids)
        return Q()

    def feedback_q(self) -> Q:
        if self.procedure_id is not None:
            return Q(dossier__procedure_id=self.procedure_id)
        if self.officer_id is not None:
            return Q(dossier__assignee_id=self.officer_id)
        if self.agency_ids is not None:
            return Q(agency_id__in=self.agency_ids)
        return Q()


def province_unit() -> Unit:
    return Unit("province", "province", "Toàn tỉnh")


def resolve_unit(text: str | None) -> Unit:
    """An agency code (mã định danh), or province / commune:<mã xã> / procedure:<mã TTHC> /
    officer:<tên đăng nhập>. A provincial committee or centre means the whole province; a commune's
    committee, centre or police means every agency of that commune."""
    text = (text or "").strip()
    if text.lower() in ("", "province", "tinh", "tỉnh"):
        return province_unit()
    prefix, _, value = text.partition(":")
    if value and prefix in ("procedure", "thu-tuc"):
        procedure = Procedure.objects.filter(code=value).first()
        if procedure is None:
            raise UnitError(f"Không tìm thấy thủ tục có mã “{value}”.")
        return Unit("procedure", procedure.code, procedure.name[:120], procedure_id=procedure.pk)
    if value and prefix in ("officer", "can-bo"):
        user = apps.get_model(*settings.AUTH_USER_MODEL.split(".")).objects.filter(username=value).first()
        if user is None:
            raise UnitError(f"Không tìm thấy cán bộ có tên đăng nhập “{value}”.")
        return Unit("officer", user.username, str(user), officer_id=user.pk)
    if value and prefix in ("commune", "xa"):
        unit = AdminUnit.objects.filter(code=value).first()
        if unit is None:
            raise UnitError(f"Không tìm thấy xã, phường có mã “{value}”.")
        return commune_unit(unit)
    agency = Agency.objects.filter(code=text).select_related("admin_unit").first()
    if agency is None:
        raise UnitError(
            f"Không tìm thấy đơn vị “{text}”. Dùng mã định danh cơ quan, hoặc province, "
            "commune:<mã xã>, procedure:<mã thủ tục>, officer:<tên đăng nhập>."
        )
    if agency.kind in PROVINCE_KINDS:
        return Unit("province", agency.code, f"Toàn tỉnh ({agency.name})")
    if agency.kind in COMMUNE_KINDS:
        return commune_unit(agency.admin_unit)
    kind = "department" if agency.kind == Agency.Kind.DEPARTMENT else "agency"
    return Unit(kind, agency.code, agency.name, agency_ids=(agency.pk,))


def commune_unit(admin_unit: AdminUnit) -> Unit:
    ids = tuple(Agency.objects.filter(admin_unit=admin_unit).order_by("pk").values_list("pk", flat=True))
    return Unit("commune", admin_unit.code, admin_unit.name, agency_ids=ids)


#: Ranking kinds → (dossier key, feedback key, agency key for catalog links).
GROUP_KEYS = {
    "department": ("handling_agency_id", "agency_id", "agency_id"),
    "commune": ("handling_agency__admin_unit_id", "agency__admin_unit_id", "agency__admin_unit_id"),
    "procedure": ("procedure_id", "dossier__procedure_id", None),
    "officer": ("assignee_id", "dossier__assignee_id", None),
}
RANK_KINDS = tuple(GROUP_KEYS)


def ranking_units(kind: str) -> dict:
    """key → Unit for every unit of a ranking kind (with or without dossiers)."""
    if kind == "department":
        return {
            a.pk: Unit("department", a.code, a.name, agency_ids=(a.pk,))
            for a in Agency.objects.filter(kind=Agency.Kind.DEPARTMENT)
        }
    if kind == "commune":
        units = AdminUnit.objects.filter(agencies__kind__in=COMMUNE_KINDS).distinct()
        return {u.pk: Unit("commune", u.code, u.name) for u in units}
    return {}


# --- the queries ------------------------------------------------------------------------------------


def _end_time():
    return Coalesce("finished_at", "refused_at")


def _sync_q() -> tuple[Q | Exists, str]:
    """Which dossiers count as synced to the national portal (1.4), switchable by setting.

    national_code: a dossier that came from the portal or was given its MaHoSo there (the only trace
    until the sync outbox exists). outbox: a sync.OutboxMessage of the dossier in state "sent".
    """
    if settings.MOTCUA_INDEX_SYNC_SOURCE == "outbox":
        try:
            outbox = apps.get_model("sync", "OutboxMessage")
        except LookupError:
            pass
        else:
            sent = outbox.objects.filter(dossier_id=OuterRef("pk"), state="sent")
            return Exists(sent), "outbox"
    return Q(national_code__isnull=False), "national_code"


# --- the conditions: one definition, used by the counts, the drill-down and the live aggregates ----


def static_conditions() -> dict:
    """Per-dossier conditions that do not depend on the period (named flags, 0/1 per dossier).

    `motcua.insights.realtime` stores them per dossier; `dossier_counts` and `dossiers_behind` combine
    them with the period conditions below through `COUNT_RULES`."""
    docs = DossierDocument.objects.filter(dossier_id=OuterRef("pk"))
    paid_online = Payment.objects.filter(
        charge__dossier_id=OuterRef("pk"),
        charge__cancelled=False,
        gateway__in=ONLINE_GATEWAYS,
        refunded_at__isnull=True,
    )
    complaint = Exists(FeedbackCase.objects.filter(dossier_id=OuterRef("pk"))) | Exists(
        Rating.objects.filter(dossier_id=OuterRef("pk"), level=Satisfaction.DISSATISFIED)
    )
    has_result = Q(result__isnull=False)
    granted = Q(status__in=RESULT_STATUSES, decision=Decision.APPROVED)
    missing_paper = Exists(docs.filter(digitised=False, reused=False, file=""))
    online = Q(channel__in=ONLINE_CHANNELS)
    if settings.MOTCUA_INDEX_ONLINE_NEEDS_E_RESULT:
        online &= ~granted | has_result
    synced, _ = _sync_q()
    return {
        # ended on time, given that it ended (>1 supplement request counts as overdue)
        # (a dossier without an appointment is never on time: it is "untimed", below)
        "ok": Q(counts_as_overdue=False)
        & (Q(status__in=NO_RESULT_STATUSES) | Q(finished_at__lte=F("due_at"))),
        "synced": synced,
        "online": online,
        "fee": Q(fee_due__gt=0),
        "paid": Q(fee_due__gt=0) & Exists(paid_online),
        "granted": granted,
        "result": has_result,
        "scanned": has_result & ~Q(result__file="") & Exists(docs) & ~missing_paper,
        # one definition with the portal record (dossiers.reuse): a scan is digitisation, not reuse
        "reuse": Exists(docs.filter(reuse.REUSED)),
        "store": Exists(docs.filter(reuse.FROM_DATA_STORE)),
        "cdb": Q(channel=Channel.NATIONAL_PORTAL) | Q(applicant_user__isnull=False),
        "complaint": complaint,
        # no legal time, so no appointment (chưa có thời hạn luật định, ADR 0029): counted on its own
        # line, neither on time nor late. Last: the bits of the stored facts keep their places.
        "untimed": Q(due_at__isnull=True) & ~Q(status__in=NO_RESULT_STATUSES),
    }


#: Flags read from the procedure at the time of the query (the catalog may change the level).
FULL_LEVEL = Q(procedure__online_level=OnlineLevel.FULL)


def period_conditions(period: Period) -> dict:
    """Conditions that depend on the period, over dossiers annotated with `ended_at` (= finished_at,
    else refused_at). `realtime` keeps the same rules as day keys and intervals (see there)."""
    start, end = period.start, period.end
    received = Q(received_at__gte=start)  # and received_at < end: the base filter
    ended = Q(status__in=ENDED_STATUSES, ended_at__gte=start, ended_at__lt=end)
    unfinished = Q(ended_at__isnull=True) | Q(ended_at__gte=end)
    unfinished &= ~Q(status=Status.NOT_RECEIVED) | Q(ended_at__gte=end)
    late = unfinished & (
        Q(counts_as_overdue=True)
        | (Q(due_at__lt=end) & (Q(paused_at__isnull=True) | Q(due_at__lt=F("paused_at"))))
    )
    return {"rec": received, "ended": ended, "unfin": unfinished, "late": late}


def _not(value):
    return ~value if isinstance(value, Q | Exists) else 1 - value


def count_rules(mode: str | None = None) -> dict:
    """count name → rule over the named flags. A rule works on 0/1 integers (the grouped counts) and on
    Q objects (the drill-down) alike: the only operators are &, | and `_not`."""
    mode = mode or settings.MOTCUA_INDEX_UNFINISHED

    # A dossier without a legal time ("untimed") is judged neither on time nor late: it has its own
    # count, no_legal_time (ADR 0029). Its complaints still count (`considered`).
    def timed(f):
        return _not(f["untimed"])

    def late(f):
        return f["late"] & timed(f)

    if mode == "all":

        def considered(f):
            return f["ended"] | f["unfin"]

        def judged_on_time(f):
            return (f["ended"] & f["ok"]) | (f["unfin"] & timed(f) & _not(f["late"]))

    else:

        def considered(f):
            return f["ended"] if mode == "none" else f["ended"] | late(f)

        def judged_on_time(f):
            return f["ended"] & f["ok"]

    def judged(f):
        return considered(f) & timed(f)

    return {
        "received": lambda f: f["rec"],
        "synced": lambda f: f["rec"] & f["synced"],
        "judged": judged,
        "judged_on_time": judged_on_time,
        "ended": lambda f: f["ended"],
        "ended_on_time": lambda f: f["ended"] & f["ok"],
        "unfinished_overdue": late,
        "no_legal_time": lambda f: (f["ended"] | f["unfin"]) & f["untimed"],
        "ended_no_legal_time": lambda f: f["ended"] & f["untimed"],
        "eligible_full_online": lambda f: f["rec"] & f["full"],
        "full_online": lambda f: f["rec"] & f["full"] & f["online"],
        "fee_dossiers": lambda f: f["rec"] & f["fee"],
        "fee_dossiers_paid_online": lambda f: f["rec"] & f["paid"],
        "results_due": lambda f: f["ended"] & f["granted"],
        "with_e_result": lambda f: f["ended"] & f["granted"] & f["result"],
        "digitised": lambda f: f["ended"] & f["granted"] & f["scanned"],
        "reuse_any": lambda f: f["rec"] & f["reuse"],
        "from_data_store": lambda f: f["rec"] & f["store"],
        "citizen_db_dossiers": lambda f: f["rec"] & f["cdb"],
        "dossier_complaints": lambda f: considered(f) & f["complaint"],
    }


def _base(period: Period, unit: Unit):
    return (
        Dossier.objects.filter(unit.dossier_q())
        .filter(received_at__lt=period.end)
        .annotate(ended_at=_end_time())
    )


def _all_conditions(period: Period) -> dict:
    return {**period_conditions(period), "full": FULL_LEVEL, **static_conditions()}


def dossiers_behind(period: Period, unit: Unit, count_name: str):
    """The dossiers behind one dossier count of `Counts` (drill-down from a figure): the same
    conditions as `dossier_counts`, so `dossiers_behind(...).count()` equals the count."""
    rules = count_rules()
    if count_name not in rules:
        raise ValueError(f"“{count_name}” is not a dossier count; one of: {', '.join(DOSSIER_FIELDS)}")
    return _base(period, unit).filter(rules[count_name](_all_conditions(period)))


def dossier_counts(period: Period, unit: Unit, group: str | None = None) -> dict:
    """One aggregate over the unit's dossiers touched by the period → {key: partial counts}."""
    flags = _all_conditions(period)
    duration = ExpressionWrapper(F("finished_at") - F("received_at"), output_field=DurationField())

    # Each condition is evaluated once per dossier as a 0/1 flag, the dossiers are grouped by their
    # flags (a few hundred combinations at most), and the counts are sums over the groups: the
    # correlated subqueries (EXISTS) run once per dossier instead of once per indicator.
    # One integer of bits rather than 17 grouping columns: PostgreSQL then hashes a few hundred
    # groups instead of sorting every row (it cannot estimate the groups of 17 expressions).
    names = list(flags)
    mask = reduce(
        operator.add,
        (
            Case(When(cond, then=1 << bit), default=0, output_field=IntegerField())
            for bit, cond in enumerate(flags.values())
        ),
    )
    keys = [group] if group else []
    touched = flags["rec"] | flags["ended"] | flags["unfin"]
    rows = (
        _base(period, unit)
        .filter(touched)
        .annotate(mask=mask)
        .values(*keys, "mask")
        .order_by()
        .annotate(
            n=Count("pk"),
            n_finished=Count("pk", filter=Q(finished_at__isnull=False)),
            average_duration=Avg(duration, filter=Q(finished_at__isnull=False)),
        )
    )
    rules = count_rules()
    out: dict = {}
    for row in rows:
        key = row[group] if group else None
        c = out.setdefault(key, dict.fromkeys(DOSSIER_FIELDS, 0) | {"_days": 0.0, "_finished": 0})
        n, bits = row["n"], row["mask"]
        f = {name: (bits >> bit) & 1 for bit, name in enumerate(names)}
        for name, rule in rules.items():
            if rule(f):
                c[name] += n
        if f["ended"] and row["n_finished"] and row["average_duration"] is not None:
            c["_days"] += row["average_duration"].total_seconds() / 86400 * row["n_finished"]
            c["_finished"] += row["n_finished"]
    for c in out.values():
        finished = c.pop("_finished")
        days = c.pop("_days")
        c["average_days"] = days / finished if finished else None
    return out if out or group else {None: {}}


DOSSIER_FIELDS = (
    "received",
    "synced",
    "judged",
    "judged_on_time",
    "ended",
    "ended_on_time",
    "unfinished_overdue",
    "no_legal_time",
    "ended_no_legal_time",
    "eligible_full_online",
    "full_online",
    "fee_dossiers",
    "fee_dossiers_paid_online",
    "results_due",
    "with_e_result",
    "digitised",
    "reuse_any",
    "from_data_store",
    "citizen_db_dossiers",
    "dossier_complaints",
)


def feedback_counts(period: Period, unit: Unit, group: str | None = None) -> dict:
    """PAKN opened in the period and judged by its end (answered, decided, or past the answer due)."""
    start, end = period.start, period.end
    rejected = FeedbackCase.Status.REJECTED
    decided = Q(status=rejected, decided_at__lt=end)
    answered = Q(answered_at__lt=end)
    judged = decided | answered | Q(answer_due_at__lt=end)
    on_time = (decided & Q(decided_at__lte=F("accept_due_at"))) | (
        ~Q(status=rejected) & answered & Q(answered_at__lte=F("answer_due_at"))
    )
    qs = FeedbackCase.objects.filter(unit.feedback_q(), opened_at__gte=start, opened_at__lt=end).filter(
        judged
    )
    aggregates = {
        "pakn": Count("pk"),
        "pakn_on_time": Count("pk", filter=on_time),
        "pakn_disliked": Count("pk", filter=Q(reaction=FeedbackCase.Reaction.DISLIKE)),
        "pakn_repeated": Count("pk", filter=Q(repeated=True)),
    }
    if group is None:
        return {None: qs.aggregate(**aggregates)}
    return {row.pop(group): row for row in qs.values(group).order_by().annotate(**aggregates)}


def feedback_counts_of_periods(periods: list[Period], unit: Unit) -> list[dict]:
    """`feedback_counts(period, unit)[None]` for each period, in one aggregate (a trend)."""
    if not periods:
        return []
    rejected = FeedbackCase.Status.REJECTED
    aggregates = {}
    for i, period in enumerate(periods):
        start, end = period.start, period.end
        decided = Q(status=rejected, decided_at__lt=end)
        answered = Q(answered_at__lt=end)
        judged = Q(opened_at__gte=start, opened_at__lt=end) & (decided | answered | Q(answer_due_at__lt=end))
        on_time = (decided & Q(decided_at__lte=F("accept_due_at"))) | (
            ~Q(status=rejected) & answered & Q(answered_at__lte=F("answer_due_at"))
        )
        aggregates |= {
            f"pakn_{i}": Count("pk", filter=judged),
            f"pakn_on_time_{i}": Count("pk", filter=judged & on_time),
            f"pakn_disliked_{i}": Count("pk", filter=judged & Q(reaction=FeedbackCase.Reaction.DISLIKE)),
            f"pakn_repeated_{i}": Count("pk", filter=judged & Q(repeated=True)),
        }
    first = min(p.start for p in periods)
    last = max(p.end for p in periods)
    row = FeedbackCase.objects.filter(unit.feedback_q(), opened_at__gte=first, opened_at__lt=last).aggregate(
        **aggregates
    )
    names = ("pakn", "pakn_on_time", "pakn_disliked", "pakn_repeated")
    return [{name: row[f"{name}_{i}"] for name in names} for i in range(len(periods))]


def fee_procedure_counts(period: Period, unit: Unit, group: str | None = None) -> dict:
    """TTHC with fee-bearing dossiers in the period (3.5, 3.5b): one row per (key, procedure)."""
    paid_online = Payment.objects.filter(
        charge__dossier_id=OuterRef("pk"),
        charge__cancelled=False,
        gateway__in=ONLINE_GATEWAYS,
        refunded_at__isnull=True,
    )
    fields = [f for f in (group, "procedure_id", "procedure__online_level") if f]
    rows = (
        Dossier.objects.filter(unit.dossier_q(), received_at__gte=period.start, received_at__lt=period.end)
        .filter(fee_due__gt=0)
        .values(*fields)
        .order_by()
        .annotate(paid_online=Count("pk", filter=Exists(paid_online)))
    )
    out: dict = defaultdict(
        lambda: {"fee_procedures": 0, "fee_procedures_paid_online": 0, "fee_procedures_offered_online": 0}
    )
    for row in rows:
        c = out[row[group] if group else None]
        c["fee_procedures"] += 1
        c["fee_procedures_paid_online"] += row["paid_online"] > 0
        c["fee_procedures_offered_online"] += row["procedure__online_level"] in (
            OnlineLevel.FULL,
            OnlineLevel.PARTIAL,
        )
    return out


def _full_content_q(prefix: str = "") -> Q:
    """The current version has all 7 components (tên; trình tự; cách thức; thành phần hồ sơ; thời hạn;
    đối tượng; cơ quan thực hiện)."""
    version = OuterRef(f"{prefix}current_version_id")
    methods = SubmissionMethod.objects.filter(version_id=version)
    v = f"{prefix}current_version__"
    return (
        Q(**{f"{prefix}current_version__isnull": False})
        & ~Q(**{f"{v}name": ""})
        & ~Q(**{f"{v}steps": []})
        & ~Q(**{f"{v}target_subjects": []})
        & ~Q(**{f"{v}implementing_agency": ""})
        & Exists(methods)
        & Exists(methods.filter(time_amount__isnull=False))
        & Exists(DocumentRequirement.objects.filter(version_id=version))
    )


_PAGE: ContextVar[dict | None] = ContextVar("insights_page", default=None)


@contextmanager
def one_page():
    """The figures of one page (one request): inside the block, what does not depend on the period
    — the catalog counts (1.3), whether the live aggregates are built — is read once, however many
    periods and units the page shows (the dashboard's trend read the catalog 18 times). Blocks nest
    (the outer one is kept). Only around one request or one report, never around long-lived work:
    a catalog reload during the block would not show in it."""
    if _PAGE.get() is not None:
        yield
        return
    token = _PAGE.set({})
    try:
        yield
    finally:
        _PAGE.reset(token)


def once_per_page(key: tuple, compute):
    """`compute()`, remembered under `key` inside a `one_page` block (outside one: every time). The
    value is shared: callers must not change it."""
    memo = _PAGE.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def _full_content_pks() -> set:
    return once_per_page(
        ("catalog-full",),
        lambda: set(
            Procedure.objects.filter(status=Procedure.Status.IN_FORCE)
            .filter(_full_content_q())
            .values_list("pk", flat=True)
        ),
    )


def catalog_counts(unit: Unit, group_kind: str | None = None) -> dict:
    """1.3: procedures in force carried out by the unit (ProcedureAgency) and those with full content.
    Read once per `one_page` block for a (unit, group): the catalog is the same in every period."""
    return once_per_page(("catalog", unit, group_kind), lambda: _catalog_counts(unit, group_kind))


def _catalog_counts(unit: Unit, group_kind: str | None) -> dict:
    in_force = Procedure.Status.IN_FORCE
    page = _PAGE.get()
    by_agency = unit.procedure_id is None and unit.officer_id is None
    # the links (10^5 rows in a province) are read for a ranking; one unit alone is one aggregate
    links_read = page is not None and ("catalog-links",) in page
    if by_agency and (
        group_kind in ("department", "commune") and page is not None or group_kind is None and links_read
    ):
        return _catalog_counts_of_links(unit, group_kind)
    if group_kind is not None:
        if group_kind == "procedure":
            rows = Procedure.objects.filter(status=in_force, agency_links__isnull=False).distinct()
            full = set(rows.filter(_full_content_q()).values_list("pk", flat=True))
            return {
                pk: {"procedures": 1, "procedures_full_content": int(pk in full)}
                for pk in rows.values_list("pk", flat=True)
            }
        agency_key = GROUP_KEYS[group_kind][2]
        if agency_key is None:
            return {}
        full = _full_content_pks()
        by_key: dict = defaultdict(set)
        links = ProcedureAgency.objects.filter(procedure__status=in_force).values_list(
            agency_key, "procedure_id"
        )
        for key, pk in links:
            by_key[key].add(pk)
        return {
            key: {"procedures": len(pks), "procedures_full_content": len(pks & full)}
            for key, pks in by_key.items()
        }
    links = ProcedureAgency.objects.filter(procedure_id=OuterRef("pk"))
    procedures = Procedure.objects.filter(status=in_force)
    if unit.procedure_id is not None:
        procedures = procedures.filter(pk=unit.procedure_id)
    elif unit.officer_id is not None:
        procedures = procedures.filter(
            Exists(Dossier.objects.filter(procedure_id=OuterRef("pk"), assignee_id=unit.officer_id))
        )
    elif unit.agency_ids is not None:
        procedures = procedures.filter(Exists(links.filter(agency_id__in=unit.agency_ids)))
    else:
        procedures = procedures.filter(Exists(links))
    return {
        None: procedures.aggregate(
            procedures=Count("pk"), procedures_full_content=Count("pk", filter=_full_content_q())
        )
    }


def _catalog_counts_of_links(unit: Unit, group_kind: str | None) -> dict:
    """`_catalog_counts` for the province, an agency set, departments or communes, counted here from
    the links of the procedures in force and the set with full content, both read once per page
    (both rankings and the targets' agencies then cost two queries, not one aggregate each)."""
    by_agency, by_commune = once_per_page(("catalog-links",), _in_force_links)
    full = _full_content_pks()
    if group_kind is not None:
        by_key = by_agency if GROUP_KEYS[group_kind][2] == "agency_id" else by_commune
        return {
            key: {"procedures": len(pks), "procedures_full_content": len(pks & full)}
            for key, pks in by_key.items()
        }
    if unit.agency_ids is None:
        pks = set().union(*by_agency.values())
    else:
        pks = set().union(*(by_agency.get(agency, ()) for agency in unit.agency_ids))
    return {None: {"procedures": len(pks), "procedures_full_content": len(pks & full)}}


def _in_force_links() -> tuple[dict, dict]:
    """(agency → its procedures in force, commune → the procedures in force of its agencies). The
    communes are mapped from the agencies here (a join per link cost a quarter of the read)."""
    by_agency: dict = defaultdict(set)
    links = ProcedureAgency.objects.filter(procedure__status=Procedure.Status.IN_FORCE).values_list(
        "agency_id", "procedure_id"
    )
    for agency, pk in links:
        by_agency[agency].add(pk)
    communes = dict(Agency.objects.values_list("pk", "admin_unit_id"))
    by_commune: dict = defaultdict(set)
    for agency, pks in by_agency.items():
        by_commune[communes.get(agency)] |= pks
    return dict(by_agency), dict(by_commune)


def sync_reference(period: Period, unit: Unit) -> int:
    """The national reference count for 1.4 (province only): last year's reported count, pro rata."""
    yearly = settings.MOTCUA_INDEX_SYNC_REFERENCE_YEARLY
    if unit.kind != "province" or not yearly:
        return 0
    days = (period.last_day - period.first_day + timedelta(days=1)).days
    return round(yearly * days / 365)


def _fill(counts: Counts, row: dict | None) -> None:
    for name, value in (row or {}).items():
        if name == "average_days":
            counts.average_days = value
        elif hasattr(counts, name):
            setattr(counts, name, value or 0)


@contextmanager
def without_jit():
    """PostgreSQL JIT-compiles the wide aggregate (its subplans look costly to the planner) and spends
    seconds compiling a query that runs in milliseconds (measured: 4.9 s of JIT for 0.2 s of work at
    10^5 dossiers), so it is switched off for the index queries only."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield


def gather(period: Period, unit: Unit) -> Counts:
    """All the counts of the index for one unit and one period."""
    with without_jit():
        return _gather(period, unit)


def _gather(period: Period, unit: Unit) -> Counts:
    counts = Counts()
    for part in (
        dossier_counts(period, unit),
        feedback_counts(period, unit),
        fee_procedure_counts(period, unit),
        catalog_counts(unit),
    ):
        _fill(counts, part.get(None))
    counts.sync_reference = sync_reference(period, unit)
    return counts


def gather_grouped(period: Period, kind: str) -> dict:
    """key → Counts for every unit of a ranking kind, in the same handful of queries as one unit."""
    if kind not in GROUP_KEYS:
        raise UnitError(f"Không xếp hạng được theo “{kind}”. Chọn một trong: {', '.join(RANK_KINDS)}.")
    dossier_key, feedback_key, _ = GROUP_KEYS[kind]
    province = province_unit()
    out: dict = defaultdict(Counts)
    with without_jit():
        parts = (
            dossier_counts(period, province, dossier_key),
            feedback_counts(period, province, feedback_key),
            fee_procedure_counts(period, province, dossier_key),
            catalog_counts(province, kind),
        )
    for part in parts:
        for key, row in part.items():
            if key is not None:
                _fill(out[key], row)
    return out
