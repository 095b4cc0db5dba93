"""The monthly report (báo cáo định kỳ) of the QĐ 766 index, as Excel and as PDF.

`build(period, unit)` gathers one document: the unit's index (`services.report`: total, each group,
each indicator with numerator and denominator), the ranking of the departments and of the communes
(QĐ 766 rankings are public, so every report carries both), the overdue summary (quá hạn) and,
when `motcua.insights.criteria` exists, the QĐ 1565 measures. `to_xlsx` and `to_pdf` only lay that
document out: the numbers in the files are the numbers of `services.report`, never recomputed.
Read-only: nothing here changes state (the download view records the audit entry).
"""

from __future__ import annotations

import io
import logging
from datetime import datetime

from django.utils import timezone

from . import criteria as criteria_module
from . import services
from .index import display_notes
from .periods import Period, parse_period
from .queries import Unit, resolve_unit

logger = logging.getLogger(__name__)

#: Sheet names (Excel allows 31 characters and no []:*?/\).
SHEETS = {
    "summary": "Tổng hợp",
    "indicators": "Chỉ số",
    "departments": "Xếp hạng sở, ngành",
    "communes": "Xếp hạng xã, phường",
    "overdue": "Quá hạn",
    "criteria": "Tiêu chí QĐ 1565",
    "criteria_services": "QĐ 1565 theo thủ tục",
    "counts": "Số liệu gốc",
}
OVERDUE_TOP = 10


def _criteria(period: Period, unit: Unit) -> tuple[dict | None, str]:
    """QĐ 1565 measures from `insights.criteria`.

    A failure there is logged and named in the report instead of losing the whole report."""
    try:
        return criteria_module.measures(period, unit), ""
    except Exception:  # noqa: BLE001 — an optional section must not sink the report
        logger.exception("QĐ 1565 criteria failed for %s %s", period.label, unit.key)
        return None, "Không tính được các tiêu chí QĐ 1565 cho kỳ này (xem nhật ký hệ thống)."


def _overdue(document: dict, grouped: dict) -> dict:
    """Quá hạn: the unit's late dossiers, and the departments and communes with the most of them.
    `grouped`: kind → what `services.grouped_counts` returned."""
    c = document["counts"]
    by_kind = {}
    for kind in ("department", "commune"):
        units, counts_by_key = grouped[kind]
        rows = []
        for key, counts in counts_by_key.items():
            # a dossier without a legal time is not late: it has its own line (ADR 0029)
            late_ended = counts.ended - counts.ended_on_time - counts.ended_no_legal_time
            if key in units and (counts.unfinished_overdue or late_ended):
                unit = units[key]
                rows.append(
                    {
                        "key": unit.key,
                        "label": unit.label,
                        "unfinished_overdue": counts.unfinished_overdue,
                        "ended_late": late_ended,
                        "ended": counts.ended,
                    }
                )
        rows.sort(key=lambda r: (-(r["unfinished_overdue"] + r["ended_late"]), r["key"]))
        by_kind[kind] = rows[:OVERDUE_TOP]
    return {
        "ended": c["ended"],
        "ended_on_time": c["ended_on_time"],
        "ended_late": c["ended"] - c["ended_on_time"] - c.get("ended_no_legal_time", 0),
        "ended_no_legal_time": c.get("ended_no_legal_time", 0),
        "unfinished_overdue": c["unfinished_overdue"],
        "judged": c["judged"],
        "judged_on_time": c["judged_on_time"],
        "top_departments": by_kind["department"],
        "top_communes": by_kind["commune"],
    }


def build(period: Period | str, unit: Unit | str | None = None, *, now: datetime | None = None) -> dict:
    """The monthly report of one unit (default: the province) for one period, as plain data."""
    period = parse_period(period) if isinstance(period, str) else period
    unit = unit if isinstance(unit, Unit) else resolve_unit(unit)
    document = services.report(period, unit)
    criteria, criteria_error = _criteria(period, unit)
    # one grouped pass per kind, for the rankings and the overdue summary alike
    grouped = {kind: services.grouped_counts(period, kind) for kind in ("department", "commune")}
    return {
        "generated_at": (now or timezone.now()).isoformat(),
        "index": document,
        "rankings": {kind: services.ranking(period, kind, counts=grouped[kind]) for kind in grouped},
        "overdue": _overdue(document, grouped),
        "criteria": criteria,
        "criteria_error": criteria_error,
    }


