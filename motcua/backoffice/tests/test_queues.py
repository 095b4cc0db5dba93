"""Work queues: which dossiers each queue shows, filters, search, sorting and paging."""

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from motcua.backoffice import queues
from motcua.dossiers.models import Channel, Status

from .conftest import FINANCE, act

pytestmark = pytest.mark.django_db


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content.decode()[:500]
    return [row["code"] for row in response.context["rows"]]


def queue_url(slug: str = queues.MINE, **params) -> str:
    url = (
        reverse("backoffice:queue") if slug == queues.MINE else reverse("backoffice:queue_named", args=[slug])
    )
    if params:
        from urllib.parse import urlencode

        url += "?" + urlencode(params)
    return url


def test_mine_follows_the_current_step_and_the_assignee(make_dossier, people, as_user):
    received = make_dossier()
    assert codes(as_user(people["reception"]).get(queue_url())) == [received.code]  # step 1: reception
    assert codes(as_user(people["specialist"]).get(queue_url())) == []
    act(received, "assign", people["head"], assignee=people["specialist"])
    assert codes(as_user(people["reception"]).get(queue_url())) == []
    assert codes(as_user(people["specialist"]).get(queue_url())) == [received.code]  # assignee and step 2
    assert codes(as_user(people["approver"]).get(queue_url())) == []  # step 3 is not current yet
    act(received, "complete_step", people["specialist"])
    assert codes(as_user(people["approver"]).get(queue_url())) == [received.code]
    assert codes(as_user(people["specialist"]).get(queue_url())) == [received.code]  # still the assignee


def test_unit_queue_holds_what_the_agency_receives_or_handles(make_dossier, people, as_user):
    first, second = make_dossier(), make_dossier()
    expected = {first.code, second.code}
    assert set(codes(as_user(people["reception"]).get(queue_url(queues.UNIT)))) == expected  # receives
    assert set(codes(as_user(people["head"]).get(queue_url(queues.UNIT)))) == expected  # handles
    assert codes(as_user(people["finance"]).get(queue_url(queues.UNIT))) == []
    assert codes(as_user(people["other_reception"]).get(queue_url(queues.UNIT))) == []


def test_unit_queue_of_an_officer_of_two_agencies_in_appointment_order(
    make_dossier, online_dossier, people, as_user, clock, monkeypatch
):
    """A commune officer receives at the one-stop centre and handles at the committee, so most of
    the unit's dossiers are on both sides. The unit queue lists each open dossier of either agency
    once, by appointment (none last), then by id, page after page, with its count."""
    from datetime import timedelta

    from motcua.dossiers.models import Dossier
    from motcua.people.models import OfficerRole
    from motcua.places.models import Agency

    from .conftest import CENTER, JUSTICE, officer

    role = OfficerRole.Role
    commune = officer("mot_cua_xa", (CENTER, role.RECEPTION), (JUSTICE, role.SPECIALIST))
    finance = Agency.objects.get(code=FINANCE)
    elsewhere = Agency.objects.get(code="000.01.40.H52")
    made = [make_dossier() for _i in range(9)]
    new = online_dossier()  # status 1, no appointment yet
    base = made[0].due_at
    for i, dossier in enumerate(made):
        Dossier.objects.filter(pk=dossier.pk).update(due_at=base + timedelta(hours=i))

    def change(dossier, **fields):
        Dossier.objects.filter(pk=dossier.pk).update(**fields)

    change(made[1], handling_agency=finance)  # received here, handled elsewhere
    change(made[2], receiving_agency=elsewhere)  # received elsewhere, handled here
    change(made[3], receiving_agency=elsewhere, handling_agency=finance)  # not this unit's
    change(made[4], status=Status.STOPPED)  # final: only with every status
    change(made[5], status=Status.SUPPLEMENT, due_at=base - timedelta(days=1))  # paused, earliest
    change(made[6], due_at=base)  # the same appointment as made[0]: after it, by id
    change(made[7], due_at=None)  # no appointment: last, by id
    change(made[8], status=Status.DONE, handling_agency=finance)  # done, result to return
    order = [5, 0, 6, 1, 2, 8, 7]
    expected = [made[i].code for i in order] + [new.code]

    monkeypatch.setattr(queues, "PAGE_SIZE", 3)
    client = as_user(commune)
    pages = [client.get(queue_url(queues.UNIT, trang=n)) for n in (1, 2, 3)]
    assert [codes(page) for page in pages] == [expected[0:3], expected[3:6], expected[6:8]]
    assert [page.context["page"].count for page in pages] == [8, 8, 8]
    assert not pages[0].context["page"].count_capped and not pages[2].context["page"].has_next
    monkeypatch.setattr(queues, "COUNT_CAP", 4)
    capped = client.get(queue_url(queues.UNIT)).context["page"]
    assert (capped.count, capped.count_capped, capped.has_next) == (4, True, True)

    unit = queues.QUEUES[queues.UNIT]

    def ids(**params):
        return queues.build(commune, unit, queues.parse_filters(params, unit)).ids(0, 20)[0]

    def pks(indexes):
        return [made[i].pk for i in indexes]

    assert ids() == [*pks(order), new.pk]
    assert ids(trang_thai="tat-ca") == [*pks([5, 0, 6, 1, 2, 4, 8, 7]), new.pk]  # the stopped one too
    assert ids(trang_thai=str(Status.RECEIVED)) == pks([0, 6, 1, 2, 7])
    assert ids(trang_thai=str(Status.NEW)) == [new.pk]


