"""Every trigger kind on registry fixtures, the levels, and a registry that is down."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from motcua.catalog.models import Procedure
from motcua.dossiers.models import Dossier
from motcua.foryou import engine
from motcua.places.models import Agency

from .conftest import CivilEvent, DrivingLicence, InsuranceRecord, person

pytestmark = pytest.mark.django_db

ME = "014201000001"
SPOUSE = "014201000002"
OTHER = "014201000009"


def kinds_of(evaluation):
    return {(c.kind, c.due) for c in evaluation.suggestions}


def only(evaluation, kind):
    found = [c for c in evaluation.suggestions if c.kind == kind]
    assert len(found) == 1, evaluation.suggestions
    return found[0]


def test_id_card_renewal_at_25_is_suggested_sixty_days_ahead_with_its_reason(fake):
    fake.add(person(ME, date(2001, 3, 1), card_expires=date(2026, 3, 1)))
    assert not engine.evaluate(ME, date(2025, 12, 30)).suggestions  # 61 days before: not yet
    s = only(engine.evaluate(ME, date(2026, 1, 15)), "id_card_renewal")
    assert (s.procedure, s.due) == ("1.014063", date(2026, 3, 1))
    assert s.level == 2  # the card renewal has an interactive form: a prefilled draft is prepared
    assert "hết hạn ngày 01/03/2026" in s.because and "25 tuổi" in s.because
    assert s.inputs["id_card_expires_on"] == "2026-03-01" and s.rule_version == 1
    # Still suggested once overdue (the card is expired), until it is renewed.
    assert only(engine.evaluate(ME, date(2026, 9, 1)), "id_card_renewal").due == date(2026, 3, 1)


@pytest.mark.parametrize("age", [14, 40, 60])
def test_id_card_renewal_at_every_age(fake, age):
    born = date(2026 - age, 4, 10)
    fake.add(person(ME, born, card_expires=date(2026, 4, 10)))
    s = only(engine.evaluate(ME, date(2026, 3, 1)), "id_card_renewal")
    assert f"{age} tuổi" in s.because


def test_no_card_at_fourteen_gets_the_first_card(fake):
    fake.add(person(ME, date(2012, 2, 10), card=False))
    s = only(engine.evaluate(ME, date(2026, 1, 1)), "id_card_first")
    assert (s.procedure, s.due, s.level) == ("1.014061", date(2026, 2, 10), 1)


def test_newborn_notice_suggests_the_birth_bundle_to_the_parents_only(fake):
    fake.add(person(ME, date(1996, 5, 5), card_expires=date(2036, 5, 5), spouse_id=SPOUSE))
    fake.add(person(OTHER, date(1990, 1, 1), card_expires=date(2030, 1, 1)))
    born = date(2026, 11, 20)
    fake.birth_notices.append({"birth_date": born.isoformat(), "father_id": ME, "mother_id": SPOUSE})
    s = only(engine.evaluate(ME, date(2026, 12, 6)), "birth_registration")
    assert (s.procedure, s.due) == ("2.000986", born + timedelta(days=60))
    assert s.level == 3  # the bundle's form exists, and its channels are compared
    assert "20/11/2026" in s.because
    assert not [
        c for c in engine.evaluate(OTHER, date(2026, 12, 6)).suggestions if c.kind == "birth_registration"
    ]


def test_birth_already_registered_by_the_parent_is_not_suggested(fake):
    fake.add(person(ME, date(1996, 5, 5), card_expires=date(2036, 5, 5)))
    fake.birth_notices.append({"birth_date": "2026-11-20", "father_id": ME, "mother_id": SPOUSE})
    _dossier(
        ME, "2.000986", status=4, submitted=datetime(2026, 11, 25, 9, tzinfo=timezone.get_current_timezone())
    )
    assert not [
        c for c in engine.evaluate(ME, date(2026, 12, 6)).suggestions if c.kind == "birth_registration"
    ]


def test_death_notice_of_a_household_member_suggests_khai_tu(fake):
    fake.add(person(ME, date(1958, 3, 3), card=True, card_expires=None, household_id="1400000007"))
    fake.add(person(SPOUSE, date(1955, 3, 3), card_expires=None, household_id="1400000007"))
    fake.add(person(OTHER, date(1950, 1, 1), card_expires=None, household_id="1400000099"))
    fake.death_notices.append({"deceased_id": SPOUSE, "died_on": "2026-11-27", "declarant_id": ME})
    s = only(engine.evaluate(ME, date(2026, 12, 6)), "death_registration")
    assert (s.procedure, s.due, s.level) == ("1.000656", date(2026, 12, 12), 2)
    assert "27/11/2026" in s.because
    # Someone outside the household is not told about it.
    assert not [
        c for c in engine.evaluate(OTHER, date(2026, 12, 6)).suggestions if c.kind == "death_registration"
    ]


def test_registered_death_of_a_spouse_suggests_the_benefits(fake):
    fake.add(person(ME, date(1958, 3, 3), card_expires=None, spouse_id=SPOUSE))
    fake.add(person(SPOUSE, date(1955, 3, 3), card_expires=None, deceased_on=date(2026, 10, 1)))
    fake.events[SPOUSE] = [
        CivilEvent("death", "12/2026", date(2026, 10, 5), "UBND phường Tô Hiệu", SPOUSE, details={})
    ]
    s = only(engine.evaluate(ME, date(2026, 12, 6)), "death_benefits")
    assert (s.procedure, s.due) == ("2.000821", date(2026, 10, 5) + timedelta(days=180))
    assert "vợ/chồng" in s.because and "05/10/2026" in s.because


def test_driving_licence_expiry(fake):
    fake.add(person(ME, date(1985, 6, 1), card_expires=date(2045, 6, 1)))
    fake.licences[ME] = [
        DrivingLicence("140012345678", ME, ("A1",), date(2005, 1, 1), None),
        DrivingLicence("140112345679", ME, ("B",), date(2017, 2, 1), date(2027, 2, 1)),
    ]
    assert not [c for c in engine.evaluate(ME, date(2026, 10, 1)).suggestions if c.kind.startswith("driving")]
    s = only(engine.evaluate(ME, date(2026, 12, 6)), "driving_licence_expiry")
    assert (s.procedure, s.due) == ("3.000347", date(2027, 2, 1))
    assert "hạng B" in s.because


def test_health_card_by_household_but_not_through_an_employer(fake):
    fake.add(person(ME, date(1985, 6, 1), card_expires=date(2045, 6, 1)))
    fake.add(person(OTHER, date(1985, 6, 1), card_expires=date(2045, 6, 1)))
    fake.insurance[ME] = InsuranceRecord("1400000011", ME, date(2026, 12, 31), 0)
    fake.insurance[OTHER] = InsuranceRecord("1400000012", OTHER, date(2026, 12, 31), 40, "5500000001")
    s = only(engine.evaluate(ME, date(2026, 12, 6)), "health_insurance_renewal")
    assert (s.procedure, s.due) == ("2.000639", date(2026, 12, 31))
    assert not [
        c for c in engine.evaluate(OTHER, date(2026, 12, 6)).suggestions if c.kind.startswith("health")
    ]


def _dossier(id_number, code, *, status=10, finished=None, submitted=None):
    agency = Agency.objects.first()
    now = timezone.now()
    procedure = Procedure.objects.get(code=code)
    return Dossier.objects.create(
        code=f"T-{code}-{Dossier.objects.count() + 1}",
        procedure=procedure,
        procedure_version=procedure.versions.order_by("-number").first(),
        channel="online",
        applicant_name="Lò Văn Thử",
        applicant_id_number=id_number,
        receiving_agency=agency,
        handling_agency=agency,
        status=status,
        submitted_at=submitted or now,
        received_at=submitted or now,
        finished_at=finished,
    )


def test_marriage_result_suggests_residence_until_it_is_filed(fake):
    fake.add(person(ME, date(1996, 5, 5), card_expires=date(2036, 5, 5)))
    tz = timezone.get_current_timezone()
    _dossier(
        ME,
        "1.000894",
        finished=datetime(2026, 9, 1, 10, tzinfo=tz),
        submitted=datetime(2026, 8, 28, tzinfo=tz),
    )
    s = only(engine.evaluate(ME, date(2026, 12, 6)), "marriage_residence")
    assert (s.procedure, s.level) == ("1.004222", 2)
    assert "01/09/2026" in s.because
    _dossier(ME, "1.004222", status=2, submitted=datetime(2026, 12, 1, tzinfo=tz))
    assert "marriage_residence" not in {c.kind for c in engine.evaluate(ME, date(2026, 12, 6)).suggestions}
    # A move then suggests the health card change.
    Dossier.objects.filter(procedure__code="1.004222").update(
        status=10, finished_at=datetime(2026, 12, 3, tzinfo=tz)
    )
    assert only(engine.evaluate(ME, date(2026, 12, 6)), "move_health_card").procedure == "1.002438"


def test_household_business_yearly_tax_declaration(fake):
    fake.add(person(ME, date(1978, 5, 5), card_expires=date(2038, 5, 5)))
    tz = timezone.get_current_timezone()
    _dossier(
        ME, "1.001612", finished=datetime(2026, 3, 2, tzinfo=tz), submitted=datetime(2026, 2, 27, tzinfo=tz)
    )
    assert not [
        c for c in engine.evaluate(ME, date(2026, 10, 1)).suggestions if c.kind == "household_business_tax"
    ]
    s = only(engine.evaluate(ME, date(2026, 12, 6)), "household_business_tax")
    assert (s.procedure, s.due) == ("1.011022", date(2026, 12, 15))
    assert "năm 2027" in s.because
    # Another person's business is not theirs.
    fake.add(person(OTHER, date(1978, 5, 5), card_expires=date(2038, 5, 5)))
    assert not engine.evaluate(OTHER, date(2026, 12, 6)).suggestions


def test_a_registry_down_delays_its_kinds_and_never_guesses(fake):
    fake.add(person(ME, date(1985, 6, 1), card_expires=date(2026, 12, 20)))
    fake.insurance[ME] = InsuranceRecord("1400000011", ME, date(2026, 12, 31), 0)
    fake.down.add("social_insurance")
    evaluation = engine.evaluate(ME, date(2026, 12, 6))
    assert evaluation.delayed == ["social_insurance"]
    assert {c.kind for c in evaluation.suggestions} == {"id_card_renewal"}
    fake.down.add("population")
    evaluation = engine.evaluate(ME, date(2026, 12, 6))
    assert evaluation.delayed == ["population"] and evaluation.suggestions == []


def test_unknown_person_and_bad_input(fake):
    with pytest.raises(engine.UnknownPerson):
        engine.evaluate(OTHER, date(2026, 12, 6))
    with pytest.raises(engine.UnknownPerson):
        engine.evaluate("12345", date(2026, 12, 6))
    fake.add(person(ME, date(1985, 6, 1)))
    with pytest.raises(ValueError):
        engine.evaluate(ME, date(1900, 1, 1))


def test_a_kind_whose_procedure_has_no_form_falls_back_to_a_reminder(fake):
    from motcua.foryou.models import TriggerKind
    from motcua.foryou.services import ensure_kinds

    ensure_kinds()
    TriggerKind.objects.filter(code="id_card_renewal").update(procedures=["9.999999"])  # not in the catalog
    fake.add(person(ME, date(2001, 3, 1), card_expires=date(2026, 3, 1)))
    s = only(engine.evaluate(ME, date(2026, 1, 15)), "id_card_renewal")
    assert (s.procedure, s.level) == ("9.999999", 1)