def filename(report: dict, fmt: str) -> str:
    index = report["index"]
    key = index["unit"]["key"].replace(":", "-").replace("/", "-")
    start = index["period"]["first_day"]
    end = index["period"]["last_day"]
    span = start[:7] if index["period"]["kind"] == "month" else f"{start}_{end}"
    return f"bao-cao-chi-so-766_{key}_{span}.{fmt}"


# --- QĐ 1565 criteria: a summary row per measure, per-service rows apart ---------------------------

CRITERIA_COLUMNS = (
    ("code", "Mã"),
    ("name", "Chỉ tiêu"),
    ("value", "Giá trị"),
    ("numerator", "Tử số"),
    ("denominator", "Mẫu số"),
    ("sample", "Cỡ mẫu"),
    ("target", "Mục tiêu"),
    ("meets_target", "Đạt mục tiêu"),
    ("status", "Tình trạng"),
    ("reason", "Ghi chú"),
)


CRITERIA_STATUS = {"ok": "Đã tính", "not_enough_data": "Chưa đủ dữ liệu", "na": "Không áp dụng"}


def _scalar(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def criteria_tables(criteria: dict | None) -> tuple[list[list], list[list]]:
    """(summary rows, per-service rows) of the criteria document: one summary row per measure (the
    columns of CRITERIA_COLUMNS), and one row per (measure, service) with the measure's code first.
    A document without "measures" is flattened to (path, value) rows."""
    if not criteria:
        return [], []
    measures = criteria.get("measures")
    if not isinstance(measures, dict):
        return [[path, _scalar(value)] for path, value in _flatten(criteria)], []
    summary, per_service = [], []
    for code, m in measures.items():
        if not isinstance(m, dict):
            summary.append([code, "", _scalar(m)])
            continue
        row = {key: _scalar(m.get(key)) for key, _label in CRITERIA_COLUMNS}
        row["code"] = row["code"] or code
        row["status"] = CRITERIA_STATUS.get(row["status"], row["status"])
        if isinstance(row["meets_target"], bool):
            row["meets_target"] = "Đạt" if row["meets_target"] else "Chưa đạt"
        summary.append(list(row.values()))
        for item in m.get("per_service") or []:
            if isinstance(item, dict):
                per_service.append([code, *[(k, _scalar(v)) for k, v in item.items()]])
    return summary, per_service


# --- Excel ----------------------------------------------------------------------------------------

PERCENT = "0.00%"
POINTS = "0.00"
INTEGER = "#,##0"


def _flatten(value, prefix: str = ""):
    """(path, value) pairs of a nested document, for the criteria sheet whose shape we do not own."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value, start=1):
            yield from _flatten(item, f"{prefix}[{i}]")
    else:
        yield prefix, value


def to_xlsx(report: dict) -> bytes:
    """The report as a workbook: one sheet per part, typed numbers, a chart of the six groups."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    index = report["index"]
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="1F4E79")
    title_font = Font(bold=True, size=14)

    wb = Workbook()

    def sheet(name_key: str, title: str, headers: list[str], widths: list[int], first: bool = False):
        ws = wb.active if first else wb.create_sheet()
        ws.title = SHEETS[name_key]
        ws["A1"] = title
        ws["A1"].font = title_font
        ws["A2"] = f"{index['unit']['label']} — {index['period']['label']}"
        ws.append([])
        ws.append(headers)
        for col, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(col)].width = width
            cell = ws.cell(row=4, column=col)
            cell.font = header_font
            cell.fill = header_fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.freeze_panes = "A5"
        return ws

    def formats(ws, row: int, spec: dict[int, str]):
        for col, fmt in spec.items():
            ws.cell(row=row, column=col).number_format = fmt

    # Tổng hợp: the total and the six groups, with a bar chart of points against the maximum.
    ws = sheet(
        "summary",
        "Báo cáo Bộ chỉ số phục vụ người dân, doanh nghiệp (QĐ 766/QĐ-TTg)",
        ["Mã nhóm", "Nhóm chỉ số", "Điểm", "Điểm tối đa"],
        [10, 48, 12, 14],
        first=True,
    )
    for group in index["groups"]:
        ws.append([group["code"], group["name"], group["points"], group["max_points"]])
        formats(ws, ws.max_row, {3: POINTS, 4: POINTS})
    last_group_row = ws.max_row
    ws.append(["", "Tổng điểm", index["total"], index["max_points"]])
    total_row = ws.max_row
    formats(ws, total_row, {3: POINTS, 4: POINTS})
    for col in (2, 3):
        ws.cell(row=total_row, column=col).font = Font(bold=True)
    ws.append(["", "Tối đa có dữ liệu", index["max_available"]])
    formats(ws, ws.max_row, {3: POINTS})
    ws.append(["", "Xếp loại", index["grade"]])
    ws.append(["", "Ghi chú xếp loại", " ".join(display_notes([index.get("grade_note", "")]))])
    ws.append(["", "Thời điểm lập", report["generated_at"]])
    chart = BarChart()
    chart.type = "bar"
    chart.title = "Điểm theo nhóm chỉ số"
    chart.y_axis.title = "Điểm"
    data = Reference(ws, min_col=3, max_col=4, min_row=4, max_row=last_group_row)
    cats = Reference(ws, min_col=2, min_row=5, max_row=last_group_row)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    chart.height, chart.width = 9, 18
    ws.add_chart(chart, "F4")

    # Chỉ số: every indicator with its numerator and denominator.
    ws = sheet(
        "indicators",
        "Chi tiết các chỉ số",
        ["Nhóm", "Mã", "Chỉ số", "Tử số", "Mẫu số", "Tỷ lệ", "Điểm", "Điểm tối đa", "Suy luận", "Ghi chú"],
        [8, 8, 52, 12, 12, 10, 10, 12, 10, 60],
    )
    for group in index["groups"]:
        for ind in group["indicators"]:
            points = None if ind["points"] == "N/A" else ind["points"]
            ws.append(
                [
                    group["code"],
                    ind["code"],
                    ind["name"],
                    ind["numerator"],
                    ind["denominator"],
                    ind["ratio"],
                    points if points is not None else "N/A",
                    ind["max_points"],
                    "Có" if ind["inferred"] else "",
                    "; ".join(ind["notes"]),
                ]
            )
            formats(ws, ws.max_row, {4: INTEGER, 5: INTEGER, 6: PERCENT, 7: POINTS, 8: POINTS})

    # Rankings.
    for kind, key in (("department", "departments"), ("commune", "communes")):
        rows = report["rankings"][kind]
        group_codes = sorted({code for row in rows for code in row["groups"]})
        ws = sheet(
            key,
            "Xếp hạng các sở, ban, ngành" if kind == "department" else "Xếp hạng các xã, phường, đặc khu",
            ["Hạng", "Mã", "Đơn vị", "Tổng điểm", "Xếp loại", *[f"Nhóm {c}" for c in group_codes]],
            [8, 18, 48, 12, 12, *[10] * len(group_codes)],
        )
        for row in rows:
            ws.append(
                [
                    row["rank"],
                    row["key"],
                    row["label"],
                    row["total"],
                    row["grade"],
                    *[row["groups"].get(c) for c in group_codes],
                ]
            )
            formats(ws, ws.max_row, {4: POINTS} | {6 + i: POINTS for i in range(len(group_codes))})

    # Quá hạn.
    overdue = report["overdue"]
    ws = sheet("overdue", "Tình hình hồ sơ quá hạn", ["Nội dung", "Số hồ sơ"], [56, 14])
    for label, value in (
        ("Hồ sơ kết thúc xử lý trong kỳ", overdue["ended"]),
        ("— trong đó đúng hạn", overdue["ended_on_time"]),
        ("— trong đó quá hạn", overdue["ended_late"]),
        ("— trong đó chưa có thời hạn luật định (không tính hạn)", overdue["ended_no_legal_time"]),
        ("Hồ sơ chưa kết thúc, đã quá hạn tại cuối kỳ", overdue["unfinished_overdue"]),
    ):
        ws.append([label, value])
        formats(ws, ws.max_row, {2: INTEGER})
    for kind, title in (("top_departments", "Sở, ngành"), ("top_communes", "Xã, phường")):
        ws.append([])
        ws.append([f"{title} có nhiều hồ sơ quá hạn nhất", "Chưa xong, quá hạn", "Xong, trễ hạn", "Mã"])
        for col in range(1, 5):
            ws.cell(row=ws.max_row, column=col).font = Font(bold=True)
        for row in overdue[kind]:
            ws.append([row["label"], row["unfinished_overdue"], row["ended_late"], row["key"]])
            formats(ws, ws.max_row, {2: INTEGER, 3: INTEGER})

    # Tiêu chí QĐ 1565 (measured, or their failure named): one row per measure, then per service.
    if report.get("criteria") or report.get("criteria_error"):
        summary, per_service = criteria_tables(report.get("criteria"))
        ws = sheet(
            "criteria",
            "Tiêu chí QĐ 1565/QĐ-TTg",
            [label for _key, label in CRITERIA_COLUMNS],
            [22, 56, 12, 10, 10, 10, 10, 12, 16, 40],
        )
        if report.get("criteria_error"):
            ws.append([report["criteria_error"]])
        for row in summary:
            ws.append(row)
            formats(ws, ws.max_row, {3: "0.00", 4: INTEGER, 5: INTEGER, 6: INTEGER})
        if per_service:
            keys = list(dict.fromkeys(k for row in per_service for k, _v in row[1:]))
            ws = sheet(
                "criteria_services",
                "Tiêu chí QĐ 1565 theo thủ tục",
                ["Chỉ tiêu", *keys],
                [22, *[16] * len(keys)],
            )
            for row in per_service:
                values = dict(row[1:])
                ws.append([row[0], *[values.get(k) for k in keys]])

    # Số liệu gốc: the counts every figure above comes from.
    ws = sheet("counts", "Số liệu đầu vào của Bộ chỉ số", ["Tên số liệu", "Giá trị"], [40, 16])
    for name, value in index["counts"].items():
        ws.append([name, value])

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- PDF ------------------------------------------------------------------------------------------

