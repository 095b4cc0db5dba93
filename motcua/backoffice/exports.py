"""Exports of a queue (xuất danh sách): exactly the filtered, scoped list, as CSV or XLSX.

The rows are the queue's own queryset (same filters, same `visible_dossiers` scope, same order),
read in chunks, capped at EXPORT_CAP rows. Each export is recorded in the audit log with its
filters and row count: an export is a read of personal data (NĐ 13/2023, NĐ 356/2025).
CSV cells that a spreadsheet would run as a formula (=, +, -, @ …) are prefixed with an
apostrophe; XLSX cells are typed as text, so nothing in a name can become a formula.
"""

import csv
import io

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from motcua.audit.services import record
from motcua.core.dbrouter import use_replica
from motcua.core.money import format_number

from . import labels

EXPORT_CAP = 50_000
FORMATS = {"csv", "xlsx"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "|", "%")


def _safe(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _text_cell(sheet, value):
    """A cell that is text even when it starts with "=" (openpyxl would store a formula)."""
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def _moment(value) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else ""


def headers() -> list[str]:
    return [
        _("Mã hồ sơ"),
        _("Chủ hồ sơ"),
        _("Số giấy tờ"),
        _("Mã thủ tục"),
        _("Tên thủ tục"),
        _("Kênh nộp"),
        _("Trạng thái"),
        _("Nơi tiếp nhận"),
        _("Cơ quan giải quyết"),
        _("Cán bộ xử lý"),
        _("Ngày nộp"),
        _("Ngày tiếp nhận"),
        _("Ngày hẹn trả"),
        _("Ngày kết thúc xử lý"),
        _("Quá hạn"),
    ]


def row_for(dossier, now) -> list[str]:
    assignee = dossier.assignee
    late = dossier.counts_as_overdue or (
        dossier.due_at is not None and (dossier.finished_at or now) > dossier.due_at and dossier.status != 3
    )
    return [
        dossier.code,
        dossier.applicant_name,
        dossier.applicant_id_number,
        dossier.procedure.code,
        dossier.procedure.name,
        str(labels.channel_label(dossier.channel)),
        str(labels.status_label(dossier.status)),
        dossier.receiving_agency.name,
        dossier.handling_agency.name,
        (assignee.full_name or assignee.username) if assignee else "",
        _moment(dossier.submitted_at),
        _moment(dossier.received_at),
        _moment(dossier.due_at),
        _moment(dossier.finished_at),
        _("Có") if late else _("Không"),
    ]


@use_replica()
def export(query, fmt: str, *, user, queue_slug: str, filters: dict) -> HttpResponse:
    """`query` is the queue's QueueQuery: the same rows, in the same order, as the pages."""
    now = timezone.now()
    rows = []
    truncated = False
    for i, dossier in enumerate(query.iter_rows(EXPORT_CAP + 1)):
        if i >= EXPORT_CAP:
            truncated = True
            break
        rows.append(row_for(dossier, now))
    notice = (
        _(
            "Danh sách có hơn %(n)s hồ sơ: chỉ %(n)s hồ sơ đầu được xuất. "
            "Hãy lọc hẹp hơn để xuất phần còn lại."
        )
        % {"n": format_number(EXPORT_CAP)}
        if truncated
        else ""
    )
    record(
        "dossier.export",
        actor=user,
        data={
            "queue": queue_slug,
            "filters": filters,
            "format": fmt,
            "count": len(rows),
            "truncated": truncated,
        },
    )
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
    filename = f"ho-so-{queue_slug}-{stamp}.{fmt}"
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")  # so that spreadsheet programs read the file as UTF-8
        writer = csv.writer(buffer)
        writer.writerow(headers())
        writer.writerows([_safe(value) for value in row] for row in rows)
        if truncated:
            writer.writerow([notice])
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Hồ sơ"))
        sheet.append(headers())
        for row in rows:
            sheet.append([_text_cell(sheet, value) for value in row])
        info = workbook.create_sheet(_("Thông tin"))
        info.append([_("Danh sách"), queue_slug])
        info.append([_("Thời điểm xuất"), _moment(now)])
        info.append([_("Người xuất"), _text_cell(info, user.get_username())])
        info.append([_("Số hồ sơ"), len(rows)])
        for key, value in sorted(filters.items()):
            info.append([_("Bộ lọc") + f" {key}", _text_cell(info, value)])
        if truncated:
            info.append([notice])
        out = io.BytesIO()
        workbook.save(out)
        response = HttpResponse(
            out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    if truncated:
        response["X-Export-Truncated"] = str(EXPORT_CAP)
    return response
