"""The sandbox's records by number: a person, a household, civil events, organisations and the
people who represent them, social insurance, driving licences and birth notices, each decoded from
its number (never searched) and returned only when the number is exactly the record's; the
personas and the registrations still pending for the forms."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from motcua.people.synthetic import ORG_PLACES, ORG_TRADES, FastRandom, address_in, pick_weighted

from ..ports import BirthNotice, CivilEvent, DrivingLicence, InsuranceRecord, Organisation, Person
from .households import _household
from .world import (
    _PERSONA_SHAPES,
    _add_years,
    _age,
    _birthday,
    _config,
    _hash,
    _random_day,
    _today,
    _world,
    check_digit,
)

PERSONAS = (
    "adult",
    "parent_of_newborn",
    "business_owner",
    "widow",
    "young_single",
    "expired_card",
    "deceased",
)


def population_size() -> int:
    """How many people the sandbox population holds (living and deceased)."""
    return _world().size


def organisation_count() -> int:
    return _world().organisations


def person_at(index: int) -> Person:
    """The person with this index (0 ≤ index < population_size()), O(1)."""
    world = _world()
    if not 0 <= index < world.size:
        raise IndexError(f"person index {index} outside 0…{world.size - 1}")
    h = world.household_of(index)
    return _household(h).people[index - world.starts[h]]


def index_of(id_number: str) -> int | None:
    """The index of the person with this ID number, or None (decoded, not searched)."""
    if not (isinstance(id_number, str) and len(id_number) == 12 and id_number.isdigit()):
        return None
    world = _world()
    index = world.person_serial.inverse(int(id_number[6:]))
    if index >= world.size or person_at(index).id_number != id_number:
        return None
    return index


def household_members(household_id: str) -> list[Person]:
    world = _world()
    if not (isinstance(household_id, str) and len(household_id) == 10 and household_id.isdigit()):
        return []
    if household_id[:2] != world.prov2:
        return []
    h = world.household_serial.inverse(int(household_id[2:]))
    if h >= world.households:
        return []
    return list(_household(h).people)


def events_of(id_number: str) -> list[CivilEvent]:
    index = index_of(id_number)
    if index is None:
        return []
    household = _household(_world().household_of(index))
    return [e for e in household.events if e.subject_id == id_number or id_number in e.other_ids]


def organisation_at(j: int) -> Organisation:
    world = _world()
    if not 0 <= j < world.organisations:
        raise IndexError(f"organisation index {j} outside 0…{world.organisations - 1}")
    return _organisation(_config(), j)


@lru_cache(maxsize=4096)
def _organisation(key: tuple, j: int) -> Organisation:
    world = _world()
    rng = FastRandom(_hash(world.seed, "org", j))
    head = _household(world.rep_household(j)).people[0]
    kind = pick_weighted(rng, world.people.org_kinds)
    _, tables, _ = world.groups[0]
    brand = f"{rng.choice(tables[2])} {rng.choice(tables[4])}"
    trade = rng.choice(ORG_TRADES)
    name = f"{kind} {trade} {brand}" + (f" {rng.choice(ORG_PLACES)}" if rng.random() < 0.4 else "")
    if rng.random() < 0.6:
        commune_code, address = head.commune_code, None
    else:
        commune_code, commune_name, commune_kind = rng.choice(world.communes)
        address = address_in(rng, commune_name, commune_kind, world.province_name)
    if address is None:
        _, commune_name, commune_kind = next(c for c in world.communes if c[0] == commune_code)
        address = address_in(rng, commune_name, commune_kind, world.province_name)
    prefix = world.people.tax_prefix
    serial = f"{world.org_serial(j):06d}"
    free = _hash(world.seed, "tax", j) % 10
    for step in range(10):
        body = f"{prefix}{(free + step) % 10}{serial}"
        check = check_digit(body)
        if check is not None:
            break
    roll = rng.random()
    status = "active" if j == 0 or roll >= 0.12 else ("dissolved" if roll < 0.05 else "suspended")
    capital = {"Công ty cổ phần": 10_000, "Công ty TNHH": 2_000, "Hợp tác xã": 500}.get(kind, 300)
    return Organisation(
        tax_code=body + str(check),
        name=name,
        kind=kind,
        address=address,
        commune_code=commune_code,
        representative_id=head.id_number,
        representative_name=head.full_name,
        registered_on=_random_day(
            rng, max(date(1995, 1, 1), _birthday(head.birth_date, 20)), date(2025, 12, 31)
        ),
        status=status,
        main_trade=trade,
        charter_capital_vnd=capital * 1_000_000 * rng.randint(1, 20),
    )


def organisation_by_tax_code(tax_code: str) -> Organisation | None:
    world = _world()
    if not (isinstance(tax_code, str) and len(tax_code) == 10 and tax_code.isdigit()):
        return None
    if check_digit(tax_code[:9]) != int(tax_code[9]) or not tax_code.startswith(world.people.tax_prefix):
        return None
    j = world.org_serial.inverse(int(tax_code[3:9]))
    if j >= world.organisations:
        return None
    org = organisation_at(j)
    return org if org.tax_code == tax_code else None


def organisations_represented_by(id_number: str) -> list[Organisation]:
    index = index_of(id_number)
    if index is None:
        return []
    world = _world()
    h = world.household_of(index)
    if index != world.starts[h]:
        return []  # only heads of household represent organisations here
    j = world.org_of_household(h)
    return [] if j is None else [organisation_at(j)]


def insurance_of(id_number: str) -> InsuranceRecord | None:
    index = index_of(id_number)
    if index is None:
        return None
    person, world, today = person_at(index), _world(), _today()
    if person.deceased_on:
        return None
    rng = FastRandom(_hash(world.seed, "insurance", index))
    age = _age(person.birth_date, today)
    if age >= 6 and rng.random() >= 0.8:
        return None
    months, employer = 0, ""
    if 18 <= age <= 62 and rng.random() < 0.55:
        months = rng.randint(1, max(1, (age - 18) * 12))
        owned = organisations_represented_by(id_number)
        if owned:
            employer = owned[0].tax_code
        elif rng.random() < 0.7:
            employer = organisation_at(rng.randrange(world.organisations)).tax_code
    valid_to = date(today.year, 12, 31) if rng.random() >= 0.08 else date(today.year - 1, 12, 31)
    return InsuranceRecord(
        insurance_number=f"{world.prov2}{world.long_serial(index):08d}",
        person_id=id_number,
        health_card_valid_to=valid_to,
        contribution_months=months,
        employer_tax_code=employer,
    )


def licences_of(id_number: str) -> list[DrivingLicence]:
    index = index_of(id_number)
    if index is None:
        return []
    person, world, today = person_at(index), _world(), _today()
    age = _age(person.birth_date, today)
    rng = FastRandom(_hash(world.seed, "licence", index))
    forced = index == world.starts[0]  # the "adult" persona always drives
    if person.deceased_on or age < 18 or (rng.random() >= 0.4 and not forced):
        return []
    issued = _random_day(rng, _birthday(person.birth_date, 18), min(today, _birthday(person.birth_date, 40)))
    number = f"{world.prov2}{issued.year % 100:02d}{world.licence_serial(2 * index):08d}"
    licences = [
        DrivingLicence(number=number, person_id=id_number, classes=("A1",), issued_on=issued, expires_on=None)
    ]
    if forced or rng.random() < 0.3:
        issued_b = _random_day(rng, issued, today)
        if forced:
            issued_b = today - timedelta(days=400)
        expires = _add_years(issued_b, 10)
        status = "valid" if expires >= today else "expired"
        if not forced and rng.random() < 0.02:
            status = "revoked"
        licences.append(
            DrivingLicence(
                number=f"{world.prov2}{issued_b.year % 100:02d}{world.licence_serial(2 * index + 1):08d}",
                person_id=id_number,
                classes=("B",),
                issued_on=issued_b,
                expires_on=expires,
                status=status,
            )
        )
    return licences


def demo_people() -> dict[str, Person]:
    """Stable personas found in the data (see PERSONAS and the module docstring)."""
    slot = {"widow": 1, "deceased": 4}  # the widow is the head's wife; the dead grandparent is the first
    people = {}
    for h, shape in enumerate(_PERSONA_SHAPES):
        members = _household(h).people
        person = members[slot.get(shape.persona, 0)]
        if shape.persona == "deceased":
            person = next(p for p in members if p.deceased_on)
        people[shape.persona] = person
    return people


def pending_registrations() -> dict[str, dict]:
    """Events that happened but are not in the registries yet, for the registration forms:
    "parent_of_newborn" → the baby (born 20 days ago, not yet registered), "widow" → the husband
    who died 9 days ago (his death is not yet registered, so the registry still shows him alive)."""
    today = _today()
    people = demo_people()
    parent = people["parent_of_newborn"]
    mother = person_at(index_of(parent.spouse_id))
    family = parent.full_name.split()[0]
    widow = people["widow"]
    return {
        "parent_of_newborn": {
            "kind": "birth",
            "full_name": f"{family} Thị Ngọc Ánh",
            "gender": "female",
            "birth_date": today - timedelta(days=20),
            "birth_place": f"Bệnh viện Đa khoa {world_province_lower()}",
            "father_id": parent.id_number,
            "mother_id": mother.id_number,
            "ethnicity": parent.ethnicity,
            "nationality": "Việt Nam",
        },
        "widow": {
            "kind": "death",
            "deceased_id": widow.spouse_id,
            "died_on": today - timedelta(days=9),
            "place": widow.permanent_address,
            "cause": "Bệnh tim mạch",
            "declarant_id": widow.id_number,
        },
    }


def birth_notices_of(id_number: str) -> list[BirthNotice]:
    """The electronic birth notices naming `id_number` as a parent: the newborn of the
    parent_of_newborn persona (pending_registrations), issued by the hospital the day after the birth."""
    birth = pending_registrations()["parent_of_newborn"]
    if id_number not in (birth["father_id"], birth["mother_id"]):
        return []
    number = f"{_hash('giay-chung-sinh', birth['mother_id']) % 10**8:08d}"
    return [
        BirthNotice(
            number=f"GCS-{birth['birth_date']:%Y}-{number}",
            child_name=birth["full_name"],
            gender=birth["gender"],
            birth_date=birth["birth_date"],
            birth_place=birth["birth_place"],
            mother_id=birth["mother_id"],
            father_id=birth["father_id"],
            issued_on=birth["birth_date"] + timedelta(days=1),
            issued_by=birth["birth_place"],
        )
    ]


def world_province_lower() -> str:
    name = _world().province_name
    return name[0].lower() + name[1:]
