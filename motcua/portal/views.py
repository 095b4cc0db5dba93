"""The public catalog pages: home, the procedure list and search, the procedure page.

Views only read. Every GET parameter is checked here: a value we do not know is dropped with a
visible notice, so a hand-edited or stale URL still gives a page, never an error.
"""

import re
import unicodedata
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, F, Max, Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import Resolver404, get_script_prefix, resolve
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from motcua.catalog import legaltimes
from motcua.catalog.models import Field, LegalTime, Procedure, ProcedureAgency, SubmissionMethod, TimeUnit
from motcua.catalog.search import MAX_QUERY_CHARS, search_procedures
from motcua.core.money import format_number
from motcua.core.text import fold
from motcua.eforms.services import current_form
from motcua.places.models import AdminUnit, Agency

from . import labels

PAGE_SIZE = 25
#: Large enough to rank the whole catalog (about 3,000 procedures), then filter.
SEARCH_LIMIT = 10_000
#: Agencies of a commune: they are offered through a commune picker, not listed one by one.
COMMUNE_KINDS = (Agency.Kind.COMMUNE_COMMITTEE, Agency.Kind.COMMUNE_CENTER, Agency.Kind.COMMUNE_POLICE)
#: A commune-level procedure done in at most this many communes is listed in full.
COMMUNE_LIST_MAX = 5
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_STEP_PREFIX = re.compile(r"^\s*Bước\s*\d+\s*[:.\-–)]\s*", re.IGNORECASE)


def _in_force():
    return Procedure.objects.filter(status=Procedure.Status.IN_FORCE)


def _short(value: str, limit: int = 40) -> str:
    value = _CONTROL.sub("", value)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _level_of(procedure: Procedure) -> list[str]:
    return [labels.LEVEL_LABELS[level] for level in procedure.levels]


# --------------------------------------------------------------------------------------------
# home
# --------------------------------------------------------------------------------------------


#: The home page's content (catalog counts, fields, agencies, communes) is kept this long at most
#: (seconds) in the cache; a change of the procedures (their number or last update) shows at once.
HOME_CACHE_SECONDS = 300


def _catalog_stamp() -> str:
    """Changes when a procedure is added, removed or saved (the importer and the admin save them)."""
    stamp = Procedure.objects.aggregate(n=Count("id"), t=Max("updated_at"))
    return f"{stamp['n']}-{stamp['t'].timestamp() if stamp['t'] else 0}"


def home(request):
    """The content is reference data, the same for every visitor: rendered once per language and
    catalog stamp, and kept at most `MOTCUA_HOME_CACHE_SECONDS` (what the stamp does not see —
    a renamed field, agency or commune, new links of an agency — shows within that time)."""
    key = f"portal:home:{get_language()}:{get_script_prefix()}:{_catalog_stamp()}"
    content = cache.get(key)
    if content is None:
        content = render_to_string("portal/_home_content.html", _home_context())
        seconds = getattr(settings, "MOTCUA_HOME_CACHE_SECONDS", HOME_CACHE_SECONDS)
        cache.set(key, content, seconds)
    return render(request, "portal/home.html", {"content": mark_safe(content)})  # noqa: S308 — our render


