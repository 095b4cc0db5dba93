"""Dashboards and targets for monitors and heads of agencies (bảng điều hành, giao chỉ tiêu).

Thin views over `motcua.insights`: the figures are `services.report` (the document `motcua index
--json` prints), the scope is `insights.targets.viewer` (who sees which unit), the dossiers behind
a number are `insights.queries.dossiers_behind` narrowed by `visible_dossiers` (back-office
scoping), and the overdue / at-risk lists are the back office's own queues narrowed to the unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from motcua.core.dbrouter import use_replica
from motcua.core.text import fold
from motcua.dossiers.access import visible_dossiers
from motcua.insights import criteria, queries, services
from motcua.insights import targets as target_services
from motcua.insights.index import display_notes
from motcua.insights.models import Target
from motcua.insights.periods import Period, PeriodError, parse_period
from motcua.insights.queries import Unit, UnitError, resolve_unit
from motcua.places.models import Agency

from . import labels
from . import queues as queue_lists
from .charts import bars as bar_chart
from .charts import line as line_chart
from .guards import forbidden, officer_required

#: How many working days ahead a dossier counts as at risk (sắp đến hạn) on the dashboard.
AT_RISK_DAYS_DEFAULT = 2
#: Rows of the overdue / at-risk lists on the dashboard (the queue pages list the rest).
LIST_ROWS = 10
DRILL_PAGE = 50
TREND_MONTHS = 12
RANK_SORTS = {"diem": "Điểm cao trước", "diem-thap": "Điểm thấp trước", "ten": "Tên đơn vị"}

#: The dossier counts of the index a number can be opened on (so=<name>), with their labels.
COUNT_LABELS = {
    "received": "Hồ sơ tiếp nhận trong kỳ",
    "synced": "Hồ sơ đã đồng bộ lên Cổng DVCQG",
    "ended": "Hồ sơ kết thúc xử lý trong kỳ",
    "ended_on_time": "Hồ sơ kết thúc đúng hạn",
    "unfinished_overdue": "Hồ sơ chưa xong, đã quá hạn cuối kỳ",
    "judged": "Hồ sơ đến hạn đánh giá (2.1)",
    "judged_on_time": "Hồ sơ giải quyết đúng hạn (2.1)",
    "eligible_full_online": "Hồ sơ của TTHC đủ điều kiện toàn trình",
    "full_online": "Hồ sơ trực tuyến toàn trình",
    "fee_dossiers": "Hồ sơ có nghĩa vụ tài chính",
    "fee_dossiers_paid_online": "Hồ sơ thanh toán trực tuyến",
    "results_due": "Hồ sơ có kết quả trong kỳ",
    "with_e_result": "Hồ sơ có kết quả điện tử",
    "digitised": "Hồ sơ số hóa đầy đủ",
    "reuse_any": "Hồ sơ tái sử dụng dữ liệu số hóa",
    "from_data_store": "Hồ sơ lấy giấy tờ từ kho dữ liệu",
    "citizen_db_dossiers": "Hồ sơ dùng dữ liệu CSDL dân cư",
    "dossier_complaints": "Hồ sơ có phản ánh hoặc không hài lòng",
}
#: indicator code → (numerator count, denominator count) that a link opens.
INDICATOR_COUNTS = {
    "1.4": ("synced", "received"),
    "2.1": ("judged_on_time", "judged"),
    "3": ("full_online", "eligible_full_online"),
    "4.1": ("fee_dossiers_paid_online", "fee_dossiers"),
    "5.1": ("with_e_result", "results_due"),
    "5.2": ("digitised", "results_due"),
    "5.4": ("reuse_any", "received"),
    "5.5": ("from_data_store", "received"),
    "5.7": ("citizen_db_dossiers", "received"),
    "6.3": (None, "judged"),
}


def _dossiers_behind():
    """`insights.queries.dossiers_behind(period, unit, count_name)`, or None while it is missing."""
    return getattr(queries, "dossiers_behind", None)


CRITERIA_STATUS = {
    "ok": "Đã tính",
    "not_enough_data": "Chưa đủ dữ liệu",
    "na": "Không áp dụng",
}
#: Criteria measured in seconds (the others are shares).
SECONDS_MEASURES = {"c2_sign_in_to_submission"}


def _criteria(period: Period, unit: Unit) -> list[dict] | None:
    """The QĐ 1565 measures as table rows."""
    rows = []
    for code, m in criteria.measures(period, unit).get("measures", {}).items():
        seconds = code in SECONDS_MEASURES

        def shown(value, seconds=seconds):
            if value is None:
                return "—"
            return f"{value:.0f} giây" if seconds else f"{value * 100:.1f} %".replace(".", ",")

        rows.append(
            {
                "code": code,
                "name": m.get("name", code),
                "value": shown(m.get("value")),
                "target": shown(m.get("target")),
                "status": CRITERIA_STATUS.get(m.get("status"), m.get("status", "")),
                "meets": {True: "Đạt", False: "Chưa đạt"}.get(m.get("meets_target"), "—"),
                "reason": m.get("reason", ""),
            }
        )
    return rows


def unit_param(unit: Unit) -> str:
    """The `don_vi` parameter (same syntax as `motcua index --unit`) that gives `unit` back."""
    if unit.kind in ("department", "agency") or (unit.kind == "province" and unit.key != "province"):
        return unit.key
    if unit.kind == "province":
        return "province"
    return f"{unit.kind}:{unit.key}"


def current_month() -> str:
    today = timezone.localdate()
    return f"{today.year}-{today.month:02d}"


def last_complete_month() -> str:
    """The dashboards open on the last complete month: the current one is a few days of zeros."""
    last = timezone.localdate().replace(day=1) - timedelta(days=1)
    return f"{last.year}-{last.month:02d}"


@dataclass
class Choice:
    period_text: str
    unit_text: str
    period: Period | None = None
    unit: Unit | None = None
    period_error: str = ""
    unit_error: str = ""

    @property
    def errors(self) -> list[tuple[str, str]]:
        return [(f, e) for f, e in (("f-ky", self.period_error), ("f-don-vi", self.unit_error)) if e]

    def query(self, **extra) -> str:
        return urlencode({"ky": self.period_text, "don_vi": self.unit_text, **extra})


def _choose(request, view: target_services.Viewer) -> Choice:
    """Read ky (period) and don_vi (unit); a bad value becomes a field error, never a crash."""
    default = view.default_unit()
    choice = Choice(
        (request.GET.get("ky") or last_complete_month()).strip()[:40],
        (request.GET.get("don_vi") or (unit_param(default) if default else "")).strip()[:80],
    )
    try:
        choice.period = parse_period(choice.period_text)
    except PeriodError as exc:
        choice.period_error = str(exc)
    try:
        choice.unit = resolve_unit(choice.unit_text)
    except UnitError as exc:
        choice.unit_error = str(exc)
    return choice


def _unit_options(view: target_services.Viewer) -> list[tuple[str, str]]:
    if not view.province_wide:
        return [(unit_param(u), u.label) for u in view.units]
    options = [("province", "Toàn tỉnh")]
    departments = sorted(queries.ranking_units("department").values(), key=lambda u: u.label)
    options += [(u.key, u.label) for u in departments]
    communes = sorted(queries.ranking_units("commune").values(), key=lambda u: u.label)
    options += [(f"commune:{u.key}", u.label) for u in communes]
    return options


def _guard(request):
    """(viewer, choice, error response): the 403 for those who may not see dashboards or the unit."""
    view = target_services.viewer(request.user)
    if not view.allowed:
        message = _("Trang giám sát dành cho cán bộ giám sát và lãnh đạo cơ quan.")
        return view, None, forbidden(request, message)
    choice = _choose(request, view)
    if choice.unit is not None and not view.may_view(choice.unit):
        return view, choice, forbidden(request, _("Bạn không được xem số liệu của đơn vị này."))
    return view, choice, None


def _months_before(period: Period, count: int) -> list[Period]:
    last = period.last_day
    months = []
    year, month = last.year, last.month
    for _i in range(count):
        months.append(parse_period(f"{year}-{month:02d}"))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(months))


def _trend(period: Period, unit: Unit) -> list[dict]:
    rows = []
    months = _months_before(period, TREND_MONTHS)
    for month, result in zip(months, services.trend(months, unit), strict=True):
        rows.append(
            {
                "label": f"{month.first_day.month:02d}/{month.first_day.year}",
                "total": result.total,
                "grade": result.grade,
                "groups": [g.points for g in result.groups],
            }
        )
    return rows


def _ranking(period: Period, kind: str, sort: str) -> list[dict]:
    rows = services.ranking(period, kind)
    if sort == "diem-thap":
        rows = sorted(rows, key=lambda r: (r["total"], r["label"]))
    elif sort == "ten":
        rows = sorted(rows, key=lambda r: r["label"])
    for row in rows:
        row["param"] = row["key"] if kind == "department" else f"commune:{row['key']}"
    return rows


def _queue_rows(request, slug: str, unit: Unit, within: int) -> tuple[list, int, bool]:
    """The first rows of a back-office queue (overdue, due soon) narrowed to the unit."""
    queue = queue_lists.QUEUES[slug]
    filters = queue_lists.Filters(within=within, within_unit="ngay")
    qs = queue_lists.dossiers_for(request.user, queue, filters).filter(unit.dossier_q())
    count = qs.order_by().values("pk")[: queue_lists.COUNT_CAP + 1].count()
    rows = list(queue_lists.with_row_data(qs)[:LIST_ROWS])
    return rows, min(count, queue_lists.COUNT_CAP), count > queue_lists.COUNT_CAP


def _indicator_rows(report: dict, choice: Choice, linkable: bool) -> list[dict]:
    """The groups with their indicators, each numerator / denominator with its drill-down link."""
    groups = []
    for group in report["groups"]:
        indicators = []
        for ind in group["indicators"]:
            num_name, den_name = INDICATOR_COUNTS.get(ind["code"], (None, None))
            indicators.append(
                {
                    **ind,
                    "notes": display_notes(ind.get("notes", [])),
                    "na": ind["points"] == "N/A",
                    "percent": None if ind["ratio"] is None else round(ind["ratio"] * 100, 2),
                    "numerator_url": _drill_url(choice, num_name) if linkable and num_name else "",
                    "denominator_url": _drill_url(choice, den_name) if linkable and den_name else "",
                }
            )
        groups.append({**group, "indicators": indicators})
    return groups


def _drill_url(choice: Choice, count_name: str) -> str:
    return f"{reverse('backoffice:monitoring_dossiers')}?{choice.query(so=count_name)}"


def _report_links(choice: Choice) -> list[tuple[str, str]]:
    """Downloads offered by the reports module (Excel, PDF), when it has registered its URLs."""
    links = []
    for name, label in (("report_xlsx", "Tải báo cáo Excel"), ("report_pdf", "Tải báo cáo PDF")):
        try:
            links.append((f"{reverse(f'backoffice:{name}')}?{choice.query()}", label))
        except NoReverseMatch:
            continue
    return links


def _at_risk_days() -> int:
    return int(getattr(settings, "MOTCUA_DASHBOARD_AT_RISK_DAYS", AT_RISK_DAYS_DEFAULT))


@officer_required
@use_replica()
def dashboard(request):
    # one reading of what the periods share (catalog counts, the aggregates' state) for the report,
    # the 12 months of the trend, the rankings and the targets' figures
    with queries.one_page():
        return _dashboard(request)


def _dashboard(request):
    view, choice, denied = _guard(request)
    if denied:
        return denied
    options = _unit_options(view)
    if choice.unit is not None and choice.unit_text not in {value for value, _label in options}:
        options.append((choice.unit_text, choice.unit.label))  # e.g. procedure:<mã> typed in the URL
    context = {
        "choice": choice,
        "unit_options": options,
        "viewer": view,
        "period_examples": "2026-09, 2026-Q3, 2026, 2026-09-01..2026-09-15",
    }
    if choice.errors:
        return render(request, "backoffice/monitoring/dashboard.html", context, status=400)
    period, unit = choice.period, choice.unit
    report = services.report(period, unit)
    linkable = _dossiers_behind() is not None
    trend = _trend(period, unit)
    sort = request.GET.get("xep", "diem")
    sort = sort if sort in RANK_SORTS else "diem"
    rankings = {}
    if view.province_wide and unit.kind == "province":
        rankings = {kind: _ranking(period, kind, sort) for kind in ("department", "commune")}
    at_risk_days = _at_risk_days()
    overdue, overdue_count, overdue_more = _queue_rows(request, queue_lists.OVERDUE, unit, at_risk_days)
    at_risk, at_risk_count, at_risk_more = _queue_rows(request, queue_lists.DUE_SOON, unit, at_risk_days)
    unit_targets = target_services.for_period(
        target_services.unit_targets(view.targets(), unit), period
    ).order_by("agency__name", "measure")
    progress = target_services.progress(unit_targets)
    group_codes = [g["code"] for g in report["groups"]]
    chart_data = {
        "groups": {
            "labels": [g["name"] for g in report["groups"]],
            "points": [g["points"] for g in report["groups"]],
            "max": [g["max_points"] for g in report["groups"]],
        },
        "trend": {"labels": [t["label"] for t in trend], "totals": [t["total"] for t in trend]},
        "ranking": {
            "labels": [r["label"] for r in rankings.get("department", [])],
            "totals": [r["total"] for r in rankings.get("department", [])],
        },
    }
    charts = {
        "groups": bar_chart(
            "groups",
            _("Biểu đồ điểm từng nhóm so với điểm tối đa; số liệu ở bảng ngay sau"),
            chart_data["groups"]["labels"],
            chart_data["groups"]["points"],
            scale=max(chart_data["groups"]["max"] or [1]),
            maxes=chart_data["groups"]["max"],
        ),
        "trend": line_chart(
            "trend",
            _("Biểu đồ tổng điểm 12 tháng gần nhất; số liệu ở bảng ngay sau"),
            chart_data["trend"]["labels"],
            chart_data["trend"]["totals"],
        ),
        "ranking": bar_chart(
            "ranking",
            _("Biểu đồ tổng điểm các sở, ban, ngành; số liệu ở bảng ngay sau"),
            chart_data["ranking"]["labels"],
            chart_data["ranking"]["totals"],
            scale=100,
            low=50,
        ),
    }
    count_rows = [
        {
            "name": name,
            "label": label,
            "value": report["counts"].get(name),
            "url": _drill_url(choice, name) if linkable else "",
        }
        for name, label in COUNT_LABELS.items()
    ]
    queue_query = {"trong": at_risk_days, "don_vi": "ngay"}
    if unit.kind in ("department", "agency"):
        queue_query["co_quan"] = unit.key
    context.update(
        {
            "period": period,
            "unit": unit,
            "report": report,
            "groups": _indicator_rows(report, choice, linkable),
            "group_codes": group_codes,
            "count_rows": count_rows,
            "trend": trend,
            "rankings": rankings,
            "rank_sorts": RANK_SORTS.items(),
            "sort": sort,
            "overdue": overdue,
            "overdue_count": overdue_count,
            "overdue_more": overdue_more,
            "at_risk": at_risk,
            "at_risk_count": at_risk_count,
            "at_risk_more": at_risk_more,
            "at_risk_days": at_risk_days,
            "overdue_url": reverse("backoffice:queue_named", kwargs={"slug": queue_lists.OVERDUE})
            + "?"
            + urlencode({k: v for k, v in queue_query.items() if k == "co_quan"}),
            "at_risk_url": reverse("backoffice:queue_named", kwargs={"slug": queue_lists.DUE_SOON})
            + "?"
            + urlencode(queue_query),
            "progress": progress,
            "criteria": _criteria(period, unit),
            "report_links": _report_links(choice),
            "chart_data": chart_data,
            "charts": charts,
            "index_data": report,
        }
    )
    return render(request, "backoffice/monitoring/dashboard.html", context)


@officer_required
def dossiers(request):
    """Hồ sơ đằng sau một con số: the dossiers a count of the index is made of, as far as the
    viewer may see them. Codes, procedure, status and dates only — no applicant's personal data."""
    view, choice, denied = _guard(request)
    if denied:
        return denied
    count_name = request.GET.get("so", "")
    behind = _dossiers_behind()
    errors = list(choice.errors)
    if count_name not in COUNT_LABELS:
        errors.append(("f-so", _("Không có số liệu “%(name)s” để xem hồ sơ.") % {"name": count_name[:40]}))
    context = {"choice": choice, "count_name": count_name, "count_label": COUNT_LABELS.get(count_name, "")}
    if behind is None:
        context["unavailable"] = True
        return render(request, "backoffice/monitoring/dossiers.html", context, status=503)
    if errors:
        context["errors"] = errors
        return render(request, "backoffice/monitoring/dossiers.html", context, status=400)
    page_text = request.GET.get("trang", "1")
    page = int(page_text) if page_text.isdigit() and 0 < int(page_text) <= 1000 else 1
    qs = visible_dossiers(request.user, behind(choice.period, choice.unit, count_name))
    total = qs.count()
    rows = list(
        qs.select_related("procedure", "handling_agency")
        .only(
            "code",
            "status",
            "channel",
            "received_at",
            "due_at",
            "finished_at",
            "counts_as_overdue",
            "procedure__code",
            "procedure__name",
            "handling_agency__name",
        )
        .order_by("received_at", "pk")[(page - 1) * DRILL_PAGE : page * DRILL_PAGE]
    )
    figure = services.report(choice.period, choice.unit)["counts"].get(count_name)
    for row in rows:
        row.status_text = labels.status_label(row.status)
        row.channel_text = labels.CHANNEL_LABELS.get(row.channel, row.channel)
    context.update(
        {
            "period": choice.period,
            "unit": choice.unit,
            "rows": rows,
            "total": total,
            "figure": figure,
            "page": page,
            "has_next": page * DRILL_PAGE < total,
            "start": (page - 1) * DRILL_PAGE + 1 if rows else 0,
            "end": (page - 1) * DRILL_PAGE + len(rows),
            "back_url": f"{reverse('backoffice:monitoring')}?{choice.query()}",
            "prev_url": _drill_url(choice, count_name) + f"&trang={page - 1}" if page > 1 else "",
            "next_url": _drill_url(choice, count_name) + f"&trang={page + 1}",
        }
    )
    return render(request, "backoffice/monitoring/dossiers.html", context)


