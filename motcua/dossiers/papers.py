"""The official papers of the one-stop mechanism (TT 03/2025/TT-VPCP, Phụ lục I, Mẫu 01–07).

    pdf = render_paper(dossier, 1)              # Mẫu 01: giấy tiếp nhận hồ sơ và hẹn trả kết quả
    pdf = render_register(agency, start, end)   # Mẫu 07: sổ theo dõi hồ sơ of one agency
    html = paper_html(dossier, "02")            # the same, as HTML (previews, tests)

Papers are rendered on demand from what the dossier's history already records (who, when,
why); nothing here writes to the database and no paper is stored (ADR 0009). A paper that the
history does not support (Mẫu 03 for a dossier never refused, Mẫu 05 for one never stopped…) is
refused with `PaperNotApplicable`, whose message says why in Vietnamese, instead of printing an
empty form. Every paper carries the QR code of the public status page `/tra-cuu/<code>/`,
built from `settings.MOTCUA_PUBLIC_BASE_URL`.

Papers are always Vietnamese (they are official documents), whatever the request's language.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import quote

from django.conf import settings
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone, translation

from motcua.core.pdf import place_date, render_html, render_pdf

from . import services
from .models import Decision, Dossier, DossierHistory, DueDateChange, Status

#: The register is one PDF; beyond this many dossiers, ask for a shorter period.
MAX_REGISTER_ROWS = 3000
TEMPLATE_DIR = "dossiers/papers/"


class PaperNotApplicable(Exception):
    """The paper does not fit this dossier's history (or does not exist); the message is Vietnamese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PaperKind:
    number: str  # "01" … "07"
    title: str
    template: str


PAPERS: dict[str, PaperKind] = {
    k.number: k
    for k in [
        PaperKind("01", "Giấy tiếp nhận hồ sơ và hẹn trả kết quả", "mau_01.html"),
        PaperKind("02", "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", "mau_02.html"),
        PaperKind("03", "Phiếu từ chối tiếp nhận, giải quyết hồ sơ", "mau_03.html"),
        PaperKind("04", "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết", "mau_04.html"),
        PaperKind("05", "Thông báo dừng giải quyết hồ sơ", "mau_05.html"),
        PaperKind("06", "Phiếu kiểm soát quá trình giải quyết hồ sơ", "mau_06.html"),
        PaperKind("07", "Sổ theo dõi hồ sơ", "mau_07.html"),
    ]
}
#: The papers of one dossier (Mẫu 07 is the register of an agency).
DOSSIER_PAPERS = ("01", "02", "03", "04", "05", "06")


# --- public addresses -------------------------------------------------------------------------


def public_url(path: str) -> str:
    """An absolute URL on the public site: MOTCUA_PUBLIC_BASE_URL + path."""
    base = str(getattr(settings, "MOTCUA_PUBLIC_BASE_URL", "") or "http://127.0.0.1:8000").rstrip("/")
    return base + "/" + path.lstrip("/")


def lookup_url(code: str) -> str:
    """The public status page of a dossier (the QR code on every paper)."""
    return public_url(f"/tra-cuu/{quote(code, safe='')}/")


def verification_url(code: str) -> str:
    """The public page that checks a dossier's signed result (the QR code on the result)."""
    return public_url(f"/xac-thuc/{quote(code, safe='')}/")


# --- small helpers ----------------------------------------------------------------------------

_PLACE_PREFIXES = ("Thành phố ", "Tỉnh ", "Đặc khu ", "Phường ", "Xã ", "Thị trấn ")


def place_of(agency) -> str:
    """The place in "<place>, ngày … tháng … năm …" (NĐ 30/2020): the unit's name without its kind,
    except numbered units ("Phường 1")."""
    name = agency.admin_unit.name if agency is not None else ""
    for prefix in _PLACE_PREFIXES:
        if name.startswith(prefix) and not name[len(prefix) :].strip().isdigit():
            return name[len(prefix) :].strip()
    return name


