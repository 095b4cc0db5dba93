"""A procedure's legal time (thời hạn giải quyết theo luật định): where it comes from (ADR 0029).

    resolved = legaltimes.resolve(version, "online")   # → Resolved(amount, unit, origin, basis)

In this order, for the dossier's channel first and then any channel:
1. the administrator-kept table (`LegalTime`), shipped filled (data/catalog/legal-times);
2. the national record's printed time when it has a unit ("7 Ngày làm việc");
3. a bare number ("1", "3") only through the written rule `MOTCUA_BARE_NUMBER_RULE`:
   "confirmed_by_text" reads N as N <unit> only when the record's own text states a time limit of
   N <unit> ("trong thời hạn 03 ngày làm việc kể từ ngày nhận…") and no other unit for N; "off"
   never reads a bare number.
Nothing else: a procedure with none of these has no legal time, and says so.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.db import transaction

from .models import LegalTime, Procedure, ProcedureVersion, TimeUnit

SAME_DAY = LegalTime.Unit.SAME_DAY.value
#: Units a due date can be computed for (core.calendar) — SAME_DAY is 0 working days with the cut-off.
SUPPORTED_UNITS = {TimeUnit.WORKING_DAYS.value, TimeUnit.DAYS.value, TimeUnit.WORKING_HOURS.value, SAME_DAY}

TABLE, CATALOG, BARE_RULE = "table", "catalog", "bare_number_rule"
ORIGIN_LABELS = {
    TABLE: "bảng thời hạn luật định",
    CATALOG: "bản ghi CSDL quốc gia về TTHC",
    BARE_RULE: "số không đơn vị, đọc theo quy tắc (ADR 0029)",
}
#: `LegalTime.set_by` of the rows the shipped file wrote; any other value is an administrator's and
#: a reload leaves it alone.
SHIPPED_BY = "motcua: dữ liệu gửi kèm (data/catalog/legal-times)"
DATA_FILE = Path("legal-times") / "legal-times.csv"
RULES = ("confirmed_by_text", "off")


@dataclass(frozen=True)
class Resolved:
    amount: Decimal | None
    unit: str
    origin: str = ""
    basis: str = ""

    @property
    def known(self) -> bool:
        return self.unit in SUPPORTED_UNITS and self.amount is not None


NONE = Resolved(None, "")


# --- the bare-number rule ----------------------------------------------------------------------------

_BARE = re.compile(r"^\s*(\d{1,3})\s*$")
_UNITS = {
    "ngày làm việc": TimeUnit.WORKING_DAYS.value,
    "giờ làm việc": TimeUnit.WORKING_HOURS.value,
    "ngày": TimeUnit.DAYS.value,
}


def _limit_phrase(n: int) -> re.Pattern:
    """A time-limit phrase for exactly N: "(trong) thời hạn 03 ngày làm việc kể từ…"."""
    return re.compile(
        r"(?:thời hạn|trong vòng|trong|chậm nhất|không quá)\s*(?:là\s*)?(?<!\d)0*"
        + str(n)
        + r"\s*(ngày làm việc|giờ làm việc|ngày)\s*,?\s*(?:kể từ|tính từ)",
        re.IGNORECASE,
    )


def bare_number_rule() -> str:
    rule = getattr(settings, "MOTCUA_BARE_NUMBER_RULE", "confirmed_by_text")
    if rule not in RULES:
        raise ValueError(f"MOTCUA_BARE_NUMBER_RULE: one of {', '.join(RULES)}, not {rule!r}")
    return rule


def read_bare_number(text: str, record_text: str) -> tuple[Decimal, str] | None:
    """(N, unit) for a bare number N that the record's own text confirms, else None (ADR 0029)."""
    match = _BARE.match(text or "")
    if not match or bare_number_rule() == "off":
        return None
    n = int(match.group(1))
    units = {_UNITS[u.lower()] for u in _limit_phrase(n).findall(" ".join((record_text or "").split()))}
    if len(units) != 1:
        return None  # the text does not say, or says two things: no guess
    return Decimal(n), units.pop()


def _record_text(version: ProcedureVersion) -> str:
    methods = " ".join(m.note for m in version.methods.all())
    return " ".join([*version.steps, version.conditions, methods])


# --- resolving ---------------------------------------------------------------------------------------


def _table_rows(procedure_id: int) -> dict[str, LegalTime]:
    return {row.channel: row for row in LegalTime.objects.filter(procedure_id=procedure_id)}


def resolve(
    version: ProcedureVersion | None, channel: str, table: dict[str, LegalTime] | None = None
) -> Resolved:
    """The legal time of a procedure version for a catalog channel ("online", "counter", "post").

    `table`: the procedure's `LegalTime` rows by channel, when the caller already has them."""
    if version is None:
        return NONE
    rows = _table_rows(version.procedure_id) if table is None else table
    row = rows.get(channel) or rows.get("")
    if row is not None:
        amount = Decimal(0) if row.unit == SAME_DAY else row.amount
        return Resolved(amount, row.unit, TABLE, row.legal_basis)
    methods = sorted(version.methods.all(), key=lambda m: (m.channel != channel, m.position))
    for method in methods:
        if method.time_unit in SUPPORTED_UNITS and method.time_amount:
            return Resolved(method.time_amount, method.time_unit, CATALOG, method.processing_time_text)
    record_text = None
    for method in methods:
        if not _BARE.match(method.processing_time_text or ""):
            continue
        if record_text is None:
            record_text = _record_text(version)
        read = read_bare_number(method.processing_time_text, record_text)
        if read is not None:
            return Resolved(read[0], read[1], BARE_RULE, method.processing_time_text)
    return NONE


