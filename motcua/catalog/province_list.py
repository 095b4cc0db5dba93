"""The deployment province's published procedure list in the catalog (danh mục TTHC của tỉnh).

Every row of the province's list (settings.MOTCUA_PROVINCE_LISTS) is a procedure of the catalog:
- its code has a record (national or written by the team): the row is that procedure;
- a record says it replaces the row's code (the 2025 reform re-coded many): the row is the new
  procedure, and the report says which old code went to which new one;
- otherwise the row becomes a procedure known only from the list (code, name, field, level,
  online level, the province's deciding act, the national portal's page by code), marked
  `details_pending`: the procedure page says its details are being completed, and the catalog
  sync or an administrator completes it. The report lists the codes with no record, and, where a
  record of another code has the same name, that code as a candidate (never applied by itself).
See docs/adr/0028-province-list-in-the-catalog.md.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from motcua.core.text import fold

from .models import Level, OnlineLevel, Procedure, ProcedureVersion, ProvincialListing

#: `ProcedureVersion.source` prefix of a version written from a province's list alone.
SOURCE_PREFIX = "danh-muc-tinh/"
#: "2000027.000.00.00.H37": a list code that lost the dot of its national code (2.000027).
_LOST_DOT = re.compile(r"^([123])(\d{6})\.")
#: "[SVH] - Văn hóa cơ sở": the department's tag the Lạng Sơn list puts before some fields.
_FIELD_TAG = re.compile(r"^\[[^\]]*\]\s*-?\s*")


def deployment_lists() -> list[str]:
    """The names of the deployment province's lists (settings), "none" meaning no list."""
    names = [n for n in getattr(settings, "MOTCUA_PROVINCE_LISTS", []) if n and n.lower() != "none"]
    return names


def national_page(code: str) -> str:
    """The national portal's page of a procedure, by its national code ("" for a local code)."""
    if not re.fullmatch(r"[123]\.\d{6}", code or ""):
        return ""
    return settings.MOTCUA_NATIONAL_PROCEDURE_URL.format(code=code)


def repair_base_code(code: str, base_code: str) -> str:
    """The national code of a list row: its `base_code`, or the code with its lost dot put back."""
    base_code = (base_code or "").strip()
    if base_code:
        # "2.001958000" (the list's code "2.001958000.00.00.H37" lost a ".")
        match = re.match(r"([123]\.\d{6})\d+$", base_code)
        return match[1] if match else base_code
    match = _LOST_DOT.match(code or "")
    return f"{match[1]}.{match[2]}" if match else ""


def clean_field(name: str) -> str:
    return " ".join(_FIELD_TAG.sub("", name or "").split())


def levels_from_row(name: str, field_name: str, implementing: str) -> list[str]:
    """Cấp thực hiện of a row, after the 2025 two-tier reform, from what the list says.

    The lists pre-date the reform: a district (cấp huyện) procedure is read as a commune one, the
    level that took over the districts' one-stop work [inferred, ADR 0028]."""
    levels: list[str] = []
    text = fold(f"{name} {implementing}")
    if "cap tinh" in text or "so, ban nganh" in text or "ubnd tinh" in text or field_name.startswith("[S"):
        levels.append(Level.PROVINCE.value)
    if any(k in text for k in ("cap xa", "cap huyen", "ubnd xa", "ubnd huyen")):
        levels.append(Level.COMMUNE.value)
    return levels


@dataclass
class ListReport:
    """What the province's list brought into the catalog."""

    source: str
    rows: int = 0
    codes: int = 0
    #: rows (and distinct codes) whose procedure has a full record
    detailed_rows: int = 0
    detailed_codes: int = 0
    #: rows (and distinct codes) known only from the list (details pending)
    pending_rows: int = 0
    pending_codes: int = 0
    pending_created: int = 0
    local_codes: int = 0
    repaired: list[tuple[str, str]] = field(default_factory=list)
    #: (list code, new code, what says so)
    replaced: list[tuple[str, str, str]] = field(default_factory=list)
    #: list codes with no record and no replacement: (code, candidate codes of the same name)
    unmatched: list[tuple[str, list[str]]] = field(default_factory=list)

    def lines(self, detail: bool = False) -> list[str]:
        out = [
            f"Danh mục TTHC của tỉnh ({self.source}): {self.rows} dòng, {self.codes} mã — "
            f"{self.detailed_rows} dòng ({self.detailed_codes} mã) có bản ghi đầy đủ, "
            f"{self.pending_rows} dòng ({self.pending_codes} mã) chỉ có thông tin của danh mục, "
            f"đánh dấu “đang cập nhật” ({self.pending_created} mới); mã riêng của tỉnh: {self.local_codes}",
            f"  Mã đã được thay bằng mã mới (theo bản ghi): {len(self.replaced)}",
        ]
        out += [f"    THAY MÃ   {old} → {new} ({why})" for old, new, why in self.replaced]
        with_candidates = [(c, cands) for c, cands in self.unmatched if cands]
        out.append(
            f"  Mã không có bản ghi chi tiết và không bản ghi nào nói đã thay: {len(self.unmatched)} "
            f"(trong đó {len(with_candidates)} có thủ tục cùng tên mang mã khác — có thể đã đổi mã, "
            "cần quản trị xác nhận; chưa áp dụng)"
        )
        out += [f"    CÙNG TÊN  {code} ~ {', '.join(cands)}" for code, cands in with_candidates]
        if detail:
            out += [f"    CHƯA CÓ   {code}" for code, cands in self.unmatched if not cands]
        out += [f"  Sửa mã thiếu dấu chấm: {old} → {new}" for old, new in self.repaired]
        return out