def _local(moment: datetime | None) -> datetime | None:
    return timezone.localtime(moment) if moment is not None else None


def _day(moment: datetime | None) -> date:
    return timezone.localdate(moment) if moment is not None else timezone.localdate()


def _header(agency, moment: datetime | None, kind: PaperKind, dossier: Dossier | None) -> dict:
    return {
        "paper": kind,
        "document_title": kind.title,
        "agency_parent": agency.parent.name if agency is not None and agency.parent_id else "",
        "agency_name": agency.name if agency is not None else "",
        "agency": agency,
        "place_date": place_date(place_of(agency), _day(moment)),
        "lookup_url": lookup_url(dossier.code) if dossier is not None else "",
        "dossier": dossier,
        "generated_at": timezone.localtime(),
    }


def _reason(entry: DossierHistory | None) -> str:
    if entry is None:
        return ""
    return str((entry.data or {}).get("reason") or entry.note or "").strip()


def _entries(dossier: Dossier, *actions: str) -> list[DossierHistory]:
    return list(
        dossier.history.filter(action__in=actions)
        .select_related("agency", "agency__parent")
        .order_by("at", "id")
    )


def _last(dossier: Dossier, *actions: str) -> DossierHistory | None:
    entries = _entries(dossier, *actions)
    return entries[-1] if entries else None


def _officer(entry: DossierHistory | None) -> dict:
    if entry is None:
        return {"name": "", "title": "", "agency": ""}
    return {
        "name": entry.actor_name,
        "title": entry.actor_title,
        "agency": entry.agency.name if entry.agency_id else "",
    }


def _result_return(dossier: Dossier) -> str:
    if dossier.result_by_post:
        return "Qua dịch vụ bưu chính công ích, đến địa chỉ của người nộp hồ sơ"
    return f"Trực tiếp tại {dossier.receiving_agency.name}"


def _timing(done: datetime | None, due: datetime | None) -> str:
    """Trước hạn / Đúng hạn / Quá hạn, as the control sheet writes it ("" when no deadline)."""
    if done is None or due is None:
        return ""
    if done > due:
        return "Quá hạn"
    if timezone.localdate(done) < timezone.localdate(due):
        return "Trước hạn"
    return "Đúng hạn"


def _due_at_moment(dossier: Dossier, changes: list[DueDateChange], moment: datetime) -> datetime | None:
    """The appointment in force at `moment`, from the DueDateChange rows."""
    due = changes[0].old_due_at if changes else dossier.due_at
    for change in changes:
        if change.at <= moment:
            due = change.new_due_at
    return due


# --- the papers of a dossier ------------------------------------------------------------------


def _base(dossier: Dossier) -> Dossier:
    return (
        Dossier.objects.select_related(
            "procedure",
            "procedure_version",
            "receiving_agency",
            "receiving_agency__parent",
            "receiving_agency__admin_unit",
            "handling_agency",
            "handling_agency__parent",
            "handling_agency__admin_unit",
        )
        .filter(pk=dossier.pk)
        .first()
    ) or dossier


def _mau_01(dossier: Dossier, kind: PaperKind) -> dict:
    entry = _last(dossier, "receive")
    if entry is None or dossier.received_at is None:
        raise PaperNotApplicable(
            f"Hồ sơ {dossier.code} chưa được tiếp nhận nên chưa có giấy tiếp nhận hồ sơ và hẹn trả kết quả."
        )
    documents = list(dossier.documents.filter(is_supplement=False).order_by("id"))
    return {
        **_header(dossier.receiving_agency, entry.at, kind, dossier),
        "received_at": _local(entry.at),
        "due_at": _local(dossier.due_at),
        "documents": documents,
        "result_return": _result_return(dossier),
        "officer": _officer(entry),
        "channel_label": dossier.get_channel_display(),
        "lookup_page": public_url("/tra-cuu/"),
    }


