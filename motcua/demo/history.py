"""Demo history: a province's year of dossiers, generated fast and deterministically. Never for production.

`motcua demo --dossiers N --seed S` fills the database with N dossiers received over the last 12
months, as if the province had run motcua for a year: procedures by popularity (Zipf over the
province's catalogue), channels (national portal ≈ 60 %, counter ≈ 30 %, post ≈ 10 %), agencies
(the provincial centre for the departments' procedures, the communes' centres for theirs),
working-hour times, seasonality around Tết, and statuses consistent with each dossier's age.

**It bypasses `services.perform` on purpose.** This is history, not actions anybody took: running
a million transitions through the service layer would take hours and would write an audit
entry, an event and notifications for each — an audit chain that testifies to actions nobody
performed, events that the national-portal sync would push out, messages to people who do not
exist. Instead the generator replays each dossier's life in memory with the same rules the
services apply (the transition table's labels and targets, the legal calendar for due dates,
pauses that shift the appointment, the default workflow's steps, optimistic-lock versions,
codes from the agency code, the date and the day's sequence) and writes exactly the rows the
services would have written for that history — `Dossier`, `DossierDocument`, `DossierStep`,
`DossierHistory`, `DueDateChange` and the `DossierCodeCounter` rows, so that the next real
reception continues the day's numbering — and nothing in the audit log, the event log or the
notifications. The one thing it cannot make is a signed result document: approved dossiers
carry no `DossierResult`, and their history has no "issue_result" row.

Everything comes from one `random.Random(seed)` and the shipped reference data, so a seed and
an end date (`until`, default today) always give the same rows. Fake personal data: the
command refuses to run unless DEBUG, EMBEDDED or TESTING is on (or `--force`).

The name, ID-number, phone and address generator (`PeopleGenerator`) lives in
`motcua.people.synthetic`, shared with the national portal's sandbox adapter (`motcua.sync.portal`)
and the registries' sandbox population (`motcua.registries.sandbox`).

Beside it, one purpose each: `timing` (the days and moments, the legal clock on a frozen
calendar), `population` (demo officers and citizens' accounts), `rows` (the tables' column
layouts and the writing of a batch of lives), `bulk` (the fast writer underneath).
"""

from __future__ import annotations

import contextlib
import math
import time as _time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from motcua.catalog.models import Procedure
from motcua.catalog.province_catalog import ZIPF_EXPONENT, ProcedureInfo, ProvinceCatalog
from motcua.core import calendar
from motcua.core.codes import national_code, national_code_prefix
from motcua.dossiers import deadlines
from motcua.dossiers.models import (
    Channel,
    Decision,
    Dossier,
    DossierDocument,
    DossierHistory,
    DossierStep,
    DueDateChange,
    Status,
)
from motcua.dossiers.services import HANDLING, PAUSED_STATUSES, TRANSITIONS, default_workflow
from motcua.eforms.models import Draft, FormDefinition
from motcua.feedback.models import FeedbackCase, Rating, Satisfaction
from motcua.insights import realtime
from motcua.payments.models import Charge, Gateway, Payment
from motcua.people.models import OfficerRole, User
from motcua.people.synthetic import (  # noqa: F401 — re-exported for the benches and the tests
    FastRandom,
    PeopleGenerator,
    Person,
    personal_id_number,
    pick_weighted,
    tax_code,
    weighted_table,
)
from motcua.places.models import AdminUnit, Agency

from .bulk import Sink, without_cyclic_gc
from .population import Citizens, Officers
from .rows import LifeRows
from .timing import DemoTime

Role = OfficerRole.Role
S = Status


class DemoRefused(Exception):
    """The demo writes fake personal data: only with DEBUG, EMBEDDED or TESTING (or forced)."""


def demo_allowed() -> bool:
    return bool(
        getattr(settings, "DEBUG", False)
        or getattr(settings, "EMBEDDED", False)
        or getattr(settings, "TESTING", False)
    )


# =============================================================================================
# The generator
# =============================================================================================

