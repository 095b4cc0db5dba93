"""Back-office latency at scale: the work queues and the dossier page over N demo dossiers, and
transitions per second — each beside a reference measured in the same run.

    python -m bench backoffice                                  # SQLite, 20,000 dossiers
    python -m bench backoffice --postgres --dossiers 1000000    # issue 18's goal: every queue p95 ≤ 50 ms

Method (docs/adr/0008): a fresh database (PostgreSQL: `motcua_bench_backoffice`, dropped and
created), migrate, load the calendar, places and catalogue, generate N dossiers with
`motcua.demo.history` (the generation time is printed), ANALYZE, create three officers
(reception at the provincial centre, a specialist at the busiest department, a commune officer),
then, in-process with Django's test Client (logged in), time each page R times after a warm-up:

* the work queues: `/can-bo/` (my work), the unit's dossiers, the overdue ones, a search by code,
  waiting for reception, due soon, waiting for another agency, consulted, and all dossiers;
* the dossier page `/can-bo/ho-so/<code>/`.

If the officers' site is not there (the URLs do not resolve), the same querysets are timed
directly (`visible_dossiers` + the queue conditions below). References: a plain SQL query on a
raw cursor returning the same rows (same WHERE / ORDER BY / LIMIT, checked to give the same ids),
and for transitions a plain single-row UPDATE + INSERT per transition.
"""

import io
import itertools
import os
import tempfile
import time
from pathlib import Path

from bench.checks import checked, goal_line

DEFAULT_DOSSIERS = 20_000
DB_NAME = "motcua_bench_backoffice"
REPEAT = 40
WARMUP = 3
TRANSITION_DOSSIERS = 60


def _setup_django(postgres: bool, reuse: bool = False) -> str:
    import django
    from django.apps import apps

    if apps.ready:  # another bench of the same run set Django up: use its database as it is
        from django.db import connection

        return "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    os.environ["MOTCUA_EMBEDDED"] = "1"
    os.environ["MOTCUA_INSECURE_HTTP"] = "1"  # the test Client speaks plain HTTP
    if postgres:
        os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{DB_NAME}")
        label = "PostgreSQL"
    else:
        path = Path(tempfile.mkdtemp(prefix="motcua-bench-")) / "backoffice.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        label = "SQLite"
    django.setup()
    if postgres and not reuse:
        import psycopg
        from django.db import connection

        name = connection.settings_dict["NAME"]
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    return label


def _pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def _fmt(values) -> str:
    ms = 1000
    return f"p50 {_pct(values, 50) * ms:7.1f} ms, p95 {_pct(values, 95) * ms:7.1f} ms"


def _time(fn, repeat=REPEAT, warmup=WARMUP):
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


# --- the reference SQL: the rows of a queue page, by hand ---------------------------------------

ROW_SQL = """
SELECT d.id, d.code, d.status, d.channel, d.applicant_name, d.applicant_id_number, d.applicant_kind,
       d.received_at, d.submitted_at, d.due_at, d.reply_due_at, d.finished_at, d.paused_at,
       d.counts_as_overdue, d.version, p.id, p.code, p.name, h.id, h.name, h.short_name,
       r.id, r.name, r.short_name, u.id, u.username, u.full_name
FROM dossiers_dossier d
JOIN catalog_procedure p ON p.id = d.procedure_id
JOIN places_agency h ON h.id = d.handling_agency_id
JOIN places_agency r ON r.id = d.receiving_agency_id
LEFT JOIN people_user u ON u.id = d.assignee_id
WHERE {where}
ORDER BY {order}
LIMIT 50
"""
#: The officers' site shows its queues by the appointment (due_at, nulls last, then id), read as
#: a union of index-ordered branches (motcua.backoffice.queues.QueueQuery.ids).
QUEUE_ORDER = "d.due_at ASC NULLS LAST, d.id"
ALL_ORDER = "d.due_at ASC NULLS LAST, d.id"


def _in(name: str, values) -> tuple[str, list]:
    values = list(values)
    return f"{name} IN ({', '.join(['%s'] * len(values))})", values


