"""Life-event bundles: one application, one linked dossier per procedure at its own agency, the
chain moved on by the signed result, a refusal stopping only what depends on it."""

import pytest
from django.utils import timezone

from motcua.core.events import publish
from motcua.dossiers.models import Dossier, DossierResult
from motcua.foryou import bundles
from motcua.foryou.models import Bundle
from motcua.people.models import User
from motcua.registries.sandbox import demo_people

pytestmark = pytest.mark.django_db


@pytest.fixture
def parent(reference_data):
    p = demo_people()["parent_of_newborn"]
    return User.objects.create(username="cha", kind="citizen", personal_id=p.id_number, full_name=p.full_name)


def sign_result(dossier, number="125/2026"):
    """The result is signed (as dossiers.results does), then the dossier's event is published."""
    Dossier.objects.filter(pk=dossier.pk).update(status=10, finished_at=timezone.now())
    DossierResult.objects.create(
        dossier=dossier,
        title="Giấy khai sinh",
        result_code=number,
        sha256="0" * 64,
        signed_by="Chủ tịch",
        signed_at=timezone.now(),
        data={"result_code": number, "decision_date": "2026-12-06"},
    )
    publish("dossier.return", "dossier", dossier.code, {"status": 10})


def test_birth_bundle_files_one_dossier_then_the_signed_result_starts_the_next(parent):
    case = bundles.start(
        parent, "birth", {"full_name": parent.full_name, "child_full_name": "Lò Thị Ngọc Ánh"}
    )
    steps = {s.key: s for s in case.steps.all()}
    assert steps["khai_sinh"].state == "started" and steps["khai_sinh"].dossier is not None
    assert steps["thuong_tru"].state == steps["bhyt"].state == "waiting"
    first = steps["khai_sinh"].dossier
    assert first.procedure.code == "1.001193" and first.status == 1
    assert first.form_data["bundle"] == {"code": case.code, "name": case.bundle.name, "step": 1, "of": 3}
    assert first.form_data["child_full_name"] == "Lò Thị Ngọc Ánh"  # asked once, in every dossier

    publish("dossier.receive", "dossier", first.code, {})  # not a result yet: nothing moves
    assert case.steps.get(key="thuong_tru").state == "waiting"

    sign_result(first)
    steps = {s.key: s for s in case.steps.select_related("dossier")}
    assert steps["khai_sinh"].state == "done"
    for key, code in (("thuong_tru", "1.004222"), ("bhyt", "2.000639")):
        assert steps[key].state == "started"
        assert steps[key].dossier.procedure.code == code
        assert steps[key].dossier.form_data["birth_certificate_number"] == "125/2026"
        assert steps[key].dossier.form_data["bundle"]["code"] == case.code
    codes = {s.dossier.code for s in steps.values()}
    assert len(codes) == 3  # three linked dossiers, each with its own code and deadline
    status = bundles.status(case)
    assert status["legal_total"].startswith("≤ 3 ngày làm việc")
    assert [r["state"] for r in status["steps"]] == ["done", "started", "started"]
    assert all(r["agency"] and r["dossier"] for r in status["steps"])


def test_a_refused_first_step_stops_what_depends_on_it(parent):
    case = bundles.start(parent, "birth", {"full_name": parent.full_name})
    first = case.steps.get(key="khai_sinh").dossier
    Dossier.objects.filter(pk=first.pk).update(status=3)
    publish("dossier.refuse", "dossier", first.code, {"status": 3})
    assert dict(case.steps.values_list("key", "state")) == {
        "khai_sinh": "stopped",
        "thuong_tru": "blocked",
        "bhyt": "blocked",
    }


def test_death_bundle_files_only_the_chosen_benefits_and_tolerates_missing_procedures(parent):
    with pytest.raises(bundles.BundleError):
        bundles.start(parent, "death", {"full_name": parent.full_name})  # no benefit chosen
    with pytest.raises(bundles.BundleError):
        bundles.start(parent, "death", {}, ["no_such_step"])
    death = Bundle.objects.get(code="death")
    death.steps = [
        {**s, "procedure": "9.999999"} if s["key"] == "mai_tang_ncc" else s for s in death.steps
    ]  # a code the catalog does not hold (yet)
    death.save()
    case = bundles.start(parent, "death", {"full_name": parent.full_name}, ["tu_tuat", "mai_tang_ncc"])
    states = dict(case.steps.values_list("key", "state"))
    assert states["khai_tu"] == "started" and states["tu_tuat"] == "waiting"
    assert states["mai_tang_btxh"] == "not_chosen" and states["mai_tang_ncc"] == "waiting"
    sign_result(case.steps.get(key="khai_tu").dossier, "7/2026")
    states = dict(case.steps.values_list("key", "state"))
    assert states["xoa_thuong_tru"] == "started" and states["tu_tuat"] == "started"
    assert states["mai_tang_ncc"] == "unavailable"  # shown as such, never guessed
    tu_tuat = case.steps.get(key="tu_tuat").dossier
    assert tu_tuat.form_data["death_certificate_number"] == "7/2026"


