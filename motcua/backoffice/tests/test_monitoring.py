"""The monitoring dashboard: who sees which unit, its figures equal `motcua index --json`, and every
number opens the dossiers behind it (as far as the viewer may see them)."""

import io
import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from motcua.dossiers.models import Dossier
from motcua.insights.tests.conftest import DEPARTMENT, dataset  # noqa: F401 — the hand-checked data
from motcua.people.models import OfficerRole, User
from motcua.places.models import Agency

Role = OfficerRole.Role
VN = ZoneInfo("Asia/Ho_Chi_Minh")
URL = "/can-bo/giam-sat/"
DRILL = "/can-bo/giam-sat/ho-so/"
PROVINCE_CENTER, JUSTICE = "000.00.30.H52", "000.00.04.H52"
COMMUNE_COMMITTEE, COMMUNE_POLICE = "000.01.40.H52", "002.01.40.H52"


def make_officer(username, *roles_at):
    user = User.objects.create(username=username, full_name=username, kind=User.Kind.OFFICER, is_staff=True)
    for code, role in roles_at:
        OfficerRole.objects.create(user=user, agency=Agency.objects.get(code=code), role=role)
    return user


@pytest.fixture
def officers(dataset):  # noqa: F811
    return {
        "province": make_officer("giam_sat_tinh", (PROVINCE_CENTER, Role.MONITOR)),
        "dept_monitor": make_officer("giam_sat_so", (DEPARTMENT, Role.MONITOR)),
        "head": make_officer("giam_doc_so", (DEPARTMENT, Role.APPROVER)),
        "justice_head": make_officer("giam_doc_tu_phap", (JUSTICE, Role.UNIT_HEAD)),
        "reception": make_officer("tiep_nhan", (PROVINCE_CENTER, Role.RECEPTION)),
        "admin": make_officer("quan_tri", (PROVINCE_CENTER, Role.ADMIN)),
    }


def embedded(response, element_id: str):
    """The data a page carries for its scripts (json_script)."""
    html = response.content.decode()
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert found, f"no #{element_id} on the page"
    return json.loads(found[1])


def command_json(period: str, unit: str) -> dict:
    out = io.StringIO()
    call_command("index", "--period", period, "--unit", unit, "--json", stdout=out)
    return json.loads(out.getvalue())


def vn(number: float) -> str:
    return f"{number:.2f}".replace(".", ",")


# --- the figures ---------------------------------------------------------------------------------------


def test_dashboard_shows_the_same_figures_as_the_index_command(as_user, officers):
    response = as_user(officers["province"]).get(URL, {"ky": "2026-09", "don_vi": DEPARTMENT})
    assert response.status_code == 200
    command = command_json("2026-09", DEPARTMENT)
    assert embedded(response, "index-data") == command
    html = response.content.decode()
    assert f'data-figure="total">{vn(command["total"])}<' in html
    assert f'data-figure="grade">{command["grade"]}<' in html
    for group in command["groups"]:
        assert f'data-group="{group["code"]}">{vn(group["points"])}<' in html
    # The chart reads the same group points.
    assert embedded(response, "chart-data")["groups"]["points"] == [g["points"] for g in command["groups"]]


def test_quarter_and_custom_periods_match_the_command_too(as_user, officers):
    client = as_user(officers["head"])
    for period in ("2026-Q3", "2026-09-01..2026-09-15"):
        response = client.get(URL, {"ky": period, "don_vi": DEPARTMENT})
        assert response.status_code == 200
        assert embedded(response, "index-data") == command_json(period, DEPARTMENT)


def test_trend_has_twelve_months_ending_with_the_period(as_user, officers):
    response = as_user(officers["head"]).get(URL, {"ky": "2026-09", "don_vi": DEPARTMENT})
    trend = embedded(response, "chart-data")["trend"]
    assert trend["labels"][0] == "10/2025" and trend["labels"][-1] == "09/2026"
    assert trend["totals"][-1] == command_json("2026-09", DEPARTMENT)["total"]
    assert trend["totals"][-2] == command_json("2026-08", DEPARTMENT)["total"]