# --- targets ----------------------------------------------------------------------------------------

FORM_FIELDS = {
    "agency": "t-co-quan",
    "measure": "t-chi-tieu",
    "period": "t-ky",
    "value": "t-gia-tri",
    "head": "t-lanh-dao",
}


def _targets_page(request, view, period_text: str, form: dict, errors: list, status: int = 200):
    try:
        period = parse_period(period_text)
    except PeriodError as exc:
        period = parse_period(current_month())
        errors = [*errors, ("t-xem-ky", str(exc))]
        status = 400 if status == 200 else status
    listed = target_services.for_period(view.targets(), period).order_by("agency__name", "measure")
    progress = target_services.progress(listed)
    behind = sorted(
        (p for p in progress if p.status == target_services.BEHIND),
        key=lambda p: (p.gap, p.target.agency.name),
    )
    context = {
        "viewer": view,
        "period": period,
        "period_text": period_text,
        "progress": progress,
        "behind": behind,
        "form": form,
        "errors": errors,
        "field_errors": {name: m for name, fid in FORM_FIELDS.items() for f, m in errors if f == fid},
        "measures": Target.Measure.choices,
        "agencies": Agency.objects.filter(is_active=True).only("code", "name").order_by("name")
        if view.may_set_targets
        else [],
        "heads": _head_choices() if view.may_set_targets else [],
    }
    return render(request, "backoffice/monitoring/targets.html", context, status=status)


