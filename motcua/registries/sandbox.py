"""The registries' sandbox: a synthetic province of people and organisations, computed on demand.

Nothing is stored and nothing is generated up front. Households are numbered 0…H-1; the shape of
each (single, couple, children, grandparents, a widowed spouse) comes from a cheap hash of
(seed, household), so the sizes — and the prefix sums that map a person's index to a household —
take a few tens of milliseconds once per process. A household's people come from a random stream
seeded by the same hash, so any household is rebuilt in isolation, O(1), the same for a seed.

Numbers encode the index reversibly, so a lookup never searches:

* số định danh cá nhân (12 digits) = birth province (3, e.g. 014 Sơn La) + century/gender (1) +
  birth year (2) + a 6-digit permutation of the person's index;
* mã số doanh nghiệp (10 digits) = province prefix (2, Sơn La 55) + one free digit chosen so the
  check digit exists + a 6-digit permutation of the organisation's index + the check digit
  (weights 31 29 23 19 17 13 7 5 3; check = 10 − sum mod 11; a result of 10 is skipped);
* số hộ, mã số BHXH and driving-licence numbers carry permutations of the same indices.

A lookup decodes the index, rebuilds the record and returns it only if its number is exactly the
one asked for (any other 12 digits → None).

ID cards follow Luật Căn cước 2023: cards are renewed at 25, 40 and 60 (a card issued within two
years before one of those ages lasts until the next), none after 60; the chip cards most people
hold were issued from 2021. About 2 % of people never renewed, so their card has expired.

Households 0–6 are scripted personas (`demo_people()`): the e-forms, eID and portal tests meet the
same people every time. `pending_registrations()` gives the events that are not yet in the
registries (a baby born 20 days ago, a husband who died 9 days ago) for the registration forms.

The dates of the bulk population are fixed (births up to 2025); card and licence validity is
judged against today, as the real registries do. `behaviour()` and the
MOTCUA_REGISTRY_SANDBOX_* settings make every adapter slow, failing or empty for tests.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from itertools import accumulate
from math import gcd

from django.conf import settings
from django.utils import timezone

from motcua.core.text import fold
from motcua.people.synthetic import (
    ORG_PLACES,
    ORG_TRADES,
    FastRandom,
    PeopleGenerator,
    address_in,
    ethnic_groups,
    personal_id_number,
    pick_weighted,
    weighted_table,
)
from motcua.places.models import AdminUnit, LegacyWard

from .ports import (
    BirthNotice,
    CivilEvent,
    DrivingLicence,
    IdCard,
    InsuranceRecord,
    Organisation,
    Person,
    RegistryUnavailable,
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
PERSONAS = (
    "adult",
    "parent_of_newborn",
    "business_owner",
    "widow",
    "young_single",
    "expired_card",
    "deceased",
)


def _hash(*parts) -> int:
    return int.from_bytes(hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest(), "big")


class _Perm:
    """A bijection of range(modulus): i → (i·a + b) mod m, so numbers look scattered but decode."""

    def __init__(self, modulus: int, seed: int, tag: str):
        a = _hash(seed, tag, "a") % modulus | 1
        while gcd(a, modulus) != 1:
            a += 2
        self.m, self.a, self.b = modulus, a, _hash(seed, tag, "b") % modulus
        self.a_inv = pow(a, -1, modulus)

    def __call__(self, i: int) -> int:
        return (i * self.a + self.b) % self.m

    def inverse(self, s: int) -> int:
        return ((s - self.b) * self.a_inv) % self.m


def _birthday(born: date, age: int) -> date:
    return born.replace(year=born.year + age)  # days are 1–28, never 29 February


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _random_day(rng, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange(max(1, (end - start).days + 1)))


def _birth_date(rng, year: int) -> date:
    return date(year, rng.randint(1, 12), rng.randint(1, 28))


def check_digit(body: str) -> int | None:
    """The tax-code check digit of 9 digits, or None when it would be 10 (not allowed)."""
    weights = (31, 29, 23, 19, 17, 13, 7, 5, 3)
    check = 10 - sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11
    return None if check == 10 else check


# --------------------------------------------------------------------------------------------
# The world: tables and household shapes for one seed and province
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Shape:
    kind: str  # "single" | "couple"
    children: int
    grandparents: int
    widowed: bool  # the spouse has died (and the death is registered)
    head_year: int
    persona: str = ""

    @property
    def size(self) -> int:
        return 1 if self.kind == "single" else 2 + self.children + self.grandparents


#: Scripted households 0–6 (the personas live here).
_PERSONA_SHAPES = [
    _Shape("couple", 2, 0, False, 1985, "adult"),
    _Shape("couple", 1, 0, False, 1996, "parent_of_newborn"),
    _Shape("couple", 1, 0, False, 1978, "business_owner"),
    _Shape("couple", 0, 0, False, 1958, "widow"),
    _Shape("single", 0, 0, False, 2002, "young_single"),
    _Shape("single", 0, 0, False, 1984, "expired_card"),
    _Shape("couple", 1, 2, False, 1970, "deceased"),
]


def _shape(seed: int, h: int) -> _Shape:
    if h < len(_PERSONA_SHAPES):
        return _PERSONA_SHAPES[h]
    x = _hash(seed, "household", h)
    r, x = x % 100, x // 100
    if r < 9:
        return _Shape("single", 0, 0, False, 1945 + x % 60)
    widowed = (x // 1000) % 25 == 0
    if r < 17:
        return _Shape("couple", 0, 0, widowed, 1950 + x % 52)
    if r < 86:
        return _Shape("couple", 1 + x % 4, 0, widowed, 1955 + (x // 4) % 47)
    return _Shape("couple", 1 + x % 3, 1 + (x // 3) % 2, widowed, 1962 + (x // 6) % 38)


class _World:
    def __init__(self, seed: int, province_code: str, households: int, organisations: int):
        self.seed, self.province_code = seed, province_code
        province = AdminUnit.objects.get(code=province_code)
        self.province_name = province.name
        self.communes = list(province.children.order_by("code").values_list("code", "name", "kind"))
        if not self.communes:
            raise RegistryUnavailable("Chưa nạp danh mục đơn vị hành chính (motcua load_places).")
        self.people = PeopleGenerator.for_province(FastRandom(seed), province_code)
        home = sorted(
            {
                c.zfill(3)
                for c in LegacyWard.objects.filter(conversions__new_unit__parent=province)
                .values_list("province_code", flat=True)
                .distinct()
            }
        )
        self.home_codes = home or [province_code.zfill(3)]
        self.groups = [
            (name, (weighted_table(t[0]), weighted_table(t[1]), t[2], weighted_table(t[3]), t[4]), weight)
            for name, t, weight in ethnic_groups()
        ]
        self.group_table = weighted_table([(i, w) for i, (_, _, w) in enumerate(self.groups)])
        self.shapes = [_shape(seed, h) for h in range(households)]
        self.starts = [0, *accumulate(s.size for s in self.shapes)]
        self.size = self.starts[-1]
        if self.size >= 1_000_000:
            raise ValueError("The sandbox encodes a person's index in 6 digits: at most 999,999 people.")
        self.households = households
        self.organisations = min(organisations, households, 999_999)
        self.person_serial = _Perm(1_000_000, seed, "person")
        self.household_serial = _Perm(100_000_000, seed, "household")
        self.long_serial = _Perm(100_000_000, seed, "long")
        self.org_serial = _Perm(1_000_000, seed, "org")
        self.licence_serial = _Perm(100_000_000, seed, "licence")
        # Organisation j is represented by the head of household (j·c + 2) mod H: one each, and
        # organisation 0 by the business-owner persona (household 2).
        c = int(households * 0.618) | 1
        while gcd(c, households) != 1:
            c += 2
        self.rep_c, self.rep_c_inv = c, pow(c, -1, households)
        self.prov2 = province_code.zfill(2)[-2:]

    def household_of(self, index: int) -> int:
        return bisect_right(self.starts, index) - 1

    def rep_household(self, j: int) -> int:
        return (j * self.rep_c + 2) % self.households

    def org_of_household(self, h: int) -> int | None:
        j = ((h - 2) * self.rep_c_inv) % self.households
        return j if j < self.organisations else None


_world_lock = threading.Lock()
_worlds: dict[tuple, _World] = {}


def _config() -> tuple:
    return (
        int(getattr(settings, "MOTCUA_REGISTRY_SEED", 2026)),
        str(getattr(settings, "MOTCUA_PROVINCE_CODE", "14")).zfill(2),
        int(getattr(settings, "MOTCUA_REGISTRY_HOUSEHOLDS", 30_000)),
        int(getattr(settings, "MOTCUA_REGISTRY_ORGANISATIONS", 12_000)),
    )


def _world() -> _World:
    key = _config()
    world = _worlds.get(key)
    if world is None:
        with _world_lock:
            world = _worlds.get(key) or _World(*key)
            _worlds[key] = world
    return world


_today_cache: list = [0.0, None]


def _today() -> date:
    """Today in the deployment's time zone (re-read at most once a second: it is on every lookup)."""
    now = time.monotonic()
    if _today_cache[1] is None or now - _today_cache[0] > 1.0:
        _today_cache[:] = [now, timezone.localdate()]
    return _today_cache[1]


