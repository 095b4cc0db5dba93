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
"""

from __future__ import annotations

import contextlib
import gc
import json
import math
import random
import time as _time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from motcua.catalog.models import Procedure
from motcua.catalog.province_catalog import ZIPF_EXPONENT, ProcedureInfo, ProvinceCatalog
from motcua.core import calendar
from motcua.core.codes import national_code, national_code_prefix
from motcua.core.models import DossierCodeCounter
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
from motcua.dossiers.services import (
    HANDLING,
    PAUSED_STATUSES,
    TRANSITIONS,
    default_workflow,
    is_transfer_step,
)
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
_MONTH_FACTOR = {1: 1.1, 2: 0.9, 3: 1.05, 7: 0.95, 10: 1.05, 11: 1.05, 12: 1.15}


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


class _Officers:
    """Demo officers per agency (users with unusable passwords), created once, deterministically."""

    def __init__(self, rng: random.Random, people: PeopleGenerator):
        self.rng, self.people = rng, people
        self.by_agency: dict[tuple[int, str], list[tuple[int, str, str]]] = {}
        self.created = 0

    def ensure(self, receiving: list[Agency], handling: list[Agency]) -> None:
        wanted = []  # (agency, role key, index)
        for agency in receiving:
            wanted += [(agency, Role.RECEPTION, i) for i in (1, 2)]
        for agency in handling:
            wanted += [(agency, "leader", 1)] + [(agency, Role.SPECIALIST, i) for i in (1, 2)]
        names = {}
        for agency, key, i in wanted:  # drawn in a fixed order: the same names for a seed
            gender = "male" if self.rng.random() < 0.5 else "female"
            names[(agency.pk, key, i)] = self.people.name(gender)
        usernames = {
            (agency.pk, key, i): f"demo.{'ld' if key == 'leader' else key[:2]}{i}.{agency.code.lower()}"
            for agency, key, i in wanted
        }
        existing = dict(User.objects.filter(username__in=usernames.values()).values_list("username", "pk"))
        new = [
            User(
                username=u,
                full_name=names[k],
                kind=User.Kind.OFFICER,
                is_staff=True,
                password="!demo",  # noqa: S106 — unusable: demo officers cannot log in until an admin sets one
            )
            for k, u in usernames.items()
            if u not in existing
        ]
        User.objects.bulk_create(new, batch_size=1000)
        self.created = len(new)
        ids = dict(User.objects.filter(username__in=usernames.values()).values_list("username", "pk"))
        full = dict(User.objects.filter(username__in=usernames.values()).values_list("username", "full_name"))
        roles = []
        for agency, key, i in wanted:
            username = usernames[(agency.pk, key, i)]
            for role in (Role.UNIT_HEAD, Role.APPROVER) if key == "leader" else (key,):
                roles.append(OfficerRole(user_id=ids[username], agency=agency, role=role))
            self.by_agency.setdefault((agency.pk, key), []).append((ids[username], username, full[username]))
        OfficerRole.objects.bulk_create(roles, batch_size=1000, ignore_conflicts=True)

    def pick(self, agency_id: int, key: str) -> tuple[int, str, str]:
        pool = self.by_agency[(agency_id, key)]
        return pool[0] if len(pool) == 1 else self.rng.choice(pool)


class _Citizens:
    """Citizens' accounts (signed in with the eID) for the own-portal dossiers: a pool, reused."""

    def __init__(self, rng: random.Random, people: PeopleGenerator, dossiers: int):
        self.rng = rng
        self.pool: list[tuple[int, Person]] = []
        size = min(5000, max(10, dossiers // 100)) if dossiers else 0
        people_ = [people.person(1955, 2006) for _ in range(size)]
        usernames = [f"demo.cd{i:05d}" for i in range(size)]
        User.objects.bulk_create(
            [
                User(username=u, full_name=p.name, kind=User.Kind.CITIZEN, personal_id=p.id_number,
                     phone=p.phone, password="!demo")  # noqa: S106 — unusable: signs in through the eID only
                for u, p in zip(usernames, people_, strict=True)
            ],
            batch_size=1000,
            ignore_conflicts=True,  # an account from an earlier run, or an ID number taken
        )  # fmt: skip
        by_name = {p: person for p, person in zip(usernames, people_, strict=True)}
        for pk, username, name, id_number, phone in (
            User.objects.filter(username__in=usernames, personal_id__isnull=False)
            .order_by("username")
            .values_list("pk", "username", "full_name", "personal_id", "phone")
        ):
            generated = by_name[username]
            self.pool.append(
                (pk, Person(name, generated.gender, generated.birth_year, id_number, phone, generated.email,
                            generated.address))
            )  # fmt: skip

    def pick(self) -> tuple[int, Person]:
        return self.pool[int(self.rng.random() * len(self.pool))]


class _Sink:
    """Writes row tuples: COPY on PostgreSQL, executemany elsewhere; ids reserved up front."""

    def __init__(self, using: str):
        self.connection = connections[using]
        self.pg = self.connection.vendor == "postgresql"
        self.next_ids: dict[str, int] = {}
        self._types: dict = {}
        self.rows = 0
        #: True while a bulk load holds the tables (their plain indexes dropped in this transaction).
        self.exclusive = False
        #: PostgreSQL checks deferred foreign keys row by row at commit, which costs more than
        #: the COPY itself. When the role may (a superuser, i.e. a development database), each
        #: batch turns those triggers off for its own transaction; the ids are right by
        #: construction and `verify_references` checks them once at the end.
        self.skip_triggers = False
        if self.pg:
            with self.connection.cursor() as cursor:
                cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                self.skip_triggers = bool(cursor.fetchone()[0])

    def begin_batch(self) -> None:
        if self.skip_triggers:
            with self.connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")

    def end_batch(self) -> None:
        """Back to normal trigger checks: an enclosing transaction (a test) must not inherit them off."""
        if self.skip_triggers:
            with self.connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = DEFAULT")

    def _oids(self, cursor, table: str, columns: list[str]) -> list[int]:
        key = (table, tuple(columns))
        if key not in self._types:
            cursor.execute(
                "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0",
                [table],
            )
            types = dict(cursor.fetchall())
            self._types[key] = [types[c] for c in columns]
        return self._types[key]

    def drop_plain_indexes(self, models) -> list[str]:
        """Drop the indexes that back no constraint (to rebuild them once, sorted, at the end)."""
        definitions = []
        with self.connection.cursor() as cursor:
            # Index DDL is refused while deferred foreign-key checks are pending (an earlier delete in
            # the same transaction, or our own rows when the triggers run): check them at once.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for model in models:
                cursor.execute(
                    "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                    "WHERE i.indrelid = %s::regclass AND NOT EXISTS "
                    "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
                    [model._meta.db_table],
                )
                for name, definition in cursor.fetchall():
                    cursor.execute(f"DROP INDEX {name}")
                    definitions.append(definition)
        return definitions

    def create_indexes(self, definitions: list[str]) -> None:
        with self.connection.cursor() as cursor:
            for definition in definitions:
                cursor.execute(definition)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    def verify_references(self, checks) -> None:
        """After a run without trigger checks: every foreign key written must point at a row."""
        if not self.skip_triggers:
            return
        qn = self.connection.ops.quote_name
        with self.connection.cursor() as cursor:
            for model, column, target in checks:
                table, ref = qn(model._meta.db_table), qn(target._meta.db_table)
                cursor.execute(
                    f"SELECT count(*) FROM {table} t WHERE t.{qn(column)} IS NOT NULL AND NOT EXISTS "  # noqa: S608
                    f"(SELECT 1 FROM {ref} r WHERE r.id = t.{qn(column)})"
                )
                missing = cursor.fetchone()[0]
                if missing:
                    raise RuntimeError(f"{missing} dòng {table}.{column} trỏ tới {ref} không tồn tại.")

    def reserve_ids(self, model, n: int) -> range | list[int]:
        """n fresh primary keys for `model`, taken from its sequence so later inserts never collide."""
        if n == 0:
            return []
        table = model._meta.db_table
        with self.connection.cursor() as cursor:
            if self.pg and self.exclusive:
                # The tables are locked by this transaction (bulk load): move the sequence once.
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                    "nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
                    [table, table, n],
                )
                last = cursor.fetchone()[0]
                return range(last - n + 1, last + 1)
            if self.pg:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n]
                )
                return [r[0] for r in cursor.fetchall()]
            if table not in self.next_ids:
                qn = self.connection.ops.quote_name
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {qn(table)}")  # noqa: S608
                self.next_ids[table] = cursor.fetchone()[0] + 1
        start = self.next_ids[table]
        self.next_ids[table] = start + n
        return range(start, start + n)

    def _converters(self, model, fields) -> dict:
        """SQLite: {column index: function of the whole column} giving what `Field.get_db_prep_save`
        would, for the columns whose values are not already in the database's form. Whole columns
        through list comprehensions: Django's per-value dispatch cost more than the INSERTs."""
        key = (model, tuple(f.column for f in fields))
        hit = self._types.get(key)
        if hit is not None:
            return hit
        conn = self.connection
        plain = {
            "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField", "FloatField",
            "ForeignKey", "IntegerField", "OneToOneField", "PositiveBigIntegerField", "PositiveIntegerField",
            "PositiveSmallIntegerField", "SmallIntegerField", "TextField",
        }  # fmt: skip

        def naive_utc(column):
            # As the backend writes aware datetimes: naive UTC text. str() of a UTC datetime ends
            # in "+00:00": slicing it off gives the text of replace(tzinfo=None), for less.
            return [None if v is None else str(v.astimezone(UTC))[:-6] for v in column]

        def json_text(cls):
            # JSONField.get_db_prep_save: NULL stays NULL, the rest is json.dumps(value, cls=encoder);
            # most cells are an empty {} or [].
            empty = _EMPTY if cls is None else {}
            dumps = json.dumps
            return lambda column: [
                None if v is None else ((not v and empty.get(v.__class__)) or dumps(v, cls=cls))
                for v in column
            ]

        def unless(kind, f):
            # Values already of `kind` (or None) are as Django would write them; others go through it.
            return lambda column: [
                v if v is None or v.__class__ is kind else f.get_db_prep_save(v, conn) for v in column
            ]

        out = {}
        for i, f in enumerate(fields):
            internal = f.get_internal_type()
            if internal in plain:
                continue
            if internal == "DateTimeField" and conn.vendor == "sqlite" and settings.USE_TZ:
                out[i] = naive_utc
            elif internal == "JSONField":
                out[i] = json_text(f.encoder)
            elif internal == "DecimalField":
                out[i] = unless(Decimal, f)  # to_python keeps a Decimal; sqlite3 adapts it to text
            elif internal == "FileField":
                out[i] = unless(str, f)  # get_prep_value is str(value)
            else:
                out[i] = lambda column, f=f: [f.get_db_prep_save(v, conn) for v in column]
        self._types[key] = out
        return out

    def write(self, model, columns: list[str], rows: list[tuple]) -> None:
        if not rows:
            return
        columns, rows = _with_defaults(model, columns, rows)
        fields = [next(f for f in model._meta.concrete_fields if f.column == c) for c in columns]
        # Encrypted columns (ADR 0040) are stored as the ORM would store them: ciphertext.
        sealed = {i: f.seal_column for i, f in enumerate(fields) if hasattr(f, "seal_column")}
        rows = _map_columns(rows, sealed)
        qn = self.connection.ops.quote_name
        table = qn(model._meta.db_table)
        cols = ", ".join(qn(c) for c in columns)
        with _without_cyclic_gc(), self.connection.cursor() as cursor:
            if self.pg:
                # Binary COPY: no text parsing of timestamps and numbers on either side.
                from psycopg.types.json import Jsonb

                json_at = [i for i, f in enumerate(fields) if f.get_internal_type() == "JSONField"]
                rows = _map_columns(rows, {i: _each(Jsonb) for i in json_at})
                oids = self._oids(cursor, model._meta.db_table, columns)
                with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT BINARY)") as copy:
                    copy.set_types(oids)
                    for row in rows:
                        copy.write_row(row)
            else:
                prepped = _map_columns(rows, self._converters(model, fields))
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", prepped)  # noqa: S608
        self.rows += len(rows)


