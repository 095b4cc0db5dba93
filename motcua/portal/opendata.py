"""Dữ liệu mở: the public page `/du-lieu-mo/` and its files, without signing in.

The page lists the complete months with a CSV and a JSON file per dataset, the data dictionary and
the licence (CC BY 4.0). The files come from `motcua.insights.opendata` (aggregate counts only, small
cells suppressed), cached per month; downloads are counted per IP (``MOTCUA_OPENDATA_RATE``, 120 per
10 minutes by default) because building a month that is not cached scans the month's dossiers.
"""

import re

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _

from motcua.core.dbrouter import use_replica
from motcua.core.ratelimit import throttle
from motcua.insights import opendata

_MONTH = re.compile(r"^\d{4}-\d{2}$")
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}


def _file(data: bytes, fmt: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Link"] = f'<{opendata.LICENSE["url"]}>; rel="license"'
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"  # open data: any site may read it
    return response


def _too_many(t) -> HttpResponse:
    message = _(
        "Bạn đã tải quá %(limit)s tệp trong %(minutes)s phút. Vui lòng thử lại sau khoảng %(retry)s phút."
    ) % {
        "limit": t.limit,
        "minutes": t.window_minutes,
        "retry": t.retry_minutes,
    }
    response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(t.retry_after)
    return response


@use_replica()
def index(request):
    months = opendata.available_months()
    context = {
        "months": months,
        "datasets": opendata.DATASETS,
        "formats": opendata.FORMATS,
        "dictionary": opendata.dictionary(),
        "license": opendata.LICENSE,
        "license_line": opendata.LICENSE_LINE,
        "min_cell": opendata.threshold(),
    }
    response = render(request, "portal/opendata.html", context)
    response["Cache-Control"] = "public, max-age=600"
    return response


@use_replica()
def dataset_file(request, month: str, slug: str, fmt: str):
    if fmt not in opendata.FORMATS or slug not in opendata.DATASETS_BY_SLUG or not _MONTH.match(month):
        raise Http404(_("Không có tệp dữ liệu này."))
    if month not in opendata.available_months():
        raise Http404(_("Tháng này chưa có dữ liệu mở (chỉ công bố các tháng đã kết thúc)."))
    t = throttle(request, "opendata", "MOTCUA_OPENDATA_RATE", (120, 600))
    if not t.allowed:
        return _too_many(t)
    rows = opendata.cached_month(month)[slug]
    return _file(opendata.render(slug, month, fmt, rows), fmt, f"{slug}_{month}.{fmt}")


def dictionary_file(request, fmt: str):
    if fmt not in opendata.FORMATS:
        raise Http404(_("Không có tệp dữ liệu này."))
    data = opendata.dictionary_csv() if fmt == "csv" else opendata.dictionary_json()
    return _file(data, fmt, f"tu-dien-du-lieu.{fmt}")


urlpatterns = [
    path("du-lieu-mo/", index, name="opendata"),
    path("du-lieu-mo/tu-dien-du-lieu.<str:fmt>", dictionary_file, name="opendata_dictionary"),
    path("du-lieu-mo/<str:month>/<slug:slug>.<str:fmt>", dataset_file, name="opendata_file"),
]