def _home_context() -> dict:
    procedures = _in_force()
    in_force = Q(procedures__status=Procedure.Status.IN_FORCE)
    # Fields in the order citizens meet them: most listed in provincial catalogues, then most local.
    fields = list(
        Field.objects.annotate(
            n=Count("procedures", filter=in_force),
            listed=Sum("procedures__provincial_listings", filter=in_force),
            local=Count(
                "procedures",
                filter=in_force & (Q(procedures__at_province=True) | Q(procedures__at_commune=True)),
            ),
        )
        .filter(n__gt=0)
        .order_by(F("listed").desc(nulls_last=True), "-local", "name")
    )
    level_counts = procedures.aggregate(
        **{
            slug: Count("id", filter=Q(**{labels.LEVEL_FLAGS[level]: True}))
            for slug, level in labels.LEVEL_SLUGS.items()
        }
    )
    online_counts = procedures.aggregate(
        **{
            slug.replace("-", "_"): Count("id", filter=Q(online_level=level))
            for slug, level in labels.ONLINE_SLUGS.items()
        }
    )
    return {
        "total": procedures.count(),
        "top_fields": fields[:16],
        "all_fields": sorted(fields, key=lambda f: fold(f.name)),
        "field_count": len(fields),
        "levels": [
            {"slug": slug, "label": labels.LEVEL_LABELS[level], "n": level_counts[slug]}
            for slug, level in labels.LEVEL_SLUGS.items()
            if slug != "khac"
        ],
        "online_levels": [
            {
                "slug": slug,
                "label": labels.ONLINE_LABELS[level],
                "n": online_counts[slug.replace("-", "_")],
            }
            for slug, level in labels.ONLINE_SLUGS.items()
        ],
        "agencies": _province_agencies(),
        "communes": _communes(),
    }


def _province_agencies() -> list[Agency]:
    """The province's own agencies that carry out or receive at least one procedure in force."""
    agencies = (
        Agency.objects.exclude(kind__in=COMMUNE_KINDS)
        .filter(admin_unit__code=settings.MOTCUA_PROVINCE_CODE)
        .annotate(
            n=Count(
                "procedure_links__procedure",
                distinct=True,
                filter=Q(procedure_links__procedure__status=Procedure.Status.IN_FORCE),
            )
        )
        .filter(n__gt=0)
    )
    order = {kind: i for i, kind in enumerate(Agency.Kind.values)}
    return sorted(agencies, key=lambda a: (order.get(a.kind, 99), a.code))


def _communes() -> list[AdminUnit]:
    """The province's communes and wards whose agencies have procedures, in alphabetical order."""
    units = AdminUnit.objects.filter(
        parent__code=settings.MOTCUA_PROVINCE_CODE, agencies__procedure_links__isnull=False
    ).distinct()
    return sorted(units, key=lambda u: fold(u.name))


# --------------------------------------------------------------------------------------------
# list and search
# --------------------------------------------------------------------------------------------


@dataclass
class Filters:
    """The GET parameters of the list, checked. `params` holds only the valid ones (for links)."""

    q: str = ""
    field: Field | None = None
    level: str | None = None
    level_slug: str = ""
    online: str | None = None
    online_slug: str = ""
    agency: Agency | None = None
    commune: AdminUnit | None = None
    notices: list[str] = dataclass_field(default_factory=list)
    #: The valid parameters only, to build the links of pages and filters.
    params: dict[str, str] = dataclass_field(default_factory=dict)

    @property
    def active(self) -> bool:
        return any([self.field, self.level, self.online, self.agency, self.commune])


def clean_query(raw: str) -> tuple[str, bool]:
    """Strip control characters and spaces; keep at most what the search reads. (query, truncated)."""
    query = " ".join(_CONTROL.sub(" ", unicodedata.normalize("NFC", raw)).split())
    if len(query) > MAX_QUERY_CHARS:
        return query[:MAX_QUERY_CHARS].rstrip(), True
    return query, False