#: The default workflow's roles and the statuses in which their step is worked on while current
#: (reception: the first step while received, the last once done; the others while processing).
STEP_STATUSES = {"reception": (2, 9), "specialist": (4,), "approver": (4,)}


def _step_pairs(user) -> list[tuple[int, str]]:
    from motcua.dossiers.access import roles_of

    return [
        (agency_id, role)
        for agency_id, roles in sorted(roles_of(user).items())
        for role in sorted(roles)
        if role in STEP_STATUSES
    ]


def steps_reference(user, agencies: list[int]) -> tuple[str, list]:
    """The rows of "my work" computed from the steps themselves (the first unfinished step of each
    dossier), not from the current step copied on the dossier: run once, to check the copy."""
    from motcua.dossiers.models import FINAL_STATUSES, Status

    open_statuses = sorted(set(Status.values) - set(FINAL_STATUSES))
    mine_h, p1 = _in("d.handling_agency_id", agencies)
    mine_r, p2 = _in("d.receiving_agency_id", agencies)
    status_sql, status_params = _in("d.status", open_statuses)
    pairs, pair_params = [], []
    for agency_id, role in _step_pairs(user):
        sql, ps = _in("d.status", STEP_STATUSES[role])
        pairs.append(f"(s.agency_id = %s AND s.role = %s AND {sql})")
        pair_params += [agency_id, role, *ps]
    if not pairs:
        pairs = ["FALSE"]
    # Only placeholders and fixed column names are put together here.
    steps = " ".join(
        [
            "SELECT s.dossier_id FROM dossiers_dossierstep s WHERE s.finished_at IS NULL",
            "AND s.dossier_id = d.id AND (" + " OR ".join(pairs) + ")",
            "AND NOT EXISTS (SELECT 1 FROM dossiers_dossierstep e WHERE e.dossier_id = s.dossier_id",
            "AND e.finished_at IS NULL AND e.position < s.position)",
        ]
    )
    where = f"({mine_h} OR {mine_r}) AND ((d.assignee_id = %s AND {status_sql}) OR EXISTS ({steps}))"
    return ROW_SQL.format(where=where, order=QUEUE_ORDER), [*p1, *p2, user.pk, *status_params, *pair_params]