@pytest.mark.parametrize(
    "count_name", ["judged", "judged_on_time", "received", "unfinished_overdue", "ended"]
)
def test_drill_down_lists_as_many_dossiers_as_the_figure(as_user, officers, count_name):
    figure = command_json("2026-09", DEPARTMENT)["counts"][count_name]
    response = as_user(officers["head"]).get(DRILL, {"ky": "2026-09", "don_vi": DEPARTMENT, "so": count_name})
    assert response.status_code == 200
    html = response.content.decode()
    listed = re.findall(r'<td class="code"><a href="/can-bo/ho-so/([^/]+)/">', html)
    assert len(listed) == figure == response.context["total"]
    assert all(code.startswith(DEPARTMENT) for code in listed)
    # No applicant's personal data on the list.
    assert "Trần Văn Thử" not in html and "014090009999" not in html


def test_every_indicator_number_links_to_its_dossiers(as_user, officers):
    response = as_user(officers["province"]).get(URL, {"ky": "2026-09", "don_vi": DEPARTMENT})
    html = response.content.decode()
    row = re.search(r'<tr data-indicator="2.1">(.*?)</tr>', html, re.S)[1]
    assert 'so=judged_on_time"' in row and 'so=judged"' in row
    followed = as_user(officers["province"]).get(
        DRILL, {"ky": "2026-09", "don_vi": DEPARTMENT, "so": "judged"}
    )
    assert followed.context["total"] == 7  # worked out by hand in insights/tests/test_index_dataset.py


def test_drill_down_shows_only_what_the_viewer_may_see(as_user, officers, dataset):  # noqa: F811
    """A commune's head sees the commune's figure, but only their own agency's dossiers behind it."""
    committee, police = Agency.objects.get(code=COMMUNE_COMMITTEE), Agency.objects.get(code=COMMUNE_POLICE)
    for n, agency in enumerate([committee, police, police], start=1):
        at = datetime(2026, 9, 10, 9, tzinfo=VN)
        Dossier.objects.create(
            code=f"{agency.code}-260910-{n:04d}",
            procedure=dataset.none,
            procedure_version=dataset.none.current_version,
            channel="counter",
            applicant_name="Lò Văn Pâng",
            applicant_id_number="014090002222",
            receiving_agency=agency,
            handling_agency=agency,
            status=4,
            submitted_at=at,
            received_at=at,
        )
    head = make_officer("chu_tich_xa", (COMMUNE_COMMITTEE, Role.APPROVER))
    client = as_user(head)
    dashboard = client.get(URL, {"ky": "2026-09"})  # the default unit: their commune
    assert dashboard.status_code == 200
    assert embedded(dashboard, "index-data")["unit"]["kind"] == "commune"
    assert embedded(dashboard, "index-data")["counts"]["received"] == 3
    unit = dashboard.context["choice"].unit_text
    drill = client.get(DRILL, {"ky": "2026-09", "don_vi": unit, "so": "received"})
    assert drill.context["figure"] == 3
    assert drill.context["total"] == 1
    assert [d.code for d in drill.context["rows"]] == [f"{COMMUNE_COMMITTEE}-260910-0001"]
    assert "không thuộc phạm vi bạn được xem" in drill.content.decode()


# --- who sees what ---------------------------------------------------------------------------------------


def test_province_monitor_sees_the_province_the_rankings_and_any_unit(as_user, officers):
    client = as_user(officers["province"])
    response = client.get(URL, {"ky": "2026-09"})
    assert response.status_code == 200
    assert response.context["unit"].kind == "province"
    departments = response.context["rankings"]["department"]
    assert DEPARTMENT in [r["key"] for r in departments]
    assert len(response.context["rankings"]["commune"]) > 0
    for unit in (
        DEPARTMENT,
        JUSTICE,
        f"commune:{Agency.objects.get(code=COMMUNE_COMMITTEE).admin_unit.code}",
    ):
        assert client.get(URL, {"ky": "2026-09", "don_vi": unit}).status_code == 200


def test_ranking_sorts_by_total_either_way_or_by_name(as_user, officers):
    client = as_user(officers["province"])
    best_first = client.get(URL, {"ky": "2026-09", "xep": "diem"}).context["rankings"]["department"]
    worst_first = client.get(URL, {"ky": "2026-09", "xep": "diem-thap"}).context["rankings"]["department"]
    by_name = client.get(URL, {"ky": "2026-09", "xep": "ten"}).context["rankings"]["department"]
    totals = [r["total"] for r in best_first]
    assert totals == sorted(totals, reverse=True)
    assert [r["total"] for r in worst_first] == sorted(totals)
    assert [r["label"] for r in by_name] == sorted(r["label"] for r in best_first)