_REFUSE_RECEPTION = [
    "Thủ tục không thuộc thẩm quyền giải quyết của cơ quan.",
    "Hồ sơ nộp trùng với hồ sơ đã tiếp nhận trước đó.",
    "Người nộp không đủ điều kiện thực hiện thủ tục theo quy định.",
]
_SUPPLEMENT = [
    "Bổ sung bản sao giấy tờ chứng minh nơi cư trú.",
    "Tờ khai chưa ghi đầy đủ thông tin, đề nghị kê khai lại.",
    "Bổ sung giấy ủy quyền có chứng thực.",
    "Ảnh chụp giấy tờ không rõ nét, đề nghị tải lại bản rõ nét.",
    "Bổ sung văn bản đồng ý của các thành viên liên quan.",
]
_REFUSE = [
    "Không đủ điều kiện theo quy định của pháp luật chuyên ngành.",
    "Kết quả xác minh không phù hợp với nội dung kê khai.",
]
_APOLOGY = [
    "Cần thêm thời gian xác minh thông tin với cơ quan liên quan.",
    "Chờ kết quả lấy ý kiến của cơ quan phối hợp.",
    "Khối lượng hồ sơ tăng đột biến trong dịp cuối năm.",
]
_CREATE_LABEL = {
    Channel.COUNTER: "Nộp hồ sơ " + Channel.COUNTER.label.lower(),
    Channel.POST: "Nộp hồ sơ " + Channel.POST.label.lower(),
    Channel.NATIONAL_PORTAL: "Nộp hồ sơ trực tuyến",
    Channel.OWN_PORTAL: "Nộp hồ sơ trực tuyến",
}
_TITLES = {
    Role.RECEPTION: Role.RECEPTION.label,
    Role.SPECIALIST: Role.SPECIALIST.label,
    "leader": Role.APPROVER.label,  # a leader holds unit_head + approver: services show the higher
}
ONLINE = (Channel.NATIONAL_PORTAL, Channel.OWN_PORTAL)
#: Of the online submissions, the share made on the province's own site (services with an e-form):
#: since 01/7/2025 most go through the national portal (spec §0.1).
OWN_PORTAL_SHARE = 0.09
#: Ratings: how often a returned result is rated, and the levels on time / late.
RATING_SHARE = {
    Channel.NATIONAL_PORTAL: 0.4, Channel.OWN_PORTAL: 0.55, Channel.COUNTER: 0.2, Channel.POST: 0.1,
}  # fmt: skip
_LEVELS_ON_TIME = weighted_table([(4, 0.62), (3, 0.31), (2, 0.05), (1, 0.02)])
_LEVELS_LATE = weighted_table([(4, 0.2), (3, 0.35), (2, 0.23), (1, 0.22)])
#: Fee payments: the gateway by channel of submission.
_G = Gateway
_GATEWAYS = {
    Channel.NATIONAL_PORTAL: weighted_table([(_G.NATIONAL, 0.72), (_G.VIETQR, 0.18), (_G.COUNTER_CASH, 0.1)]),
    Channel.OWN_PORTAL: weighted_table([(_G.VIETQR, 0.55), (_G.NATIONAL, 0.35), (_G.COUNTER_CASH, 0.1)]),
    Channel.COUNTER: weighted_table([(_G.COUNTER_CASH, 0.62), (_G.COUNTER_CARD, 0.16), (_G.VIETQR, 0.22)]),
    Channel.POST: weighted_table([(_G.VIETQR, 0.6), (_G.COUNTER_CASH, 0.4)]),
}
_COMPLAINTS = [
    "Cán bộ tiếp nhận hướng dẫn chưa rõ ràng, phải đi lại nhiều lần.",
    "Hồ sơ quá hạn nhưng chưa nhận được thông báo xin lỗi.",
    "Đề nghị giải thích lý do yêu cầu bổ sung giấy tờ đã có trong cơ sở dữ liệu.",
    "Thời gian chờ tại bộ phận một cửa quá lâu.",
]
_ANSWERS = [
    "Cơ quan đã kiểm tra, chấn chỉnh việc hướng dẫn và xin lỗi ông/bà vì sự bất tiện.",
    "Hồ sơ của ông/bà đã được giải quyết; cơ quan đã nhắc nhở cán bộ liên quan.",
    "Thành phần hồ sơ được yêu cầu theo đúng quy định của thủ tục; cơ quan giải thích như sau.",
]


@dataclass
class DemoReport:
    dossiers: int = 0
    rows: int = 0
    seconds: float = 0.0
    statuses: Counter = field(default_factory=Counter)
    channels: Counter = field(default_factory=Counter)
    officers: int = 0
    write_seconds: float = 0.0
    index_seconds: float = 0.0
    realtime_seconds: float | None = None
    followers: Counter = field(default_factory=Counter)
    first_day: date | None = None
    last_day: date | None = None

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def lines(self) -> list[str]:
        out = [
            f"{self.dossiers} hồ sơ ({self.first_day:%d/%m/%Y} – {self.last_day:%d/%m/%Y}), "
            f"{self.rows} dòng trong {self.seconds:.1f} s: {self.rows_per_second:,.0f} dòng/giây, "
            f"{self.dossiers / self.seconds if self.seconds else 0:,.0f} hồ sơ/giây "
            f"(ghi {self.write_seconds:.1f} s, dựng lại chỉ mục {self.index_seconds:.1f} s)"
        ]
        total = max(self.dossiers, 1)
        out.append(
            "Kênh: "
            + ", ".join(f"{Channel(c).label} {n / total:.0%}" for c, n in self.channels.most_common())
        )
        out.append(
            "Trạng thái: "
            + ", ".join(f"{Status(s).label} {n / total:.1%}" for s, n in sorted(self.statuses.items()))
        )
        out.append(f"Cán bộ dùng thử được tạo: {self.officers}")
        f = self.followers
        out.append(
            f"Thanh toán: {f['paid_online']} trực tuyến, {f['paid_counter']} tại quầy; "
            f"đánh giá: {f['ratings']}; "
            f"phản ánh: {f['cases']}; tờ khai điện tử: {f['drafts_submitted']} đã nộp, "
            f"{f['drafts_abandoned']} bỏ dở"
        )
        if self.realtime_seconds is not None:
            out.append(f"Dựng lại số liệu chỉ số thời gian thực: {self.realtime_seconds:.1f} s")
        return out