def _mau_02(dossier: Dossier, kind: PaperKind) -> dict:
    entries = _entries(dossier, "request_supplement")
    if not entries:
        raise PaperNotApplicable(
            f"Hồ sơ {dossier.code} chưa lần nào được yêu cầu bổ sung, hoàn thiện: "
            "không có phiếu yêu cầu bổ sung."
        )
    entry = entries[-1]
    agency = entry.agency or dossier.receiving_agency
    return {
        **_header(agency, entry.at, kind, dossier),
        "entry": entry,
        "requested_at": _local(entry.at),
        "what": _reason(entry),
        "officer": _officer(entry),
        "occurrence": len(entries),
        "received_at": _local(dossier.received_at or dossier.submitted_at),
    }


def _mau_03(dossier: Dossier, kind: PaperKind) -> dict:
    entry = _last(dossier, "refuse_reception", "refuse")
    if entry is None:
        raise PaperNotApplicable(
            f"Hồ sơ {dossier.code} không bị từ chối tiếp nhận hay từ chối giải quyết: không có phiếu từ chối."
        )
    at_reception = entry.action == "refuse_reception"
    agency = entry.agency or (dossier.receiving_agency if at_reception else dossier.handling_agency)
    reason = _reason(entry) or (dossier.decision_reason if dossier.decision == Decision.REFUSED else "")
    return {
        **_header(agency, entry.at, kind, dossier),
        "entry": entry,
        "at_reception": at_reception,
        "refused_at": _local(entry.at),
        "reasons": [line.strip() for line in reason.splitlines() if line.strip()],
        "officer": _officer(entry),
        "received_at": _local(dossier.received_at or dossier.submitted_at),
    }


def _mau_04(dossier: Dossier, kind: PaperKind) -> dict:
    entry = _last(dossier, "apologise")
    if entry is None:
        raise PaperNotApplicable(f"Hồ sơ {dossier.code} chưa có văn bản xin lỗi và hẹn lại ngày trả kết quả.")
    change = (
        DueDateChange.objects.filter(dossier=dossier, at=entry.at).order_by("id").last()
        or DueDateChange.objects.filter(dossier=dossier, reason__startswith="Xin lỗi")
        .order_by("at", "id")
        .last()
    )
    if change is None:
        raise PaperNotApplicable(f"Không tìm thấy ngày hẹn cũ và ngày hẹn mới của hồ sơ {dossier.code}.")
    agency = entry.agency or dossier.handling_agency
    return {
        **_header(agency, entry.at, kind, dossier),
        "entry": entry,
        "apologised_at": _local(entry.at),
        "old_due_at": _local(change.old_due_at),
        "new_due_at": _local(change.new_due_at),
        "reason": _reason(entry),
        "officer": _officer(entry),
        "received_at": _local(dossier.received_at or dossier.submitted_at),
        "receiving_agency": dossier.receiving_agency,
    }


def _mau_05(dossier: Dossier, kind: PaperKind) -> dict:
    entry = _last(dossier, "stop")
    if entry is None:
        raise PaperNotApplicable(
            f"Hồ sơ {dossier.code} không bị dừng giải quyết: không có thông báo dừng giải quyết hồ sơ."
        )
    request = _last(dossier, "request_withdrawal")
    agency = entry.agency or dossier.receiving_agency
    return {
        **_header(agency, entry.at, kind, dossier),
        "entry": entry,
        "stopped_at": _local(entry.at),
        "request": request,
        "requested_at": _local(request.at) if request else None,
        "request_reason": _reason(request),
        "officer": _officer(entry),
        "received_at": _local(dossier.received_at or dossier.submitted_at),
    }