def test_waiting_for_reception_shows_online_dossiers_with_the_reply_deadline(
    online_dossier, make_dossier, people, as_user
):
    new = online_dossier()
    make_dossier()  # a counter dossier is received at once: not waiting
    response = as_user(people["reception"]).get(queue_url(queues.RECEPTION))
    assert codes(response) == [new.code]
    page = response.content.decode()
    assert "Hạn phản hồi" in page and new.reply_due_at is not None
    assert "để phản hồi" in response.context["rows"][0]["countdown"].text
    assert codes(as_user(people["other_reception"]).get(queue_url(queues.RECEPTION))) == []


def test_due_soon_counts_working_days_or_hours(make_dossier, people, as_user, clock):
    dossier = make_dossier()  # received Mon 2/3 09:00, due Mon 9/3 17:00
    client = as_user(people["head"])
    assert codes(client.get(queue_url(queues.DUE_SOON, trong=3, don_vi="ngay"))) == []
    assert codes(client.get(queue_url(queues.DUE_SOON, trong=5, don_vi="ngay"))) == [dossier.code]
    assert codes(client.get(queue_url(queues.DUE_SOON, trong=40, don_vi="gio"))) == []
    assert codes(client.get(queue_url(queues.DUE_SOON, trong=48, don_vi="gio"))) == [dossier.code]
    response = client.get(queue_url(queues.DUE_SOON, trong="abc", don_vi="tuan"))
    assert len(response.context["filters"].notices) == 2  # both dropped, with a notice each


def test_overdue_after_the_appointment_or_after_a_second_supplement_request(
    make_dossier, people, as_user, clock
):
    late, flagged, fine = make_dossier(), make_dossier(), make_dossier()
    act(flagged, "request_supplement", people["reception"], reason="Thiếu ảnh")
    act(flagged, "receive_supplement", people["reception"])
    act(
        flagged, "request_supplement", people["reception"], reason="Thiếu bản sao", second_allowed_by_law=True
    )
    client = as_user(people["head"])
    assert codes(client.get(queue_url(queues.OVERDUE))) == [flagged.code]
    clock.set(2026, 3, 10, 9, 0)  # a day after the appointment
    act(fine, "assign", people["head"], assignee=people["specialist"])
    act(fine, "complete_step", people["specialist"])
    act(fine, "refuse", people["approver"], reason="Không đủ điều kiện")  # finished (late, but finished)
    client = as_user(people["head"])  # the session of 8 hours has expired meanwhile
    response = client.get(queue_url(queues.OVERDUE))
    assert codes(response) == [late.code, flagged.code]
    assert response.context["rows"][0]["countdown"].text == "Quá hạn 1 giờ 30 phút làm việc"  # 07:30 → 09:00