def _name_key(name: str) -> str:
    words = fold(re.sub(r"\(.*?\)", " ", name or "")).split()
    if words[:2] == ["thu", "tuc"]:
        words = words[2:]
    return " ".join(words)


def bring_in(
    importer, listings: dict[str, list[ProvincialListing]], replacements: dict[str, tuple[str, str]]
):
    """Put every row of the deployment lists in the catalog (see the module). `listings`: the rows
    of each list as imported; `replacements`: old code → (new code, what says so)."""
    reports = []
    # code → pending?; only the pending ones are loaded whole (the stubs refreshed below)
    pending_of: dict[str, bool] = {}
    by_name: dict[str, list[str]] = {}
    for code, name, pending in Procedure.objects.values_list("code", "name", "details_pending"):
        pending_of[code] = pending
        if not pending:
            by_name.setdefault(_name_key(name), []).append(code)
    procedures = {
        p.code: p for p in Procedure.objects.filter(details_pending=True).select_related("current_version")
    }
    all_rows = [row for rows in listings.values() for row in rows]
    for source in deployment_lists():
        rows = listings.get(source)
        if rows is None:
            continue
        report = ListReport(source=source, rows=len(rows))
        groups: dict[str, list[ProvincialListing]] = {}
        # In the list's own order (rows are written in file order): a code listed twice with two
        # names (Lạng Sơn lists 1.009339 so) always takes the same one, whatever order the database
        # returned the rows in.
        for row in sorted(rows, key=lambda r: r.pk):
            base = row.base_code
            code = replacements[base][0] if base in replacements else (base or row.provincial_code)
            groups.setdefault(code, []).append(row)
            if not base:
                report.local_codes += 1
            elif base in replacements and (base, code) not in {(o, n) for o, n, _ in report.replaced}:
                report.replaced.append((base, code, replacements[base][1]))
        report.codes = len(groups)
        stubs = []
        moved: dict[str, list[int]] = {}
        for code, group in groups.items():
            procedure = procedures.get(code)
            for row in group:
                if row.catalog_code != code:
                    # most rows are their own national code: "" groups those for one UPDATE
                    moved.setdefault("" if code == row.base_code else code, []).append(row.pk)
            if code in pending_of and not pending_of[code]:
                report.detailed_rows += len(group)
                report.detailed_codes += 1
                continue
            report.pending_rows += len(group)
            report.pending_codes += 1
            if group[0].base_code:
                report.unmatched.append((code, sorted(by_name.get(_name_key(group[0].name), []))[:3]))
            stubs.append((code, group, procedure))
        _set_catalog_codes(source, moved)
        report.pending_created = _write_stubs(importer, source, stubs, all_rows)
        # A list-only procedure whose code a record now says is replaced: no longer in force (kept,
        # dossiers may point at it); the list row is the new procedure.
        Procedure.objects.filter(
            details_pending=True,
            code__in=[old for old, _, _ in report.replaced],
            status=Procedure.Status.IN_FORCE,
        ).update(status=Procedure.Status.EXPIRED, updated_at=timezone.now())
        reports.append(report)
    return reports


def _set_catalog_codes(source: str, moved: dict[str, list[int]]) -> None:
    """Write the rows' catalog codes: those that are their own national code ("") in one UPDATE,
    the rest (replaced, local codes) per code."""
    rows = ProvincialListing.objects.filter(source=source)
    for code, pks in moved.items():
        for start in range(0, len(pks), 900):
            chunk = rows.filter(pk__in=pks[start : start + 900])
            chunk.update(catalog_code=F("base_code") if code == "" else code)