#: json.dumps of the empty containers, which most JSON cells hold.
_EMPTY = {dict: "{}", list: "[]"}


def _with_defaults(model, columns: list[str], rows: list[tuple]) -> tuple[list[str], list[tuple]]:
    """Columns the generator does not know (a field added later, e.g. Payment.excess) get their
    model default: Django's defaults are not in the database, so a bulk write must send them."""
    missing = [
        f
        for f in model._meta.concrete_fields
        if f.column not in columns and not f.primary_key and not f.unique and (f.has_default() or not f.null)
    ]
    if not missing:
        return columns, rows
    defaults = tuple(f.get_default() for f in missing)
    return [*columns, *(f.column for f in missing)], [(*row, *defaults) for row in rows]


def _map_columns(rows: list[tuple], functions: dict) -> list[tuple]:
    """Rows with `functions[i]` applied to column i, each function taking the whole column:
    transposed, so that the work per value is a comprehension step, not a Python call."""
    if not functions:
        return rows
    columns = list(zip(*rows, strict=True))
    for i, function in functions.items():
        columns[i] = function(columns[i])
    return list(zip(*columns, strict=True))


def _each(function):
    return lambda column: list(map(function, column))


DOSSIER_COLUMNS = [
    "id", "code", "national_code", "procedure_id", "procedure_version_id", "channel", "applicant_kind",
    "applicant_name", "applicant_id_number", "applicant_address", "applicant_phone", "applicant_email",
    "applicant_user_id", "summary", "form_data", "receiving_agency_id", "handling_agency_id", "assignee_id",
    "status", "resume_status", "submitted_at", "received_at", "counting_start", "due_at", "reply_due_at",
    "replied_at", "paused_at", "restart_on_resume", "finished_at", "returned_at", "refused_at",
    "time_amount", "time_unit", "supplement_count", "counts_as_overdue", "apology_count", "fee_due",
    "fee_paid", "result_by_post", "decision", "decision_reason", "version", "created_at", "updated_at",
]  # fmt: skip
DOCUMENT_COLUMNS = [
    "id", "dossier_id", "requirement_id", "name", "originals", "copies", "file", "content_type", "sha256",
    "digitised", "reused", "is_supplement", "added_at",
]  # fmt: skip
STEP_COLUMNS = [
    "id", "dossier_id", "position", "name", "role", "agency_id", "share_hours", "due_at", "started_at",
    "finished_at", "officer_id",
]  # fmt: skip
HISTORY_COLUMNS = [
    "id", "dossier_id", "at", "action", "label", "from_status", "to_status", "actor_id", "actor_name",
    "actor_title", "agency_id", "note", "data",
]  # fmt: skip
DUE_CHANGE_COLUMNS = ["id", "dossier_id", "at", "old_due_at", "new_due_at", "reason"]
CHARGE_COLUMNS = [
    "id", "dossier_id", "fee_line_id", "name", "quantity", "unit_amount", "reduction", "amount",
    "legal_basis", "assessed_at", "cancelled",
]  # fmt: skip
PAYMENT_COLUMNS = [
    "id", "charge_id", "intent_id", "gateway", "amount", "external_ref", "paid_at", "recorded_by_id",
    "receipt_number", "receipt_file", "receipt_sha256", "refunded_at", "refund_ref",
]  # fmt: skip
RATING_COLUMNS = ["id", "dossier_id", "rater_id", "level", "comment", "created_at"]
CASE_COLUMNS = [
    "id", "code", "dossier_id", "rating_id", "submitter_id", "submitter_name", "submitter_id_number",
    "agency_id", "subject", "content", "status", "repeated", "opened_at", "accept_due_at", "decided_at",
    "answer_due_at", "answered_at", "publish_due_at", "published_at", "handled_by_id", "officer_note",
    "answer", "reaction", "version",
]  # fmt: skip
DRAFT_COLUMNS = [
    "id", "owner_id", "acting_for", "definition_id", "state", "answers", "provenance", "papers", "touched",
    "current_page", "pages_seen", "submission_key", "signed_in_at", "opened_at", "updated_at", "submitted_at",
    "abandoned_at", "dossier_id", "seconds_from_sign_in", "seconds_from_open", "fields_prefilled",
    "fields_typed", "pages_count",
]  # fmt: skip


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


