"""The recommender in the product: rebuilt from the province's dossiers, versioned, refusable."""

from datetime import date, datetime, time, timedelta

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from motcua.catalog.models import Procedure
from motcua.core import crypto, jobs
from motcua.dossiers.models import Dossier
from motcua.foryou import recommendations, services
from motcua.foryou.models import RecommendationShown, RecommenderModel
from motcua.places.models import Agency

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 11, 2)
LAND, LAND_TAX = "1.013831", "1.007277"
ME = "001090000123"


def _dossier(id_number, code, day):
    agency = Agency.objects.first()
    procedure = Procedure.objects.get(code=code)
    at = timezone.make_aware(datetime.combine(day, time(10)))
    return Dossier.objects.create(
        code=f"R-{code}-{Dossier.objects.count() + 1}",
        procedure=procedure,
        procedure_version=procedure.versions.order_by("-number").first(),
        channel="online",
        applicant_name="Lò Văn Thử",
        applicant_id_number=id_number,
        receiving_agency=agency,
        handling_agency=agency,
        status=10,
        submitted_at=at,
        received_at=at,
    )


@pytest.fixture
def province(reference_data):
    """Twelve people filed a land change, then the registration fee five days later; each sits two
    days before one of the model's cut-offs (every 28 days, a 90-day horizon before AS_OF)."""
    for i in range(12):
        first = AS_OF - timedelta(days=90 + 28 * (i % 5) + 2)
        _dossier(f"0010900{i:05d}", LAND, first)
        _dossier(f"0010900{i:05d}", LAND_TAX, first + timedelta(days=5))
    recommendations._RECOMMENDERS.clear()
    yield
    recommendations._RECOMMENDERS.clear()


def test_rebuilt_from_the_provinces_dossiers_and_each_shown_item_names_its_version(province):
    stored = recommendations.rebuild(AS_OF)
    assert (stored.people, stored.dossiers) == (12, 24)
    assert stored.version.startswith("rec-20261102-")
    learned = {(a, e): nexts for a, e, nexts in stored.payload["transitions"]}
    (code, probability, people), *_ = learned[(LAND, 0)]
    assert (code, people) == (LAND_TAX, 12) and 0.5 < probability <= 1
    _dossier(ME, LAND, AS_OF - timedelta(days=2))
    shown = recommendations.for_person(ME, channel="receipt", as_of=AS_OF)
    assert shown[0].procedure == LAND_TAX and shown[0].version == stored.version
    assert "31/10/2026" in shown[0].because  # the person's own dossier, not anybody else's
    rows = list(
        RecommendationShown.objects.filter(person_id=ME).values_list(
            "procedure_code", "model_version", "channel"
        )
    )
    assert (LAND_TAX, stored.version, "receipt") in rows
    # nothing of the twelve is named in what is stored or shown
    assert not any("0010900" in s.because for s in shown)
    assert "0010900" not in str(stored.payload)


def test_too_few_people_are_not_learned(province, settings):
    settings.MOTCUA_RECOMMEND_MIN_PEOPLE = 13
    stored = recommendations.rebuild(AS_OF)
    assert stored.payload["transitions"] == []


def test_a_person_who_refused_sees_none_anywhere(province):
    recommendations.rebuild(AS_OF)
    _dossier(ME, LAND, AS_OF - timedelta(days=2))
    services.refuse(ME, "*", channel="web")
    assert recommendations.for_person(ME, channel="page", as_of=AS_OF) == []
    html = Template('{% load foryou_recommend %}{% also_needed_for person channel="counter" %}').render(
        Context({"person": ME})
    )
    assert "cũng cần" not in html
    assert not RecommendationShown.objects.filter(person_id=ME).exists()
    services.allow(ME, "*", channel="web")
    assert recommendations.for_person(ME, channel="page", as_of=AS_OF)


def test_before_the_first_build_the_rules_answer(reference_data):
    recommendations._RECOMMENDERS.clear()
    RecommenderModel.objects.all().delete()
    _dossier(ME, "1.001193", timezone.localdate())
    shown = recommendations.for_person(ME, channel="receipt")
    assert [s.procedure for s in shown[:2]] == ["1.004222", "1.001939"]
    assert shown[0].version == recommendations.EMPTY_VERSION and "NĐ 63/2024" in shown[0].because


def test_the_tag_shows_the_signed_in_citizens_own(reference_data, django_user_model):
    recommendations._RECOMMENDERS.clear()
    user = django_user_model.objects.create_user("citizen-rec", personal_id=ME)
    _dossier(ME, "1.001193", timezone.localdate())
    request = RequestFactory().get("/")
    request.user = user
    html = Template('{% load foryou_recommend %}{% also_needed channel="page" %}').render(
        Context({"request": request})
    )
    assert "Có thể bạn cũng cần" in html and "Đăng ký thường trú" in html and "NĐ 63/2024" in html


def test_the_worker_rebuilds_it_nightly():
    job = {j.name: j for j in jobs.registered()}["foryou.recommender"]
    assert job.run is recommendations.rebuild_job and f"{job.at:%H:%M}" == "03:30"  # each night, local time


def test_the_officer_at_the_counter_sees_them_and_the_read_is_audited(reference_data, django_user_model):
    from motcua.audit.models import AuditEntry

    recommendations._RECOMMENDERS.clear()
    officer = django_user_model.objects.create_user("counter-rec")
    _dossier(ME, "1.000656", timezone.localdate())  # khai tử
    html = Template(
        '{% load foryou_recommend %}{% also_needed_for person officer channel="counter" %}'
    ).render(Context({"person": ME, "officer": officer}))
    assert "Người nộp có thể cũng cần" in html and "Xóa đăng ký thường trú" in html
    entry = AuditEntry.objects.get(action="foryou.recommendations_view", object_id=crypto.blind_index(ME))
    assert entry.actor == "counter-rec" and "1.003197" in entry.data["procedures"]
    assert RecommendationShown.objects.filter(person_id=ME, channel="counter").exists()