@dataclass
class ControlRow:
    """One line of the control sheet (Mẫu 06): who handed the dossier to whom, when, with what result."""

    number: int
    sender: dict
    receiver: dict
    at: datetime
    action: str
    detail: str
    steps: list
    #: The steps this transition finished, against their own share of the time.
    timing: str
    due_at: datetime | None
    #: For the decision (approve / refuse): against the appointment in force at that moment.
    dossier_timing: str = ""
    dossier_due_at: datetime | None = None


#: The transitions that finish steps (in services: _finish_reception_step, _complete_step, _decide,
#: _return_result).
STEP_FINISHERS = {"assign", "complete_step", "approve", "refuse", "return_result"}
DECISIONS = {"approve", "refuse"}
_WORST_FIRST = ("Quá hạn", "Đúng hạn", "Trước hạn")


def control_rows(dossier: Dossier) -> tuple[list[ControlRow], list]:
    """The rows of Mẫu 06 and the steps still open, from the history and the steps."""
    from motcua.people.models import User

    entries = list(dossier.history.select_related("agency").order_by("at", "id"))
    steps = list(dossier.steps.select_related("agency", "officer").order_by("position"))
    changes = list(DueDateChange.objects.filter(dossier=dossier).order_by("at", "id"))
    assignees = {
        u.username: (u.full_name or u.username)
        for u in User.objects.filter(username__in=[(e.data or {}).get("assignee") for e in entries if e.data])
    }
    sender = {"name": dossier.applicant_name, "title": "Người nộp hồ sơ", "agency": ""}
    attributed: set[int] = set()
    rows = []
    for n, entry in enumerate(entries, start=1):
        receiver = _officer(entry)
        if entry.actor_id is None and entry.agency_id is None:
            receiver = {"name": entry.actor_name or "hệ thống", "title": entry.actor_title, "agency": ""}
        finished = []
        if entry.action in STEP_FINISHERS:
            finished = [s for s in steps if s.pk not in attributed and s.finished_at == entry.at]
            attributed.update(s.pk for s in finished)
        timings = [_timing(s.finished_at, s.due_at) for s in finished]
        timing = next((t for t in _WORST_FIRST if t in timings), "")
        due = max((s.due_at for s in finished if s.due_at), default=None)
        dossier_timing, dossier_due = "", None
        if entry.action in DECISIONS:
            dossier_due = _due_at_moment(dossier, changes, entry.at)
            dossier_timing = _timing(entry.at, dossier_due)
        detail = _reason(entry)
        assignee = (entry.data or {}).get("assignee") if entry.action == "assign" else None
        if assignee:
            detail = f"Phân công: {assignees.get(assignee, assignee)}"
        rows.append(
            ControlRow(
                number=n,
                sender=sender,
                receiver=receiver,
                at=_local(entry.at),
                action=entry.label,
                detail=detail,
                steps=finished,
                timing=timing,
                due_at=_local(due),
                dossier_timing=dossier_timing,
                dossier_due_at=_local(dossier_due),
            )
        )
        sender = receiver
    open_steps = [s for s in steps if s.finished_at is None]
    return rows, open_steps


def _mau_06(dossier: Dossier, kind: PaperKind) -> dict:
    if dossier.received_at is None:
        raise PaperNotApplicable(
            f"Hồ sơ {dossier.code} chưa được tiếp nhận nên chưa có phiếu kiểm soát quá trình giải quyết."
        )
    rows, open_steps = control_rows(dossier)
    now = timezone.now()
    return {
        **_header(dossier.receiving_agency, now, kind, dossier),
        "rows": rows,
        "open_steps": [
            {"step": s, "due_at": _local(s.due_at), "late": bool(s.due_at and now > s.due_at)}
            for s in open_steps
        ],
        "received_at": _local(dossier.received_at),
        "due_at": _local(dossier.due_at),
        "status_label": Status(dossier.status).label,
    }


BUILDERS = {"01": _mau_01, "02": _mau_02, "03": _mau_03, "04": _mau_04, "05": _mau_05, "06": _mau_06}