def parse_filters(data) -> Filters:
    filters = Filters()
    query, truncated = clean_query(data.get("q", ""))
    filters.q = query
    if truncated:
        filters.notices.append(
            _("Câu tìm kiếm quá dài: chỉ %(n)s ký tự đầu được dùng để tìm.") % {"n": MAX_QUERY_CHARS}
        )
    if query:
        filters.params["q"] = query

    def ignored(label: str, value: str) -> None:
        filters.notices.append(
            _("Không có %(what)s “%(value)s”: bộ lọc này đã được bỏ qua.")
            % {"what": label, "value": _short(value)}
        )

    if value := data.get("linh_vuc", "").strip():
        filters.field = Field.objects.filter(slug=value[:255]).first()
        if filters.field:
            filters.params["linh_vuc"] = filters.field.slug
        else:
            ignored(_("lĩnh vực"), value)
    if value := data.get("cap", "").strip():
        if value in labels.LEVEL_SLUGS:
            filters.level, filters.level_slug = labels.LEVEL_SLUGS[value], value
            filters.params["cap"] = value
        else:
            ignored(_("cấp thực hiện"), value)
    if value := data.get("muc_do", "").strip():
        if value in labels.ONLINE_SLUGS:
            filters.online, filters.online_slug = labels.ONLINE_SLUGS[value], value
            filters.params["muc_do"] = value
        else:
            ignored(_("mức độ trực tuyến"), value)
    if value := data.get("co_quan", "").strip():
        filters.agency = Agency.objects.filter(code=value[:32]).first()
        if filters.agency:
            filters.params["co_quan"] = filters.agency.code
        else:
            ignored(_("cơ quan"), value)
    if value := data.get("xa", "").strip():
        filters.commune = AdminUnit.objects.filter(
            code=value[:8], parent__code=settings.MOTCUA_PROVINCE_CODE
        ).first()
        if filters.commune:
            filters.params["xa"] = filters.commune.code
        else:
            ignored(_("xã, phường"), value)
    return filters


def filtered_procedures(filters: Filters):
    procedures = _in_force()
    if filters.field:
        procedures = procedures.filter(field=filters.field)
    if filters.level:
        procedures = procedures.filter(**{labels.LEVEL_FLAGS[filters.level]: True})
    if filters.online:
        procedures = procedures.filter(online_level=filters.online)
    if filters.agency:
        procedures = procedures.filter(
            id__in=ProcedureAgency.objects.filter(agency=filters.agency).values("procedure_id")
        )
    if filters.commune:
        procedures = procedures.filter(
            id__in=ProcedureAgency.objects.filter(agency__admin_unit=filters.commune).values("procedure_id")
        )
    return procedures


def _page_number(raw: str | None, notices: list[str]) -> int:
    if raw is None or raw == "":
        return 1
    if raw.isascii() and raw.isdigit() and len(raw) < 7 and int(raw) >= 1:
        return int(raw)
    notices.append(_("Số trang “%(value)s” không hợp lệ: đang hiển thị trang 1.") % {"value": _short(raw)})
    return 1


def procedure_list(request, search_page: bool = False):
    filters = parse_filters(request.GET)
    notices = filters.notices
    asked_nothing = search_page and not filters.q
    procedures = filtered_procedures(filters)

    if filters.q:
        hits = search_procedures(filters.q, SEARCH_LIMIT)
        if filters.active:
            allowed = set(procedures.values_list("code", flat=True))
            codes = [hit.code for hit in hits if hit.code in allowed]
        else:
            codes = [hit.code for hit in hits]
        items = codes
    elif asked_nothing:
        items = []
    else:
        items = procedures.order_by("code").values_list("code", flat=True)

    paginator = Paginator(items, PAGE_SIZE)
    number = _page_number(request.GET.get("trang"), notices)
    if number > paginator.num_pages:
        notices.append(
            _("Không có trang %(n)s: đang hiển thị trang cuối (%(last)s).")
            % {"n": number, "last": paginator.num_pages}
        )
        number = paginator.num_pages
    page = paginator.page(number)
    page_codes = list(page.object_list)
    by_code = {p.code: p for p in Procedure.objects.filter(code__in=page_codes).select_related("field")}
    rows = [
        {
            "procedure": by_code[code],
            "levels": _level_of(by_code[code]),
            "online": labels.ONLINE_LABELS.get(by_code[code].online_level, ""),
        }
        for code in page_codes
        if code in by_code
    ]

    base = urlencode(filters.params)
    return render(
        request,
        "portal/procedure_list.html",
        {
            "filters": filters,
            "notices": notices,
            "asked_nothing": asked_nothing,
            "search_page": search_page,
            "page": page,
            "rows": rows,
            "total": paginator.count,
            "first_index": page.start_index(),
            "last_index": page.end_index(),
            "page_link_base": f"?{base}&trang=" if base else "?trang=",
            "active_filters": _active_filter_chips(filters),
            "fields": Field.objects.filter(procedures__status=Procedure.Status.IN_FORCE)
            .distinct()
            .order_by("name"),
            "levels": [(slug, labels.LEVEL_LABELS[level]) for slug, level in labels.LEVEL_SLUGS.items()],
            "online_levels": [
                (slug, labels.ONLINE_LABELS[level]) for slug, level in labels.ONLINE_SLUGS.items()
            ],
            "agencies": _province_agencies(),
            "communes": _communes(),
        },
    )