@pytest.mark.parametrize("who", ["dept_monitor", "head"])
def test_agency_monitor_and_head_see_their_agency_only(as_user, officers, who):
    client = as_user(officers[who])
    own = client.get(URL, {"ky": "2026-09"})
    assert own.status_code == 200
    assert own.context["unit"].key == DEPARTMENT
    assert own.context["rankings"] == {}
    for other in ("province", JUSTICE, PROVINCE_CENTER):
        assert client.get(URL, {"ky": "2026-09", "don_vi": other}).status_code == 403
        assert client.get(DRILL, {"ky": "2026-09", "don_vi": other, "so": "received"}).status_code == 403


@pytest.mark.parametrize("who", ["reception", "admin"])
def test_other_officers_get_403(as_user, officers, who):
    client = as_user(officers[who])
    assert client.get(URL).status_code == 403
    assert client.get(DRILL, {"so": "received"}).status_code == 403
    assert client.get("/can-bo/giam-sat/chi-tieu/").status_code == 403
    assert "Bảng điều hành" not in client.get("/can-bo/").content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client, officers):
    response = client.get(URL)
    assert response.status_code == 302 and "/can-bo/dang-nhap/" in response["Location"]


def test_nav_link_shows_for_those_who_may_see_dashboards(as_user, officers):
    assert 'href="/can-bo/giam-sat/"' in as_user(officers["head"]).get("/can-bo/").content.decode()


def test_bad_period_or_unit_is_a_clear_error(as_user, officers):
    client = as_user(officers["province"])
    response = client.get(URL, {"ky": "2026-13"})
    assert response.status_code == 400
    assert "Tháng không hợp lệ" in response.content.decode()
    response = client.get(URL, {"ky": "2026-09", "don_vi": "X.Y"})
    assert response.status_code == 400
    assert "Không tìm thấy đơn vị" in response.content.decode()
    response = client.get(DRILL, {"ky": "2026-09", "so": "nonsense"})
    assert response.status_code == 400


def test_overdue_and_at_risk_lists_are_the_units_dossiers(as_user, officers, dataset, clock):  # noqa: F811
    clock.set(2026, 9, 28, 9)
    response = as_user(officers["head"]).get(URL, {"ky": "2026-09"})
    overdue = {d.code for d in response.context["overdue"]}
    # d4 (processing, due 25/9) is late now; d10 and d5 are paused: the queue's own rule decides.
    assert f"{DEPARTMENT}-d4" in overdue
    assert all(code.startswith(DEPARTMENT) for code in overdue)
    assert response.context["overdue_count"] == len(overdue)


def test_a_province_monitor_may_open_any_unit_the_command_knows(as_user, officers, dataset):  # noqa: F811
    unit = f"procedure:{dataset.full.code}"
    response = as_user(officers["province"]).get(URL, {"ky": "2026-09", "don_vi": unit})
    assert response.status_code == 200
    assert embedded(response, "index-data") == command_json("2026-09", unit)
    assert (unit, dataset.full.name[:120]) in response.context["unit_options"]


def test_report_downloads_and_targets_are_linked_from_the_dashboard(as_user, officers):
    from django.urls import NoReverseMatch, reverse

    html = as_user(officers["head"]).get(URL, {"ky": "2026-09"}).content.decode()
    assert "/can-bo/giam-sat/chi-tieu/?ky=2026-09" in html
    try:
        xlsx = reverse("backoffice:report_xlsx")
    except NoReverseMatch:  # the reports module is optional here
        return
    assert f"{xlsx}?ky=2026-09&amp;don_vi={DEPARTMENT}" in html


def test_at_risk_window_is_a_setting(as_user, officers, settings):
    settings.MOTCUA_DASHBOARD_AT_RISK_DAYS = 5
    response = as_user(officers["head"]).get(URL, {"ky": "2026-09"})
    assert response.context["at_risk_days"] == 5
    assert "trong=5" in response.context["at_risk_url"]


def test_dashboard_shows_no_developer_markers_and_reads_in_english_under_en(as_user, officers):
    client = as_user(officers["province"])
    page = client.get(URL, {"ky": "2026-09"}).content.decode()
    # What a person reads: the page without the machine data it carries for its charts (json_script).
    html = re.sub(r"<script\b.*?</script>", "", page, flags=re.S)
    assert "[inferred]" not in html
    assert "suy luận" in html  # the badge says it instead, in words a monitor reads

    english = client.get("/en" + URL, {"ky": "2026-09"}).content.decode()
    assert "Service index dashboard (QĐ 766)" in english
    assert "Bảng điều hành Chỉ số phục vụ" not in english
