"""Seed the legal calendar (nạp lịch nghỉ lễ, nghỉ bù, làm bù) from data/calendar/*.csv.

Used by `manage.py load_calendar` and by the tests, so both load the shipped data the same way.
The CSVs are described in data/calendar/README.md.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction

from .calendar import DAY_OFF, HOLIDAY, WORKING_DAY, invalidate_cache

HOLIDAYS_FILE = "vn-public-holidays-2020-2030.csv"
SWAPS_FILE = "vn-workday-swaps.csv"
SOURCE_PACKAGE = "holidays 0.109"


@dataclass(frozen=True)
class SeedDay:
    """One row to load into CalendarDay."""

    date: date
    kind: str
    name: str
    source: str


@dataclass(frozen=True)
class LoadResult:
    total: int
    created: int
    updated: int
    unchanged: int
    #: Rows that differ from the files but were left alone (edited in the admin; no --update).
    kept: int


def calendar_dir() -> Path:
    return Path(getattr(settings, "DATA_DIR", Path(settings.BASE_DIR) / "data")) / "calendar"


def _read_csv(path: Path, columns: set[str]) -> list[tuple[int, dict]]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = columns - set(reader.fieldnames or ())
            if missing:
                raise ValueError(f"{path.name}: thiếu cột {', '.join(sorted(missing))}.")
            return [(reader.line_num, row) for row in reader]
    except FileNotFoundError:
        raise ValueError(f"Không tìm thấy tệp lịch: {path}") from None


def _parse_date(path: Path, line: int, value: str) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise ValueError(f"{path.name} dòng {line}: ngày không hợp lệ {value!r} (cần YYYY-MM-DD).") from None


def holiday_kind(name_vi: str) -> str:
    """Compensatory ("(nghỉ bù)") and swapped bridge days ("Ngày nghỉ (thay cho …)") are days off."""
    if "(nghỉ bù)" in name_vi or name_vi.startswith("Ngày nghỉ (thay cho"):
        return DAY_OFF
    return HOLIDAY


def read_seed(holidays_path: Path | None = None, swaps_path: Path | None = None) -> list[SeedDay]:
    """Both files merged into one row per date, sorted. ValueError names the file and line."""
    holidays_path = Path(holidays_path or calendar_dir() / HOLIDAYS_FILE)
    swaps_path = Path(swaps_path or calendar_dir() / SWAPS_FILE)
    days: dict[date, SeedDay] = {}
    for line, row in _read_csv(holidays_path, {"date", "name_vi"}):
        day = _parse_date(holidays_path, line, row["date"])
        name = " ".join((row["name_vi"] or "").split())
        if not name:
            raise ValueError(f"{holidays_path.name} dòng {line}: thiếu tên ngày lễ.")
        days[day] = SeedDay(day, holiday_kind(name), name, f"{holidays_path.name} ({SOURCE_PACKAGE})")
    for line, row in _read_csv(swaps_path, {"day_off", "working_day", "note"}):
        off = _parse_date(swaps_path, line, row["day_off"])
        work = _parse_date(swaps_path, line, row["working_day"])
        if work.weekday() < 5:
            raise ValueError(
                f"{swaps_path.name} dòng {line}: ngày làm bù {work} không phải thứ Bảy/Chủ nhật."
            )
        if days.get(work) is not None and days[work].kind == HOLIDAY:
            raise ValueError(f"{swaps_path.name} dòng {line}: ngày làm bù {work} lại là ngày lễ.")
        source = f"{swaps_path.name} ({SOURCE_PACKAGE}): {' '.join((row['note'] or '').split())}"
        # The swap file says more than the holidays file's "Ngày nghỉ (thay cho …)": it wins.
        days[off] = SeedDay(off, DAY_OFF, f"Ngày nghỉ hoán đổi (làm bù {work:%d/%m/%Y})", source)
        days[work] = SeedDay(work, WORKING_DAY, f"Ngày làm bù cho ngày nghỉ {off:%d/%m/%Y}", source)
    return [days[d] for d in sorted(days)]


def load_seed(days: list[SeedDay], *, update: bool = False) -> LoadResult:
    """Write the rows into CalendarDay; idempotent, never deletes.

    Without ``update`` an existing row is left as it is even when it differs from the files:
    after seeding, the admin is the source of truth.
    """
    from .models import CalendarDay

    created = updated = unchanged = kept = 0
    with transaction.atomic():
        existing = {row.date: row for row in CalendarDay.objects.select_for_update()}
        new_rows = []
        for seed in days:
            row = existing.get(seed.date)
            if row is None:
                new_rows.append(
                    CalendarDay(date=seed.date, kind=seed.kind, name=seed.name, source=seed.source)
                )
            elif (row.kind, row.name, row.source) == (seed.kind, seed.name, seed.source):
                unchanged += 1
            elif update:
                row.kind, row.name, row.source = seed.kind, seed.name, seed.source
                row.save(update_fields=["kind", "name", "source", "updated_at"])
                updated += 1
            else:
                kept += 1
        CalendarDay.objects.bulk_create(new_rows)
        created = len(new_rows)
        # bulk_create sends no post_save signal.
        transaction.on_commit(invalidate_cache)
    invalidate_cache()
    return LoadResult(total=len(days), created=created, updated=updated, unchanged=unchanged, kept=kept)
