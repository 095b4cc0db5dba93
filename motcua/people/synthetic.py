"""Synthetic people: realistic Vietnamese names, personal ID numbers, phones, e-mails, addresses.

Fake personal data for the demo history (motcua.demo.history), the national portal's sandbox
(motcua.sync.portal) and the registries' sandbox population (motcua.registries.sandbox). It lives
on floor 2 so that every floor above can share the same names and numbers. Never for production.
"""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass

from django.conf import settings

from motcua.core.text import fold
from motcua.places.models import AdminUnit, LegacyWard

#: Applicant kinds, the same values as motcua.dossiers.models.ApplicantKind (floor 4).
CITIZEN = "citizen"
ORGANISATION = "organisation"

# =============================================================================================
# People: names, personal ID numbers, phones, e-mails, addresses
# =============================================================================================

#: (family names with weights, male middle names, male given names, female middle, female given)
_KINH = (
    [
        ("Nguyễn", 32),
        ("Trần", 9),
        ("Lê", 8),
        ("Phạm", 6),
        ("Hoàng", 4),
        ("Huỳnh", 1),
        ("Phan", 3),
        ("Vũ", 4),
        ("Võ", 1),
        ("Đặng", 2),
        ("Bùi", 3),
        ("Đỗ", 3),
        ("Hồ", 1),
        ("Ngô", 2),
        ("Dương", 1),
        ("Lý", 1),
        ("Đinh", 2),
    ],
    [("Văn", 30), ("Đức", 8), ("Minh", 8), ("Quang", 6), ("Hữu", 5), ("Thanh", 5), ("Xuân", 4), ("Tiến", 3)],
    [
        "Anh",
        "Bình",
        "Cường",
        "Dũng",
        "Đạt",
        "Đông",
        "Hải",
        "Hiếu",
        "Hoàng",
        "Hùng",
        "Huy",
        "Khánh",
        "Kiên",
        "Lâm",
        "Long",
        "Minh",
        "Nam",
        "Phong",
        "Quân",
        "Sơn",
        "Thắng",
        "Thành",
        "Trung",
        "Tuấn",
        "Tú",
        "Việt",
        "Vinh",
    ],
    [("Thị", 45), ("Ngọc", 8), ("Thu", 6), ("Thanh", 5), ("Hồng", 5), ("Phương", 4), ("Kim", 3), ("Minh", 3)],
    [
        "Anh",
        "Chi",
        "Dung",
        "Giang",
        "Hà",
        "Hằng",
        "Hạnh",
        "Hiền",
        "Hoa",
        "Hương",
        "Huyền",
        "Lan",
        "Linh",
        "Loan",
        "Mai",
        "Nga",
        "Ngân",
        "Nhung",
        "Oanh",
        "Phương",
        "Quỳnh",
        "Thảo",
        "Thủy",
        "Trang",
        "Tuyết",
        "Vân",
        "Yến",
    ],
)
#: Thái names: the largest group in Sơn La.
_THAI = (
    [("Lò", 10), ("Cầm", 5), ("Quàng", 5), ("Lường", 5), ("Tòng", 4), ("Hà", 4), ("Vì", 3), ("Điêu", 2)],
    [("Văn", 90), ("Đức", 5), ("Minh", 5)],
    [
        "Pâng",
        "Khăm",
        "Hặc",
        "Ún",
        "Xôm",
        "Chăn",
        "Panh",
        "Ương",
        "Thoan",
        "Duấn",
        "Hưởng",
        "Tiến",
        "Thắng",
        "Phóng",
        "Chung",
        "Bun",
    ],
    [("Thị", 95), ("Ngọc", 5)],
    ["Ín", "Ỏm", "Ả", "Pọm", "Phăn", "Xuân", "Biên", "Thoa", "Chum", "Ến", "Lả", "Hoa", "Bua", "Lò", "Inh"],
)
#: H'Mông names.
_HMONG = (
    [("Mùa", 5), ("Giàng", 5), ("Sồng", 3), ("Vàng", 3), ("Thào", 3), ("Lầu", 2), ("Hờ", 2)],
    [("A", 75), ("Văn", 20), ("Chứ", 5)],
    ["Páo", "Sử", "Dính", "Chứ", "Lử", "Tủa", "Vàng", "Pó", "Cở", "Chống", "Dế", "Nủ"],
    [("Thị", 100)],
    ["Mỷ", "Dợ", "Súa", "Ly", "Chía", "Mang", "Dua", "Máy", "Pàng", "Sua", "Dở"],
)
_GROUPS = [(_KINH, 42), (_THAI, 43), (_HMONG, 15)]