def _active_filter_chips(filters: Filters) -> list[dict]:
    """Each active filter with a link that removes it."""
    chips = []
    shown = [
        ("linh_vuc", _("Lĩnh vực"), filters.field.name if filters.field else ""),
        ("cap", _("Cấp"), labels.LEVEL_LABELS[filters.level] if filters.level else ""),
        ("muc_do", _("Mức độ"), labels.ONLINE_LABELS[filters.online] if filters.online else ""),
        ("co_quan", _("Cơ quan"), filters.agency.name if filters.agency else ""),
        ("xa", _("Xã, phường"), filters.commune.name if filters.commune else ""),
    ]
    for key, label, value in shown:
        if value:
            rest = {k: v for k, v in filters.params.items() if k != key}
            chips.append({"label": label, "value": value, "remove": f"?{urlencode(rest)}" if rest else "?"})
    return chips


def search(request):
    return procedure_list(request, search_page=True)


# --------------------------------------------------------------------------------------------
# procedure page
# --------------------------------------------------------------------------------------------


def procedure_detail(request, code: str):
    procedure = get_object_or_404(
        Procedure.objects.select_related("field", "current_version"), code=code[:32]
    )
    version = procedure.current_version
    context = {
        "procedure": procedure,
        "version": version,
        "levels": _level_of(procedure),
        "online_label": labels.ONLINE_LABELS.get(procedure.online_level, ""),
        "online_slug": next(
            (s for s, lvl in labels.ONLINE_SLUGS.items() if lvl == procedure.online_level), ""
        ),
        "status_label": labels.STATUS_LABELS.get(procedure.status, procedure.status),
        "in_force": procedure.status == Procedure.Status.IN_FORCE,
        "versions": procedure.versions.order_by("-number").only(
            "number", "imported_at", "superseded_at", "source", "source_url", "decision_no", "procedure_id"
        ),
        "back_url": _back_url(request),
        # An interactive e-form: the "Nộp hồ sơ trực tuyến" start button (motcua.eforms).
        "online_form": current_form(procedure.code)
        if procedure.status == Procedure.Status.IN_FORCE
        else None,
    }
    if version is not None:
        context.update(
            {
                "steps": [_STEP_PREFIX.sub("", step) for step in version.steps if step and step.strip()],
                "paper_groups": _paper_groups(version),
                "channels": _channels(version),
                "results": [r for r in version.results or [] if r.get("name")],
                "result_text": version.result_text,
            }
        )
    context.update(_places(request, procedure))
    context["summary"] = _summary(procedure, context)
    return render(request, "portal/procedure_detail.html", context)


#: Papers named one by one in the summary; beyond, "and N more" links to the full list.
SUMMARY_PAPERS = 5