def test_consultations_waiting_for_others_and_sent_to_me(make_dossier, people, as_user):
    dossier = make_dossier()
    act(dossier, "assign", people["head"], assignee=people["specialist"])
    from motcua.places.models import Agency

    act(
        dossier,
        "consult",
        people["specialist"],
        to_agencies=[Agency.objects.get(code=FINANCE).pk],
        question="Xác nhận nghĩa vụ tài chính",
    )
    assert codes(as_user(people["head"]).get(queue_url(queues.WAITING))) == [dossier.code]
    assert codes(as_user(people["head"]).get(queue_url(queues.CONSULTED))) == []
    assert codes(as_user(people["finance"]).get(queue_url(queues.CONSULTED))) == [dossier.code]
    assert codes(as_user(people["finance"]).get(queue_url(queues.WAITING))) == []
    act(dossier, "answer_consultation", people["finance"], answer="Đã hoàn thành")
    assert codes(as_user(people["finance"]).get(queue_url(queues.CONSULTED))) == []
    assert codes(as_user(people["head"]).get(queue_url(queues.WAITING))) == []


def test_filters_status_channel_procedure_agency_and_dates(
    make_dossier, online_dossier, people, as_user, clock
):
    counter = make_dossier()
    post = make_dossier(channel=Channel.POST)
    new = online_dossier()
    clock.advance(days=1)
    later = make_dossier()
    client = as_user(people["reception"])
    unit = queues.UNIT
    assert codes(client.get(queue_url(unit, trang_thai=Status.NEW))) == [new.code]
    assert set(codes(client.get(queue_url(unit, kenh=Channel.POST)))) == {post.code}
    assert set(codes(client.get(queue_url(unit, thu_tuc=counter.procedure.code)))) == {
        counter.code,
        post.code,
        new.code,
        later.code,
    }
    unknown = client.get(queue_url(unit, thu_tuc="9.999999"))
    assert unknown.context["filters"].notices and len(codes(unknown)) == 4  # dropped, with a notice
    assert set(codes(client.get(queue_url(unit, tu_ngay="2026-03-03")))) == {later.code}
    assert set(codes(client.get(queue_url(unit, den_ngay="2026-03-02")))) == {counter.code, post.code}
    assert set(codes(client.get(queue_url(unit, co_quan="000.00.04.H52")))) == {
        counter.code,
        post.code,
        new.code,
        later.code,
    }
    assert codes(client.get(queue_url(unit, co_quan=FINANCE))) == []
    # status 3 is not open: only with the explicit status filter
    act(new, "refuse_reception", people["reception"], reason="Sai thẩm quyền")
    assert new.code not in codes(client.get(queue_url(unit)))
    assert codes(client.get(queue_url(unit, trang_thai=Status.NOT_RECEIVED))) == [new.code]
    assert new.code in codes(client.get(queue_url(unit, trang_thai="tat-ca")))


def test_unknown_filter_values_are_dropped_with_a_notice(people, as_user):
    response = as_user(people["reception"]).get(
        queue_url(
            queues.UNIT, trang_thai="99", kenh="fax", co_quan="x", tu_ngay="hôm qua", sap_xep="z", trang="0"
        )
    )
    assert response.status_code == 200
    assert len(response.context["filters"].notices) == 6
    assert response.context["filters"].params == {}


def test_search_by_code_name_and_id_number(make_dossier, online_dossier, people, as_user):
    mine = make_dossier()
    other = online_dossier(name="Lò Văn Pâng", id_number="014090002222")
    client = as_user(people["reception"])
    everything = queues.ALL
    assert codes(client.get(queue_url(everything, q=mine.code))) == [mine.code]
    assert codes(client.get(queue_url(everything, q=mine.code.lower()))) == [mine.code]
    assert codes(client.get(queue_url(everything, q=mine.code[:-2]))) == [
        mine.code
    ]  # the beginning of a code
    assert codes(client.get(queue_url(everything, q=other.code))) == [other.code]
    # a whole name, case and diacritics folded (blind index, ADR 0048); a part of it no longer finds it
    assert codes(client.get(queue_url(everything, q="lò văn pâng"))) == [other.code]
    assert codes(client.get(queue_url(everything, q="LO VAN PANG"))) == [other.code]
    assert codes(client.get(queue_url(everything, q="Văn Pâng"))) == []
    assert codes(client.get(queue_url(everything, q="Nguyễn Thị Ánh"))) == [mine.code]
    assert codes(client.get(queue_url(everything, q="014090002222"))) == [other.code]
    assert codes(client.get(queue_url(everything, q="0140 9000 1111"))) == [mine.code]
    assert codes(client.get(queue_url(everything, q="không có ai"))) == []
    # search stays inside what the user may see
    assert codes(as_user(people["other_reception"]).get(queue_url(everything, q=mine.code))) == []