def procedures_without_time() -> list[dict]:
    """Every procedure in force whose current version has no legal time for any channel (for the
    import report): code, name, field, what the record prints."""
    tables: dict[int, dict[str, LegalTime]] = {}
    for row in LegalTime.objects.all():
        tables.setdefault(row.procedure_id, {})[row.channel] = row
    versions = (
        ProcedureVersion.objects.filter(
            pk__in=Procedure.objects.filter(status=Procedure.Status.IN_FORCE).values("current_version")
        )
        .select_related("procedure")
        .prefetch_related("methods")
        .order_by("procedure__code")
    )
    missing = []
    for version in versions:
        channels = [m.channel for m in version.methods.all()] or ["online"]
        table = tables.get(version.procedure_id, {})
        if any(resolve(version, ch, table).known for ch in channels):
            continue
        missing.append(
            {
                "code": version.procedure.code,
                "name": version.name,
                "field": version.field_name,
                "printed": " | ".join(
                    f"{m.get_channel_display()}: {m.processing_time_text or '(trống)'}"
                    for m in version.methods.all()
                )
                or "(không có cách thức thực hiện)",
                "source_url": version.source_url,
            }
        )
    return missing


def write_missing(missing: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["code", "name", "field", "printed", "source_url"])
        writer.writeheader()
        writer.writerows(missing)


# --- the shipped table -------------------------------------------------------------------------------


class LegalTimeFileError(ValueError):
    """The shipped file has a bad row; the message names it (nothing is written)."""


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept_admin: int = 0
    unknown_codes: list[str] | None = None

    def line(self) -> str:
        out = (
            f"Thời hạn luật định (bảng): {self.created} mới, {self.updated} cập nhật, "
            f"{self.unchanged} không đổi, {self.kept_admin} giữ theo quản trị viên"
        )
        if self.unknown_codes:
            out += f"; mã không có trong danh mục (bỏ qua): {', '.join(self.unknown_codes)}"
        return out


FIELDS = ("code", "channel", "amount", "unit", "legal_basis", "source", "note")


def _read_rows(path: Path) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8", newline="") as handle:
        for n, row in enumerate(csv.DictReader(handle), start=2):
            where = f"{path.name} dòng {n}"
            if any(row.get(f) is None for f in FIELDS):
                raise LegalTimeFileError(f"{where}: thiếu cột ({', '.join(FIELDS)})")
            if row["unit"] not in LegalTime.Unit.values:
                raise LegalTimeFileError(f"{where}: đơn vị “{row['unit']}” không hợp lệ")
            if row["channel"] not in LegalTime.ChannelChoice.values:
                raise LegalTimeFileError(f"{where}: cách thức “{row['channel']}” không hợp lệ")
            try:
                amount = Decimal(row["amount"] or "0")
            except InvalidOperation:
                raise LegalTimeFileError(f"{where}: thời hạn “{row['amount']}” không phải số") from None
            probe = LegalTime(amount=amount, unit=row["unit"], legal_basis=row["legal_basis"])
            try:
                probe.clean()
            except Exception as exc:  # ValidationError: one message per field
                raise LegalTimeFileError(
                    f"{where}: {'; '.join(getattr(exc, 'messages', [str(exc)]))}"
                ) from None
            rows.append({**row, "amount": amount})
    return rows


@transaction.atomic
def load(data_dir: Path | None = None) -> LoadReport:
    """Write the shipped table: new rows and rows the file wrote before are set from the file; a row an
    administrator set (set_by ≠ SHIPPED_BY) is kept. Idempotent."""
    path = Path(data_dir or Path(settings.DATA_DIR) / "catalog") / DATA_FILE
    rows = _read_rows(path)
    procedures = dict(Procedure.objects.filter(code__in={r["code"] for r in rows}).values_list("code", "pk"))
    existing = {
        (row.procedure_id, row.channel): row
        for row in LegalTime.objects.filter(procedure_id__in=procedures.values())
    }
    report = LoadReport(unknown_codes=sorted({r["code"] for r in rows} - procedures.keys()))
    for r in rows:
        pk = procedures.get(r["code"])
        if pk is None:
            continue
        values = {
            "amount": r["amount"],
            "unit": r["unit"],
            "legal_basis": r["legal_basis"].strip(),
            "source": r["source"].strip()[:500],
            "note": r["note"].strip(),
        }
        row = existing.get((pk, r["channel"]))
        if row is None:
            LegalTime.objects.create(procedure_id=pk, channel=r["channel"], set_by=SHIPPED_BY, **values)
            report.created += 1
        elif row.set_by != SHIPPED_BY:
            report.kept_admin += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            row.save()
            report.updated += 1
        else:
            report.unchanged += 1
    return report