#: Mobile prefixes in use (Viettel, VinaPhone, MobiFone, Vietnamobile, Gmobile), Viettel-heavy as
#: in the northern mountains.
_PHONE_PREFIXES = [
    *[(p, 7) for p in ("086", "096", "097", "098", "032", "033", "034", "035", "036", "037", "038", "039")],
    *[(p, 3) for p in ("088", "091", "094", "081", "082", "083", "084", "085")],
    *[(p, 2) for p in ("089", "090", "093", "070", "076", "077", "078", "079")],
    *[(p, 1) for p in ("092", "056", "058", "099", "059")],
]
#: Birth places outside the province (old province codes of the ID number), by how often.
_OTHER_BIRTH_CODES = [
    ("001", 5),
    ("038", 4),
    ("040", 3),
    ("034", 3),
    ("036", 3),
    ("025", 3),
    ("017", 3),
    ("015", 2),
    ("011", 2),
    ("012", 1),
    ("010", 1),
    ("037", 2),
    ("030", 1),
    ("079", 1),
]
_VILLAGE_A = ["Nà", "Pá", "Huổi", "Co", "Hua", "Phiêng", "Ten", "Nong", "Bó", "Tà", "Mường", "Hát", "Pom"]
_VILLAGE_B = [
    "Lốc",
    "Mòng",
    "Sản",
    "Hẹo",
    "Khoang",
    "Cang",
    "Lằm",
    "Sàng",
    "Lay",
    "Ban",
    "Hin",
    "Pục",
    "Nặm",
    "Tở",
]
_ORG_KINDS = [("Công ty TNHH", 5), ("Công ty cổ phần", 3), ("Hợp tác xã", 2), ("Doanh nghiệp tư nhân", 1)]
_ORG_TRADES = [
    "Thương mại",
    "Xây dựng",
    "Nông sản",
    "Dịch vụ",
    "Vận tải",
    "Chè",
    "Cà phê",
    "Du lịch",
    "Thủy điện",
    "Vật liệu",
]
_ORG_PLACES = [
    "Mộc Châu",
    "Tây Bắc",
    "Sông Đà",
    "Sơn La",
    "Thuận Châu",
    "Mai Sơn",
    "Yên Châu",
    "Phù Yên",
    "Bắc Yên",
    "Sốp Cộp",
]
#: First two digits of tax codes issued in the province (Sơn La: 55).
_TAX_PREFIX = {"14": "55"}


class FastRandom(random.Random):
    """`random.Random` whose randint / randrange / choice go through `random()`: several times
    faster than the bit-exact originals, and just as deterministic for a seed."""

    def randrange(self, start, stop=None, step=1):
        if stop is None:
            start, stop = 0, start
        return start + int(self.random() * (stop - start))

    def randint(self, a, b):
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]


def weighted_table(pairs):
    values = [v for v, _ in pairs]
    cumulative = list(itertools.accumulate(w for _, w in pairs))
    return values, cumulative