def test_sorting_and_paging(make_dossier, people, as_user, clock, monkeypatch):
    monkeypatch.setattr(queues, "PAGE_SIZE", 2)
    made = []
    for _i in range(5):
        made.append(make_dossier())
        clock.advance(hours=1)
    client = as_user(people["reception"])
    first = client.get(queue_url(queues.UNIT))
    assert codes(first) == [made[0].code, made[1].code]  # earliest appointment first
    assert first.context["page"].has_next and first.context["next_url"]
    second = client.get(first.context["next_url"])
    assert codes(second) == [made[2].code, made[3].code]
    assert codes(client.get(queue_url(queues.UNIT, trang=3))) == [made[4].code]
    assert codes(client.get(queue_url(queues.UNIT, sap_xep="moi-nhan"))) == [made[4].code, made[3].code]
    assert codes(client.get(queue_url(queues.UNIT, sap_xep="ma"))) == [made[0].code, made[1].code]
    assert first.context["page"].count == 5 and not first.context["page"].count_capped


def test_the_count_is_capped(make_dossier, people, as_user, monkeypatch):
    monkeypatch.setattr(queues, "PAGE_SIZE", 1)
    monkeypatch.setattr(queues, "COUNT_CAP", 2)
    for _i in range(4):
        make_dossier()
    for slug in (queues.UNIT, queues.ALL):
        page = as_user(people["reception"]).get(queue_url(slug)).context["page"]
        assert page.count == 2 and page.count_capped and page.has_next
    assert "hơn 2 hồ sơ" in as_user(people["reception"]).get(queue_url(queues.UNIT)).content.decode()


@pytest.mark.parametrize("slug", list(queues.QUEUES))
def test_split_and_plain_forms_of_a_queue_give_the_same_rows(
    slug, make_dossier, online_dossier, people, clock
):
    """The index-ordered pieces (read as a union) and the single queryset are the same list."""
    dossiers = [make_dossier() for _i in range(3)] + [online_dossier()]
    act(dossiers[0], "assign", people["head"], assignee=people["specialist"])
    act(dossiers[1], "request_supplement", people["reception"], reason="Thiếu giấy tờ")
    from motcua.places.models import Agency

    act(
        dossiers[0],
        "consult",
        people["specialist"],
        to_agencies=[Agency.objects.get(code=FINANCE).pk],
        question="?",
    )
    clock.advance(days=8)
    for user in people.values():
        if user.username == "cong_dan":
            continue
        for params in ({}, {"trang_thai": "tat-ca"}, {"trang_thai": str(Status.RECEIVED)}):
            queue = queues.QUEUES[slug]
            filters = queues.parse_filters(params, queue)
            query = queues.build(user, queue, filters)
            plain = list(query.qs.values_list("pk", flat=True))
            ids, _counted = query.ids(0, 100, 10)
            if query.split:
                assert sorted(ids) == sorted(plain), (slug, user.username, params)
            else:
                assert ids == plain


def test_the_queue_page_reads_a_fixed_number_of_queries(
    make_dossier, people, as_user, django_assert_max_num_queries
):
    for _i in range(6):
        make_dossier()
    client = as_user(people["reception"])
    client.get(queue_url(queues.UNIT))  # warm the calendar and the session
    # 9: session, user, the officer's TOTP device (django-otp verifies every request), then the page;
    # +3: the audit entry of this read of applicants' data (chain head locked, entry, head updated).
    with django_assert_max_num_queries(12):
        response = client.get(queue_url(queues.UNIT))
    assert len(response.context["rows"]) == 6
    for _i in range(6):
        make_dossier()
    with django_assert_max_num_queries(12):  # no query per row
        assert len(client.get(queue_url(queues.UNIT)).context["rows"]) == 12


