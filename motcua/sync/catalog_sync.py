"""Catalog sync from the national TTHC database (đồng bộ danh mục TTHC từ CSDL quốc gia về TTHC).

`sync_catalog(since=None, dry_run=False)` asks the portal for the procedures changed since a moment
(`LayDanhSachTTHC`), then each one's record (`LayThuTuc`), and applies them through the catalog's
importer: a new procedure is created; changed content becomes a NEW `ProcedureVersion` (the old one
is kept, dossiers keep pointing at theirs); an abolished procedure gets the status abolished (never
deleted). Every run is stored as a `catalog.CatalogSyncRun` with what changed. A record that cannot
be read is reported and changes nothing for its procedure; it is asked for again next run.

The LayThuTuc record (`to_portal_record` / `from_portal_record`): the spec names MATTHC, TENTTHC and
LINHVUCTHUCHIEN[{MALINHVUC, TENLINHVUC}]; the other keys follow the sections of the national
database's procedure page in the same style [inferred, see ADR 0021]. Dates are yyyyMMddHHmmss.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from motcua.catalog.importer import CatalogImporter
from motcua.catalog.models import CatalogSyncRun, Field, Procedure, ProcedureVersion
from motcua.core.text import fold
from motcua.exchange.client import ExchangeError

from .client import MalformedAnswer, PortalClient, PortalRefused
from .portal import RecordRejected, format_portal_date, parse_portal_date

logger = logging.getLogger(__name__)

#: `ProcedureVersion.source` of what the sync wrote.
SOURCE = "dvcqg-csdl-tthc"
#: TINHTRANG of a LayThuTuc record: 1 đang có hiệu lực, 2 đã bãi bỏ [inferred].
IN_FORCE, ABOLISHED = 1, 2
#: A run asks for changes from a little before the previous run started (clock skew between systems).
SINCE_MARGIN = timedelta(minutes=10)

_TEXT = {  # portal key → importer key, free text
    "TENTTHC": "name",
    "QUYETDINHCONGBO": "decision_no",
    "LOAITTHC": "procedure_type",
    "DOITUONGTHUCHIEN": "target_subjects",
    "COQUANCOTHAMQUYEN": "competent_agency",
    "COQUANTHUCHIEN": "implementing_agency",
    "DIACHITIEPNHAN": "receiving_address",
    "COQUANDUOCUYQUYEN": "delegated_agency",
    "COQUANPHOIHOP": "coordinating_agency",
    "THUTUCLIENQUAN": "related_procedures",
    "TRINHTUTHUCHIEN": "steps",
    "YEUCAUDIEUKIEN": "requirements",
    "KETQUATHUCHIEN": "result",
    "DUONGDAN": "source_url",
}
_METHOD = {"KENH": "channel", "THOIHAN": "processing_time", "PHILEPHI": "fee", "MOTA": "note"}
_DOCUMENT = {"TRUONGHOP": "group", "TENGIAYTO": "name", "MAUDON": "form_hint"}
_LEGAL = {"SOVANBAN": "number", "TENVANBAN": "title", "NGAYBANHANH": "issued_date", "COQUANBANHANH": "issuer"}


def field_code(name: str) -> str:
    """MALINHVUC the sandbox gives a field (the real codes are the national database's own)."""
    return slugify(fold(name))[:64]


def to_portal_record(record: dict) -> dict:
    """A national record of the shipped data (the importer's shape) as LayThuTuc answers it."""
    out = {"MATTHC": record.get("code", "")}
    out.update({key: record.get(name) or "" for key, name in _TEXT.items()})
    field_name = (record.get("field") or "").strip()
    out["LINHVUCTHUCHIEN"] = (
        [{"MALINHVUC": field_code(field_name), "TENLINHVUC": field_name}] if field_name else []
    )
    out["CAPTHUCHIEN"] = list(record.get("levels") or [])
    out["CACHTHUCTHUCHIEN"] = [
        {
            **{key: m.get(name) or "" for key, name in _METHOD.items()},
            "PHILEPHI_VND": list(m.get("fee_vnd") or []),
        }
        for m in record.get("submission_methods") or []
    ]
    out["THANHPHANHOSO"] = [
        {
            **{key: d.get(name) or "" for key, name in _DOCUMENT.items()},
            "SOBANCHINH": int(d.get("copies_original") or 0),
            "SOBANSAO": int(d.get("copies_copy") or 0),
        }
        for d in record.get("documents") or []
    ]
    out["CANCUPHAPLY"] = [
        {key: item.get(name) or "" for key, name in _LEGAL.items()}
        for item in record.get("legal_basis") or []
    ]
    out["TINHTRANG"] = IN_FORCE
    out["NGAYBAIBO"] = ""
    return out


class RecordUnreadable(ValueError):
    """A LayThuTuc record that does not follow the contract; names the field at fault."""

    def __init__(self, field_name: str, message: str):
        self.field = field_name
        super().__init__(f"{field_name}: {message}")


def _string(raw: dict, key: str, *, required: bool = False, max_length: int = 100_000) -> str:
    value = raw.get(key)
    if value is None or value == "":
        if required:
            raise RecordUnreadable(key, "thiếu (bắt buộc).")
        return ""
    if not isinstance(value, str):
        raise RecordUnreadable(key, f"phải là chuỗi ký tự, nhận được {type(value).__name__}.")
    if required and not value.strip():
        raise RecordUnreadable(key, "thiếu (bắt buộc).")
    if len(value) > max_length:
        raise RecordUnreadable(key, f"dài quá {max_length} ký tự.")
    return value


def _objects(raw: dict, key: str) -> list[dict]:
    value = raw.get(key)
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise RecordUnreadable(key, "phải là danh sách các đối tượng.")
    return value


def _count(item: dict, key: str, where: str) -> int:
    value = item.get(key, 0)
    if value in (None, ""):
        return 0
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit():
        raise RecordUnreadable(f"{where}.{key}", f"phải là số nguyên không âm, nhận được {value!r}.")
    return int(str(value).strip())


@dataclass(frozen=True)
class NationalProcedure:
    record: dict  # the importer's shape
    abolished: bool
    abolished_on: date | None


def from_portal_record(raw, code: str) -> NationalProcedure:
    """Check a LayThuTuc record and turn it into the importer's shape; RecordUnreadable if it cannot be."""
    if not isinstance(raw, dict):
        raise RecordUnreadable("data[0]", "phải là một đối tượng JSON.")
    got = _string(raw, "MATTHC", required=True, max_length=32).strip()
    if got != code:
        raise RecordUnreadable("MATTHC", f"hỏi thủ tục {code} nhưng nhận được {got}.")
    record = {"code": code}
    for key, name in _TEXT.items():
        record[name] = _string(raw, key, required=key == "TENTTHC")
    if len(record["name"]) > 2000:
        raise RecordUnreadable("TENTTHC", "dài quá 2000 ký tự.")
    fields = _objects(raw, "LINHVUCTHUCHIEN")
    record["field"] = _string(fields[0], "TENLINHVUC", max_length=255).strip() if fields else ""
    levels = raw.get("CAPTHUCHIEN") or []
    if not isinstance(levels, list) or not all(isinstance(level, str) for level in levels):
        raise RecordUnreadable("CAPTHUCHIEN", "phải là danh sách tên cấp thực hiện.")
    record["levels"] = levels
    methods = []
    for i, item in enumerate(_objects(raw, "CACHTHUCTHUCHIEN")):
        method = {name: _string(item, key) for key, name in _METHOD.items()}
        amounts = item.get("PHILEPHI_VND") or []
        if not isinstance(amounts, list) or not all(
            isinstance(a, int) and not isinstance(a, bool) for a in amounts
        ):
            raise RecordUnreadable(f"CACHTHUCTHUCHIEN[{i}].PHILEPHI_VND", "phải là danh sách số tiền (đồng).")
        if not method["channel"].strip():
            raise RecordUnreadable(f"CACHTHUCTHUCHIEN[{i}].KENH", "thiếu (bắt buộc).")
        methods.append({**method, "fee_vnd": amounts})
    record["submission_methods"] = methods
    documents = []
    for i, item in enumerate(_objects(raw, "THANHPHANHOSO")):
        where = f"THANHPHANHOSO[{i}]"
        document = {name: _string(item, key) for key, name in _DOCUMENT.items()}
        document["copies_original"] = _count(item, "SOBANCHINH", where)
        document["copies_copy"] = _count(item, "SOBANSAO", where)
        documents.append(document)
    record["documents"] = documents
    record["legal_basis"] = [
        {name: _string(item, key) for key, name in _LEGAL.items()} for item in _objects(raw, "CANCUPHAPLY")
    ]
    status = raw.get("TINHTRANG", IN_FORCE)
    if isinstance(status, bool) or status not in (IN_FORCE, ABOLISHED):
        raise RecordUnreadable("TINHTRANG", f"giá trị {status!r} không hợp lệ (chỉ nhận 1 hoặc 2).")
    abolished_on = None
    if raw.get("NGAYBAIBO"):
        try:
            abolished_on = timezone.localtime(parse_portal_date(raw["NGAYBAIBO"], "NGAYBAIBO")).date()
        except RecordRejected as exc:
            raise RecordUnreadable("NGAYBAIBO", exc.message.split(": ", 1)[1]) from None
    return NationalProcedure(record, status == ABOLISHED, abolished_on)


class _RollBack(Exception):
    """Undo one procedure's changes (a dry run, or a record that failed half way)."""


def _listing(client: PortalClient, since: datetime | None) -> list[str]:
    options = [{"TuNgay": format_portal_date(since)}] if since else []
    rows = client.call("LayDanhSachTTHC", options, agency_code="").get("data")
    if not isinstance(rows, list):
        raise MalformedAnswer("LayDanhSachTTHC: trả lời không có danh sách thủ tục (data).")
    codes = []
    for row in rows:
        code = str(row.get("MATTHC") or "").strip() if isinstance(row, dict) else ""
        if code and code not in codes:
            codes.append(code)
    return codes


def default_since() -> datetime | None:
    """From a little before the last real run that finished. The first time, from when the catalog
    was last loaded from the shipped national data (`import_catalog` is the baseline; `--full`
    compares everything); None (everything) when there is no catalog at all."""
    last = (
        CatalogSyncRun.objects.filter(dry_run=False)
        .exclude(outcome=CatalogSyncRun.Outcome.FAILED)
        .order_by("-started_at")
        .first()
    )
    if last:
        return last.started_at - SINCE_MARGIN
    loaded = ProcedureVersion.objects.aggregate(at=Max("imported_at"))["at"]
    return loaded - SINCE_MARGIN if loaded else None


def _retry_codes() -> list[str]:
    """The records the last real run could not read: asked for again even if not listed."""
    last = CatalogSyncRun.objects.filter(dry_run=False).order_by("-started_at").first()
    return [e["code"] for e in (last.errors if last else []) if e.get("code")]


def _apply(importer: CatalogImporter, national: NationalProcedure, run: CatalogSyncRun) -> int | None:
    """Apply one record; the procedure's id when it was created or changed."""
    code = national.record["code"]
    exists = Procedure.objects.filter(code=code).exists()
    if national.abolished and not exists:
        run.unchanged += 1  # abolished before we ever had it: nothing to keep
        return None
    outcome, procedure, changes = importer.apply_record(national.record, SOURCE)
    if outcome == "created":
        run.added.append(code)
    elif outcome == "changed":
        run.changed.append({"code": code, "version": procedure.current_version.number, "fields": changes})
    Status = Procedure.Status
    if national.abolished and procedure.status != Status.ABOLISHED:
        procedure.status, procedure.abolished_on = (
            Status.ABOLISHED,
            national.abolished_on or timezone.localdate(),
        )
        procedure.save(update_fields=["status", "abolished_on", "updated_at"])
        run.abolished.append({"code": code, "on": procedure.abolished_on.isoformat()})
    elif not national.abolished and procedure.status == Status.ABOLISHED:
        procedure.status, procedure.abolished_on = Status.IN_FORCE, None
        procedure.save(update_fields=["status", "abolished_on", "updated_at"])
        run.restored.append({"code": code, "status": Status.IN_FORCE})
    elif outcome == "unchanged":
        run.unchanged += 1
    return procedure.pk if outcome != "unchanged" else None


def sync_catalog(
    since: datetime | None = None,
    *,
    full: bool = False,
    dry_run: bool = False,
    client: PortalClient | None = None,
    now: datetime | None = None,
) -> CatalogSyncRun:
    """One catalog sync (see the module). `since`: changes from then (default: since the last run;
    `full`: every procedure). Stored as a CatalogSyncRun and returned."""
    now = now or timezone.now()
    if since is None and not full:
        since = default_since()
    run = CatalogSyncRun(started_at=now, since=since, dry_run=dry_run)
    client = client or PortalClient()
    try:
        codes = _listing(client, since)
    except (ExchangeError, PortalRefused, MalformedAnswer) as exc:
        run.outcome, run.message, run.finished_at = CatalogSyncRun.Outcome.FAILED, str(exc), timezone.now()
        run.save()
        logger.warning("catalog sync: no listing: %s", exc)
        return run
    run.listed = len(codes)
    codes += [code for code in _retry_codes() if code not in codes]
    records: list[NationalProcedure] = []
    for position, code in enumerate(codes):
        try:
            answer = client.call("LayThuTuc", [{"maTTHC": code}], agency_code="")
            data = answer.get("data")
            if not isinstance(data, list) or len(data) != 1:
                raise RecordUnreadable("data", "LayThuTuc phải trả về đúng một thủ tục.")
            records.append(from_portal_record(data[0], code))
        except (RecordUnreadable, PortalRefused, MalformedAnswer) as exc:
            run.errors.append({"code": code, "error": str(exc)})
        except ExchangeError as exc:  # the portal went away: the rest waits for the next run
            rest = codes[position:]
            run.errors += [{"code": c, "error": str(exc)} for c in rest]
            run.message = f"Dừng giữa chừng: {exc} ({len(rest)} thủ tục chưa lấy được, lấy lại lần sau)."
            break
    importer = CatalogImporter(now=now)
    touched = []
    for national in records:
        try:
            with transaction.atomic():
                before = (
                    len(run.added),
                    len(run.changed),
                    len(run.abolished),
                    len(run.restored),
                    run.unchanged,
                )
                pk = _apply(importer, national, run)
                if dry_run:
                    raise _RollBack
        except _RollBack:
            importer._fields = {f.name: f for f in Field.objects.all()}  # forget fields rolled back
            continue
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            # Half applied and rolled back: the report must not claim it.
            run.added, run.changed = run.added[: before[0]], run.changed[: before[1]]
            run.abolished, run.restored, run.unchanged = (
                run.abolished[: before[2]],
                run.restored[: before[3]],
                before[4],
            )
            importer._fields = {f.name: f for f in Field.objects.all()}
            run.errors.append({"code": national.record["code"], "error": f"không áp dụng được: {exc}"})
            continue
        if pk:
            touched.append(pk)
    if touched and not dry_run:
        with transaction.atomic():
            importer.link_agencies(touched)
    run.outcome = CatalogSyncRun.Outcome.PARTIAL if run.errors else CatalogSyncRun.Outcome.OK
    run.finished_at = timezone.now()
    run.save()
    return run


def nightly() -> CatalogSyncRun:
    """The job: changes since the last run."""
    return sync_catalog()


def register():
    """Hook the jobs of this module (called from SyncConfig.ready): the nightly catalog sync."""
    from motcua.core import jobs

    jobs.register("sync.catalog", nightly, at=getattr(settings, "MOTCUA_SYNC_CATALOG_AT", "01:30"))