def _head_choices() -> list[tuple[int, str]]:
    from motcua.people.models import OfficerRole

    rows = (
        OfficerRole.objects.filter(
            role__in=target_services.HEAD_ROLES, agency__is_active=True, user__is_active=True
        )
        .select_related("user", "agency")
        .order_by("agency__name", "user__username")
    )
    seen, out = set(), []
    # By agency, then the folded name (encrypted at rest, ADR 0048: sorted here, not by the database).
    rows = sorted(rows, key=lambda r: (r.agency.name, fold(r.user.full_name or r.user.username)))
    for role in rows:
        if role.user_id not in seen:
            seen.add(role.user_id)
            out.append((role.user_id, f"{role.user.full_name or role.user.username} — {role.agency.name}"))
    return out


def _blank_form(period_text: str) -> dict:
    return {
        "agency": "",
        "measure": "",
        "period": period_text,
        "value": "",
        "head": "",
        "note": "",
        "version": 0,
    }


@officer_required
def target_list(request):
    """Chỉ tiêu: monitors set them (form), everyone in scope reads their progress and who is behind."""
    view = target_services.viewer(request.user)
    if not view.allowed:
        return forbidden(request, _("Trang chỉ tiêu dành cho cán bộ giám sát và lãnh đạo cơ quan."))
    if request.method == "POST":
        return _save_target(request, view)
    period_text = (request.GET.get("ky") or current_month()).strip()[:40]
    form = _blank_form(period_text)
    edit = request.GET.get("sua", "")
    if view.may_set_targets and edit.isdigit():
        target = view.targets().filter(pk=int(edit)).first()
        if target is not None:
            form = {
                "agency": target.agency.code,
                "measure": target.measure,
                "period": target_services.period_text(target.period_kind, target.period_start),
                "value": str(target.value),
                "head": str(target.head_id or ""),
                "note": target.note,
                "version": target.version,
            }
    return _targets_page(request, view, period_text, form, [])


