"""Downloads of the monthly report (tải báo cáo) for monitors and heads of agencies: Excel and PDF.

`/can-bo/giam-sat/bao-cao.xlsx?ky=2026-09&don_vi=<mã>` and `.pdf`: the same parameters and the same
scope as the dashboards (`insights.targets.viewer`): a monitor at the provincial committee or centre
may download any unit's report (default: the province); a monitor or a head (APPROVER, UNIT_HEAD)
at another agency only that agency's unit; everyone else gets a 403. The PDF is signed (PAdES) with
the downloading officer's certificate when the configured signer can sign. Every download is
recorded in the audit log. The file itself comes from `insights.reports` (the figures of
`services.report`).
"""

import logging

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.audit.services import record
from motcua.core.dbrouter import use_replica
from motcua.core.signing import SigningError, get_signer
from motcua.insights import reports, targets
from motcua.insights.periods import PeriodError, parse_period
from motcua.insights.queries import UnitError, resolve_unit

from .guards import forbidden, officer_required

logger = logging.getLogger(__name__)

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _bad_request(request, errors: list[str]):
    return render(request, "backoffice/reports/error.html", {"errors": errors}, status=400)


def _pdf(request, report: dict, view) -> tuple[bytes, bool]:
    """The PDF, signed by the officer who downloads it when the signer works; unsigned otherwise."""
    user = request.user
    name = user.full_name or user.username
    agency = view.agencies[0].name if view.agencies else ""
    try:
        return reports.to_pdf(
            report, signer=get_signer(name, agency), signer_name=name, agency_name=agency
        ), True
    except (SigningError, ImproperlyConfigured, NotImplementedError) as exc:
        logger.warning("Report PDF not signed for %s: %s", user.username, exc)
        return reports.to_pdf(report), False


@officer_required
@use_replica()
def download(request, fmt: str):
    view = targets.viewer(request.user)
    if not view.allowed:
        return forbidden(request, _("Báo cáo dành cho cán bộ giám sát và lãnh đạo cơ quan."))
    errors = []
    period = unit = None
    try:
        period = parse_period((request.GET.get("ky") or "").strip()[:40] or _last_month())
    except PeriodError as exc:
        errors.append(str(exc))
    unit_text = (request.GET.get("don_vi") or "").strip()[:80]
    try:
        unit = resolve_unit(unit_text) if unit_text else view.default_unit()
    except UnitError as exc:
        errors.append(str(exc))
    if unit is not None and not view.may_view(unit):
        return forbidden(request, _("Bạn không được xem báo cáo của đơn vị này."))
    if errors:
        return _bad_request(request, errors)

    report = reports.build(period, unit)
    signed = False
    if fmt == "xlsx":
        data = reports.to_xlsx(report)
    else:
        data, signed = _pdf(request, report, view)
    record(
        "insights.report.download",
        actor=request.user,
        object_type="insights.report",
        object_id=f"{unit.key}:{period.first_day}:{period.last_day}",
        data={"period": period.label, "unit": unit.as_dict(), "format": fmt, "signed": signed},
    )
    response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{reports.filename(report, fmt)}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _last_month() -> str:
    today = timezone.localdate()
    return f"{today.year - (today.month == 1)}-{(today.month - 2) % 12 + 1:02d}"


urlpatterns = [
    path("giam-sat/bao-cao.xlsx", download, {"fmt": "xlsx"}, name="report_xlsx"),
    path("giam-sat/bao-cao.pdf", download, {"fmt": "pdf"}, name="report_pdf"),
]