# --------------------------------------------------------------------------------------------
# Households and people
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Public helpers
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Behaviour switches and the adapters
# --------------------------------------------------------------------------------------------

_behaviour_lock = threading.Lock()
_override: dict = {}


@contextlib.contextmanager
def behaviour(
    *, delay_ms: int | None = None, fail: bool | None = None, empty: bool | None = None, fail_next: int = 0
):
    """Make every sandbox registry slow (`delay_ms`), fail (`fail`: RegistryUnavailable), find
    nothing (`empty`) or fail only the next `fail_next` calls — for the whole process (the live
    test server's threads too) until the block ends."""
    with _behaviour_lock:
        saved = dict(_override)
        for key, value in (("delay_ms", delay_ms), ("fail", fail), ("empty", empty)):
            if value is not None:
                _override[key] = value
        _override["fail_next"] = fail_next
    try:
        yield
    finally:
        with _behaviour_lock:
            _override.clear()
            _override.update(saved)


def _gate() -> bool:
    """Apply the behaviour switches; True when the answer must be empty."""
    delay = _override.get("delay_ms", getattr(settings, "MOTCUA_REGISTRY_SANDBOX_DELAY_MS", 0))
    if delay:
        time.sleep(delay / 1000)
    with _behaviour_lock:
        failing = _override.get("fail_next", 0) > 0
        if failing:
            _override["fail_next"] -= 1
    if failing or _override.get("fail", getattr(settings, "MOTCUA_REGISTRY_SANDBOX_FAIL", False)):
        raise RegistryUnavailable(
            "Hệ thống cơ sở dữ liệu (môi trường thử nghiệm) đang lỗi, vui lòng thử lại sau."
        )
    return bool(_override.get("empty", getattr(settings, "MOTCUA_REGISTRY_SANDBOX_EMPTY", False)))


