"""The targets page: monitors give targets through the form; heads read theirs with progress."""

from decimal import Decimal

import pytest

from motcua.insights import targets
from motcua.insights.models import Target
from motcua.insights.tests.conftest import DEPARTMENT, dataset  # noqa: F401
from motcua.places.models import Agency

from .test_monitoring import JUSTICE, PROVINCE_CENTER, Role, make_officer

URL = "/can-bo/giam-sat/chi-tieu/"


@pytest.fixture
def officers(dataset):  # noqa: F811
    return {
        "monitor": make_officer("giam_sat_tinh", (PROVINCE_CENTER, Role.MONITOR)),
        "head": make_officer("giam_doc_so", (DEPARTMENT, Role.APPROVER)),
        "justice_head": make_officer("giam_doc_tu_phap", (JUSTICE, Role.UNIT_HEAD)),
    }


def form(**overrides):
    data = {
        "co_quan": DEPARTMENT,
        "chi_tieu": "on_time_rate",
        "ky": "2026-09",
        "gia_tri": "50",
        "lanh_dao": "",
        "ghi_chu": "",
        "phien_ban": "0",
    }
    return {**data, **overrides}


def test_monitor_sets_a_target_through_the_form(as_user, officers):
    client = as_user(officers["monitor"])
    page = client.get(URL, {"ky": "2026-09"})
    assert page.status_code == 200 and 'name="gia_tri"' in page.content.decode()
    response = client.post(URL, form(lanh_dao=str(officers["head"].pk)), follow=True)
    assert response.redirect_chain[-1][0] == f"{URL}?ky=2026-09"
    target = Target.objects.get()
    assert (target.value, target.head, target.set_by) == (
        Decimal("50.00"),
        officers["head"],
        officers["monitor"],
    )
    html = response.content.decode()
    assert "Đã giao chỉ tiêu" in html
    # 3/7 on time = 42.86 % < 50 %: listed among those behind.
    assert [p.target for p in response.context["behind"]] == [target]
    assert "42,86" in html


def test_out_of_range_value_is_a_clear_error_linked_to_its_field(as_user, officers):
    response = as_user(officers["monitor"]).post(URL, form(gia_tri="120"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'href="#t-gia-tri"' in html and 'id="t-gia-tri-error"' in html and "0 đến 100" in html
    assert not Target.objects.exists()


def test_a_stale_form_is_refused_and_then_replaces_knowingly(as_user, officers):
    client = as_user(officers["monitor"])
    client.post(URL, form(gia_tri="50"))
    stale = client.post(URL, form(gia_tri="70", phien_ban="0"))
    assert stale.status_code == 409
    assert "vừa được người khác" in stale.content.decode()
    assert Target.objects.get().value == Decimal("50.00")
    # The page now carries the current version: saving again replaces the target.
    assert stale.context["form"]["version"] == 1
    client.post(URL, form(gia_tri="70", phien_ban="1"))
    assert (Target.objects.get().value, Target.objects.get().version) == (Decimal("70.00"), 2)


def test_editing_opens_the_form_with_the_target(as_user, officers):
    target = targets.set_target(
        officers["monitor"],
        agency=Agency.objects.get(code=DEPARTMENT),
        measure="online_rate",
        period="2026-09",
        value="40",
    )
    page = as_user(officers["monitor"]).get(URL, {"ky": "2026-09", "sua": target.pk})
    assert page.context["form"]["version"] == 1 and page.context["form"]["value"] == "40.00"


def test_heads_read_their_targets_but_cannot_set_any(as_user, officers):
    monitor = officers["monitor"]
    targets.set_target(
        monitor,
        agency=Agency.objects.get(code=DEPARTMENT),
        measure="index_total",
        period="2026-09",
        value="30",
    )
    targets.set_target(
        monitor, agency=Agency.objects.get(code=JUSTICE), measure="index_total", period="2026-09", value="30"
    )
    client = as_user(officers["head"])
    page = client.get(URL, {"ky": "2026-09"})
    assert page.status_code == 200
    assert [p.target.agency.code for p in page.context["progress"]] == [DEPARTMENT]
    assert 'name="gia_tri"' not in page.content.decode()
    assert client.post(URL, form(gia_tri="10", chi_tieu="online_rate")).status_code == 403
    assert Target.objects.count() == 2
    # The head's dashboard shows the same target's progress.
    dashboard = client.get("/can-bo/giam-sat/", {"ky": "2026-09"})
    (row,) = dashboard.context["progress"]
    assert row.actual == 30.58 and row.status == targets.ON_TRACK
