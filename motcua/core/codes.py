"""Mã hồ sơ: dossier codes (research spec §3.5).

Two formats:

* TT 01/2018/TT-VPCP Điều 19, kept by TT 03/2025/TT-VPCP Điều 13:
  ``V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX``, e.g. ``000.00.01.H52-260302-0001``: the receiving
  agency's electronic code (mã định danh, QĐ 20/2020/QĐ-TTg), the local reception date and the
  day's sequence number at that agency.
* TT 04/2025/TT-VPCP khoản 3 (services run on centralised systems):
  ``MX1X2.Y1Y2Y3.Z1Z2-YYMMDD-AAXXXX``: the unit code, the date, ``AA`` = the two digits of
  the agency that owns the system (``settings.MOTCUA_SYSTEM_OWNER_CODE``) and the sequence.

The sequence has at least four digits and simply grows (10000, 10001 …) after 9999 in a day.
A code is issued once, at reception, and never changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import connections, router
from django.utils import timezone

AGENCY_CODE_RE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")
UNIT_CODE_RE = re.compile(r"^[A-Z]\d{2}\.\d{3}\.\d{2}$")
OWNER_CODE_RE = re.compile(r"^\d{2}$")
_AGENCY_DOSSIER_RE = re.compile(
    r"^(?P<agency>\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2})-(?P<date>\d{6})-(?P<seq>\d{4,})$"
)
_CENTRAL_DOSSIER_RE = re.compile(
    r"^(?P<agency>[A-Z]\d{2}\.\d{3}\.\d{2})-(?P<date>\d{6})-(?P<owner>\d{2})(?P<seq>\d{4,})$"
)

AGENCY = "agency"
CENTRALISED = "centralised"


@dataclass(frozen=True)
class DossierCode:
    """A parsed mã hồ sơ."""

    code: str
    kind: str  # AGENCY (TT 01/2018, TT 03/2025) or CENTRALISED (TT 04/2025 khoản 3)
    agency_code: str  # V1V2V3.Z1Z2.Y1Y2.MX1X2, or MX1X2.Y1Y2Y3.Z1Z2 for CENTRALISED
    received_on: date
    sequence: int
    owner_code: str | None = None  # AA, CENTRALISED only

    def __str__(self) -> str:
        return self.code


def normalise_agency_code(agency_code: str) -> str:
    """Check and upper-case a QĐ 20/2020 agency code, e.g. "000.00.01.h52" → "000.00.01.H52"."""
    value = str(agency_code or "").strip().upper()
    if not AGENCY_CODE_RE.match(value):
        raise ValueError(
            f"Mã cơ quan {agency_code!r} không đúng dạng V1V2V3.Z1Z2.Y1Y2.MX1X2 (ví dụ 000.00.01.H52)."
        )
    return value


def normalise_unit_code(unit_code: str) -> str:
    """Check the MX1X2.Y1Y2Y3.Z1Z2 part of a centralised-system code (TT 04/2025)."""
    value = str(unit_code or "").strip().upper()
    if not UNIT_CODE_RE.match(value):
        raise ValueError(f"Mã đơn vị {unit_code!r} không đúng dạng MX1X2.Y1Y2Y3.Z1Z2 (ví dụ H52.001.01).")
    return value


def _local_date(received_at: datetime) -> date:
    if not isinstance(received_at, datetime):
        raise ValueError(f"Thời điểm tiếp nhận phải là datetime, nhận được {received_at!r}.")
    if timezone.is_naive(received_at):
        raise ValueError("Thời điểm tiếp nhận phải có múi giờ (naive datetime is not accepted).")
    # The code carries the local (Vietnam) date, not the UTC one: 00:30 ICT is still "today".
    return received_at.astimezone(timezone.get_default_timezone()).date()


def next_sequence(scope: str, day: date, *, using: str | None = None) -> int:
    """The next number in the (scope, day) sequence: 1, 2, 3 … Atomic under concurrency.

    One statement, ``INSERT … ON CONFLICT (scope, day) DO UPDATE … RETURNING``, on both
    SQLite (≥ 3.35) and PostgreSQL. Why not read-then-write: two receptions at the same
    moment would read the same value and issue the same code. With the upsert the database
    serialises them: PostgreSQL locks the row until the caller's transaction ends and the
    waiter then increments the committed value; SQLite holds its single write lock. Run it
    inside the transaction that creates the dossier: a rollback then gives the number back,
    so the day's codes have no gaps.
    """
    from .models import DossierCodeCounter

    alias = using or router.db_for_write(DossierCodeCounter)
    connection = connections[alias]
    qn = connection.ops.quote_name
    table = qn(DossierCodeCounter._meta.db_table)
    scope_col, day_col, last_col = qn("scope"), qn("day"), qn("last_value")
    # Only quoted model identifiers are interpolated; the values are query parameters.
    sql = (
        f"INSERT INTO {table} ({scope_col}, {day_col}, {last_col}) VALUES (%s, %s, 1) "  # noqa: S608
        f"ON CONFLICT ({scope_col}, {day_col}) DO UPDATE SET {last_col} = {table}.{last_col} + 1 "
        f"RETURNING {last_col}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [scope, day])
        return int(cursor.fetchone()[0])


def next_dossier_code(agency_code: str, received_at: datetime, *, using: str | None = None) -> str:
    """Mã hồ sơ (TT 01/2018, TT 03/2025): ``000.00.01.H52-260302-0001``.

    One sequence per agency per local reception date.
    """
    agency = normalise_agency_code(agency_code)
    day = _local_date(received_at)
    number = next_sequence(agency, day, using=using)
    return f"{agency}-{day:%y%m%d}-{number:04d}"


def next_centralised_code(
    unit_code: str, received_at: datetime, owner_code: str | None = None, *, using: str | None = None
) -> str:
    """Mã hồ sơ on a centralised system (TT 04/2025 khoản 3): ``H52.001.01-260302-010001``.

    ``owner_code`` (AA) defaults to ``settings.MOTCUA_SYSTEM_OWNER_CODE``. One sequence per
    owner and unit per local reception date, separate from the agency sequences.
    """
    unit = normalise_unit_code(unit_code)
    owner = str(owner_code if owner_code is not None else getattr(settings, "MOTCUA_SYSTEM_OWNER_CODE", "01"))
    if not OWNER_CODE_RE.match(owner):
        raise ValueError(f"Mã chủ quản hệ thống (AA) {owner!r} phải gồm đúng 2 chữ số.")
    day = _local_date(received_at)
    # The colon never appears in an agency code, so this scope cannot meet an agency's.
    number = next_sequence(f"{owner}:{unit}", day, using=using)
    return f"{unit}-{day:%y%m%d}-{owner}{number:04d}"


def parse_dossier_code(code: str) -> DossierCode:
    """Check and split a mã hồ sơ of either format. ValueError says what is wrong."""
    value = str(code or "").strip().upper()
    match = _AGENCY_DOSSIER_RE.match(value)
    kind = AGENCY
    if not match:
        match = _CENTRAL_DOSSIER_RE.match(value)
        kind = CENTRALISED
    if not match:
        raise ValueError(
            f"Mã hồ sơ {code!r} không đúng dạng V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX "
            "(ví dụ 000.00.01.H52-260302-0001) hay MX1X2.Y1Y2Y3.Z1Z2-YYMMDD-AAXXXX."
        )
    raw = match["date"]
    try:
        received_on = date(2000 + int(raw[:2]), int(raw[2:4]), int(raw[4:]))
    except ValueError:
        raise ValueError(f"Mã hồ sơ {code!r}: ngày tiếp nhận {raw} không hợp lệ (YYMMDD).") from None
    sequence = int(match["seq"])
    if sequence == 0:
        raise ValueError(f"Mã hồ sơ {code!r}: số thứ tự phải bắt đầu từ 1.")
    return DossierCode(
        code=value,
        kind=kind,
        agency_code=match["agency"],
        received_on=received_on,
        sequence=sequence,
        owner_code=match["owner"] if kind == CENTRALISED else None,
    )


# ---------------------------------------------------------------------------------------------
# National codes: the national portal's MaHoSo, issued by Văn phòng Chính phủ (G22) for us
# ---------------------------------------------------------------------------------------------


def national_code_prefix() -> str:
    """`G22.<province>`: codes issued by the national portal (Văn phòng Chính phủ, G22) for us."""
    return f"G22.{str(getattr(settings, 'MOTCUA_PROVINCE_CODE', '14')).zfill(2)}"


def national_code(day: date, sequence: int, prefix: str | None = None) -> str:
    """A national portal code, e.g. `G22.14-260302-0001` (prefix, date, the day's sequence)."""
    return f"{prefix or national_code_prefix()}-{day:%y%m%d}-{sequence:04d}"