def _stub_record(code: str, group: list[ProvincialListing], others: list[ProvincialListing]) -> dict:
    first = group[0]
    implementing = " ".join(r.implementing_level for r in [*group, *others] if r.implementing_level)
    levels = levels_from_row(" ".join(r.name for r in group), first.field_name, implementing)
    return {
        "code": code,
        "name": first.name,
        "decision_no": next((r.decision_no for r in group if r.decision_no), ""),
        "field": clean_field(first.field_name),
        "levels": [Level(level).label for level in levels],
        "source_url": national_page(code),
    }


def _write_stubs(importer, source: str, stubs: list, all_rows: list[ProvincialListing]) -> int:
    """Create or refresh the list-only procedures; new ones in bulk (a first import makes ~1,300)."""
    from .importer import _canonical, _hash

    by_base: dict[str, list[ProvincialListing]] = {}
    for row in all_rows:
        if row.base_code:
            by_base.setdefault(row.base_code, []).append(row)
    label = f"{SOURCE_PREFIX}{source}"
    new: list[tuple[Procedure, dict, str]] = []
    for code, group, procedure in stubs:
        others = [r for r in by_base.get(group[0].base_code, []) if r.source != source]
        record = _stub_record(code, group, others)
        data = _canonical(record, label, importer.report)
        digest = _hash(data)
        level, origin, count = online_level_of([*group, *others])
        values = {
            **importer._values(data),
            "online_level": level,
            "online_level_source": origin,
            "provincial_listings": count,
            "details_pending": True,
        }
        if procedure is None:
            new.append((Procedure(code=code, **values), data, digest))
            continue
        current = procedure.current_version
        importer._update(procedure, values, digest, data, current is None or current.content_hash != digest)
    if not new:
        return 0
    now = importer.now or timezone.now()
    Procedure.objects.bulk_create([p for p, _, _ in new], batch_size=500)
    codes = [p.code for p, _, _ in new]
    ids = dict(Procedure.objects.filter(code__in=codes).values_list("code", "pk"))
    versions = []
    for procedure, data, digest in new:
        procedure.pk = ids[procedure.code]
        body = {k: v for k, v in data.items() if k not in {"methods", "documents"}}
        versions.append(
            ProcedureVersion(procedure=procedure, number=1, content_hash=digest, imported_at=now, **body)
        )
    ProcedureVersion.objects.bulk_create(versions, batch_size=500)
    # One UPDATE, not a CASE per row: each new procedure's current version is its version 1.
    first = ProcedureVersion.objects.filter(procedure=OuterRef("pk"), number=1).values("pk")[:1]
    Procedure.objects.filter(pk__in=ids.values()).update(current_version=Subquery(first))
    importer.report.created += len(new)
    return len(new)


def online_level_of(rows: list[ProvincialListing]) -> tuple[str, str, int]:
    """(online level, its source, how many lists have it) from list rows, in the trusted order."""
    by_source: dict[str, ProvincialListing] = {}
    for row in rows:
        by_source.setdefault(row.source, row)
    order = [*settings.MOTCUA_ONLINE_LEVEL_SOURCES, *sorted(by_source)]
    level, origin, seen = OnlineLevel.UNKNOWN, "", []
    for name in order:
        row = by_source.get(name)
        if row is None or name in seen:
            continue
        seen.append(name)
        if level == OnlineLevel.UNKNOWN and row.online_level != OnlineLevel.UNKNOWN:
            level, origin = row.online_level, f"{name}: {row.online_level_text}"
    return level, origin, len(seen)


def coverage(path, source: str) -> Counter:
    """How the rows of a shipped list file stand in the catalog now (read from the file itself, so
    it can be run on any database): with a full record, known only from the list, or missing."""
    import csv

    state_of: dict[str, str] = {}
    for code, pending, replaced in Procedure.objects.values_list("code", "details_pending", "replaced_codes"):
        state = "pending" if pending else "detailed"
        state_of[code] = state
        for old in replaced or []:
            state_of.setdefault(old, state)
    counts: Counter = Counter()
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            counts["rows"] += 1
            if is_test_row(row):
                counts["test"] += 1
                continue
            base = repair_base_code(row.get("code", ""), row.get("base_code", ""))
            state = state_of.get(base or row.get("code", ""), "missing")
            counts[state] += 1
            if base:
                counts["national_code"] += 1
                counts[f"{state}_national_code"] += 1
    return counts


def is_test_row(row: dict) -> bool:
    """The portal's own test entries ("Thủ tục test", "TEST_MOT_CAP")."""
    name = (row.get("name") or "").strip().lower()
    return name.startswith(("thủ tục test", "test")) or (row.get("code") or "").upper().startswith("TEST")