def _summary(procedure: Procedure, context: dict) -> dict:
    """The plain-language summary at the top of the procedure page (tóm tắt), from the structured fields.

    What you need, how long per channel, how much, where, whether it can be done online. Each part
    is None when the catalog does not say (a procedure known only by its code and name), and the
    page then says "Chưa có thông tin" instead of guessing.
    """
    groups = context.get("paper_groups") or []
    documents = [doc for group in groups for doc in group["documents"]]
    papers = None
    if documents:
        by_case = len([g for g in groups if g["name"]]) > 1  # the papers depend on the case
        papers = {
            "count": len(documents),
            "cases": len(groups) if by_case else 0,
            "names": [] if by_case else [_paper_name(d.name) for d in documents[:SUMMARY_PAPERS]],
            "more": 0 if by_case else max(0, len(documents) - SUMMARY_PAPERS),
        }
    times, fees = [], []
    version = context.get("version")
    table = {row.channel: row for row in LegalTime.objects.filter(procedure=procedure)} if version else None
    for channel in context.get("channels") or []:
        method = channel["methods"][0]
        time = legal_time_text(version, channel["channel"], table) or method["time"]
        times.append({"label": channel["label"], "text": time or "", "varies": len(channel["methods"]) > 1})
        fees.append(
            {
                "label": channel["label"],
                "status": method["fee_status"],
                "amounts": method["fee_amounts"],
                "varies": len(channel["methods"]) > 1,
            }
        )
    same_time = len({t["text"] for t in times}) == 1 and not any(t["varies"] for t in times)
    fee_keys = {(f["status"], tuple(f["amounts"])) for f in fees}
    same_fee = len(fee_keys) == 1 and not any(f["varies"] for f in fees)
    channels = {c["channel"] for c in context.get("channels") or []}
    return {
        "papers": papers,
        "times": times[:1] if same_time and times else times,
        "same_time": same_time,
        "any_time": any(t["text"] for t in times),
        "fees": fees[:1] if same_fee and fees else fees,
        "same_fee": same_fee,
        "known_fee": any(f["status"] != SubmissionMethod.FeeStatus.UNKNOWN for f in fees),
        "where": _where(context),
        "online_channel": "online" in channels,
        "online_level": procedure.online_level,
        "online_label": context.get("online_label", ""),
    }


def _paper_name(name: str) -> str:
    """The paper's name on one line, without the template file name the source glues to it."""
    first = name.strip().splitlines()[0] if name.strip() else ""
    first = re.split(r"(?<=[^\s])Mẫu\s|\S+\.(?:docx?|pdf|xlsx?)\b", first)[0].strip(" .;:-")
    return _short(first, 140)


def _where(context: dict) -> dict | None:
    """Where to submit, briefly: the province's receiving agencies, or the commune level."""
    rows = context.get("province_agencies") or []
    receiving_label = labels.ROLE_LABELS[ProcedureAgency.Role.RECEIVING]
    receiving = [r["agency"].name for r in rows if r["role"] == receiving_label]
    receiving = receiving or [r["agency"].name for r in rows]
    communes = context.get("commune_count") or 0
    version = context.get("version")
    address = (getattr(version, "receiving_address", "") or "").strip() if version is not None else ""
    if not receiving and not communes and not address:
        return None
    return {
        "agencies": receiving[:3],
        "more": max(0, len(receiving) - 3),
        "communes": communes,
        "address": address,
    }


def legal_time_text(version, channel: str, table: dict | None = None) -> str:
    """The legal time of a channel as the catalog resolves it (catalog.legaltimes: the administrators'
    table of legal times first, then the record's printed time, then the written bare-number rule),
    "" when there is none."""
    resolved = legaltimes.resolve(version, channel, table)
    if not resolved.known:
        return ""
    if resolved.unit == legaltimes.SAME_DAY:
        return _("Trong ngày (nhận sau giờ chốt: ngày làm việc tiếp theo)")
    return f"{format_number(resolved.amount)} {labels.TIME_UNIT_LABELS.get(resolved.unit, '')}".strip()


def _paper_groups(version) -> list[dict]:
    """Papers grouped by case (trường hợp), groups in order of first appearance."""
    groups: dict[str, list] = {}
    for document in version.documents.order_by("position", "id"):
        groups.setdefault(document.group.strip(), []).append(document)
    return [
        {"name": name.strip("*:- ").strip(), "documents": documents} for name, documents in groups.items()
    ]


