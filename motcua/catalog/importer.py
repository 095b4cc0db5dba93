"""Import the national procedure records and the provincial catalogues (services).

Idempotent: a record whose content did not change is left alone; a changed one becomes a new
`ProcedureVersion` and the old version is kept. Values that cannot be parsed are kept as text
and listed in the report, never guessed.
"""

import csv
import gzip
import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from motcua.core.text import fold
from motcua.places.models import Agency

from . import parsing, province_list
from .models import (
    ADMIN_SOURCE_PREFIX,
    DocumentRequirement,
    Field,
    Level,
    OnlineLevel,
    Procedure,
    ProcedureAgency,
    ProcedureVersion,
    ProvincialListing,
    SubmissionMethod,
)

#: The record files shipped in data/catalog, in import order (codes do not overlap).
NATIONAL_SOURCES = ["tthc-national/procedures.jsonl.gz", "tthc-bqp/procedures.jsonl.gz"]
#: Full records the team wrote from the legal acts (each names its sources): they replace a
#: national record of the same code, which for these procedures is missing or incomplete.
CURATED_SOURCES = ["tthc-curated/procedures.jsonl"]
PROVINCIAL_LISTS = {
    "lang-son-2025-04": "tthc-province-lists-2025/lang-son-2025-04.csv",
    "lam-dong-2025-03": "tthc-province-lists-2025/lam-dong-2025-03.csv",
}
ONLINE_LEVELS = {
    "toàn trình": OnlineLevel.FULL,
    "mức độ 4": OnlineLevel.FULL,
    "một phần": OnlineLevel.PARTIAL,
    "mức độ 3": OnlineLevel.PARTIAL,
    "mức độ 2": OnlineLevel.NONE,
    "mức độ 1": OnlineLevel.NONE,
    "còn lại": OnlineLevel.NONE,
}
BQP_SOURCE = "tthc-bqp"


@dataclass
class ImportReport:
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    per_level: Counter = field(default_factory=Counter)
    per_source: Counter = field(default_factory=Counter)
    online_levels: Counter = field(default_factory=Counter)
    listings: Counter = field(default_factory=Counter)
    agency_links: int = 0
    #: (procedure code, what, the text we could not parse)
    unparsed: list[tuple[str, str, str]] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    #: national records a curated one (tthc-curated) stood for
    curated_over_national: int = 0
    #: what the deployment province's list brought in (province_list.ListReport)
    province_lists: list = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.changed + self.unchanged

    def lines(self, detail: bool = False) -> list[str]:
        out = [
            f"Thủ tục: {self.total} ({self.created} mới, {self.changed} có thay đổi → phiên bản mới, "
            f"{self.unchanged} không đổi)",
            "Theo nguồn: " + ", ".join(f"{k} {v}" for k, v in sorted(self.per_source.items())),
            "Theo cấp thực hiện: "
            + ", ".join(f"{Level(k).label} {v}" for k, v in self.per_level.most_common()),
            "Mức độ trực tuyến: "
            + ", ".join(f"{OnlineLevel(k).label} {v}" for k, v in self.online_levels.most_common()),
            "Danh mục tỉnh: " + ", ".join(f"{k} {v} dòng" for k, v in sorted(self.listings.items())),
            f"Liên kết thủ tục – cơ quan: {self.agency_links}",
        ]
        kinds = Counter(what for _, what, _ in self.unparsed)
        out.append(
            f"Không phân tích được (giữ nguyên văn bản, không đoán): {len(self.unparsed)} giá trị"
            + (" — " + ", ".join(f"{k} {v}" for k, v in kinds.most_common()) if kinds else "")
        )
        if detail:
            out += [f"  {code}\t{what}\t{text}" for code, what, text in self.unparsed]
        out += [f"BỊ TỪ CHỐI: {code}: {why}" for code, why in self.rejected]
        if self.curated_over_national:
            out.append(
                "Bản ghi biên soạn từ văn bản pháp luật thay bản ghi quốc gia chưa đầy đủ: "
                f"{self.curated_over_national}"
            )
        for list_report in self.province_lists:
            out += list_report.lines(detail)
        return out