PDF_TEMPLATE = "insights/report.html"


def pdf_context(report: dict) -> dict:
    from motcua.core.pdf import place_date

    index = report["index"]
    generated = datetime.fromisoformat(report["generated_at"])
    return {
        "document_title": "BÁO CÁO BỘ CHỈ SỐ PHỤC VỤ NGƯỜI DÂN, DOANH NGHIỆP — "
        + index["period"]["label"].upper(),
        "agency_parent": "ỦY BAN NHÂN DÂN TỈNH",
        "agency_name": "VĂN PHÒNG",
        "place_date": place_date(_province_place(), timezone.localtime(generated).date()),
        "report": report,
        "index": index,
        "criteria_rows": criteria_tables(report.get("criteria"))[0],
    }


def _province_place() -> str:
    from django.conf import settings

    from motcua.places.models import AdminUnit

    unit = AdminUnit.objects.filter(code=str(settings.MOTCUA_PROVINCE_CODE).zfill(2)).first()
    if unit is None:
        return "Tỉnh"
    return unit.name.removeprefix("Tỉnh ").removeprefix("Thành phố ")


def to_pdf(
    report: dict, *, signer=None, signer_name: str = "", signer_title: str = "", agency_name: str = ""
) -> bytes:
    """The report as an A4 PDF (core.pdf); signed (PAdES, core.signing) when a signer is given."""
    context = pdf_context(report)
    if signer is None:
        from motcua.core.pdf import render_pdf

        return render_pdf(PDF_TEMPLATE, context)
    from motcua.core.signing import render_and_sign

    return render_and_sign(
        PDF_TEMPLATE,
        context,
        signer=signer,
        signer_name=signer_name,
        signer_title=signer_title,
        agency_name=agency_name,
        reason=f"Báo cáo Bộ chỉ số QĐ 766 — {report['index']['unit']['label']} — "
        f"{report['index']['period']['label']}",
    )