def _channels(version) -> list[dict]:
    """One entry per channel (online, counter, post), each with its methods (cases) and display values."""
    by_channel: dict[str, list] = {}
    for method in version.methods.order_by("position", "id"):
        parsed = method.time_amount is not None or method.time_unit == TimeUnit.NOT_REGULATED
        time_text = method.processing_time_text.strip()
        fee_text = method.fee_text.strip()
        by_channel.setdefault(method.channel, []).append(
            {
                "time": _time_display(method),
                # The original wording, when the normalised value does not say it all.
                "time_text": time_text if not parsed or fold(time_text) != fold(method.time_display) else "",
                "fee_status": method.fee_status,
                "fee_label": labels.FEE_LABELS.get(method.fee_status, ""),
                "fee_amounts": [a for a in method.fee_amounts or [] if isinstance(a, int | float)],
                "fee_text": fee_text if method.fee_status == SubmissionMethod.FeeStatus.PAID else "",
                "note": method.note.strip(),
            }
        )
    order = {channel: i for i, channel in enumerate(labels.CHANNEL_ORDER)}
    return [
        {"channel": channel, "label": labels.CHANNEL_LABELS.get(channel, channel), "methods": methods}
        for channel, methods in sorted(by_channel.items(), key=lambda item: order.get(item[0], 9))
    ]


def _time_display(method: SubmissionMethod) -> str:
    """ "7 ngày làm việc" in the active language; "" when the source text was not understood."""
    if method.time_amount is None:
        return (
            str(labels.TIME_UNIT_LABELS[TimeUnit.NOT_REGULATED])
            if method.time_unit == TimeUnit.NOT_REGULATED
            else ""
        )
    return f"{format_number(method.time_amount)} {labels.TIME_UNIT_LABELS.get(method.time_unit, '')}".strip()


def _places(request, procedure: Procedure) -> dict:
    """Where to submit: the province's agencies in full; commune agencies through a commune picker."""
    links = list(
        ProcedureAgency.objects.filter(procedure=procedure)
        .select_related("agency__admin_unit")
        .order_by("agency__code", "role")
    )
    province_links = [link for link in links if link.agency.kind not in COMMUNE_KINDS]
    commune_links = [link for link in links if link.agency.kind in COMMUNE_KINDS]
    communes = sorted({link.agency.admin_unit for link in commune_links}, key=lambda u: fold(u.name))
    chosen, notice = None, ""
    raw = request.GET.get("xa", "").strip()
    if raw:
        chosen = next((u for u in communes if u.code == raw[:8]), None)
        if chosen is None:
            notice = _(
                "Thủ tục này không được thực hiện tại xã, phường đã chọn, hoặc mã “%(value)s” không đúng."
            ) % {"value": _short(raw)}
    if len(communes) <= COMMUNE_LIST_MAX:
        shown = commune_links
    else:
        shown = [link for link in commune_links if chosen and link.agency.admin_unit_id == chosen.id]

    def rows(selected):
        return [
            {"agency": link.agency, "role": labels.ROLE_LABELS.get(link.role, link.role)}
            for link in sorted(
                selected, key=lambda lk: (lk.role != ProcedureAgency.Role.RECEIVING, lk.agency.code)
            )
        ]

    return {
        "province_agencies": rows(province_links),
        "commune_count": len(communes),
        "communes": communes if len(communes) > COMMUNE_LIST_MAX else [],
        "chosen_commune": chosen,
        "commune_notice": notice,
        "commune_agencies": rows(shown),
    }


def _back_url(request) -> str:
    """The results page the visitor came from (same site, list or search), else the list."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        try:
            match = resolve(parts.path)
        except (Resolver404, Http404):
            match = None
        if match and match.url_name in {"procedure_list", "search"}:
            return f"{parts.path}?{parts.query}" if parts.query else parts.path
    return ""