def _read_jsonl(path: Path) -> Iterable[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def _canonical(record: dict, source: str, report: ImportReport) -> dict:
    """The record as we store it: every value normalised, in a stable shape for hashing."""
    code = record["code"]
    levels = []
    for raw in record.get("levels") or []:
        level = parsing.LEVELS.get(raw.strip().lower())
        if level is None:
            report.unparsed.append((code, "cấp thực hiện", raw))
        elif level not in levels:
            levels.append(level.value)
    methods = []
    for position, method in enumerate(record.get("submission_methods") or []):
        channel = parsing.CHANNELS.get((method.get("channel") or "").strip().lower())
        if channel is None:
            report.unparsed.append((code, "kênh", method.get("channel", "")))
            continue
        time = parsing.parse_processing_time(method.get("processing_time", ""))
        if not time.ok:
            report.unparsed.append((code, "thời hạn", method.get("processing_time", "")))
        fee = parsing.parse_fee(method.get("fee", ""), method.get("fee_vnd"))
        if not fee.ok:
            report.unparsed.append((code, "phí", method.get("fee", "")))
        amount, unit = time.value
        fee_status, fee_amounts = fee.value
        methods.append(
            {
                "channel": channel.value,
                "processing_time_text": (method.get("processing_time") or "")[:500],
                "time_amount": str(amount) if amount is not None else None,
                "time_unit": unit.value,
                "fee_text": (method.get("fee") or "")[:500],
                "fee_status": fee_status.value,
                "fee_amounts": fee_amounts,
                "note": method.get("note") or "",
                "position": position,
            }
        )
    documents = []
    for position, doc in enumerate(record.get("documents") or []):
        if not (doc.get("name") or "").strip():
            continue
        # The source glues the form's file name onto the paper's name; keep them apart.
        name, attached = parsing.split_attached_file(doc["name"])
        documents.append(
            {
                "group": doc.get("group") or "",
                "name": name,
                "originals": int(doc.get("copies_original") or 0),
                "copies": int(doc.get("copies_copy") or 0),
                "form_template": (attached or doc.get("form_hint") or "")[:255],
                "position": position,
            }
        )
    legal_basis = [
        {k: v for k, v in item.items() if k in {"number", "title", "issued_date", "issuer"} and v}
        for item in record.get("legal_basis") or []
    ]
    return {
        "name": " ".join(record["name"].split()),
        "decision_no": (record.get("decision_no") or "")[:255],
        "procedure_type": (record.get("procedure_type") or "")[:255],
        "field_name": (record.get("field") or "").strip()[:255],
        "levels": levels,
        "target_subjects": parsing.split_subjects(record.get("target_subjects", "")),
        "competent_agency": record.get("competent_agency") or "",
        "implementing_agency": record.get("implementing_agency") or "",
        "coordinating_agency": record.get("coordinating_agency") or "",
        "delegated_agency": record.get("delegated_agency") or "",
        "receiving_address": record.get("receiving_address") or "",
        "steps": parsing.parse_steps(record.get("steps", "")),
        "conditions": record.get("requirements") or "",
        "result_text": parsing.clean_result_text(record.get("result") or ""),
        "results": parsing.parse_results(record.get("result", "")),
        "legal_basis": legal_basis,
        "related_procedures": record.get("related_procedures") or "",
        "source": source,
        "source_url": (record.get("source_url") or "")[:500],
        "methods": methods,
        "documents": documents,
    }


def _hash(canonical: dict) -> str:
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


#: What a version holds beside its own fields, and their names in the report of what changed.
CHILD_LABELS = {"methods": "cách thức thực hiện", "documents": "thành phần hồ sơ"}
#: Where the content came from: not content, a change of source alone is no new version.
PROVENANCE = ("source", "source_url")
METHOD_FIELDS = (
    "channel",
    "processing_time_text",
    "time_amount",
    "time_unit",
    "fee_text",
    "fee_status",
    "fee_amounts",
    "note",
    "position",
)
DOCUMENT_FIELDS = ("group", "name", "originals", "copies", "form_template", "position")


def version_content(version: ProcedureVersion) -> dict:
    """A stored version in the shape of `_canonical` (what the importer wrote)."""
    body = {
        f.name: getattr(version, f.name)
        for f in ProcedureVersion._meta.concrete_fields
        if f.name not in {"id", "procedure", "number", "content_hash", "imported_at", "superseded_at"}
    }
    body["methods"] = [
        {
            **{k: getattr(m, k) for k in METHOD_FIELDS},
            "time_amount": str(m.time_amount) if m.time_amount is not None else None,
        }
        for m in version.methods.all()
    ]
    body["documents"] = [{k: getattr(d, k) for k in DOCUMENT_FIELDS} for d in version.documents.all()]
    return body


def _comparable(content: dict) -> dict:
    out = {k: v for k, v in content.items() if k not in PROVENANCE}
    out["methods"] = [
        {**m, "time_amount": Decimal(m["time_amount"]) if m.get("time_amount") is not None else None}
        for m in content.get("methods") or []
    ]
    return out


def content_changes(old: dict, new: dict) -> list[str]:
    """The names (Vietnamese, for the report) of the content that differs, source aside."""
    a, b = _comparable(old), _comparable(new)
    names = []
    for key in b:
        if a.get(key) != b.get(key):
            label = CHILD_LABELS.get(key) or str(ProcedureVersion._meta.get_field(key).verbose_name)
            names.append(label)
    return names


def _source_label(path: str, record: dict) -> str:
    folder = path.split("/")[0]
    group = record.get("ministry_group") or ("bo-quoc-phong" if folder == BQP_SOURCE else "")
    return f"{folder}/{group}" if group else folder


class CatalogImporter:
    def __init__(self, data_dir: Path | None = None, now=None):
        self.data_dir = Path(data_dir or Path(settings.DATA_DIR) / "catalog")
        self.now = now or timezone.now()
        self.report = ImportReport()
        self._fields: dict[str, Field] = {f.name: f for f in Field.objects.all()}
        #: The rows of each provincial list as stored, and how many rows each file had.
        self.listing_rows: dict[str, list[ProvincialListing]] = {}
        self.list_rows: dict[str, int] = {}
        #: old code → (new code, what says so), from the records' `replaces`.
        self.replacements: dict[str, tuple[str, str]] = {}

    # --- provincial catalogues ---------------------------------------------------------------
    def import_provincial_lists(self) -> dict[str, dict[str, ProvincialListing]]:
        by_source: dict[str, dict[str, ProvincialListing]] = {}
        for source, relpath in PROVINCIAL_LISTS.items():
            rows = {}
            with open(self.data_dir / relpath, encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle):
                    name = " ".join((row.get("name") or "").split())
                    if province_list.is_test_row(row) or not (row.get("code") or "").strip():
                        continue  # the portal's test entries
                    base = province_list.repair_base_code(row["code"], row.get("base_code") or "")
                    text = (row.get("online_level") or "").strip()
                    rows.setdefault(row["code"], []).append(row)
                    if len(rows[row["code"]]) > 1:
                        continue  # the same code twice in the list: the first row stands
                    rows[row["code"]][0] = ProvincialListing(
                        source=source,
                        provincial_code=row["code"][:64],
                        base_code=base,
                        name=name,
                        decision_no=(row.get("decision_no") or "")[:255],
                        field_name=(row.get("field") or "")[:255],
                        online_level_text=text,
                        online_level=ONLINE_LEVELS.get(text.lower(), OnlineLevel.UNKNOWN),
                        implementing_level=(row.get("implementing_level_org") or "")[:255],
                    )
            self.list_rows[source] = sum(len(r) for r in rows.values())
            rows = {code: group[0] for code, group in rows.items()}
            existing = {
                listing.provincial_code: listing
                for listing in ProvincialListing.objects.filter(source=source)
            }
            fields = [
                "base_code",
                "name",
                "field_name",
                "online_level_text",
                "online_level",
                "implementing_level",
                "decision_no",
            ]
            new = [r for code, r in rows.items() if code not in existing]
            changed = []
            for code, row in rows.items():
                old = existing.get(code)
                if old and any(getattr(old, f) != getattr(row, f) for f in fields):
                    row.pk = old.pk
                    changed.append(row)
            ProvincialListing.objects.bulk_create(new, batch_size=1000)
            ProvincialListing.objects.bulk_update(changed, fields, batch_size=1000)
            ProvincialListing.objects.filter(source=source).exclude(provincial_code__in=rows).delete()
            self.report.listings[source] = len(rows)
            saved = {r.provincial_code: r for r in ProvincialListing.objects.filter(source=source)}
            index: dict[str, ProvincialListing] = {}
            for row in rows.values():
                if row.base_code:
                    index.setdefault(row.base_code, row)
            by_source[source] = index
            self.listing_rows[source] = list(saved.values())
        return by_source

    # --- national records --------------------------------------------------------------------
    def _field(self, name: str) -> Field | None:
        if not name:
            return None
        if name not in self._fields:
            # "Hộ Tịch" in a list is the catalog's "Hộ tịch": one field, not two.
            same = next((f for n, f in self._fields.items() if n.casefold() == name.casefold()), None)
            if same is not None:
                return same

            slug = slugify(fold(name))[:240] or "linh-vuc"
            base, n = slug, 2
            while Field.objects.filter(slug=slug).exists():
                slug, n = f"{base}-{n}", n + 1
            self._fields[name] = Field.objects.create(name=name, slug=slug)
        return self._fields[name]

    def _write_version(self, procedure: Procedure, number: int, digest: str, data: dict) -> ProcedureVersion:
        body = {k: v for k, v in data.items() if k not in {"methods", "documents"}}
        version = ProcedureVersion.objects.create(
            procedure=procedure, number=number, content_hash=digest, imported_at=self.now, **body
        )
        SubmissionMethod.objects.bulk_create(
            [SubmissionMethod(version=version, **m) for m in data["methods"]]
        )
        DocumentRequirement.objects.bulk_create(
            [DocumentRequirement(version=version, **d) for d in data["documents"]]
        )
        return version

    def _records(self) -> list[tuple[str, dict]]:
        """(file, record) of every source, a curated record standing for the national one."""
        curated = []
        for relpath in CURATED_SOURCES:
            path = self.data_dir / relpath
            if path.is_file():
                curated += [(relpath, r) for r in _read_jsonl(path)]
        overridden = {(r.get("code") or "").strip() for _, r in curated}
        out = []
        for relpath in NATIONAL_SOURCES:
            for record in _read_jsonl(self.data_dir / relpath):
                if (record.get("code") or "").strip() in overridden:
                    self.report.curated_over_national += 1
                    continue
                out.append((relpath, record))
        return out + curated

    def import_records(self, listings: dict[str, dict[str, ProvincialListing]]) -> None:
        procedures = {p.code: p for p in Procedure.objects.select_related("current_version")}
        seen: set[str] = set()
        records = self._records()
        for relpath, record in records:
            code = (record.get("code") or "").strip()
            for old in record.get("replaces") or []:
                why = record.get("replaces_source") or record.get("decision_no") or relpath
                self.replacements.setdefault(str(old).strip(), (code, why))
        for relpath, record in records:
            code = (record.get("code") or "").strip()
            if not code or not (record.get("name") or "").strip():
                self.report.rejected.append((code or "?", "thiếu mã hoặc tên"))
                continue
            if code in seen:
                self.report.rejected.append((code, f"trùng mã trong {relpath}"))
                continue
            seen.add(code)
            source = _source_label(relpath, record)
            data = _canonical(record, source, self.report)
            digest = _hash(data)
            self.report.per_source[source.split("/")[0]] += 1
            for level in data["levels"]:
                self.report.per_level[level] += 1
            online_level, online_source, count = OnlineLevel.UNKNOWN, "", 0
            old_codes = [str(c).strip() for c in record.get("replaces") or []]
            for source_name in settings.MOTCUA_ONLINE_LEVEL_SOURCES:
                index = listings.get(source_name, {})
                listing = next((index[c] for c in [code, *old_codes] if c in index), None)
                if listing is None:
                    continue
                count += 1
                if online_level == OnlineLevel.UNKNOWN and listing.online_level != OnlineLevel.UNKNOWN:
                    online_level = listing.online_level
                    online_source = f"{source_name}: {listing.online_level_text}"
            self.report.online_levels[online_level] += 1
            values = {
                **self._values(data),
                "online_level": online_level,
                "online_level_source": online_source,
                "provincial_listings": count,
                "details_pending": False,
                "replaced_codes": old_codes,
            }
            procedure = procedures.get(code)
            if procedure is not None and procedure.online_level_source.startswith(ADMIN_SOURCE_PREFIX):
                del values["online_level"], values["online_level_source"]  # an administrator decided
            if procedure is None:
                self._create(code, values, digest, data)
                continue
            current = procedure.current_version
            self._update(procedure, values, digest, data, current is None or current.content_hash != digest)

    # --- one record at a time (the catalog sync) --------------------------------------------
    def _online_level(self, code: str) -> tuple[str, str, int]:
        """The online level the provincial catalogues give a procedure (first source that knows)."""
        listings = {
            row.source: row
            for row in ProvincialListing.objects.filter(base_code=code).order_by("provincial_code")
        }
        level, origin, count = OnlineLevel.UNKNOWN, "", 0
        for source_name in settings.MOTCUA_ONLINE_LEVEL_SOURCES:
            listing = listings.get(source_name)
            if listing is None:
                continue
            count += 1
            if level == OnlineLevel.UNKNOWN and listing.online_level != OnlineLevel.UNKNOWN:
                level, origin = listing.online_level, f"{source_name}: {listing.online_level_text}"
        return level, origin, count

    def apply_record(self, record: dict, source: str) -> tuple[str, Procedure, list[str]]:
        """Create or update one procedure from a national record (the importer's shape).

        ("created" | "changed" | "unchanged", the procedure, the names of what changed). A change of
        content writes a new version and keeps the old one (dossiers keep pointing at theirs); the
        same content from another source is no change. Call inside a transaction.
        """
        code = (record.get("code") or "").strip()
        data = _canonical({**record, "code": code}, source, self.report)
        digest = _hash(data)
        values = self._values(data) | {"details_pending": False}
        procedure = Procedure.objects.select_related("current_version").filter(code=code).first()
        if procedure is None:
            level, origin, count = self._online_level(code)
            values |= {"online_level": level, "online_level_source": origin, "provincial_listings": count}
            return "created", self._create(code, values, digest, data), []
        current = procedure.current_version
        changes = content_changes(version_content(current), data) if current else ["phiên bản"]
        self._update(procedure, values, digest, data, bool(changes))
        return ("changed" if changes else "unchanged"), procedure, changes

    # --- writing one procedure (both paths) ----------------------------------------------------
    def _values(self, data: dict) -> dict:
        """The procedure's own columns from a canonical record."""
        return {
            "name": data["name"],
            "field": self._field(data["field_name"]),
            "at_ministry": Level.MINISTRY in data["levels"],
            "at_province": Level.PROVINCE in data["levels"],
            "at_commune": Level.COMMUNE in data["levels"],
            "at_other": Level.OTHER in data["levels"],
        }

    def _create(self, code: str, values: dict, digest: str, data: dict) -> Procedure:
        procedure = Procedure.objects.create(code=code, **values)
        procedure.current_version = self._write_version(procedure, 1, digest, data)
        procedure.save(update_fields=["current_version"])
        self.report.created += 1
        return procedure

    def _update(self, procedure: Procedure, values: dict, digest: str, data: dict, new_version: bool) -> None:
        """Save the columns that differ; with `new_version`, supersede the current version (kept:
        dossiers point at theirs) by a new one."""
        dirty = [k for k, v in values.items() if getattr(procedure, k) != v]
        current = procedure.current_version
        if new_version:
            if current is not None:
                current.superseded_at = self.now
                current.save(update_fields=["superseded_at"])
            number = (current.number if current else 0) + 1
            procedure.current_version = self._write_version(procedure, number, digest, data)
            dirty.append("current_version")
            self.report.changed += 1
        else:
            self.report.unchanged += 1
        if dirty:
            for k in dirty:
                if k in values:
                    setattr(procedure, k, values[k])
            procedure.save(update_fields=[*dirty, "updated_at"])

    # --- who carries out what ----------------------------------------------------------------
    def link_agencies(self, procedure_ids: Iterable[int] | None = None) -> None:
        """Link procedures to the deployment's agencies: departments by name, communes by level.

        `procedure_ids`: only these procedures (the catalog sync's new and changed ones)."""
        agencies = list(Agency.objects.filter(is_active=True))
        if not agencies:
            return
        departments = [
            a for a in agencies if a.kind in {Agency.Kind.DEPARTMENT, Agency.Kind.PROVINCIAL_COMMITTEE}
        ]
        names = sorted(((fold(n), a) for a in departments for n in a.match_names), key=lambda p: -len(p[0]))
        by_group = {g: a for a in departments for g in a.ministry_groups}
        center = next((a for a in agencies if a.kind == Agency.Kind.PROVINCIAL_CENTER), None)
        committees = [a for a in agencies if a.kind == Agency.Kind.COMMUNE_COMMITTEE]
        police = [a for a in agencies if a.kind == Agency.Kind.COMMUNE_POLICE]
        commune_centers = [a for a in agencies if a.kind == Agency.Kind.COMMUNE_CENTER]

        wanted: set[tuple[int, int, str]] = set()
        # A procedure known only from the province's list has no agency yet: the sync or an
        # administrator names it with the details.
        scope = Procedure.objects.exclude(current_version=None).exclude(details_pending=True)
        links = ProcedureAgency.objects.all()
        if procedure_ids is not None:
            procedure_ids = list(procedure_ids)
            scope, links = scope.filter(pk__in=procedure_ids), links.filter(procedure_id__in=procedure_ids)
        versions = ProcedureVersion.objects.filter(pk__in=scope.values("current_version")).only(
            "procedure_id", "levels", "implementing_agency", "competent_agency", "source"
        )
        implementing, receiving = ProcedureAgency.Role.IMPLEMENTING, ProcedureAgency.Role.RECEIVING
        for v in versions:
            if Level.PROVINCE in v.levels:
                text = fold(f"{v.implementing_agency} {v.competent_agency}")
                agency = next((a for n, a in names if n in text), None)
                if agency is None:
                    agency = by_group.get(v.source.split("/")[-1])
                if agency is not None:
                    wanted.add((v.procedure_id, agency.pk, implementing))
                if center is not None:
                    wanted.add((v.procedure_id, center.pk, receiving))
            if Level.COMMUNE in v.levels:
                by_police = "cong an" in fold(v.implementing_agency)
                for agency in police if by_police else committees:
                    wanted.add((v.procedure_id, agency.pk, implementing))
                for agency in commune_centers:
                    wanted.add((v.procedure_id, agency.pk, receiving))
        existing = {
            (p, a, r): pk for pk, p, a, r in links.values_list("pk", "procedure_id", "agency_id", "role")
        }
        ProcedureAgency.objects.bulk_create(
            [ProcedureAgency(procedure_id=p, agency_id=a, role=r) for p, a, r in wanted - existing.keys()],
            batch_size=5000,
        )
        stale = [pk for key, pk in existing.items() if key not in wanted]
        for start in range(0, len(stale), 5000):
            ProcedureAgency.objects.filter(pk__in=stale[start : start + 5000]).delete()
        if procedure_ids is None:
            self.report.agency_links = len(wanted)

    @transaction.atomic
    def run(self) -> ImportReport:
        listings = self.import_provincial_lists()
        self.import_records(listings)
        self.report.province_lists = province_list.bring_in(self, self.listing_rows, self.replacements)
        for list_report in self.report.province_lists:
            list_report.rows = self.list_rows.get(list_report.source, list_report.rows)
        self.link_agencies()
        return self.report


def import_catalog(data_dir: Path | None = None) -> ImportReport:
    return CatalogImporter(data_dir).run()