def _iso(moment: datetime | None, utc: bool = False) -> str | None:
    """As dossiers.clock._iso: the old due comes from the database (UTC), the new from the calendar."""
    if moment is None:
        return None
    return (moment.astimezone(UTC) if utc else moment).isoformat()


class _Life:
    """One dossier's state while its history is replayed; mirrors dossiers.clock.enter and friends."""

    __slots__ = (
        "row", "docs", "history", "steps", "due_changes", "status", "paused_at", "resume_status", "due_at",
        "version", "now", "stopped", "charge", "payment", "rating", "cases", "drafts",
    )  # fmt: skip

    def __init__(self):
        self.row: dict = {}
        self.docs: list[tuple] = []
        self.history: list[list] = []
        self.steps: list[list] = []
        self.due_changes: list[list] = []
        self.status = S.NEW
        self.paused_at = None
        self.resume_status = None
        self.due_at = None
        self.version = 1
        self.now = None
        self.stopped = False
        self.charge = None  # (assessed_at, amount)
        self.payment = None  # (gateway, paid_at, recorded_by)
        self.rating = None  # (level, at, comment)
        self.cases: list[dict] = []
        self.drafts: list[tuple] = []


class DemoGenerator(DemoTime, LifeRows):
    def __init__(
        self,
        dossiers: int,
        seed: int = 0,
        *,
        until: date | None = None,
        batch: int = 5000,
        using: str = "default",
        stdout=None,
    ):
        self.n = int(dossiers)
        self.seed = seed
        self.rng = FastRandom(seed)
        self.tz = timezone.get_default_timezone()
        self.until = until or timezone.localdate()
        #: The moment "now" of the history: the start of `until`; nothing happens at or after it.
        self.horizon = datetime.combine(self.until, time(0), tzinfo=self.tz)
        self.batch = max(100, int(batch))
        self.using = using
        self.stdout = stdout
        # Fixed to today's CalendarDay rows, each day's answers memoised: the run asks about the
        # same few hundred days millions of times.
        self.cal = calendar.FrozenCalendar()
        self.office = self.cal.office_hours
        self._sessions = (
            self._session(*self.office[0]),
            self._session(*self.office[-1]) if len(self.office) > 1 else None,
        )
        self.counting = self.cal.counting
        self.report = DemoReport()
        self._due_cache: dict = {}
        self._steps_cache: dict = {}
        self.workflow = default_workflow()
        #: As `deadlines.online_reply_due` (NĐ 45/2020 Art 11), on the cached calendar instance.
        self.reply_hours = getattr(settings, "MOTCUA_ONLINE_REPLY_HOURS", 8)
        #: As `deadlines.transfer_due`: the cut-off after which the transfer is due the next morning.
        self.transfer_cutoff = calendar.parse_time(
            getattr(settings, "MOTCUA_TRANSFER_CUTOFF", "15:00"), "Giờ chốt chuyển hồ sơ"
        )

    # -- one dossier -------------------------------------------------------------------------

    def _event(
        self, life: _Life, at: datetime, action: str, actor, agency_id, data=None, target=None
    ) -> bool:
        """Apply a transition at `at` unless it lies beyond the horizon; False when it does."""
        if life.stopped or at >= self.horizon:
            life.stopped = True
            return False
        transition = TRANSITIONS[action]
        target = target if target is not None else transition.target
        from_status = life.status
        data = dict(data or {})
        life.now = at
        if target is not None:
            self._enter(life, target, at, data)
        life.version += 1
        actor_id, actor_name, title = actor if actor else (None, "hệ thống", "")
        life.history.append(
            [at, action, transition.label, from_status, life.status, actor_id, actor_name, title, agency_id,
             "", data]
        )  # fmt: skip
        return True

    def _enter(self, life: _Life, target: int, at: datetime, data: dict) -> None:
        was_paused = life.status in PAUSED_STATUSES
        will_pause = target in PAUSED_STATUSES
        if will_pause and not was_paused:
            life.paused_at, life.resume_status = at, life.status
        if was_paused and not will_pause and life.paused_at is not None:
            if life.due_at is not None:
                new_due = self.shift_by_pause(life.due_at, life.paused_at, at)
                if new_due != life.due_at:
                    life.due_changes.append(
                        [
                            at,
                            life.due_at,
                            new_due,
                            "Cộng thời gian tạm dừng (bổ sung hồ sơ / nghĩa vụ tài chính)",
                        ]
                    )
                    data.setdefault("due_at", []).append([_iso(life.due_at, utc=True), _iso(new_due)])
                    life.due_at = new_due
            life.paused_at, life.resume_status = None, None
        life.status = target

    def _dossier(self, day: date, info: ProcedureInfo, channel: str, receiving: Agency) -> _Life:
        life = self._life(day, info, channel, receiving)
        self._aftermath(life)
        return life

    def _life(self, day: date, info: ProcedureInfo, channel: str, receiving: Agency) -> _Life:
        rng = self.rng
        p = info.procedure
        handling = info.handling_agency(receiving)
        life = _Life()
        row = life.row
        online = channel in ONLINE
        citizen = rng.random() < info.citizen_share
        user_id = None
        if channel == Channel.OWN_PORTAL and self.citizens.pool:
            user_id, person = self.citizens.pick()  # signed in with the eID: the account's person
        else:
            person = self.people.person() if citizen else self.people.organisation()
        submitted = self.online_moment(day) if online else self.office_moment(day)
        amount, unit = info.legal[deadlines.catalog_channel(channel)]
        fee = info.fee[deadlines.catalog_channel(channel)]
        reception = lambda: self.officers.pick(receiving.pk, Role.RECEPTION)  # noqa: E731
        leader = self.officers.pick(handling.pk, "leader")
        specialist = self.officers.pick(handling.pk, Role.SPECIALIST)
        title = _TITLES

        def who(officer, key):
            return (officer[0], officer[2], title[key])

        row.update(
            channel=channel,
            procedure=p,
            info=info,
            receiving=receiving,
            handling=handling,
            person=person,
            user=user_id,
            submitted_at=submitted,
            time_amount=None,
            time_unit="",
            result_by_post=rng.random() < {Channel.POST: 0.8, Channel.COUNTER: 0.08}.get(channel, 0.15),
        )
        self._documents(life, info, online, submitted)
        supplements = 0
        roll = rng.random()
        planned_supplements = 2 if roll < 0.01 else (1 if roll < 0.11 else 0)
        r = dict(replied_at=None, received_at=None, counting_start=None, reply_due_at=None, refused_at=None,
                 finished_at=None, returned_at=None, decision="", decision_reason="", assignee=None,
                 fee_due=0, fee_paid=0, counts_as_overdue=False, apology_count=0)  # fmt: skip
        row.update(r)
        # -- creation
        if online:
            life.history.append(
                [submitted, "create", _CREATE_LABEL[channel], None, S.NEW, None, "hệ thống", "", None, "",
                 {"national_code": None} if channel == Channel.NATIONAL_PORTAL else {}]  # code at flush
            )  # fmt: skip
            row["reply_due_at"] = self.cal.add_working_hours(submitted, self.reply_hours)
            delay = 0 if rng.random() < 0.72 else (1 if rng.random() < 0.85 else 2)
            t = self.later(submitted, delay, delay)
            outcome = rng.random()
            if outcome < 0.03:
                reason = rng.choice(_REFUSE_RECEPTION)
                if self._event(life, t, "refuse_reception", who(reception(), Role.RECEPTION), receiving.pk,
                               {"reason": reason}):  # fmt: skip
                    row["refused_at"] = row["replied_at"] = t
                return life
            if planned_supplements and outcome < 0.5:  # asked at the online check, before receiving
                if not self._supplement(life, t, receiving, reception, supplements):
                    return life
                supplements += 1
                t = self.later(life.now, 0, 1)
            if not self._event(life, t, "receive", who(reception(), Role.RECEPTION), receiving.pk):
                return life
        else:
            officer = who(reception(), Role.RECEPTION)
            life.history.append(
                [submitted, "create", _CREATE_LABEL[channel], None, S.NEW, officer[0], officer[1], officer[2],
                 receiving.pk, "", {}]
            )  # fmt: skip
            t = submitted
            self._event(life, t, "receive", officer, receiving.pk)
        # -- received: the clock starts, the steps are planned
        row["replied_at"] = row["replied_at"] or t
        row["received_at"] = t
        row["time_amount"], row["time_unit"] = amount, unit
        due = self.due(t, amount, unit, p)
        if due is not None:
            row["counting_start"], life.due_at = due
        start = row["counting_start"] or t
        for position, ((name, role, where, _share), (hours, step_due)) in enumerate(
            zip(self.workflow, self.plan_steps(start, amount, unit, t), strict=True), start=1
        ):
            agency = handling if where == HANDLING else receiving
            life.steps.append([position, name, role, agency.pk, hours, step_due, None, None, None])
        if life.steps and life.steps[0][2] == Role.RECEPTION:
            life.steps[0][6] = t
        # -- supplements asked at reception (the clock pauses, the appointment moves on resume)
        while supplements < planned_supplements:
            t = self.later(life.now, 0, 0)
            if not self._supplement(life, t, receiving, reception, supplements):
                return life
            supplements += 1
        # -- assignment
        t = self.later(life.now, 0, 1)
        assignee = specialist
        if not self._event(life, t, "assign", who(leader, "leader"), handling.pk, {"assignee": assignee[1]}):
            return life
        row["assignee"] = assignee[0]
        self._finish_step(life, 1, t, leader[0])
        # -- withdrawal (the applicant changes their mind)
        if rng.random() < 0.015:
            t = self.later(life.now, 0, 3)
            if not self._event(life, t, "request_withdrawal", who(reception(), Role.RECEPTION), receiving.pk,
                               {"reason": "Theo đề nghị của người nộp hồ sơ"}):  # fmt: skip
                return life
            t = self.later(t, 0, 2)
            if self._event(life, t, "stop", who(reception(), Role.RECEPTION), receiving.pk):
                row["finished_at"] = t
            return life
        # -- fees (nghĩa vụ tài chính): asked by the specialist, paid by the applicant
        if fee:
            t = self.later(life.now, 0, 1)
            if not self._event(life, t, "request_payment", who(specialist, Role.SPECIALIST), handling.pk,
                               {"amount": fee}):  # fmt: skip
                return life
            row["fee_due"] = fee
            if rng.random() < 0.03:
                return life  # never paid: stays waiting
            t = self.later(t, 0, 3)
            if not self._event(life, t, "mark_paid", who(reception(), Role.RECEPTION), receiving.pk,
                               {"amount": fee, "reference": ""}):  # fmt: skip
                return life
            row["fee_paid"] = fee
        # -- the decision: on time for most, a tail late
        base = life.now.astimezone(self.tz)
        late = rng.random() < 0.075
        if life.due_at is None:
            finish = self.later(base, 1, 10)
        else:
            due_local = life.due_at.astimezone(self.tz)
            span = max(self.cal.working_days_between(base.date(), due_local.date()), 0)
            if late:
                finish = self.later(due_local, 1, max(2, span // 2 + 1))
            else:
                k = min(span, int(span * rng.betavariate(2.5, 1.4)))
                finish = self.later(base, k, k)
                if finish > life.due_at:
                    lo = base + timedelta(minutes=10)
                    finish = lo + (life.due_at - lo) * rng.random() if life.due_at > lo else life.due_at
                    finish = finish.replace(microsecond=0)
        if late and life.due_at is not None and rng.random() < 0.35:
            self._apologise(life, finish, leader, handling)
        # The specialist's appraisal ends before the decision.
        gap = (finish - life.now) * rng.uniform(0.5, 0.95)
        t = (life.now + max(gap, timedelta(minutes=1))).replace(microsecond=0)
        if t >= finish:
            finish = t + timedelta(minutes=rng.randint(5, 90))
        if not self._event(life, t, "complete_step", who(assignee, Role.SPECIALIST), handling.pk,
                           {"step": life.steps[1][1] if len(life.steps) > 1 else ""}):  # fmt: skip
            return life
        self._finish_step(life, 2, t, assignee[0])
        decision = Decision.APPROVED if rng.random() < 0.98 else Decision.REFUSED
        data = {}
        if decision == Decision.REFUSED:
            data["reason"] = rng.choice(_REFUSE)
        if not self._event(life, finish, "approve" if decision == Decision.APPROVED else "refuse",
                           who(leader, "leader"), handling.pk, data):  # fmt: skip
            return life
        row["decision"], row["decision_reason"], row["finished_at"] = decision, data.get("reason", ""), finish
        for step in life.steps:
            if step[7] is None and step[2] in (Role.SPECIALIST, Role.APPROVER):
                step[7], step[8] = finish, leader[0]
        self._start_next(life, finish)
        # -- the result goes back to the applicant
        t = self.later(finish, 0, 3 if channel != Channel.POST else 5)
        if self._event(life, t, "return_result", who(reception(), Role.RECEPTION), receiving.pk):
            row["returned_at"] = t
            for step in life.steps:
                if step[7] is None:
                    step[7], step[8] = t, life.history[-1][5]
        return life

    # -- what follows a dossier: fees paid, the rating, feedback cases, the e-form behind it --------

    def _forms(self) -> None:
        """The current e-forms of the catalogue's online procedures: (definition id, fields, pages)."""
        online = {i.procedure.pk: i for i in self.catalog.online_ranked}
        self.forms: dict[int, tuple[int, int, int]] = {}
        weighted = []
        for definition in FormDefinition.objects.filter(is_current=True, procedure_id__in=online).order_by(
            "procedure__code"
        ):
            pages = definition.pages
            fields = sum(len(page.get("fields", [])) for page in pages) or 1
            self.forms[definition.procedure_id] = (definition.pk, fields, len(pages))
            rank = self.catalog.online_ranked.index(online[definition.procedure_id]) + 1
            weighted.append((online[definition.procedure_id], 1 / rank**ZIPF_EXPONENT))
        self.form_table = weighted_table(weighted) if weighted else None

    def _aftermath(self, life: _Life) -> None:
        rng, row = self.rng, life.row
        # Fees: the charge assessed with the request, the payment recorded with mark_paid.
        for entry in life.history:
            at, action, actor_id, data = entry[0], entry[1], entry[5], entry[10]
            if action == "request_payment":
                life.charge = (at, int(data.get("amount") or row["fee_due"] or 0))
            elif action == "mark_paid" and life.charge:
                gateway = pick_weighted(rng, _GATEWAYS[row["channel"]])
                counter = gateway in (Gateway.COUNTER_CASH, Gateway.COUNTER_CARD)
                life.payment = (gateway, at, actor_id if counter else None)
        if row["channel"] == Channel.OWN_PORTAL and row["user"]:
            self._drafts(life)
        # The rating (after the result is returned) and, when dissatisfied, the case it opens.
        returned = row.get("returned_at")
        late = bool(row["counts_as_overdue"] or row["apology_count"]) or (
            life.due_at is not None and row["finished_at"] is not None and row["finished_at"] > life.due_at
        )
        if returned and rng.random() < RATING_SHARE[row["channel"]]:
            at = returned + timedelta(seconds=int(rng.random() * 5 * 86400))
            if at < self.horizon:
                level = pick_weighted(rng, _LEVELS_LATE if late else _LEVELS_ON_TIME)
                life.rating = (level, at, "")
                if level == Satisfaction.DISSATISFIED:
                    self._case(life, at, "Không hài lòng với kết quả hồ sơ", rated=True)
        # Now and then a complaint while the dossier is being handled.
        if row["received_at"] and rng.random() < (0.02 if late else 0.003):
            self._case(life, self.later(row["received_at"], 1, 5), "Phản ánh về việc giải quyết hồ sơ")

    def _drafts(self, life: _Life) -> None:
        """The submitted e-form behind an own-portal dossier, with its QĐ 1565 timings; now and then an
        earlier attempt abandoned."""
        rng, row = self.rng, life.row
        definition, fields, pages = self.forms[row["procedure"].pk]
        submitted = row["submitted_at"]
        # Faster through the year as prefill improves: a median of 5.5 min a year ago, 4 min now.
        age = (self.horizon - submitted).total_seconds() / (365 * 86400)
        median = 240 + 90 * min(max(age, 0.0), 1.0)
        from_sign_in = median * math.exp(0.55 * rng.gauss(0, 1))
        if rng.random() < 0.004:
            from_sign_in += 86400 * rng.uniform(1, 3)  # left open overnight, finished days later
        from_sign_in = round(from_sign_in, 1)
        from_open = round(max(10.0, from_sign_in - rng.uniform(15, 90)), 1)
        prefilled = min(fields, round(fields * rng.betavariate(6, 2.5)))
        life.drafts.append(
            ("submitted", row["user"], row["person"].id_number, definition, pages, pages,
             submitted - timedelta(seconds=from_sign_in), submitted - timedelta(seconds=from_open), submitted,
             submitted, None, True, from_sign_in, from_open, prefilled, fields - prefilled, pages)
        )  # fmt: skip
        if rng.random() < 0.2:
            other, _, other_pages = self.forms[pick_weighted(rng, self.form_table).procedure.pk]
            opened = submitted - timedelta(days=rng.randint(1, 20), seconds=rng.randrange(86400))
            touched = opened + timedelta(seconds=rng.randint(30, 900))
            abandoned = touched + timedelta(hours=getattr(settings, "MOTCUA_FORM_ABANDON_HOURS", 24))
            seen = rng.randint(0, other_pages)
            life.drafts.append(
                ("abandoned", row["user"], row["person"].id_number, other, min(seen, other_pages - 1), seen,
                 opened - timedelta(seconds=rng.randint(5, 120)), opened, touched, None, abandoned, False,
                 None, None, None, None, None)
            )  # fmt: skip

    def _case(self, life: _Life, opened: datetime, subject: str, rated: bool = False) -> None:
        """A feedback case (phản ánh, kiến nghị) as feedback.services._open and act write it."""
        if opened >= self.horizon:
            return
        rng, row = self.rng, life.row
        handling = row["handling"]
        leader = self.officers.pick(handling.pk, "leader")[0]
        accept_due = self.cal.due_at(opened, 2, "working_days").due_at
        answer_due = self.cal.due_at(opened, 15, "working_days").due_at
        case = dict(
            opened_at=opened, accept_due_at=accept_due, answer_due_at=answer_due, status="new",
            decided_at=None, answered_at=None, publish_due_at=None, published_at=None, handled_by=None,
            officer_note="", answer="", reaction="", version=1, rated=rated,
            subject=subject,  # the dossier code is added at flush, once known
            content=rng.choice(_COMPLAINTS),
        )  # fmt: skip
        life.cases.append(case)
        decided = self.later(opened, 0, 2)
        if decided >= self.horizon:
            return
        case.update(decided_at=decided, handled_by=leader, version=2)
        if rng.random() < 0.08:
            case.update(status="rejected", officer_note="Nội dung đã được trả lời trước đó.")
            return
        case["status"] = FeedbackCase.Status.ACCEPTED
        on_time = rng.random() < 0.85
        answered = self.later(decided, 1, 12) if on_time else self.later(answer_due, 1, 8)
        if answered >= self.horizon:
            return
        publish_due = self.cal.due_at(answered, 2, "working_days").due_at
        case.update(status="answered", answered_at=answered, answer=rng.choice(_ANSWERS), version=3,
                    publish_due_at=publish_due)  # fmt: skip
        roll = rng.random()
        case["reaction"] = "like" if roll < 0.55 else ("dislike" if roll < 0.7 else "")
        if rng.random() < 0.5:
            published = self.later(answered, 0, 2)
            if published < self.horizon:
                case.update(status=FeedbackCase.Status.PUBLISHED, published_at=published, version=4)

    def _supplement(self, life: _Life, t: datetime, receiving: Agency, reception, done: int) -> bool:
        """request_supplement then (mostly) receive_supplement; False when the history stops."""
        officer = reception()
        who = (officer[0], officer[2], _TITLES[Role.RECEPTION])
        if not self._event(life, t, "request_supplement", who, receiving.pk,
                           {"reason": self.rng.choice(_SUPPLEMENT)}):  # fmt: skip
            return False
        row = life.row
        row["supplement_count"] = done + 1
        if done >= 1:
            row["counts_as_overdue"] = True  # a second request: allowed by law, counted as overdue
        row["replied_at"] = row["replied_at"] or t
        if self.rng.random() < 0.1:
            return False  # the applicant never came back
        back = t.astimezone(self.tz).date() + timedelta(days=self.rng.randint(1, 12))
        t2 = self.later(datetime.combine(back, time(0), tzinfo=self.tz), 0, 0)
        officer = reception()
        return self._event(
            life, t2, "receive_supplement", (officer[0], officer[2], _TITLES[Role.RECEPTION]), receiving.pk,
            target=life.resume_status or S.RECEIVED,
        )  # fmt: skip

    def _apologise(self, life: _Life, finish: datetime, leader, handling: Agency) -> None:
        due_day = life.due_at.astimezone(self.tz).date()
        day = due_day - timedelta(days=self.rng.randint(1, 3))
        while not self.is_working(day):
            day -= timedelta(days=1)
        t = self.office_moment(day)
        if t <= life.now or (due_day - day).days < 1 or t >= finish:
            return
        finish_day = finish.astimezone(self.tz).date()
        new_due = self.cal.closing_time(self.add_wd(finish_day, self.rng.randint(0, 2)))
        if new_due <= life.due_at:
            return
        reason = self.rng.choice(_APOLOGY)
        data = {"reason": reason, "due_at": [[_iso(life.due_at, utc=True), _iso(new_due)]]}
        old = life.due_at
        if self._event(life, t, "apologise", (leader[0], leader[2], _TITLES["leader"]), handling.pk, data):
            life.due_changes.append([t, old, new_due, f"Xin lỗi và hẹn lại: {reason}"[:200]])
            life.due_at = new_due
            life.row["apology_count"] = 1

    @staticmethod
    def _finish_step(life: _Life, position: int, at: datetime, officer_id) -> None:
        for step in life.steps:
            if step[0] == position and step[7] is None:
                step[7], step[8] = at, officer_id
        DemoGenerator._start_next(life, at)

    @staticmethod
    def _start_next(life: _Life, at: datetime) -> None:
        for step in life.steps:
            if step[7] is None:
                if step[6] is None:
                    step[6] = at
                return

    # -- choosing where ------------------------------------------------------------------------

    def _receiving(self, info: ProcedureInfo) -> Agency:
        rng = self.rng
        if info.commune and (not info.province or rng.random() < 0.7):
            return pick_weighted(rng, self.commune_table)
        return info.province[0] if len(info.province) == 1 else rng.choice(info.province)

    # -- run ---------------------------------------------------------------------------------

    def run(self) -> DemoReport:
        with without_cyclic_gc():
            return self._run()

    def _run(self) -> DemoReport:
        started = _time.perf_counter()
        rng = self.rng
        self.catalog = ProvinceCatalog()
        if not self.catalog.ranked:
            raise LookupError("Chưa có danh mục thủ tục của tỉnh: chạy load_places và import_catalog trước.")
        self.people = PeopleGenerator.for_province(rng)
        # Busy and quiet communes: a heavy-tailed size per commune centre, wards busier.
        sizes = []
        for agency in self.catalog.commune_centres:
            unit = self.catalog.agencies[agency.pk].admin_unit
            size = min(rng.paretovariate(1.6), 12.0) * (2.0 if unit.kind == AdminUnit.Kind.WARD else 1.0)
            sizes.append((agency, size))
        self.commune_table = weighted_table(sizes)
        receiving = {a for i in self.catalog.ranked for a in i.province} | set(self.catalog.commune_centres)
        handling = set()
        for info in self.catalog.ranked:
            for a in info.province:
                handling.add(info.handling_agency(a))
            if info.commune:
                handling.update(info.handling_agency(c) for c in self.catalog.commune_centres)
        self.officers = Officers(rng, self.people)
        self.officers.ensure(sorted(receiving, key=lambda a: a.code), sorted(handling, key=lambda a: a.code))
        self.report.officers = self.officers.created
        self._forms()
        self.citizens = Citizens(self.rng, self.people, self.n if self.form_table else 0)

        allocation = self.allocate()
        self.report.first_day, self.report.last_day = allocation[0][0], allocation[-1][0]
        sink = Sink(self.using)
        # A big load into small tables (PostgreSQL): one transaction that drops the plain indexes,
        # loads everything and rebuilds them sorted — several times faster than maintaining 30
        # indexes row by row, and all-or-nothing. Other sessions wait on these tables meanwhile.
        bulk = sink.pg and self.n >= Dossier.objects.using(self.using).count()
        with transaction.atomic(using=self.using) if bulk else contextlib.nullcontext():
            dropped = sink.drop_plain_indexes(self.TABLES) if bulk else []
            sink.exclusive = bulk
            done = self._generate(sink, allocation)
            if dropped:
                t0 = _time.perf_counter()
                sink.create_indexes(dropped)
                self.report.index_seconds = _time.perf_counter() - t0
            sink.verify_references(
                [
                    (Dossier, "procedure_id", Procedure),
                    (Dossier, "receiving_agency_id", Agency),
                    (Dossier, "handling_agency_id", Agency),
                    (Dossier, "assignee_id", User),
                    (DossierHistory, "dossier_id", Dossier),
                    (DossierHistory, "actor_id", User),
                    (DossierStep, "dossier_id", Dossier),
                    (DossierDocument, "dossier_id", Dossier),
                    (DueDateChange, "dossier_id", Dossier),
                    (Charge, "dossier_id", Dossier),
                    (Payment, "charge_id", Charge),
                    (Rating, "dossier_id", Dossier),
                    (FeedbackCase, "dossier_id", Dossier),
                    (FeedbackCase, "rating_id", Rating),
                    (Draft, "dossier_id", Dossier),
                    (Draft, "owner_id", User),
                ]
            )
        self.report.dossiers = done
        self.report.rows = sink.rows
        self.report.seconds = _time.perf_counter() - started
        return self.report

    TABLES = (
        Dossier, DossierDocument, DossierStep, DossierHistory, DueDateChange, Charge, Payment, Rating,
        FeedbackCase, Draft,
    )  # fmt: skip

    def _generate(self, sink: Sink, allocation) -> int:
        started = _time.perf_counter()
        rng = self.rng
        counters = self._existing_counters(allocation[0][0])
        pending: list[_Life] = []
        done = 0
        for day, count in allocation:
            lives = []
            for _ in range(count):
                channel = self._channel(day)
                if channel == Channel.NATIONAL_PORTAL and self.form_table and rng.random() < OWN_PORTAL_SHARE:
                    channel = Channel.OWN_PORTAL  # a service the province provides on its own site
                    info = pick_weighted(rng, self.form_table)
                else:
                    info = self.catalog.pick(rng, channel == Channel.NATIONAL_PORTAL)
                lives.append(self._dossier(day, info, channel, self._receiving(info)))
            lives.sort(key=lambda life: life.row["submitted_at"])
            for life in lives:
                row = life.row
                if row["channel"] == Channel.NATIONAL_PORTAL:
                    scope = national_code_prefix()
                    counters[(scope, day)] = counters.get((scope, day), 0) + 1
                    row["code"] = row["national_code"] = national_code(day, counters[(scope, day)], scope)
                    life.history[0][10] = {"national_code": row["code"]}
                else:
                    scope = row["receiving"].code
                    counters[(scope, day)] = counters.get((scope, day), 0) + 1
                    row["code"] = f"{scope}-{day:%y%m%d}-{counters[(scope, day)]:04d}"
                    row["national_code"] = None
                for case in life.cases:  # as feedback.services._open numbers them
                    agency_code = row["handling"].code
                    opened = case["opened_at"].astimezone(self.tz).date()
                    key = ("pakn:" + agency_code, opened)
                    counters[key] = counters.get(key, 0) + 1
                    case["code"] = f"PAKN-{agency_code}-{opened:%y%m%d}-{counters[key]:04d}"
            pending.extend(lives)
            if len(pending) >= self.batch:
                done += self._flush(sink, pending)
                pending = []
                self._progress(done, started, sink)
        done += self._flush(sink, pending)
        self._write_counters(sink, counters)
        return done

    def _channel(self, day: date) -> str:
        if not self.is_working(day):
            return Channel.NATIONAL_PORTAL
        roll = self.rng.random()
        return Channel.NATIONAL_PORTAL if roll < 0.595 else (Channel.COUNTER if roll < 0.9 else Channel.POST)

    def _progress(self, done: int, started: float, sink: Sink) -> None:
        if self.stdout is not None:
            elapsed = _time.perf_counter() - started
            self.stdout.write(
                f"  {done:>9} / {self.n} hồ sơ, {sink.rows} dòng, {elapsed:.0f} s "
                f"({sink.rows / max(elapsed, 1e-9):,.0f} dòng/giây)"
            )

    def _documents(self, life: _Life, info: ProcedureInfo, online: bool, at: datetime) -> None:
        """The papers handed in (or uploaded): the first case's requirements, as intake records them."""
        rng = self.rng
        for req_id, name, originals, copies in info.requirements:
            reused = online and rng.random() < 0.2
            digitised = online or rng.random() < 0.8
            life.docs.append(
                (req_id, name[:2000], originals, copies, "", "", "", digitised, reused, False, at)
            )


def generate(
    dossiers: int,
    seed: int = 0,
    *,
    until: date | None = None,
    batch: int = 5000,
    force: bool = False,
    using: str = "default",
    stdout=None,
    realtime: bool = True,
) -> DemoReport:
    """Generate `dossiers` demo dossiers (see the module docstring). Raises DemoRefused in production.

    realtime=False leaves the insights app's maintained aggregates stale (benches that time the
    rebuild apart); the command always rebuilds them."""
    if not (force or demo_allowed()):
        raise DemoRefused(
            "Dữ liệu dùng thử chứa thông tin cá nhân giả: chỉ chạy khi MOTCUA_DEBUG, MOTCUA_EMBEDDED "
            "hoặc khi kiểm thử; dùng --force nếu thật sự muốn."
        )
    report = DemoGenerator(dossiers, seed, until=until, batch=batch, using=using, stdout=stdout).run()
    if realtime:
        report.realtime_seconds = rebuild_maintained_aggregates()
    return report


def rebuild_maintained_aggregates() -> float:
    """The history was written without events, so aggregates kept up to date from events (the
    insights app's real-time counters) are rebuilt from the rows once at the end."""
    started = _time.perf_counter()
    realtime.rebuild()
    return _time.perf_counter() - started


__all__ = [
    "DemoGenerator",
    "DemoRefused",
    "PeopleGenerator",
    "Person",
    "ProvinceCatalog",
    "demo_allowed",
    "generate",
    "personal_id_number",
    "tax_code",
]