def reference_query(queue: str, user, agencies: list[int], now, code: str = "") -> tuple[str, list]:
    """(sql, params) of a plain query returning the rows of `queue` for `user`."""
    from motcua.backoffice.queues import due_cutoff
    from motcua.dossiers.models import FINAL_STATUSES, Status

    open_statuses = sorted(set(Status.values) - set(FINAL_STATUSES))
    unfinished = [Status.RECEIVED, Status.PROCESSING, Status.SUPPLEMENT, Status.FINANCIAL, Status.WITHDRAWAL]
    params: list = []
    order = QUEUE_ORDER
    mine_h, p1 = _in("d.handling_agency_id", agencies)
    mine_r, p2 = _in("d.receiving_agency_id", agencies)
    scope = f"({mine_h} OR {mine_r})"
    scope_params = p1 + p2
    consulted, p3 = _in("c.to_agency_id", agencies)
    # Only placeholders and fixed column names are put together in these queries.
    consulted_ids = f"SELECT c.dossier_id FROM dossiers_consultation c WHERE {consulted}"  # noqa: S608
    visible = f"({mine_h} OR {mine_r} OR d.id IN ({consulted_ids}))"
    visible_params = p1 + p2 + p3
    status_sql, status_params = _in("d.status", open_statuses)
    if queue == "mine":
        # The current step as the dossier holds it (ADR 0046); steps_reference checks it.
        pairs, pair_params = [], []
        for agency_id, role in _step_pairs(user):
            sql, ps = _in("d.status", STEP_STATUSES[role])
            pairs.append(f"(d.current_step_agency_id = %s AND d.current_step_role = %s AND {sql})")
            pair_params += [agency_id, role, *ps]
        where = f"{scope} AND ((d.assignee_id = %s AND {status_sql}) OR {' OR '.join(pairs) or 'FALSE'})"
        params = scope_params + [user.pk, *status_params, *pair_params]
    elif queue == "unit":
        where = f"{scope} AND {status_sql}"
        params = scope_params + status_params
    elif queue == "overdue":
        unfinished_sql, unfinished_params = _in("d.status", unfinished)
        where = (
            f"{scope} AND (({unfinished_sql} AND d.due_at < %s AND d.finished_at IS NULL) OR "
            f"(d.counts_as_overdue AND {status_sql})) AND {status_sql}"
        )
        params = scope_params + unfinished_params + [now] + status_params + status_params
    elif queue == "search":
        where = f"{scope} AND d.code LIKE %s"
        params = scope_params + [code + "%"]
        order = ALL_ORDER
    elif queue == "reception":
        receiving, ps = _in("d.receiving_agency_id", agencies)
        where = f"{receiving} AND d.status = 1"
        params = ps
        order = "d.reply_due_at ASC NULLS LAST, d.submitted_at, d.id"
    elif queue == "due-soon":
        where = f"{scope} AND d.status IN (2, 4) AND d.due_at >= %s AND d.due_at <= %s"
        params = scope_params + [now, due_cutoff(now, 2, "ngay")]
    elif queue in ("waiting", "consulted"):
        side, ps = _in("w.from_agency_id" if queue == "waiting" else "w.to_agency_id", agencies)
        where = (
            f"d.id IN (SELECT w.dossier_id FROM dossiers_consultation w WHERE {side} "  # noqa: S608
            f"AND w.answered_at IS NULL) AND {visible}"
        )
        params = ps + visible_params
        order = "COALESCE(d.due_at, d.reply_due_at) ASC NULLS LAST, d.id"
    elif queue == "all":
        where = visible
        params = visible_params
        order = ALL_ORDER
    else:
        raise ValueError(queue)
    return ROW_SQL.format(where=where, order=order), params


# --- the pages (or, before the officers' site exists, the same querysets) -------------------------

QUEUE_SLUGS = {
    "mine": None,
    "unit": "don-vi",
    "overdue": "qua-han",
    "search": "tat-ca",
    "reception": "cho-tiep-nhan",
    "due-soon": "sap-den-han",
    "waiting": "cho-y-kien",
    "consulted": "xin-y-kien",
    "all": "tat-ca",
}


def backoffice_available() -> bool:
    from django.urls import NoReverseMatch, Resolver404, resolve, reverse

    try:
        resolve("/can-bo/")
        reverse("backoffice:queue")
        return True
    except (Resolver404, NoReverseMatch, ImportError):
        return False


def page_url(queue: str, code: str = "") -> str:
    from django.urls import NoReverseMatch, reverse

    slug = QUEUE_SLUGS[queue]
    try:
        base = (
            reverse("backoffice:queue_named", kwargs={"slug": slug}) if slug else reverse("backoffice:queue")
        )
    except NoReverseMatch:
        base = "/can-bo/" + (f"?queue={queue}" if slug else "")
    if queue == "search":
        return f"{base}{'&' if '?' in base else '?'}q={code}"
    return base


