"""Load the 2025 administrative units and the deployment province's agencies (services).

Idempotent: running it twice leaves the same rows; a changed name is updated in place.
"""

import csv
import gzip
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from .models import AdminUnit, Agency, LegacyWard, WardConversion

UNIT_KINDS = {
    "tỉnh": AdminUnit.Kind.PROVINCE,
    "thành phố trung ương": AdminUnit.Kind.CITY,
    "xã": AdminUnit.Kind.COMMUNE,
    "phường": AdminUnit.Kind.WARD,
    "đặc khu": AdminUnit.Kind.SPECIAL_ZONE,
}


@dataclass
class PlacesReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            f"{name}: {self.created.get(name, 0)} mới, {self.updated.get(name, 0)} cập nhật"
            for name in sorted(set(self.created) | set(self.updated))
        ]
        out += [f"KHÔNG NHẬP ĐƯỢC: {p}" for p in self.problems]
        return out


def province_code(raw: str) -> str:
    """NSO province codes are two digits ("01" Hà Nội, "14" Sơn La); the source drops the zero."""
    return raw.strip().zfill(2)


def ward_code(raw: str) -> str:
    """NSO commune codes are five digits ("00004"); they share numbers with provinces otherwise."""
    return raw.strip().zfill(5)


def _read_csv(path: Path) -> Iterable[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _sync(model, key: str, rows: dict[str, dict], report: PlacesReport, label: str) -> dict[str, object]:
    """Create missing rows and update changed ones; return every object by key."""
    existing = {getattr(obj, key): obj for obj in model.objects.all()}
    to_create, to_update, fields_changed = [], [], set()
    for k, values in rows.items():
        obj = existing.get(k)
        if obj is None:
            to_create.append(model(**{key: k}, **values))
            continue
        changed = [f for f, v in values.items() if getattr(obj, f) != v]
        if changed:
            for f in changed:
                setattr(obj, f, values[f])
            fields_changed.update(changed)
            to_update.append(obj)
    model.objects.bulk_create(to_create, batch_size=1000)
    if to_update:
        model.objects.bulk_update(to_update, sorted(fields_changed), batch_size=1000)
    report.created[label] = len(to_create)
    report.updated[label] = len(to_update)
    return {getattr(obj, key): obj for obj in model.objects.all()}


@transaction.atomic
def load_admin_units(data_dir: Path | None = None, report: PlacesReport | None = None) -> PlacesReport:
    """The 34 provinces, 3,321 communes, the pre-2025 wards and the old→new conversion."""
    data_dir = data_dir or Path(settings.DATA_DIR) / "places"
    report = report or PlacesReport()
    ward_rows = list(_read_csv(data_dir / "wards-2025.csv"))

    provinces = {}
    for row in ward_rows:
        provinces[province_code(row["province_code"])] = {
            "name": row["province_name"],
            "kind": UNIT_KINDS[row["province_type"]],
            "codename": row["province_codename"],
            "parent_id": None,
        }
    province_objs = _sync(AdminUnit, "code", provinces, report, "tỉnh")
    # Provinces and communes share one table; sync communes in a second pass with their parent.
    communes = {}
    for row in ward_rows:
        kind = UNIT_KINDS.get(row["ward_type"])
        if kind is None:
            report.problems.append(f"đơn vị {row['ward_code']}: loại không rõ {row['ward_type']!r}")
            continue
        communes[ward_code(row["ward_code"])] = {
            "name": row["ward_name"],
            "kind": kind,
            "codename": row["ward_codename"],
            "parent_id": province_objs[province_code(row["province_code"])].pk,
        }
    clash = set(communes) & set(provinces)
    if clash:
        raise ValueError(f"mã tỉnh và mã xã trùng nhau: {sorted(clash)[:5]}")
    units = _sync(AdminUnit, "code", {**provinces, **communes}, report, "xã, phường, đặc khu")

    legacy = {
        ward_code(row["ward_code"]): {
            "name": row["ward_name"],
            "district_code": row["district_code"].zfill(3),
            "district_name": row["district_name"],
            "province_code": province_code(row["province_code"]),
            "province_name": row["province_name"],
        }
        for row in _read_csv(data_dir / "legacy-wards-pre2025.csv.gz")
    }
    legacy_objs = _sync(LegacyWard, "code", legacy, report, "xã cũ")

    existing_pairs = set(WardConversion.objects.values_list("old_ward_id", "new_unit_id"))
    new_pairs = []
    for row in _read_csv(data_dir / "ward-conversion-2025.csv.gz"):
        old = legacy_objs.get(ward_code(row["old_ward_code"]))
        new = units.get(ward_code(row["new_ward_code"]))
        if old is None or new is None:
            report.problems.append(
                f"chuyển đổi {row['old_ward_code']}→{row['new_ward_code']}: không tìm thấy mã"
            )
            continue
        if (old.pk, new.pk) not in existing_pairs:
            existing_pairs.add((old.pk, new.pk))
            new_pairs.append(
                WardConversion(old_ward=old, new_unit=new, is_partly_merged=row["is_partly_merged"] == "1")
            )
    WardConversion.objects.bulk_create(new_pairs, batch_size=2000)
    report.created["chuyển đổi xã cũ → mới"] = len(new_pairs)
    return report


def commune_agency_code(index: int, prefix: str, province_agency_code: str) -> str:
    """Electronic code of the i-th commune's agency (1-based); see data/org/README.md. [inferred]"""
    block, number = divmod(index - 1, 99)
    return f"{prefix}.{number + 1:02d}.{40 + block:02d}.{province_agency_code}"


@transaction.atomic
def load_agencies(
    province_code: str | None = None, data_dir: Path | None = None, report: PlacesReport | None = None
) -> PlacesReport:
    """The deployment province's agencies: committee, departments, service centers, communes."""
    province_code = province_code or settings.MOTCUA_PROVINCE_CODE
    data_dir = data_dir or Path(settings.DATA_DIR) / "org"
    report = report or PlacesReport()
    hcode = settings.MOTCUA_PROVINCE_AGENCY_CODE
    province = AdminUnit.objects.get(code=province_code.zfill(2))

    rows: dict[str, dict] = {}
    for row in _read_csv(data_dir / "province-agencies-2025.csv"):
        rows[f"000.00.{row['unit']}.{hcode}"] = {
            "name": row["name"].format(province=province.name),
            "short_name": row["short_name"],
            "kind": row["kind"],
            "admin_unit_id": province.pk,
            "ministry_groups": [g for g in row["ministry_groups"].split(";") if g],
            "match_names": [m for m in row["match_names"].split(";") if m],
        }
    communes = list(province.children.order_by("code"))
    kinds: list[tuple[str, str, Callable[[AdminUnit], str], str]] = [
        ("000", Agency.Kind.COMMUNE_COMMITTEE, lambda u: f"Ủy ban nhân dân {u.name}", "UBND"),
        (
            "001",
            Agency.Kind.COMMUNE_CENTER,
            lambda u: f"Trung tâm Phục vụ hành chính công {u.name}",
            "TTPVHCC",
        ),
        ("002", Agency.Kind.COMMUNE_POLICE, lambda u: f"Công an {u.name}", "CA"),
    ]
    for i, unit in enumerate(communes, start=1):
        for prefix, kind, name, short in kinds:
            rows[commune_agency_code(i, prefix, hcode)] = {
                "name": name(unit),
                "short_name": f"{short} {unit.name}",
                "kind": kind,
                "admin_unit_id": unit.pk,
                "ministry_groups": [],
                "match_names": [],
            }
    agencies = _sync(Agency, "code", rows, report, "cơ quan")
    # Parents: departments and communes' agencies report to the provincial committee.
    top = agencies[f"000.00.00.{hcode}"]
    stale = [a for code, a in agencies.items() if code in rows and a.pk != top.pk and a.parent_id != top.pk]
    for agency in stale:
        agency.parent = top
    Agency.objects.bulk_update(stale, ["parent"])
    return report
