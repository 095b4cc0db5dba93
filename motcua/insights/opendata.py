"""Open data (dữ liệu mở): monthly counts of dossiers, aggregate only, with small cells suppressed.

Three datasets per month, each a table with a stable column order:

* ``ho-so-theo-thu-tuc`` — one row per (handling agency, procedure) with any count in the month;
* ``ho-so-theo-co-quan`` — one row per handling agency (the totals of the rows above);
* ``ho-so-toan-tinh`` — one row: the province (the totals of the agencies).

Counts (every one additive, so each level is the sum of the level below): dossiers received, received
online, resolved (ended), resolved on time, with a fee, paid online, rated, rated satisfied. They
come from `queries.dossiers_behind` — the same conditions as the QĐ 766 index, so the province row
equals `services.report(month)`'s counts — and from the ratings given in the month.

No personal data: no dossier code, name, ID number, phone or address is read into the rows (only
agency and procedure codes and names and counts).

Small-cell suppression (ADR 0025): a count in 1..K (``MOTCUA_OPENDATA_MIN_CELL``, default 5,
[inferred]) is published as null and its column named in ``suppressed``. Because each table's rows
add up to the next level's row, a single hidden cell in such a sum could be recovered by
subtraction; so wherever a sum (an agency's procedures for one count, or the province's agencies for
one count) has exactly one hidden part, a second one is hidden (complementary suppression): the
smallest non-zero visible part, else a zero part, else the sum itself, until no sum has exactly one.
Totals are always the true totals (computed before suppression), never sums of what is visible.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Min, Q
from django.utils import timezone

from motcua.catalog.models import Procedure
from motcua.dossiers.models import Dossier
from motcua.feedback.models import SATISFIED_LEVELS, Rating
from motcua.places.models import Agency

from . import queries
from .periods import Period, PeriodError, parse_period

LICENSE = {
    "name": "Creative Commons Attribution 4.0 International (CC BY 4.0)",
    "id": "CC-BY-4.0",
    "url": "https://creativecommons.org/licenses/by/4.0/",
    "attribution": "Nguồn: Hệ thống thông tin giải quyết thủ tục hành chính tỉnh (motcua)",
}
LICENSE_LINE = (
    "Giấy phép CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/): được tự do sao chép, "
    "phân phối, chỉnh sửa, kể cả vì mục đích thương mại, với điều kiện ghi nguồn."
)

#: (column, dossier count of `queries.count_rules`, extra filter). Ratings are read separately.
DOSSIER_MEASURES = (
    ("received", "received", None),
    ("received_online", "received", Q(channel__in=queries.ONLINE_CHANNELS)),
    ("resolved", "ended", None),
    ("resolved_on_time", "ended_on_time", None),
    ("fee_dossiers", "fee_dossiers", None),
    ("fee_paid_online", "fee_dossiers_paid_online", None),
)
MEASURES = (*(m[0] for m in DOSSIER_MEASURES), "rated", "satisfied")


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # string | integer
    vi: str
    en: str
    unit: str
    source: str


_SRC_DOSSIERS = "Hồ sơ TTHC trong hệ thống (dossiers), cùng điều kiện với Bộ chỉ số QĐ 766"
_COLUMNS = {
    "month": Column("month", "string", "Tháng (YYYY-MM)", "Month (YYYY-MM)", "tháng", "Kỳ thống kê"),
    "agency_code": Column(
        "agency_code",
        "string",
        "Mã định danh điện tử của cơ quan giải quyết (QĐ 20/2020/QĐ-TTg)",
        "Electronic identifier of the handling agency",
        "",
        "Danh mục cơ quan giải quyết TTHC của tỉnh",
    ),
    "agency_name": Column(
        "agency_name", "string", "Tên cơ quan giải quyết", "Handling agency name", "", "Danh mục cơ quan"
    ),
    "area_code": Column(
        "area_code",
        "string",
        "Mã đơn vị hành chính nơi cơ quan đặt trụ sở (tỉnh hoặc xã, phường)",
        "Code of the administrative unit of the agency (province or commune)",
        "",
        "Danh mục đơn vị hành chính (sau sắp xếp năm 2025)",
    ),
    "area_name": Column(
        "area_name",
        "string",
        "Tên đơn vị hành chính",
        "Administrative unit name",
        "",
        "Danh mục đơn vị hành chính",
    ),
    "procedure_code": Column(
        "procedure_code",
        "string",
        "Mã thủ tục hành chính (CSDL quốc gia về TTHC)",
        "Administrative procedure code (national database)",
        "",
        "CSDL quốc gia về thủ tục hành chính",
    ),
    "procedure_name": Column(
        "procedure_name", "string", "Tên thủ tục hành chính", "Procedure name", "", "Danh mục TTHC"
    ),
    "received": Column(
        "received",
        "integer",
        "Số hồ sơ tiếp nhận trong tháng (mọi kênh)",
        "Dossiers received in the month (all channels)",
        "hồ sơ",
        _SRC_DOSSIERS,
    ),
    "received_online": Column(
        "received_online",
        "integer",
        "Số hồ sơ tiếp nhận trực tuyến trong tháng (Cổng DVCQG hoặc cổng của tỉnh)",
        "Dossiers received online in the month (national or provincial portal)",
        "hồ sơ",
        _SRC_DOSSIERS,
    ),
    "resolved": Column(
        "resolved",
        "integer",
        "Số hồ sơ kết thúc xử lý trong tháng (có kết quả, trả lại, dừng hoặc không tiếp nhận)",
        "Dossiers whose handling ended in the month (result, returned, stopped or not accepted)",
        "hồ sơ",
        _SRC_DOSSIERS,
    ),
    "resolved_on_time": Column(
        "resolved_on_time",
        "integer",
        "Trong số hồ sơ kết thúc xử lý: số hồ sơ đúng hạn (chỉ số 2.1 QĐ 766)",
        "Of the dossiers ended: those ended on time (QĐ 766 indicator 2.1)",
        "hồ sơ",
        _SRC_DOSSIERS,
    ),
    "fee_dossiers": Column(
        "fee_dossiers",
        "integer",
        "Số hồ sơ tiếp nhận trong tháng phải nộp phí, lệ phí",
        "Dossiers received in the month that carry a fee",
        "hồ sơ",
        _SRC_DOSSIERS,
    ),
    "fee_paid_online": Column(
        "fee_paid_online",
        "integer",
        "Trong số đó: số hồ sơ đã thanh toán trực tuyến (chỉ số 4.1 QĐ 766)",
        "Of those: dossiers paid online (QĐ 766 indicator 4.1)",
        "hồ sơ",
        _SRC_DOSSIERS + " và thanh toán (payments)",
    ),
    "rated": Column(
        "rated",
        "integer",
        "Số lượt đánh giá mức độ hài lòng gửi trong tháng",
        "Satisfaction ratings given in the month",
        "lượt",
        "Đánh giá của người dân (feedback.Rating), theo cơ quan và thủ tục của hồ sơ",
    ),
    "satisfied": Column(
        "satisfied",
        "integer",
        "Trong số đó: số lượt “hài lòng” hoặc “rất hài lòng”",
        "Of those: ratings “satisfied” or “very satisfied”",
        "lượt",
        "Đánh giá của người dân (feedback.Rating)",
    ),
    "suppressed": Column(
        "suppressed",
        "string",
        "Các cột bị ẩn (để trống) để bảo vệ bí mật, cách nhau bởi dấu |: số nhỏ từ 1 đến K, "
        "hoặc ẩn bổ sung để không suy ra được số nhỏ từ tổng",
        "Columns left empty for confidentiality, separated by |: small counts (1..K) or hidden so "
        "that a small count cannot be derived from a total",
        "",
        "Quy tắc ẩn ô nhỏ (mục “Bảo vệ bí mật” ở trên)",
    ),
}


@dataclass(frozen=True)
class Dataset:
    slug: str
    title: str
    title_en: str
    keys: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return ("month", *self.keys, *MEASURES, "suppressed")


DATASETS = (
    Dataset(
        "ho-so-theo-thu-tuc",
        "Hồ sơ theo cơ quan và thủ tục",
        "Dossiers by agency and procedure",
        ("agency_code", "agency_name", "area_code", "area_name", "procedure_code", "procedure_name"),
    ),
    Dataset(
        "ho-so-theo-co-quan",
        "Hồ sơ theo cơ quan",
        "Dossiers by agency",
        ("agency_code", "agency_name", "area_code", "area_name"),
    ),
    Dataset("ho-so-toan-tinh", "Hồ sơ toàn tỉnh", "Dossiers, whole province", ()),
)
DATASETS_BY_SLUG = {d.slug: d for d in DATASETS}
FORMATS = ("csv", "json")


def threshold() -> int:
    """K: counts from 1 to K are suppressed ([inferred] 5; no Vietnamese rule fixes it)."""
    return int(getattr(settings, "MOTCUA_OPENDATA_MIN_CELL", 5))


def dictionary() -> list[dict]:
    """Từ điển dữ liệu: every column of every dataset, in a stable order."""
    seen: list[str] = []
    for dataset in DATASETS:
        seen += [c for c in dataset.columns if c not in seen]
    return [
        {
            "field": c.name,
            "type": c.type,
            "meaning_vi": c.vi,
            "meaning_en": c.en,
            "unit": c.unit,
            "source": c.source,
            "datasets": [d.slug for d in DATASETS if c.name in d.columns],
        }
        for c in (_COLUMNS[name] for name in seen)
    ]


# --- counting ------------------------------------------------------------------------------------


def _true_counts(period: Period) -> dict[tuple[int, int], dict[str, int]]:
    """(agency id, procedure id) → {measure: count}: the unsuppressed counts of one month."""
    cells: dict = defaultdict(lambda: dict.fromkeys(MEASURES, 0))
    province = queries.province_unit()
    with queries.without_jit():
        for column, count_name, extra in DOSSIER_MEASURES:
            qs = queries.dossiers_behind(period, province, count_name)
            if extra is not None:
                qs = qs.filter(extra)
            for row in qs.values("handling_agency_id", "procedure_id").order_by().annotate(n=Count("pk")):
                cells[(row["handling_agency_id"], row["procedure_id"])][column] += row["n"]
        ratings = (
            Rating.objects.filter(created_at__gte=period.start, created_at__lt=period.end)
            .values("dossier__handling_agency_id", "dossier__procedure_id")
            .order_by()
            .annotate(rated=Count("pk"), satisfied=Count("pk", filter=Q(level__in=SATISFIED_LEVELS)))
        )
        for row in ratings:
            cell = cells[(row["dossier__handling_agency_id"], row["dossier__procedure_id"])]
            cell["rated"] += row["rated"]
            cell["satisfied"] += row["satisfied"]
    return {key: values for key, values in cells.items() if any(values.values())}


def suppress(values: dict, groups: list[tuple[list, object]], k: int) -> set:
    """The keys of `values` to hide: primary (1..k) and complementary.

    `groups` lists (parts, total): `values[total]` is the sum of `values[p]` for p in parts. Until no
    group has exactly one hidden key among its parts and its total, hide one more key of such a group:
    its smallest non-zero visible part, else a zero part, else its total."""
    hidden = {key for key, value in values.items() if 1 <= value <= k}
    changed = True
    while changed:
        changed = False
        for parts, total in groups:
            members = [*parts, total]
            if sum(key in hidden for key in members) != 1:
                continue
            visible = [key for key in members if key not in hidden]
            pick = min(visible, key=lambda key: (key == total, values[key] == 0, values[key], str(key)))
            hidden.add(pick)
            changed = True
    return hidden


def _label_maps(agency_ids: set[int], procedure_ids: set[int]) -> tuple[dict, dict]:
    agencies = {
        a.pk: {
            "agency_code": a.code,
            "agency_name": a.name,
            "area_code": a.admin_unit.code,
            "area_name": a.admin_unit.name,
        }
        for a in Agency.objects.filter(pk__in=agency_ids).select_related("admin_unit")
    }
    procedures = {
        p["pk"]: {"procedure_code": p["code"], "procedure_name": p["name"]}
        for p in Procedure.objects.filter(pk__in=procedure_ids).values("pk", "code", "name")
    }
    return agencies, procedures


def build_month(period: Period | str, k: int | None = None) -> dict[str, list[dict]]:
    """dataset slug → rows (dicts in the dataset's column order) for one month, suppressed."""
    period = parse_period(period) if isinstance(period, str) else period
    if period.kind != "month":
        raise PeriodError("Dữ liệu mở được công bố theo tháng: dùng dạng 2026-09.")
    k = threshold() if k is None else k
    cells = _true_counts(period)
    agency_totals: dict = defaultdict(lambda: dict.fromkeys(MEASURES, 0))
    province = dict.fromkeys(MEASURES, 0)
    for (agency_id, _procedure_id), counts in cells.items():
        for m in MEASURES:
            agency_totals[agency_id][m] += counts[m]
            province[m] += counts[m]

    # Flatten to keys: ("c", agency, procedure, m), ("a", agency, m), ("p", m).
    values: dict = {}
    groups: list = []
    parts_of_agency: dict = defaultdict(list)
    for (agency_id, procedure_id), counts in cells.items():
        for m in MEASURES:
            key = ("c", agency_id, procedure_id, m)
            values[key] = counts[m]
            parts_of_agency[(agency_id, m)].append(key)
    for agency_id, counts in agency_totals.items():
        for m in MEASURES:
            values[("a", agency_id, m)] = counts[m]
            groups.append((parts_of_agency[(agency_id, m)], ("a", agency_id, m)))
    for m in MEASURES:
        values[("p", m)] = province[m]
        groups.append(([("a", agency_id, m) for agency_id in agency_totals], ("p", m)))
    hidden = suppress(values, groups, k)

    def row(prefix: tuple, labels: dict) -> dict:
        out = {"month": period.first_day.strftime("%Y-%m"), **labels}
        gone = []
        for m in MEASURES:
            key = (*prefix, m)
            if key in hidden:
                out[m] = None
                gone.append(m)
            else:
                out[m] = values[key]
        out["suppressed"] = "|".join(gone)
        return out

    agencies, procedures = _label_maps(set(agency_totals), {p for _a, p in cells})
    by_procedure = [
        row(("c", agency_id, procedure_id), {**agencies[agency_id], **procedures[procedure_id]})
        for agency_id, procedure_id in cells
    ]
    by_procedure.sort(key=lambda r: (r["agency_code"], r["procedure_code"]))
    by_agency = [row(("a", agency_id), agencies[agency_id]) for agency_id in agency_totals]
    by_agency.sort(key=lambda r: r["agency_code"])
    return {
        "ho-so-theo-thu-tuc": by_procedure,
        "ho-so-theo-co-quan": by_agency,
        "ho-so-toan-tinh": [row(("p",), {})],
    }


def cached_month(period: Period | str) -> dict[str, list[dict]]:
    """build_month through the cache (MOTCUA_OPENDATA_CACHE_SECONDS, default one hour)."""
    period = parse_period(period) if isinstance(period, str) else period
    key = f"motcua:opendata:{period.first_day:%Y-%m}:{threshold()}"
    data = cache.get(key)
    if data is None:
        data = build_month(period)
        cache.set(key, data, int(getattr(settings, "MOTCUA_OPENDATA_CACHE_SECONDS", 3600)))
    return data


def _first_day() -> date | None:
    """The day of the first received dossier, cached ten minutes (MIN over the whole table)."""
    key = "motcua:opendata:first-day"
    text = cache.get(key)
    if text is None:
        first = Dossier.objects.aggregate(first=Min("received_at"))["first"]
        text = timezone.localtime(first).date().isoformat() if first else ""
        cache.set(key, text, 600)
    return date.fromisoformat(text) if text else None


def available_months(today: date | None = None) -> list[str]:
    """Complete months from the first received dossier to last month, newest first."""
    today = today or timezone.localdate()
    first = _first_day()
    if first is None:
        return []
    months = []
    year, month = today.year, today.month
    while True:
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        if (year, month) < (first.year, first.month):
            break
        months.append(f"{year:04d}-{month:02d}")
    return months


# --- files -----------------------------------------------------------------------------------------


def _csv(columns: tuple[str, ...], rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow(["" if r[c] is None else r[c] for c in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


def to_csv(dataset: Dataset, rows: list[dict]) -> bytes:
    """UTF-8 with BOM, comma-separated, header of column names, empty cell = suppressed."""
    return _csv(dataset.columns, rows)


def to_json(dataset: Dataset, month: str, rows: list[dict]) -> bytes:
    document = {
        "dataset": dataset.slug,
        "title": dataset.title,
        "title_en": dataset.title_en,
        "month": month,
        "license": LICENSE,
        "suppression": {
            "min_cell": threshold(),
            "rule": "Số từ 1 đến min_cell để trống (null); ẩn bổ sung để không suy ra được từ tổng. "
            "Cột suppressed liệt kê các cột bị ẩn.",
        },
        "columns": list(dataset.columns),
        "rows": [{c: r[c] for c in dataset.columns} for r in rows],
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


DICTIONARY_COLUMNS = ("field", "type", "meaning_vi", "meaning_en", "unit", "source", "datasets")


def dictionary_csv() -> bytes:
    rows = [{**d, "datasets": "|".join(d["datasets"])} for d in dictionary()]
    return _csv(DICTIONARY_COLUMNS, rows)


def dictionary_json() -> bytes:
    document = {"license": LICENSE, "min_cell": threshold(), "fields": dictionary()}
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def render(slug: str, month: str, fmt: str, rows: list[dict]) -> bytes:
    dataset = DATASETS_BY_SLUG[slug]
    return to_csv(dataset, rows) if fmt == "csv" else to_json(dataset, month, rows)