def queryset_rows(queue: str, user, code: str = "") -> list[int]:
    """The page's rows through the officers' site's own queryset when it exists, else the
    equivalent ORM built on visible_dossiers (the fallback the issue asks for)."""
    from django.db.models import F, Q
    from django.utils import timezone

    try:
        from motcua.backoffice import queues
    except ImportError:
        queues = None
    if queues is not None:
        slug = QUEUE_SLUGS[queue] or queues.MINE
        q = queues.QUEUES[slug]
        filters = queues.parse_filters({"q": code} if queue == "search" else {}, q)
        if hasattr(queues, "build"):  # the page's own way to its ids (possibly a union of branches)
            ids, _count = queues.build(user, q, filters, timezone.now()).ids(0, queues.PAGE_SIZE)
            return ids
        qs = queues.with_row_data(queues.dossiers_for(user, q, filters, timezone.now()))
        return [d.pk for d in qs[: queues.PAGE_SIZE]]
    from motcua.dossiers.access import officer_agency_ids, visible_dossiers
    from motcua.dossiers.models import FINAL_STATUSES, Status

    agencies = sorted(officer_agency_ids(user))
    scope = Q(handling_agency_id__in=agencies) | Q(receiving_agency_id__in=agencies)
    open_statuses = sorted(set(Status.values) - set(FINAL_STATUSES))
    qs = visible_dossiers(user).filter(scope)
    if queue == "mine":
        qs = qs.filter(assignee_id=user.pk, status__in=open_statuses)
    elif queue == "unit":
        qs = qs.filter(status__in=open_statuses)
    elif queue == "overdue":
        qs = qs.filter(status__in=open_statuses, due_at__lt=timezone.now(), finished_at__isnull=True)
    else:
        qs = qs.filter(code__startswith=code)
    qs = qs.select_related("procedure", "handling_agency", "receiving_agency", "assignee")
    return [d.pk for d in qs.order_by(F("due_at").asc(nulls_last=True), "id")[:50]]


#: Issue 18 §3: every work queue's p95 at 10^6 dossiers.
QUEUE_GOAL_SECONDS = 0.050


def queue_goal(p95s: list[float], total: int) -> str:
    """The goal line: NOT MEASURED when no queue page was timed."""
    return goal_line(
        f"work-queue p95 ≤ {QUEUE_GOAL_SECONDS * 1000:.0f} ms at N = {total:,}",
        p95s,
        lambda v: (
            max(v) <= QUEUE_GOAL_SECONDS,
            f"worst queue page p95 {max(v) * 1000:.1f} ms over {len(v)} pages",
        ),
    )


def sign_in(user):
    """A test Client signed in as the officer really is: password session + verified TOTP device
    (the way the test helpers do); a session without the second factor only gets redirects."""
    from django.test import Client

    from motcua.eid.testing import sign_in_officer

    return sign_in_officer(Client(), user)


def _code_of(pk) -> str:
    from motcua.dossiers.models import Dossier

    return Dossier.objects.values_list("code", flat=True).get(pk=pk)