class DemoGenerator:
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

    # -- calendar helpers, cached ------------------------------------------------------------

    @cache  # noqa: B019 — one generator per run; the cache dies with it
    def is_working(self, d: date) -> bool:
        return self.cal.is_working_day(d)

    @cache  # noqa: B019
    def add_wd(self, d: date, n: int) -> date:
        return self.cal.add_working_days(d, n)

    def working_on_or_after(self, d: date) -> date:
        return d if self.is_working(d) else self.add_wd(d, 1)

    def office_moment(self, d: date) -> datetime:
        """A random moment inside office hours of day d (morning busier), to the second."""
        rng = self.rng
        morning, afternoon = self._sessions
        first, low, high, c = morning if rng.random() < 0.58 or afternoon is None else afternoon
        # Triangular: fewer dossiers in the first and last minutes of a session. This is
        # rng.triangular(low, high, mode) with its (mode - low) / (high - low) computed once.
        u = rng.random()
        if c is None:
            offset = low
        elif u > c:
            offset = high + (low - high) * math.sqrt((1.0 - u) * (1.0 - c))
        else:
            offset = low + (high - low) * math.sqrt(u * c)
        minute = first + int(offset)
        return datetime.combine(d, time(minute // 60, minute % 60, rng.randrange(60)), tzinfo=self.tz)

    @staticmethod
    def _session(start: time, end: time) -> tuple:
        """(first minute, low, high, triangular c) of an office session, for office_moment."""
        first = start.hour * 60 + start.minute
        span = end.hour * 60 + end.minute - first
        low, high, mode = 3, span - 3, span * 0.4
        return first, low, high, (mode - low) / (high - low) if high != low else None

    def online_moment(self, d: date) -> datetime:
        """Online submissions: day and evening, peaks mid-morning and after dinner."""
        hour = pick_weighted(self.rng, self._online_hours)
        return datetime.combine(d, time(hour, self.rng.randrange(60), self.rng.randrange(60)), tzinfo=self.tz)

    _online_hours = weighted_table(
        [(h, w) for h, w in zip(range(24), [1, 1, 1, 1, 1, 2, 4, 7, 10, 11, 10, 8, 6, 7, 9, 9, 8, 7, 6, 8,
                                             9, 8, 5, 2], strict=True)]
    )  # fmt: skip

    def later(self, t: datetime, min_wd: int, max_wd: int) -> datetime:
        """A moment in office hours min..max working days after t (same day if 0), after t."""
        local = t.astimezone(self.tz)
        k = self.rng.randint(min_wd, max_wd)
        day = self.add_wd(local.date(), k) if k else self.working_on_or_after(local.date())
        moment = self.office_moment(day)
        if moment <= local:
            close = datetime.combine(day, self.office[-1][1], tzinfo=self.tz)
            moment = local + timedelta(minutes=self.rng.randint(5, 60), seconds=self.rng.randrange(60))
            if moment > close:
                moment = self.office_moment(self.add_wd(day, 1))
        return moment

    def due(self, received_at: datetime, amount, unit: str, procedure) -> tuple[datetime, datetime] | None:
        """(counting_start, due_at) by deadlines.compute_due, cached per (day, cut-off side, amount, unit)."""
        if amount is None or unit not in deadlines.SUPPORTED_UNITS:
            return None
        local = received_at.astimezone(self.tz)
        cutoff = getattr(procedure, "reception_cutoff", None)
        if unit == calendar.WORKING_HOURS:
            key = (local, amount, unit, cutoff)
        else:
            limit = calendar.parse_time(cutoff) if cutoff else self.cal.cutoff
            day = local.date()
            in_time = self.is_working(day) and local.time() <= limit
            # Received after the cut-off or on a day off counts from the next working day: every
            # such moment up to that day has the same answer (and it never starts at receipt).
            key = (day if in_time else self.add_wd(day, 1), in_time, amount, unit, cutoff)
        hit = self._due_cache.get(key)
        if hit is None:
            # deadlines.compute_due, on this generator's calendar instance.
            due = self.cal.due_at(received_at, amount, unit, cutoff=cutoff)
            hit = (due.counting_start, due.due_at, due.counting_start == local)
            self._due_cache[key] = hit
        start, due_at, start_is_receipt = hit
        return (local if start_is_receipt else start), due_at

    def shift_by_pause(self, due_at, paused_at, resumed_at):
        """`deadlines.shift_by_pause` on this generator's calendar instance (no settings re-read)."""
        hours = self.cal.working_hours_between(paused_at, resumed_at)
        if hours <= 0 or due_at is None:
            return due_at
        return self.cal.add_working_hours(due_at, hours)

    def plan_steps(
        self, start: datetime, amount, unit, received_at: datetime
    ) -> list[tuple[Decimal, datetime | None]]:
        """As `dossiers.clock.plan_steps`: the transfer step is anchored at receipt and takes no share;
        the other steps split the whole legal time, the last one taking what rounding left."""
        key = (start, amount, unit, self.transfer_due(received_at))
        hit = self._steps_cache.get(key)
        if hit is None:
            total = deadlines.legal_hours(amount, unit) or Decimal(0)
            shares = {
                position: Decimal(str(share))
                for position, (_name, role, _where, share) in enumerate(self.workflow, start=1)
                if not is_transfer_step(position, role)
            }
            weight = sum(shares.values()) or Decimal(1)
            hours_of = {p: (total * share / weight).quantize(Decimal("0.01")) for p, share in shares.items()}
            if hours_of:
                last = max(hours_of)
                hours_of[last] = total - sum(h for p, h in hours_of.items() if p != last)
            cursor, hit = start, []
            for position in range(1, len(self.workflow) + 1):
                if position in hours_of:
                    hours = hours_of[position]
                    step_due = self.cal.add_working_hours(cursor, hours) if hours > 0 else None
                    if step_due is not None:
                        cursor = step_due
                else:
                    hours, step_due = Decimal(0), key[3]
                hit.append((hours, step_due))
            self._steps_cache[key] = hit
        return hit

    def transfer_due(self, received_at: datetime) -> datetime:
        """`deadlines.transfer_due` (NĐ 61/2018 Art 18) on this generator's calendar instance."""
        day = self.cal.local_date(received_at)
        if self.is_working(day) and received_at.astimezone(self.cal.tz).time() <= self.transfer_cutoff:
            return self.cal.closing_time(day)
        return self.cal.office_intervals(self.cal.next_working_day(day))[0][0]

    # -- the year ----------------------------------------------------------------------------

    def day_weights(self) -> list[tuple[date, float]]:
        first = self.until - timedelta(days=365)
        days = [first + timedelta(days=i) for i in range(365)]
        tet = sorted(d for d in days if (o := self.cal.override(d)) is not None and "Tết Nguyên" in o.name)
        out = []
        for d in days:
            if self.is_working(d):
                w = {0: 1.15, 4: 0.95}.get(d.weekday(), 1.0)
            else:
                w = 0.06 if d.weekday() == 5 else 0.03  # online only
            w *= _MONTH_FACTOR.get(d.month, 1.0)
            if tet:
                before = (tet[0] - d).days
                after = (d - tet[-1]).days
                if 0 < before <= 18:
                    w *= 1.4  # the rush before Tết
                elif 0 < after <= 10:
                    w *= 0.7  # the slow restart after Tết
            out.append((d, w))
        return out

    def allocate(self) -> list[tuple[date, int]]:
        weights = self.day_weights()
        total = sum(w for _, w in weights)
        exact = [(d, self.n * w / total) for d, w in weights]
        counts = {d: int(x) for d, x in exact}
        rest = self.n - sum(counts.values())
        for d, _x in sorted(exact, key=lambda p: (-(p[1] - int(p[1])), p[0]))[:rest]:
            counts[d] += 1
        return [(d, counts[d]) for d, _ in weights if counts[d]]

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
        with _without_cyclic_gc():
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
        self.officers = _Officers(rng, self.people)
        self.officers.ensure(sorted(receiving, key=lambda a: a.code), sorted(handling, key=lambda a: a.code))
        self.report.officers = self.officers.created
        self._forms()
        self.citizens = _Citizens(self.rng, self.people, self.n if self.form_table else 0)

        allocation = self.allocate()
        self.report.first_day, self.report.last_day = allocation[0][0], allocation[-1][0]
        sink = _Sink(self.using)
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

    def _generate(self, sink: _Sink, allocation) -> int:
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

    def _progress(self, done: int, started: float, sink: _Sink) -> None:
        if self.stdout is not None:
            elapsed = _time.perf_counter() - started
            self.stdout.write(
                f"  {done:>9} / {self.n} hồ sơ, {sink.rows} dòng, {elapsed:.0f} s "
                f"({sink.rows / max(elapsed, 1e-9):,.0f} dòng/giây)"
            )

    def _existing_counters(self, first: date) -> dict[tuple[str, date], int]:
        return {
            (scope, day): value
            for scope, day, value in DossierCodeCounter.objects.using(self.using)
            .filter(day__gte=first)
            .values_list("scope", "day", "last_value")
        }

    def _write_counters(self, sink: _Sink, counters: dict) -> None:
        """Upsert each (scope, day) to at least the last number used, as codes.next_sequence would."""
        conn = sink.connection
        qn = conn.ops.quote_name
        table = qn(DossierCodeCounter._meta.db_table)
        last = qn("last_value")
        greatest = "GREATEST" if sink.pg else "MAX"
        sql = (
            f"INSERT INTO {table} ({qn('scope')}, {qn('day')}, {last}) VALUES (%s, %s, %s) "  # noqa: S608
            f"ON CONFLICT ({qn('scope')}, {qn('day')}) DO UPDATE SET {last} = "
            f"{greatest}({table}.{last}, EXCLUDED.{last})"
        )
        with transaction.atomic(using=self.using), conn.cursor() as cursor:
            cursor.executemany(
                sql, [(s, conn.ops.adapt_datefield_value(d), v) for (s, d), v in counters.items()]
            )

    def _flush(self, sink: _Sink, lives: list[_Life]) -> int:
        if not lives:
            return 0
        started = _time.perf_counter()
        with transaction.atomic(using=self.using):
            sink.begin_batch()
            dossier_ids = sink.reserve_ids(Dossier, len(lives))
            children = [
                (DossierDocument, DOCUMENT_COLUMNS, "docs"),
                (DossierStep, STEP_COLUMNS, "steps"),
                (DossierHistory, HISTORY_COLUMNS, "history"),
                (DueDateChange, DUE_CHANGE_COLUMNS, "due_changes"),
            ]
            written = list(zip(dossier_ids, lives, strict=True))
            sink.write(Dossier, DOSSIER_COLUMNS, [self._dossier_row(pk, life) for pk, life in written])
            self.report.statuses.update(life.status for life in lives)
            self.report.channels.update(life.row["channel"] for life in lives)
            for model, columns, attr in children:
                items = [(pk, item) for pk, life in written for item in getattr(life, attr)]
                ids = sink.reserve_ids(model, len(items))
                sink.write(model, columns, [(i, pk, *item) for i, (pk, item) in zip(ids, items, strict=True)])
            self._flush_followers(sink, written)
            sink.end_batch()
        self.report.write_seconds += _time.perf_counter() - started
        return len(lives)

    def _flush_followers(self, sink: _Sink, written: list[tuple[int, _Life]]) -> None:
        """Charges and payments, ratings, feedback cases and e-form drafts of the batch."""
        charged = [(pk, life) for pk, life in written if life.charge]
        paid = [(pk, life) for pk, life in charged if life.payment]
        rated = [(pk, life) for pk, life in written if life.rating]
        cases = [(pk, life, case) for pk, life in written for case in life.cases]
        drafts = [(pk, life, d) for pk, life in written for d in life.drafts]
        charge_ids = dict(zip((pk for pk, _ in charged), sink.reserve_ids(Charge, len(charged)), strict=True))
        payment_ids = iter(sink.reserve_ids(Payment, len(paid)))
        rating_ids = dict(zip((pk for pk, _ in rated), sink.reserve_ids(Rating, len(rated)), strict=True))
        case_ids = iter(sink.reserve_ids(FeedbackCase, len(cases)))
        draft_ids = iter(sink.reserve_ids(Draft, len(drafts)))
        sink.write(Charge, CHARGE_COLUMNS, [
            (charge_ids[pk], pk, None, "Phí, lệ phí giải quyết thủ tục", 1, life.charge[1], 0, life.charge[1],
             "Theo mức thu công bố trong thủ tục hành chính", life.charge[0], False)
            for pk, life in charged
        ])  # fmt: skip
        sink.write(Payment, PAYMENT_COLUMNS, [
            (next(payment_ids), charge_ids[pk], None, life.payment[0], life.charge[1],
             "" if life.payment[2] else f"DEMO{pk:010d}", life.payment[1], life.payment[2],
             f"BL-{life.row['code']}", "", "", None, "")
            for pk, life in paid
        ])  # fmt: skip
        sink.write(Rating, RATING_COLUMNS, [
            (rating_ids[pk], pk, life.row["user"], life.rating[0], life.rating[2], life.rating[1])
            for pk, life in rated
        ])  # fmt: skip
        sink.write(FeedbackCase, CASE_COLUMNS, [
            (next(case_ids), c["code"], pk, rating_ids.get(pk) if c["rated"] else None, life.row["user"],
             life.row["person"].name, life.row["person"].id_number, life.row["handling"].pk,
             f"{c['subject']} {life.row['code']}"[:200], c["content"], c["status"], False, c["opened_at"],
             c["accept_due_at"], c["decided_at"], c["answer_due_at"], c["answered_at"], c["publish_due_at"],
             c["published_at"], c["handled_by"], c["officer_note"], c["answer"], c["reaction"], c["version"])
            for pk, life, c in cases
        ])  # fmt: skip
        f = self.report.followers
        online_gateways = (Gateway.NATIONAL, Gateway.VIETQR)
        f["paid_online"] += sum(1 for _pk, life in paid if life.payment[0] in online_gateways)
        f["paid_counter"] += sum(1 for _pk, life in paid if life.payment[0] not in online_gateways)
        f["ratings"] += len(rated)
        f["cases"] += len(cases)
        f["drafts_submitted"] += sum(1 for _pk, _life, d in drafts if d[0] == "submitted")
        f["drafts_abandoned"] += sum(1 for _pk, _life, d in drafts if d[0] == "abandoned")
        namespace = uuid.UUID("6d6f7463-7561-4465-8d6f-686973746f72")  # fixed: the same keys for a seed
        sink.write(Draft, DRAFT_COLUMNS, [
            (next(draft_ids), d[1], d[2], d[3], d[0], {}, {}, {}, [], d[4], d[5],
             uuid.uuid5(namespace, f"{life.row['code']}/{i}"), d[6], d[7], d[8], d[9], d[10],
             pk if d[11] else None, *d[12:])
            for pk, life in written for i, d in enumerate(life.drafts)
        ])  # fmt: skip

    def _documents(self, life: _Life, info: ProcedureInfo, online: bool, at: datetime) -> None:
        """The papers handed in (or uploaded): the first case's requirements, as intake records them."""
        rng = self.rng
        for req_id, name, originals, copies in info.requirements:
            reused = online and rng.random() < 0.2
            digitised = online or rng.random() < 0.8
            life.docs.append(
                (req_id, name[:2000], originals, copies, "", "", "", digitised, reused, False, at)
            )

    def _dossier_row(self, pk: int, life: _Life) -> tuple:
        row = life.row
        p, person = row["procedure"], row["person"]
        last = life.history[-1][0] if life.history else row["submitted_at"]
        return (
            pk, row["code"], row["national_code"], p.pk, p.current_version_id, row["channel"], person.kind,
            person.name, person.id_number, person.address[:300], person.phone[:20], person.email, row["user"],
            p.name[:500], {}, row["receiving"].pk, row["handling"].pk, row["assignee"], life.status,
            life.resume_status, row["submitted_at"], row["received_at"], row["counting_start"], life.due_at,
            row["reply_due_at"], row["replied_at"], life.paused_at, False, row["finished_at"],
            row["returned_at"], row["refused_at"], row["time_amount"], row["time_unit"] or "",
            row.get("supplement_count", 0), row["counts_as_overdue"], row["apology_count"], row["fee_due"],
            row["fee_paid"], row["result_by_post"], row["decision"], row["decision_reason"], life.version,
            row["submitted_at"], last,
        )  # fmt: skip


@contextlib.contextmanager
def _without_cyclic_gc():
    """The run allocates millions of small containers (rows, history entries) that live until
    their batch is written and form no reference cycles; the cyclic collector, started every few
    hundred allocations, walked them again and again for some 40 % of the run. Off meanwhile,
    on again after (plain reference counting still frees everything as it goes)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
