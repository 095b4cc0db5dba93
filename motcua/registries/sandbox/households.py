"""One household rebuilt from its number, O(1): its members (relations, birth and death dates,
marriages), their names, ID numbers and cards (Luật Căn cước 2023 renewals), phones and e-mails,
and the civil-status events registered for them (births, deaths, marriages)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from motcua.core.text import fold
from motcua.people.synthetic import FastRandom, address_in, personal_id_number, pick_weighted

from ..ports import CivilEvent, IdCard, Person
from .world import (
    _age,
    _birth_date,
    _birthday,
    _config,
    _hash,
    _random_day,
    _Shape,
    _today,
    _World,
    _world,
)

#: Cards before 1/7/2024 were issued by the police department; since then by the ministry.
_OLD_ISSUER = "Cục Cảnh sát quản lý hành chính về trật tự xã hội"
_NEW_ISSUER = "Bộ Công an"
_NEW_ISSUER_FROM = date(2024, 7, 1)
#: Chip ID cards (CCCD gắn chip) were issued to most residents from 2021.
_CHIP_CARDS_FROM = date(2021, 1, 15)
_RENEWAL_AGES = (25, 40, 60)
#: Births in the generated population stop here; only the personas' pending events are "recent".
_LAST_BIRTH_YEAR = 2025
#: Old province codes (the first 3 digits of ID numbers) → the province name in a hometown.
_OLD_PROVINCES = {
    "001": "Thành phố Hà Nội",
    "010": "Tỉnh Lào Cai",
    "011": "Tỉnh Điện Biên",
    "012": "Tỉnh Lai Châu",
    "014": "Tỉnh Sơn La",
    "015": "Tỉnh Yên Bái",
    "017": "Tỉnh Hòa Bình",
    "025": "Tỉnh Phú Thọ",
    "030": "Tỉnh Hải Dương",
    "034": "Tỉnh Thái Bình",
    "036": "Tỉnh Nam Định",
    "037": "Tỉnh Ninh Bình",
    "038": "Tỉnh Thanh Hóa",
    "040": "Tỉnh Nghệ An",
    "079": "Thành phố Hồ Chí Minh",
}
_DEATH_CAUSES = ["Bệnh già", "Bệnh tim mạch", "Đột quỵ", "Ung thư", "Bệnh hô hấp"]


def _next_expiry(born: date, issued: date) -> date | None:
    for age in _RENEWAL_AGES:
        renew_on = _birthday(born, age)
        if issued < renew_on - timedelta(days=730):
            return renew_on
    return None


def _id_card(rng, number: str, born: date, until: date, renews: bool) -> IdCard | None:
    at_fourteen = _birthday(born, 14) + timedelta(days=rng.randrange(200))
    first = max(at_fourteen, _random_day(rng, _CHIP_CARDS_FROM, date(2022, 6, 30)))
    if first > until:
        return None
    issued, expires = first, _next_expiry(born, first)
    while renews and expires is not None and expires <= until:
        issued = expires - timedelta(days=1 + rng.randrange(30))
        expires = _next_expiry(born, issued)
    issuer = _NEW_ISSUER if issued >= _NEW_ISSUER_FROM else _OLD_ISSUER
    return IdCard(number=number, issued_on=issued, expires_on=expires, issued_by=issuer)


@dataclass
class _Member:
    slot: int
    gender: str
    born: date
    relation: str
    family: str = ""
    birth_code: str = ""
    deceased_on: date | None = None
    father: int | None = None
    mother: int | None = None
    spouse: int | None = None
    marital: str = "Chưa kết hôn"


@dataclass(frozen=True)
class _Household:
    h: int
    household_id: str
    commune: tuple[str, str, str]
    people: tuple[Person, ...]
    events: tuple[CivilEvent, ...]


def _household_id(world: _World, h: int) -> str:
    return f"{world.prov2}{world.household_serial(h):08d}"


def _name(world: _World, rng, group: int, gender: str, family: str) -> str:
    _, (families, male_mid, male_given, female_mid, female_given), _ = world.groups[group]
    family = family or pick_weighted(rng, families)
    if gender == "male":
        return f"{family} {pick_weighted(rng, male_mid)} {rng.choice(male_given)}"
    return f"{family} {pick_weighted(rng, female_mid)} {rng.choice(female_given)}"


def _death_day(rng, born: date, min_age: int, after: date | None = None) -> date:
    end = date(2025, 11, 30)
    start = max(date(2010, 1, 1), _birthday(born, min_age), after or date.min)
    return _random_day(rng, min(start, end), end)


def _members(shape: _Shape, rng) -> list[_Member]:
    """Who lives in the household, with birth dates, relations and who is whose parent/spouse."""
    male_head = rng.random() < (0.5 if shape.kind == "single" else 0.85)
    if shape.persona in ("adult", "parent_of_newborn", "business_owner", "widow", "deceased"):
        male_head = True
    head = _Member(0, "male" if male_head else "female", _birth_date(rng, shape.head_year), "Chủ hộ")
    members = [head]
    if shape.kind == "single":
        divorced = shape.head_year < 1990 and not shape.persona and rng.random() < 0.2
        head.marital = "Ly hôn" if divorced else "Chưa kết hôn"
        return members
    gap = rng.randint(0, 5)
    spouse_year = min(shape.head_year + gap if male_head else shape.head_year - gap, _LAST_BIRTH_YEAR - 21)
    spouse = _Member(
        1, "female" if male_head else "male", _birth_date(rng, spouse_year), "Vợ" if male_head else "Chồng"
    )
    members.append(spouse)
    head.spouse, spouse.spouse = 1, 0
    head.marital = spouse.marital = "Đã kết hôn"
    father, mother = (head, spouse) if male_head else (spouse, head)
    first_child = max(mother.born.year, father.born.year) + 20
    window = max(0, min(22, _LAST_BIRTH_YEAR - first_child))
    years = sorted(first_child + rng.randint(0, window) for _ in range(shape.children))
    if shape.persona == "parent_of_newborn":
        years = [2022]
    for k, year in enumerate(years):
        child = _Member(2 + k, "male" if rng.random() < 0.51 else "female", _birth_date(rng, year), "Con")
        child.father, child.mother = father.slot, mother.slot
        members.append(child)
    if shape.widowed:
        last_child = max((c.born for c in members[2:]), default=None)
        spouse.deceased_on = _death_day(rng, spouse.born, 20, last_child)
        head.marital = "Góa"
    base = len(members)
    grand_year = shape.head_year - rng.randint(22, 34)
    for k in range(shape.grandparents):
        male = k == 0 if shape.grandparents == 2 else rng.random() < 0.35
        grand = _Member(
            base + k,
            "male" if male else "female",
            _birth_date(rng, grand_year + (0 if male else 3)),
            "Bố" if male else "Mẹ",
        )
        members.append(grand)
        if male:
            head.father = grand.slot
        else:
            head.mother = grand.slot
        grand.marital = "Góa"
    if shape.grandparents == 2:
        grandfather, grandmother = members[base], members[base + 1]
        grandfather.spouse, grandmother.spouse = grandmother.slot, grandfather.slot
        grandfather.marital = grandmother.marital = "Đã kết hôn"
        # Older couples have often lost one of them (a registered death).
        if shape.persona == "deceased" or grand_year < 1932 or rng.random() < 0.25:
            grandfather.deceased_on = _death_day(rng, grandfather.born, 60, head.born)
            grandmother.marital = "Góa"
    return members


def _marriage_day(rng, a: _Member, b: _Member, first_child: date | None, until: date) -> date:
    younger = max(a.born, b.born)
    earliest = _birthday(younger, 18)
    latest = min(_birthday(younger, 32), until, date(2025, 12, 31))
    if first_child:
        latest = min(latest, first_child - timedelta(days=300))
    return _random_day(rng, earliest, max(earliest, latest))


def _build_household(world: _World, h: int, today: date) -> _Household:
    shape = world.shapes[h]
    rng = FastRandom(_hash(world.seed, "people", h))
    start = world.starts[h]
    members = _members(shape, rng)
    group = pick_weighted(rng, world.group_table)
    if shape.persona:
        group = 0 if shape.persona in ("adult", "business_owner") else 1
    code, commune_name, commune_kind = rng.choice(world.communes)
    address = address_in(rng, commune_name, commune_kind, world.province_name)
    home_place = f"{commune_name}, {world.province_name}"
    home_code = world.home_codes[0]
    household_id = _household_id(world, h)
    local = (
        commune_name[0].lower() + commune_name[1:]
        if commune_name.split()[0] in ("Xã", "Phường")
        else (commune_name)
    )
    registered_at = f"Ủy ban nhân dân {local}"
    ids: dict[int, str] = {}
    names: dict[int, str] = {}
    groups: dict[int, int] = {}
    hometowns: dict[int, str] = {}
    birth_places: dict[int, str] = {}
    # The printed personas live in the first households: none shares a name with one printed before
    # (two "Lò Thị Chum" on the demo's list would be two people a tester cannot tell apart).
    taken = set()
    if shape.persona:
        taken = {p.full_name for k in range(h) if world.shapes[k].persona for p in _household(k).people}
    # Head first, then the other adults, then the children: family names pass from the father.
    for m in sorted(members, key=lambda m: (m.relation == "Con", m.slot)):
        family = ""
        if m.relation == "Con":
            father = members[m.father]
            family, m.birth_code = father.family, home_code
            groups[m.slot], hometowns[m.slot] = groups[father.slot], hometowns[father.slot]
            birth_places[m.slot] = home_place
        else:
            if m.relation == "Bố":
                family = members[0].family
            groups[m.slot] = (
                group if m.slot == 0 or rng.random() < 0.85 else pick_weighted(rng, world.group_table)
            )
            m.birth_code = pick_weighted(rng, world.people.birth_codes)
            if shape.persona in ("adult", "parent_of_newborn") and m.slot < 2:
                m.birth_code = home_code
            local_birth = m.birth_code in world.home_codes
            birth_places[m.slot] = home_place if local_birth else _OLD_PROVINCES.get(m.birth_code, "Việt Nam")
            hometowns[m.slot] = birth_places[m.slot]
        names[m.slot] = _name(world, rng, groups[m.slot], m.gender, family)
        while names[m.slot] in taken:
            names[m.slot] = _name(world, rng, groups[m.slot], m.gender, family)
        m.family = names[m.slot].split()[0]
        ids[m.slot] = personal_id_number(
            m.birth_code, m.gender, m.born.year, world.person_serial(start + m.slot)
        )
    people = []
    events = []
    for m in members:
        index = start + m.slot
        prng = rng  # one stream per household: seeding a generator per person costs more than the person
        until = m.deceased_on or today
        age = _age(m.born, until)
        renews = prng.random() >= 0.02
        if shape.persona in ("adult", "parent_of_newborn", "business_owner", "widow", "young_single"):
            renews = True
        elif shape.persona == "expired_card" and m.slot == 0:
            renews = False
        card = _id_card(prng, ids[m.slot], m.born, until, renews)
        phone = email = ""
        if age >= 15 and not m.deceased_on:
            phone = pick_weighted(prng, world.people.phone_prefixes) + f"{prng.randrange(10_000_000):07d}"
            if age <= 60 and prng.random() < 0.35:
                parts = fold(names[m.slot]).split()
                email = parts[-1] + "".join(p[0] for p in parts[:-1]) + f"{m.born.year % 100:02d}@gmail.com"
        ethnicity = world.groups[groups[m.slot]][0]
        roll = prng.random()
        religion = "Không"
        if ethnicity == "Mông" and roll < 0.3:
            religion = "Tin lành"
        elif roll < 0.06:
            religion = "Phật giáo"
        elif roll < 0.08:
            religion = "Công giáo"
        person = Person(
            id_number=ids[m.slot],
            full_name=names[m.slot],
            birth_date=m.born,
            gender=m.gender,
            ethnicity=ethnicity,
            religion=religion,
            nationality="Việt Nam",
            hometown=hometowns[m.slot],
            permanent_address=address,
            commune_code=code,
            household_id=household_id,
            household_head_id=ids[0],
            relation_to_head=m.relation,
            id_card=card,
            phone=phone,
            email=email,
            father_id=ids[m.father] if m.father is not None else "",
            mother_id=ids[m.mother] if m.mother is not None else "",
            spouse_id=ids[m.spouse] if m.spouse is not None else "",
            marital_status=m.marital,
            deceased_on=m.deceased_on,
        )
        people.append(person)
        serial = world.person_serial(index)
        local_birth = m.birth_code in world.home_codes
        events.append(
            CivilEvent(
                kind="birth",
                registration_number=f"{1 + serial % 240}/{m.born.year}",
                registered_on=min(m.born + timedelta(days=1 + prng.randrange(55)), until),
                registered_at=registered_at
                if local_birth
                else f"Ủy ban nhân dân cấp xã, {birth_places[m.slot]}",
                subject_id=person.id_number,
                other_ids=tuple(x for x in (person.father_id, person.mother_id) if x),
                details={"full_name": person.full_name, "birth_place": birth_places[m.slot]},
            )
        )
        if m.deceased_on:
            events.append(
                CivilEvent(
                    kind="death",
                    registration_number=f"{1 + serial % 180}/{m.deceased_on.year}",
                    registered_on=m.deceased_on + timedelta(days=1 + prng.randrange(14)),
                    registered_at=registered_at,
                    subject_id=person.id_number,
                    details={
                        "died_on": m.deceased_on.isoformat(),
                        "cause": prng.choice(_DEATH_CAUSES),
                        "place": address,
                    },
                )
            )
    first_child = min((m.born for m in members if m.relation == "Con"), default=None)
    for m in members:
        if m.spouse is None or m.spouse < m.slot:
            continue
        other = members[m.spouse]
        first = first_child if m.slot == 0 else members[0].born
        married = _marriage_day(rng, m, other, first, today)
        husband, wife = (m, other) if m.gender == "male" else (other, m)
        events.append(
            CivilEvent(
                kind="marriage",
                registration_number=f"{1 + world.person_serial(start + m.slot) % 90}/{married.year}",
                registered_on=married,
                registered_at=registered_at,
                subject_id=ids[m.slot],
                other_ids=(ids[other.slot],),
                details={"husband_id": ids[husband.slot], "wife_id": ids[wife.slot]},
            )
        )
    return _Household(h, household_id, (code, commune_name, commune_kind), tuple(people), tuple(events))


@lru_cache(maxsize=8192)
def _household_cached(key: tuple, today: date, h: int) -> _Household:
    return _build_household(_world(), h, today)


def _household(h: int) -> _Household:
    return _household_cached(_config(), _today(), h)