def paper_number(number: int | str) -> str:
    """ "1", 1, "01" → "01"; anything else → PaperNotApplicable."""
    text = str(number).strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 2):
        raise PaperNotApplicable(f"Không có mẫu số “{text[:10]}”.")
    return f"{int(text):02d}"


def paper_context(dossier: Dossier, number: int | str) -> tuple[str, dict]:
    """(template, context) of paper `number` (01–06); PaperNotApplicable if the history does not fit it."""
    key = paper_number(number)
    if key == "07":
        raise PaperNotApplicable(
            "Mẫu 07 (sổ theo dõi hồ sơ) là sổ của một cơ quan, không phải của một hồ sơ."
        )
    if key not in BUILDERS:
        raise PaperNotApplicable(f"Không có mẫu số {key}: các mẫu của một hồ sơ là 01 đến 06.")
    kind = PAPERS[key]
    dossier = _base(dossier)
    context = BUILDERS[key](dossier, kind)
    return TEMPLATE_DIR + kind.template, context


def paper_html(dossier: Dossier, number: int | str) -> str:
    """The HTML that render_paper turns into a PDF."""
    with translation.override("vi"):
        template, context = paper_context(dossier, number)
        return render_html(template, context)


def render_paper(dossier: Dossier, number: int | str) -> bytes:
    """Paper `number` (01–06) of the dossier as a PDF."""
    with translation.override("vi"):
        template, context = paper_context(dossier, number)
        return render_pdf(template, context)


# --- Mẫu 07: the register of an agency ----------------------------------------------------------


def register_dossiers(agency, start: date, end: date):
    """The dossiers the agency received or handles, received (or submitted) between start and end."""
    if start > end:
        raise PaperNotApplicable("Ngày bắt đầu phải trước hoặc bằng ngày kết thúc.")
    tz = timezone.get_current_timezone()
    since = datetime.combine(start, time.min, tzinfo=tz)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    return (
        Dossier.objects.annotate(register_at=Coalesce("received_at", "submitted_at", "created_at"))
        .filter(
            Q(receiving_agency=agency) | Q(handling_agency=agency),
            register_at__gte=since,
            register_at__lt=until,
        )
        .select_related("procedure", "handling_agency", "receiving_agency")
        .prefetch_related("documents")
        .order_by("register_at", "code")
    )


def register_context(agency, start: date, end: date) -> dict:
    dossiers = list(register_dossiers(agency, start, end)[: MAX_REGISTER_ROWS + 1])
    if len(dossiers) > MAX_REGISTER_ROWS:
        raise PaperNotApplicable(
            f"Có hơn {MAX_REGISTER_ROWS} hồ sơ trong khoảng thời gian này: hãy chọn khoảng ngắn hơn."
        )
    now = timezone.now()
    rows = [
        {
            "n": n,
            "d": d,
            "sets": 1,
            "received_at": _local(d.received_at or d.submitted_at),
            "due_at": _local(d.due_at),
            "finished_at": _local(d.finished_at),
            "returned_at": _local(d.returned_at),
            "status_label": Status(d.status).label,
            "overdue": services.is_overdue(d, now),
            "papers": sum(1 for _ in d.documents.all()),
        }
        for n, d in enumerate(dossiers, start=1)
    ]
    kind = PAPERS["07"]
    return {
        **_header(agency, now, kind, None),
        "start": start,
        "end": end,
        "rows": rows,
    }


def register_html(agency, start: date, end: date) -> str:
    with translation.override("vi"):
        return render_html(TEMPLATE_DIR + PAPERS["07"].template, register_context(agency, start, end))


def render_register(agency, start: date, end: date) -> bytes:
    """Mẫu 07, the register of dossiers of `agency` from `start` to `end` (local dates, inclusive)."""
    with translation.override("vi"):
        return render_pdf(TEMPLATE_DIR + PAPERS["07"].template, register_context(agency, start, end))
