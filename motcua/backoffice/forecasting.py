"""Dự báo nhu cầu: the next 8 weeks of dossiers per agency and procedure group, beside the officers
the agency has (issue 15), for monitors (the whole province) and heads of agencies (their own).
Thin: the forecast itself is `motcua.insights.forecast.outlook`."""

import csv

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.insights import forecast
from motcua.insights import targets as target_services

from .guards import forbidden, officer_required


@officer_required
def forecast_page(request):
    view = target_services.viewer(request.user)
    if not view.allowed:
        return forbidden(request, _("Trang giám sát dành cho cán bộ giám sát và lãnh đạo cơ quan."))
    ids = None if view.province_wide else [a.pk for a in view.agencies]
    rows = forecast.outlook(ids, timezone.localdate())
    if request.GET.get("xuat") == "csv":
        return _csv(rows)
    return render(
        request, "backoffice/monitoring/forecast.html", {"rows": rows, "weeks": rows[0].weeks if rows else []}
    )


def _csv(rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="du-bao-ho-so.csv"'
    response.write("\ufeff")  # Excel reads UTF-8 with the mark
    out = csv.writer(response)
    out.writerow(["co_quan", "nhom_thu_tuc", "tuan_bat_dau", "ngay_lam_viec", "du_bao_ho_so", "ghi_chu"])
    for row in rows:
        name = row.agency.name if row.agency else ""
        for g in row.groups:
            for w, monday in enumerate(row.weeks):
                value = "" if g.values is None else f"{g.values[w]:.1f}"
                note = "chưa đủ dữ liệu" if g.values is None else ""
                out.writerow([name, g.key[1], monday.isoformat(), row.working_days[w], value, note])
    return response


urlpatterns = [path("giam-sat/du-bao/", forecast_page, name="monitoring_forecast")]