def test_a_bundle_needs_a_citizen_and_a_known_bundle(reference_data):
    officer = User.objects.create(username="cb", kind="officer")
    with pytest.raises(bundles.BundleError):
        bundles.start(officer, "birth", {})
    user = User.objects.create(username="x", kind="citizen", personal_id="014201000001")
    with pytest.raises(bundles.BundleError):
        bundles.start(user, "no_such_bundle", {})


def test_a_step_without_a_code_takes_the_catalog_procedure_of_that_name(reference_data, tmp_path):
    path = tmp_path / "bundles.json"
    path.write_text(
        '{"bundles": [{"code": "t", "name": "T", "legal_total": "", "legal_basis": "", "steps": ['
        '{"key": "a", "procedure": "", "name": "Giải quyết hưởng chế độ tử tuất", "agency": "BHXH"},'
        '{"key": "b", "procedure": "", "name": "Không có thủ tục này", "agency": "X"}]}]}',
        encoding="utf-8",
    )
    bundles.load_bundles(path)
    steps = {s["key"]: s["procedure"] for s in Bundle.objects.get(code="t").steps}
    assert steps == {"a": "2.000821", "b": ""}


def test_the_parent_files_the_birth_bundle_typing_one_field(client, parent):
    from motcua.eid.testing import sign_in_citizen

    sign_in_citizen(client, parent)
    page = client.get("/danh-cho-ban/").content.decode()
    assert "/danh-cho-ban/lien-thong/birth/" in page
    form = client.get("/danh-cho-ban/lien-thong/birth/")
    assert form.status_code == 200
    text = form.content.decode()
    born = bundles.prefill(bundles.Bundle.objects.get(code="birth"), parent.personal_id)[0]
    assert born["child_birth_date"] in text and parent.full_name in text  # shown, not asked
    assert text.count('<input type="text" id="id_') == 1  # only the child's name is asked (≤ 3 typed)
    assert client.post("/danh-cho-ban/lien-thong/birth/", {"child_full_name": ""}).status_code == 400
    assert not bundles.cases_of(parent.personal_id).exists()
    response = client.post("/danh-cho-ban/lien-thong/birth/", {"child_full_name": "Lò Thị Ngọc Ánh"})
    assert response.status_code == 302
    case = bundles.cases_of(parent.personal_id).get()
    assert response["Location"].endswith(f"/danh-cho-ban/lien-thong/ho-so/{case.code}/")
    first = case.steps.get(key="khai_sinh").dossier
    assert first.form_data["child_full_name"] == "Lò Thị Ngọc Ánh"
    assert first.form_data["relation"] in ("Cha", "Mẹ") and first.form_data["child_birth_date"]
    sign_result(first)
    status = client.get(response["Location"]).content.decode()
    assert status.count("/cua-toi/ho-so/") == 3  # three linked dossiers on one combined status
    assert "≤ 3 ngày làm việc" in status
    # Someone else cannot read it.
    other = User.objects.create(username="khac", kind="citizen", personal_id=demo_people()["adult"].id_number)
    sign_in_citizen(client, other)
    assert client.get(response["Location"]).status_code == 404


def test_officers_see_that_a_dossier_is_part_of_a_bundle(client, parent):
    from motcua.eid.testing import sign_in_officer
    from motcua.people.models import OfficerRole

    case = bundles.start(parent, "birth", {"full_name": parent.full_name})
    first = case.steps.get(key="khai_sinh").dossier
    officer = User.objects.create(username="tn", kind="officer", is_staff=True, full_name="Tiếp Nhận")
    OfficerRole.objects.create(user=officer, agency=first.receiving_agency, role=OfficerRole.Role.RECEPTION)
    sign_in_officer(client, officer)
    page = client.get(f"/can-bo/ho-so/{first.code}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Thuộc hồ sơ liên thông" in text and case.code in text and "bước 1/3" in text
    assert "Chờ kết quả bước trước" in text  # the neighbouring steps and their state
