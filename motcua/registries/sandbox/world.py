"""The sandbox's world for one seed and province: the household shapes (seven scripted personas
first), the prefix sums that map a person's index to a household, the reversible numbering
(`_Perm`, the tax-code check digit), and the date helpers the households and records share.
Built once per process and configuration (a few tens of milliseconds); nothing is stored."""

from __future__ import annotations

import hashlib
import threading
import time
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from math import gcd

from django.conf import settings
from django.utils import timezone

from motcua.people.synthetic import FastRandom, PeopleGenerator, ethnic_groups, weighted_table
from motcua.places.models import AdminUnit, LegacyWard

from ..ports import RegistryUnavailable


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