def _save_target(request, view):
    post = request.POST
    form = {
        "agency": post.get("co_quan", "").strip()[:32],
        "measure": post.get("chi_tieu", "").strip()[:32],
        "period": post.get("ky", "").strip()[:40],
        "value": post.get("gia_tri", "").strip()[:20],
        "head": post.get("lanh_dao", "").strip()[:12],
        "note": post.get("ghi_chu", "")[:2000],
        "version": post.get("phien_ban", "0").strip(),
    }
    period_text = form["period"] or current_month()
    if not view.may_set_targets:
        return forbidden(request, _("Chỉ cán bộ giám sát cấp tỉnh được giao chỉ tiêu."))
    errors = []
    agency = Agency.objects.filter(code=form["agency"], is_active=True).first() if form["agency"] else None
    if agency is None:
        errors.append((FORM_FIELDS["agency"], _("Hãy chọn cơ quan được giao chỉ tiêu.")))
    head = None
    if form["head"]:
        from motcua.people.models import User

        head = User.objects.filter(pk=int(form["head"])).first() if form["head"].isdigit() else None
        if head is None:
            errors.append((FORM_FIELDS["head"], _("Không tìm thấy lãnh đạo đã chọn.")))
    version = int(form["version"]) if form["version"].isdigit() else -1
    if version < 0:
        errors.append(("", _("Yêu cầu không hợp lệ. Hãy tải lại trang.")))
    if errors:
        return _targets_page(request, view, period_text, form, errors, 400)
    try:
        target = target_services.set_target(
            request.user,
            agency=agency,
            measure=form["measure"],
            period=form["period"],
            value=form["value"],
            note=form["note"],
            head=head,
            expected_version=version,
        )
    except target_services.TargetConflict as exc:
        kind, start = _period_key(form["period"])
        current = Target.objects.filter(
            agency=agency, measure=form["measure"], period_kind=kind, period_start=start
        ).first()
        if current is not None:
            form["version"] = current.version  # a second save replaces it, knowingly
        return _targets_page(request, view, period_text, form, [("", str(exc))], 409)
    except target_services.TargetError as exc:
        return _targets_page(
            request, view, period_text, form, [(FORM_FIELDS.get(exc.field, ""), str(exc))], 400
        )
    messages.success(
        request,
        _("Đã giao chỉ tiêu “%(measure)s” cho %(agency)s: %(value)s.")
        % {"measure": target.get_measure_display(), "agency": agency.name, "value": target.value},
    )
    return redirect(f"{reverse('backoffice:monitoring_targets')}?{urlencode({'ky': form['period']})}")


def _period_key(text: str) -> tuple[str, date | None]:
    try:
        period = parse_period(text)
    except PeriodError:
        return "", None
    return period.kind, period.first_day


urlpatterns = [
    path("giam-sat/", dashboard, name="monitoring"),
    path("giam-sat/ho-so/", dossiers, name="monitoring_dossiers"),
    path("giam-sat/chi-tieu/", target_list, name="monitoring_targets"),
]