class SandboxPopulation:
    def person(self, id_number: str) -> Person | None:
        if _gate():
            return None
        index = index_of(id_number)
        return None if index is None else person_at(index)

    def household(self, household_id: str) -> list[Person]:
        return [] if _gate() else household_members(household_id)


class SandboxCivilStatus:
    def events_of(self, id_number: str) -> list[CivilEvent]:
        return [] if _gate() else events_of(id_number)


class SandboxBusiness:
    def organisation(self, tax_code: str) -> Organisation | None:
        return None if _gate() else organisation_by_tax_code(tax_code)

    def represented_by(self, id_number: str) -> list[Organisation]:
        return [] if _gate() else organisations_represented_by(id_number)


class SandboxSocialInsurance:
    def insurance_of(self, id_number: str) -> InsuranceRecord | None:
        return None if _gate() else insurance_of(id_number)

    def birth_notices(self, parent_id_number: str) -> list[BirthNotice]:
        return [] if _gate() else birth_notices_of(parent_id_number)


class SandboxDrivingLicences:
    def licences_of(self, id_number: str) -> list[DrivingLicence]:
        return [] if _gate() else licences_of(id_number)


ADAPTERS = {
    "population": SandboxPopulation,
    "civil_status": SandboxCivilStatus,
    "business": SandboxBusiness,
    "social_insurance": SandboxSocialInsurance,
    "driving_licence": SandboxDrivingLicences,
}

__all__ = [
    "ADAPTERS",
    "PERSONAS",
    "behaviour",
    "check_digit",
    "demo_people",
    "events_of",
    "index_of",
    "organisation_at",
    "organisation_count",
    "pending_registrations",
    "person_at",
    "population_size",
]
