"""Bulk actions: each dossier through perform() with its own version, reported one by one."""

import pytest

from motcua.dossiers.models import Decision, Dossier, Status

from .conftest import act

pytestmark = pytest.mark.django_db
URL = "/can-bo/hang-loat/"


def pick(*dossiers, version=None) -> list[str]:
    return [f"{d.pk}:{version if version is not None else d.version}" for d in dossiers]


def test_assign_several_dossiers_at_once(make_dossier, people, as_user):
    one, two, three = make_dossier(), make_dossier(), make_dossier()
    act(three, "assign", people["head"], assignee=people["head"])  # already processing: still assignable
    stale = pick(two, version=two.version)
    act(two, "request_supplement", people["reception"], reason="Thiếu ảnh")  # changed since the page was read
    response = as_user(people["head"]).post(
        URL,
        {
            "action": "assign",
            "assignee": people["specialist"].pk,
            "ho_so": pick(one) + stale + pick(three),
            "next": "/can-bo/hang/don-vi/",
        },
    )
    assert response.status_code == 200
    results = {r["code"]: r for r in response.context["results"]}
    assert results[one.code]["ok"] and results[three.code]["ok"]
    assert not results[two.code]["ok"] and "vừa được người khác cập nhật" in results[two.code]["message"]
    for d in (one, three):
        d.refresh_from_db()
        assert d.assignee == people["specialist"] and d.status == Status.PROCESSING
    two.refresh_from_db()
    assert two.assignee is None and two.status == Status.SUPPLEMENT
    page = response.content.decode()
    assert "2 hồ sơ thành công, 1 hồ sơ không thực hiện được" in page
    assert 'href="/can-bo/hang/don-vi/"' in page


def test_return_results_at_once(make_dossier, people, as_user):
    done, open_one = make_dossier(), make_dossier()
    act(done, "assign", people["head"], assignee=people["specialist"])
    act(done, "complete_step", people["specialist"])
    act(done, "refuse", people["approver"], reason="Không đủ điều kiện")
    assert done.decision == Decision.REFUSED
    response = as_user(people["reception"]).post(
        URL, {"action": "return_result", "ho_so": pick(done, open_one)}
    )
    results = {r["code"]: r for r in response.context["results"]}
    assert results[done.code]["ok"] and not results[open_one.code]["ok"]
    assert "Không thể “Trả kết quả”" in results[open_one.code]["message"]
    done.refresh_from_db()
    open_one.refresh_from_db()
    assert done.status == Status.RETURNED and open_one.status == Status.RECEIVED


def test_the_wrong_role_or_agency_changes_nothing(make_dossier, people, as_user):
    dossier = make_dossier()
    before = Dossier.objects.values("version", "status", "assignee").get(pk=dossier.pk)
    response = as_user(people["approver"]).post(
        URL, {"action": "assign", "assignee": people["specialist"].pk, "ho_so": pick(dossier)}
    )
    assert response.status_code == 400  # an approver is offered nobody to assign to
    response = as_user(people["approver"]).post(URL, {"action": "return_result", "ho_so": pick(dossier)})
    assert not response.context["results"][0]["ok"]
    response = as_user(people["other_reception"]).post(
        URL, {"action": "return_result", "ho_so": pick(dossier)}
    )
    result = response.context["results"][0]
    assert not result["ok"] and result["code"] == ""  # not even the code of a dossier one may not see
    assert Dossier.objects.values("version", "status", "assignee").get(pk=dossier.pk) == before


def test_nothing_selected_or_garbage_is_refused(make_dossier, people, as_user):
    make_dossier()
    client = as_user(people["reception"])
    response = client.post(URL, {"action": "return_result"})
    assert response.status_code == 400 and "Chưa chọn hồ sơ nào." in response.content.decode()
    response = client.post(URL, {"action": "return_result", "ho_so": ["x:y", "1", "; drop"]})
    assert response.status_code == 400
    response = client.post(URL, {"action": "stop", "ho_so": ["1:1"]})
    assert response.status_code == 400
    response = client.post(
        URL, {"action": "return_result", "ho_so": ["1:1"], "next": "https://evil.example/"}
    )
    assert response.context["next_url"] == "/can-bo/"