def measure_officer(user, pages: bool = True, repeat: int = REPEAT, warmup: int = WARMUP, client=None):
    """Time the four queue pages and the dossier page for `user`: yields (printed line, queue p95 or
    None). Every timed answer is checked (HTTP 200 and the rows the page must show), so a redirect
    to the sign-in page or an error page stops the bench instead of being timed."""
    from django.db import connection
    from django.db.models import Q
    from django.utils import timezone

    from motcua.dossiers import services
    from motcua.dossiers.access import officer_agency_ids, visible_dossiers
    from motcua.dossiers.models import Dossier

    agencies = sorted(officer_agency_ids(user))
    client = client or (sign_in(user) if pages else None)
    mine = Dossier.objects.filter(Q(handling_agency_id__in=agencies) | Q(receiving_agency_id__in=agencies))
    ids = list(mine.order_by("id").values_list("id", flat=True))
    picked = ids[:: max(1, len(ids) // repeat)][:repeat]
    sample = list(Dossier.objects.filter(id__in=picked).order_by("id").values_list("code", flat=True))
    code = sample[len(sample) // 2] if sample else "X"
    for queue in QUEUE_SLUGS:
        url = page_url(queue, code)
        page_ids = queryset_rows(queue, user, code)
        if pages:
            # The page must show its first row (or say it has none).
            expect = _code_of(page_ids[0]) if page_ids else "Không có hồ sơ nào."

            def get(url=url, expect=expect):
                return checked(client.get(url), expect=expect, what=url)

            ours = _time(get, repeat, warmup)
        else:
            ours = _time(lambda queue=queue, code=code: queryset_rows(queue, user, code), repeat, warmup)
        sql, params = reference_query(queue, user, agencies, timezone.now(), code)

        def ref(sql=sql, params=params):
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return [row[0] for row in cursor.fetchall()]

        ref_ids = ref()
        same = page_ids == ref_ids
        if queue == "mine":  # the current step copied on the dossier must be the steps' own
            steps_sql, steps_params = steps_reference(user, agencies)
            with connection.cursor() as cursor:
                cursor.execute(steps_sql, steps_params)
                same = same and [row[0] for row in cursor.fetchall()] == page_ids
        if not same and os.environ.get("BENCH_DEBUG"):
            print("      page", page_ids[:8], "ref", ref_ids[:8], len(page_ids), len(ref_ids))
        reference = _time(ref, repeat, warmup)
        yield (
            f"    {queue:8} {url if pages else 'queryset':40.40} {_fmt(ours)} | reference SQL "
            f"{_fmt(reference)} | p95 ratio {_pct(ours, 95) / max(_pct(reference, 95), 1e-9):6.1f}x "
            f"| {len(ref_ids)} rows{'' if same else ' (ROWS DIFFER from the page queryset!)'}",
            _pct(ours, 95),
        )
    if not sample:
        yield "    dossier: no dossier at this officer's agencies, NOT MEASURED", None
        return
    codes = itertools.cycle(sample)
    if pages:

        def detail_page(codes=codes):
            code = next(codes)
            url = f"/can-bo/ho-so/{code}/"
            return checked(client.get(url), expect=code, what=url)

        detail = _time(detail_page, repeat, warmup)
    else:

        def detail_qs(codes=codes):
            d = (
                visible_dossiers(user)
                .select_related("procedure", "receiving_agency", "handling_agency", "assignee")
                .get(code=next(codes))
            )
            list(d.history.all()), list(d.steps.all()), list(d.documents.all())
            services.allowed_actions(user, d)

        detail = _time(detail_qs, repeat, warmup)
    codes = itertools.cycle(sample)

    def ref_detail(codes=codes):
        with connection.cursor() as cursor:
            cursor.execute(
                ROW_SQL.format(where="d.code = %s", order="d.id").replace("LIMIT 50", "LIMIT 1"),
                [next(codes)],
            )
            cursor.fetchall()

    reference = _time(ref_detail, repeat, warmup)
    where = "/can-bo/ho-so/<code>/" if pages else "queryset"
    yield (
        f"    {'dossier':8} {where:40.40} {_fmt(detail)} | "
        f"reference SQL {_fmt(reference)} | p95 ratio "
        f"{_pct(detail, 95) / max(_pct(reference, 95), 1e-9):6.1f}x",
        None,
    )


def main(postgres: bool = False, dossiers: int | None = None) -> None:
    #: MOTCUA_BENCH_REUSE=1 keeps the PostgreSQL bench database and its dossiers when there are
    #: already N of them (to measure again without generating again).
    reuse = postgres and os.environ.get("MOTCUA_BENCH_REUSE") == "1"
    label = _setup_django(postgres, reuse)
    n = int(dossiers or DEFAULT_DOSSIERS)
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import Count
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from motcua.demo import history as demo
    from motcua.dossiers import services
    from motcua.dossiers.access import officer_agency_ids, visible_dossiers
    from motcua.dossiers.models import Dossier, Status
    from motcua.people.models import OfficerRole, User
    from motcua.places.models import Agency
    from motcua.sync.portal import SandboxPortal, pull_new_dossiers

    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    for command in ("load_calendar", "load_places", "import_catalog"):
        call_command(command, **quiet)
    print(f"[backoffice, {label}] reference data loaded in {time.perf_counter() - t0:.1f} s")

    if reuse and Dossier.objects.count() >= n:
        print(f"[backoffice, {label}] reusing the {Dossier.objects.count():,} dossiers already there")
    else:
        report = demo.generate(n, seed=1, force=True)
        print(f"[backoffice, {label}] demo history: " + report.lines()[0])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    total = Dossier.objects.count()
    open_ = Dossier.objects.exclude(status__in=[3, 8, 10]).count()
    print(f"  {total:,} dossiers in the database, {open_:,} still open")

    role = OfficerRole.Role
    centre = Agency.objects.get(code__startswith="000.00.30.")
    busiest = (
        Dossier.objects.filter(handling_agency__kind=Agency.Kind.DEPARTMENT)
        .values("handling_agency")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    department = Agency.objects.get(pk=busiest["handling_agency"])
    commune_centre = Agency.objects.get(
        pk=Dossier.objects.filter(receiving_agency__kind=Agency.Kind.COMMUNE_CENTER)
        .values("receiving_agency")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()["receiving_agency"]
    )
    committee = Agency.objects.get(
        admin_unit_id=commune_centre.admin_unit_id, kind=Agency.Kind.COMMUNE_COMMITTEE
    )

    def officer(username, *roles_at):
        user, _ = User.objects.get_or_create(
            username=username, defaults={"full_name": username, "kind": User.Kind.OFFICER, "is_staff": True}
        )
        for agency, r in roles_at:
            OfficerRole.objects.get_or_create(user=user, agency=agency, role=r)
        return user

    officers = {
        "reception (provincial centre)": officer("bench_reception", (centre, role.RECEPTION)),
        f"specialist ({department.short_name})": officer("bench_specialist", (department, role.SPECIALIST)),
        f"commune ({commune_centre.admin_unit.name})": officer(
            "bench_commune", (commune_centre, role.RECEPTION), (committee, role.SPECIALIST)
        ),
    }
    for name, user in officers.items():
        agencies = officer_agency_ids(user)
        visible = visible_dossiers(user).count() if total <= 200_000 else None
        shown = f"{visible:,} visible" if visible is not None else "visibility count skipped"
        print(f"  officer {name}: {len(agencies)} agency(ies), {shown}")

    setup_test_environment()
    pages = backoffice_available()
    print(
        "  measuring the officers' site pages (test Client, signed in with the second factor)"
        if pages
        else "  /can-bo/ does not resolve yet: measuring the querysets directly "
        "(visible_dossiers + queue filters)"
    )
    queue_p95s = []
    for name, user in officers.items():
        print(f"  — {name}")
        for line, p95 in measure_officer(User.objects.get(pk=user.pk), pages):
            print(line)
            if p95 is not None:
                queue_p95s.append(p95)

    # --- transitions per second --------------------------------------------------------------
    processor = officer(
        "bench_processor", *[(a, role.SPECIALIST) for a in Agency.objects.filter(kind="department")]
    )
    reception = User.objects.get(username="bench_reception")
    portal = SandboxPortal(int(time.time()), [centre.code], count=TRANSITION_DOSSIERS, now=timezone.now())
    pulled = pull_new_dossiers(portal)
    fresh = list(
        Dossier.objects.filter(code__in=pulled.created, status=Status.NEW, handling_agency__kind="department")
    )
    t0 = time.perf_counter()
    done = 0
    for dossier in fresh:
        dossier = services.perform(dossier, "receive", reception)
        dossier = services.perform(dossier, "assign", processor, assignee=processor)
        services.perform(dossier, "complete_step", processor)
        done += 3
    ours_s = time.perf_counter() - t0
    ids = [d.pk for d in fresh]
    t0 = time.perf_counter()
    for pk in ids * 3:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE dossiers_dossier SET status = %s, version = version + 1, updated_at = %s "
                "WHERE id = %s",
                [Status.PROCESSING, timezone.now(), pk],
            )
            cursor.execute(
                "INSERT INTO dossiers_dossierhistory (dossier_id, at, action, label, from_status, "
                "to_status, actor_name, actor_title, note, data) "
                "VALUES (%s, %s, 'bench', 'bench', 4, 4, 'bench', '', '', '{}')",
                [pk, timezone.now()],
            )
    ref_s = time.perf_counter() - t0
    ours_rate, ref_rate = done / max(ours_s, 1e-9), len(ids) * 3 / max(ref_s, 1e-9)
    print(
        f"  transitions (perform receive/assign/complete_step, {done} on {len(fresh)} fresh NEW dossiers): "
        f"{ours_rate:,.0f}/s | reference UPDATE + INSERT: {ref_rate:,.0f}/s | "
        f"ratio {ref_rate / max(ours_rate, 1e-9):.1f}x slower"
    )
    print("  " + queue_goal(queue_p95s, total))