def pick_weighted(rng: random.Random, table) -> object:
    values, cumulative = table
    return values[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


@dataclass(frozen=True)
class Person:
    name: str
    gender: str  # "male" / "female"
    birth_year: int
    id_number: str
    phone: str
    email: str
    address: str
    kind: str = CITIZEN


def personal_id_number(birth_code: str, gender: str, birth_year: int, serial: int) -> str:
    """Số định danh cá nhân: 3-digit birth province, century+gender, 2-digit year, 6 digits.

    Century+gender: 0/1 for men/women born 1900–1999, 2/3 for 2000–2099, 4/5 for 2100–2199.
    """
    century = (birth_year // 100) - 19
    digit = century * 2 + (1 if gender == "female" else 0)
    return f"{birth_code}{digit}{birth_year % 100:02d}{serial % 1_000_000:06d}"


def tax_code(rng: random.Random, prefix: str = "55") -> str:
    """A 10-digit mã số thuế with a valid check digit (weights 31 29 23 19 17 13 7 5 3)."""
    weights = (31, 29, 23, 19, 17, 13, 7, 5, 3)
    while True:
        body = prefix + "".join(str(rng.randrange(10)) for _ in range(9 - len(prefix)))
        check = 10 - sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11
        if check < 10:
            return body + str(check)


def address_in(rng: random.Random, commune_name: str, commune_kind: str, province_name: str) -> str:
    """A street-level address in a commune: "Tổ 3, phường Tô Hiệu, tỉnh Sơn La", "Bản Nà Lốc, xã …"."""
    if commune_kind == AdminUnit.Kind.WARD:
        place = f"Tổ {rng.randint(1, 25)}"
    elif rng.random() < 0.15:
        place = f"Tiểu khu {rng.randint(1, 12)}"
    else:
        place = f"Bản {rng.choice(_VILLAGE_A)} {rng.choice(_VILLAGE_B)}"
    unit = commune_name
    if commune_name.split()[0] in ("Xã", "Phường"):
        unit = commune_name[0].lower() + commune_name[1:]
    return f"{place}, {unit}, {province_name[0].lower()}{province_name[1:]}"


def ethnic_groups():
    """[(group name, (families, male middles, male givens, female middles, female givens), weight)]."""
    return [("Kinh", _KINH, 42), ("Thái", _THAI, 43), ("Mông", _HMONG, 15)]


class PeopleGenerator:
    """Realistic applicants of the deployment province from one random stream.

    `communes` are the province's 2025 communes and wards (AdminUnit); ID numbers carry the
    old province code of the birth place (mostly the province's own).
    """

    def __init__(self, rng: random.Random, communes: list[tuple[str, str]], province_name: str, home_codes):
        self.rng = rng
        self.communes = communes  # (name, kind)
        self.province_name = province_name
        self.groups = weighted_table(_GROUPS)
        self.group_tables = {
            id(g): (weighted_table(g[0]), weighted_table(g[1]), g[2], weighted_table(g[3]), g[4])
            for g, _ in _GROUPS
        }
        self.phone_prefixes = weighted_table(_PHONE_PREFIXES)
        home = sorted(home_codes) or ["014"]
        self.birth_codes = weighted_table([(c, max(1, 193 // len(home))) for c in home] + _OTHER_BIRTH_CODES)
        self.org_kinds = weighted_table(_ORG_KINDS)
        self.tax_prefix = _TAX_PREFIX.get(getattr(settings, "MOTCUA_PROVINCE_CODE", "14"), "01")

    @classmethod
    def for_province(cls, rng: random.Random, province_code: str | None = None) -> PeopleGenerator:
        province_code = (province_code or settings.MOTCUA_PROVINCE_CODE).zfill(2)
        province = AdminUnit.objects.get(code=province_code)
        communes = list(province.children.order_by("code").values_list("name", "kind"))
        home = set(
            LegacyWard.objects.filter(conversions__new_unit__parent=province)
            .values_list("province_code", flat=True)
            .distinct()
        )
        return cls(rng, communes, province.name, {c.zfill(3) for c in home})

    def name(self, gender: str) -> str:
        rng = self.rng
        group = pick_weighted(rng, self.groups)
        families, male_mid, male_given, female_mid, female_given = self.group_tables[id(group)]
        family = pick_weighted(rng, families)
        if gender == "male":
            return f"{family} {pick_weighted(rng, male_mid)} {rng.choice(male_given)}"
        return f"{family} {pick_weighted(rng, female_mid)} {rng.choice(female_given)}"

    def phone(self) -> str:
        return pick_weighted(self.rng, self.phone_prefixes) + f"{self.rng.randrange(10_000_000):07d}"

    def address(self) -> str:
        rng = self.rng
        if not self.communes:
            return self.province_name
        name, kind = rng.choice(self.communes)
        return address_in(rng, name, kind, self.province_name)

    def email(self, name: str, year: int) -> str:
        parts = fold(name).split()
        local = parts[-1] + "".join(p[0] for p in parts[:-1]) + f"{year % 100:02d}"
        domain = "gmail.com" if self.rng.random() < 0.85 else "yahoo.com"
        return f"{local}@{domain}"

    def person(self, min_year: int = 1950, max_year: int = 2006) -> Person:
        rng = self.rng
        gender = "male" if rng.random() < 0.52 else "female"
        year = rng.randint(min_year, max_year)
        name = self.name(gender)
        id_number = personal_id_number(
            pick_weighted(rng, self.birth_codes), gender, year, rng.randrange(1_000_000)
        )
        email = self.email(name, year) if rng.random() < 0.35 else ""
        return Person(name, gender, year, id_number, self.phone(), email, self.address())

    def organisation(self) -> Person:
        rng = self.rng
        kind = pick_weighted(rng, self.org_kinds)
        name = f"{kind} {rng.choice(_ORG_TRADES)} {rng.choice(_ORG_PLACES)}"
        email = "lienhe@" + "".join(fold(name).split()[-2:]) + ".vn"
        return Person(
            name, "", 0, tax_code(rng, self.tax_prefix), self.phone(), email, self.address(),
            kind=ORGANISATION,
        )  # fmt: skip


#: Public names of the organisation tables, for the registries' sandbox.
ORG_TRADES = _ORG_TRADES
ORG_PLACES = _ORG_PLACES