def test_queue_pages_are_vietnamese_first_with_an_english_version(make_dossier, people, as_user):
    make_dossier()
    client = as_user(people["reception"])
    page = client.get(queue_url(queues.UNIT)).content.decode()
    assert '<html lang="vi">' in page and "Hồ sơ của đơn vị" in page
    english = client.get("/en" + queue_url(queues.UNIT)).content.decode()
    assert '<html lang="en">' in english and "Unit&#x27;s dossiers" in english and "Sign out" in english
    assert "style=" not in page and "<script" not in page  # strict CSP: no inline style or script


def _commune_officer():
    from motcua.people.models import OfficerRole

    from .conftest import CENTER, JUSTICE, officer

    role = OfficerRole.Role
    return officer("mot_cua_xa", (CENTER, role.RECEPTION), (JUSTICE, role.SPECIALIST))


def test_overdue_of_an_agency_is_one_late_range_per_side_in_the_order_of_its_partial_index(
    make_dossier, people, clock
):
    """The overdue queue of an officer of two agencies: per (agency, side), one range of the partial
    indexes on the dossiers that can be late, `agency = a AND status IN LATE_STATUSES AND due_at <
    now`, read in their order (due_at, id) — the condition is the indexes' own, so the database can
    use them (dossiers 0008) — and one piece of the few counted as overdue: 8 pieces, not 24. The
    pieces of the user's own agencies are read without the consultation subquery of
    visible_dossiers (they are within the user's scope by themselves)."""
    from motcua.dossiers.models import LATE_STATUSES, Dossier
    from motcua.places.models import Agency

    by_name = {index.name: index for index in Dossier._meta.indexes}
    for name, column in (
        ("dossier_late_hand_idx", "handling_agency"),
        ("dossier_late_recv_idx", "receiving_agency"),
    ):
        index = by_name[name]
        assert index.fields == [column, "due_at", "id"]
        assert index.condition == Q(status__in=LATE_STATUSES)
    assert queues.UNFINISHED_STATUSES == LATE_STATUSES

    commune = _commune_officer()
    overdue = queues.QUEUES[queues.OVERDUE]
    query = queues.build(commune, overdue, queues.parse_filters({}, overdue), clock.now)
    branches = queues.branch_conditions(commune, overdue, queues.parse_filters({}, overdue), clock.now)
    assert len(branches) == len(query.branches) == 8
    late = [b for b in branches if "counts_as_overdue" not in str(b.condition)]
    assert [b.side[0] for b in late] == ["handling", "handling", "receiving", "receiving"]
    for branch in late:
        assert branch.condition == Q(status__in=LATE_STATUSES) & Q(due_at__lt=clock.now)
    with CaptureQueriesContext(connection) as captured:
        query.ids(0, 10, 10)
    (sql,) = [q["sql"] for q in captured.captured_queries]
    assert sql.count(" UNION ") == 7 and "dossiers_consultation" not in sql
    assert sql.count('ORDER BY "dossiers_dossier"."due_at" ASC') == 8
    # An officer's own dossiers only: another agency's late dossier is not in a piece.
    mine, elsewhere = make_dossier(), make_dossier()
    Dossier.objects.filter(pk=elsewhere.pk).update(
        receiving_agency=Agency.objects.get(code="000.01.40.H52"),
        handling_agency=Agency.objects.get(code=FINANCE),
    )
    clock.advance(days=30)
    query = queues.build(commune, overdue, queues.parse_filters({}, overdue), clock.now)
    assert query.ids(0, 10, 10)[0] == [mine.pk]
    # A status asked for: its own range (the partial index's condition implies it).
    filters = queues.parse_filters({"trang_thai": str(Status.PROCESSING)}, overdue)
    pieces = queues.branch_conditions(commune, overdue, filters, clock.now)
    assert Q(status=Status.PROCESSING) & Q(due_at__lt=clock.now) in [b.condition for b in pieces]


def test_a_piece_over_an_agency_side_stays_in_the_users_scope(people):
    """agency_side_dossiers gives nothing for an agency that is not the user's, or to a citizen."""
    from motcua.dossiers.access import agency_side_dossiers, officer_agency_ids

    reception = people["reception"]
    (own,) = officer_agency_ids(reception)
    other = next(iter(officer_agency_ids(people["finance"])))
    assert "handling_agency_id" in str(agency_side_dossiers(reception, "handling", own).query)
    assert not agency_side_dossiers(reception, "receiving", other).exists()
    assert not agency_side_dossiers(people["citizen"], "receiving", own).exists()


#: The indexes that lead with one side's agency and then follow the page's order (due_at, id).
SIDE_INDEXES = {
    "handling": {"dossier_late_hand_idx", "dossier_open_hand_idx", "dossier_hand_due_idx"},
    "receiving": {"dossier_late_recv_idx", "dossier_open_recv_idx", "dossier_recv_due_idx"},
}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan of PostgreSQL's partial indexes")
def test_postgresql_reads_an_agencys_late_dossiers_from_its_partial_index_in_order(make_dossier, clock):
    """The late range of one side is an index scan of that side's (agency, due_at, id) index in the
    page's order: no Sort under its LIMIT, so it stops after the rows the page needs. (Sequential and
    bitmap scans are switched off, as the test tables are too small for the planner to choose an
    index by itself; the other indexes are there to be chosen.)"""
    import json

    from django.db import transaction
    from django.db.models import F

    make_dossier()
    clock.advance(days=30)
    commune = _commune_officer()
    overdue = queues.QUEUES[queues.OVERDUE]
    filters = queues.parse_filters({}, overdue)
    query = queues.build(commune, overdue, filters, clock.now)
    pieces = queues.branch_conditions(commune, overdue, filters, clock.now)
    seen = set()
    for piece, branch in zip(pieces, query.branches, strict=True):
        if "counts_as_overdue" in str(piece.condition):
            continue
        qs = (
            branch.annotate(bo_id=F("pk"), bo_key=F("due_at"))
            .order_by(F("due_at").asc(nulls_last=True), "pk")
            .values_list("bo_id", "bo_key")[:201]
        )
        sql, params = qs.query.sql_with_params()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        top = plan[0]["Plan"]
        assert top["Node Type"] == "Limit", top
        (scan,) = top["Plans"]
        assert scan["Node Type"] in ("Index Scan", "Index Only Scan"), scan
        # On tables this small the planner's costs cannot tell the side's (agency, due_at, id)
        # indexes apart (CI once chose the open one, whose condition also holds); at 10^6 it reads
        # the late one, the smallest (docs/scale.md). What matters here: that side's index, in order.
        assert scan["Index Name"] in SIDE_INDEXES[piece.side[0]], scan["Index Name"]
        seen.add(piece.side[0])
    assert seen == {"handling", "receiving"}


def test_all_of_an_agency_is_a_range_per_side_plus_the_dossiers_it_was_asked_about(make_dossier, people):
    """ "Tất cả hồ sơ" of an agency's officer: one piece per side of the full (agency, due_at, id)
    indexes (dossiers 0009), plus the consulted dossiers by key: the same rows as the plain list."""
    from motcua.places.models import Agency

    dossiers = [make_dossier() for _i in range(3)]
    act(dossiers[0], "assign", people["head"], assignee=people["specialist"])
    act(
        dossiers[0],
        "consult",
        people["specialist"],
        to_agencies=[Agency.objects.get(code=FINANCE).pk],
        question="?",
    )
    queue = queues.QUEUES[queues.ALL]
    finance = people["finance"]
    query = queues.build(finance, queue, queues.parse_filters({}, queue))
    assert query.split
    pieces = queues.branch_conditions(finance, queue, queues.parse_filters({}, queue), None)
    assert [b.side for b in pieces[:-1]] == queues._agency_sides(finance) and pieces[-1].side is None
    ids, _ = query.ids(0, 50)
    assert ids == [dossiers[0].pk] == list(query.qs.values_list("pk", flat=True))
    head = people["head"]
    query = queues.build(head, queue, queues.parse_filters({}, queue))
    ids, _ = query.ids(0, 50)
    assert query.split and ids == list(query.qs.values_list("pk", flat=True))
    assert set(ids) == {d.pk for d in dossiers}
