"""Intake from every channel: the counter, the post, and the national portal (services).

A counter or post dossier is created and received in one transaction (code, clock, receipt).
An online dossier from the national portal arrives in status 1 with its national code, which
it keeps; receiving the same national code twice returns the first dossier.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from motcua.catalog.models import Procedure, ProcedureAgency
from motcua.core.codes import next_dossier_code
from motcua.people.models import OfficerRole
from motcua.places.models import Agency

from . import access, deadlines, services
from .models import ApplicantKind, Channel, Dossier, DossierDocument, Status


@dataclass
class Applicant:
    name: str
    id_number: str
    kind: str = ApplicantKind.CITIZEN
    address: str = ""
    phone: str = ""
    email: str = ""
    user: object | None = None

    def clean(self) -> None:
        self.name, self.id_number = " ".join(self.name.split()), self.id_number.strip()
        if not self.name:
            raise services.InvalidInput("Nhập họ tên người nộp hồ sơ.")
        if self.kind == ApplicantKind.CITIZEN and not (
            self.id_number.isdigit() and len(self.id_number) == 12
        ):
            raise services.InvalidInput("Số định danh cá nhân phải gồm đúng 12 chữ số.")
        if self.kind == ApplicantKind.ORGANISATION and not (
            self.id_number.replace("-", "").isdigit() and len(self.id_number.replace("-", "")) in (10, 13)
        ):
            raise services.InvalidInput("Mã số thuế / mã số doanh nghiệp phải gồm 10 hoặc 13 chữ số.")


@dataclass
class Paper:
    name: str
    requirement_id: int | None = None
    originals: int = 0
    copies: int = 0
    file: object | None = None  # an UploadedFile whose type and size the caller has checked
    digitised: bool = False
    reused: bool = False
    extra: dict = field(default_factory=dict)


#: The agency columns `implementing_links` reads: all but the two JSON lists (names and ministries
#: the catalog import matches on, read nowhere else).
_LINK_AGENCY_FIELDS = tuple(
    f.attname for f in Agency._meta.concrete_fields if f.name not in ("ministry_groups", "match_names")
)
_UNIT, _KIND = _LINK_AGENCY_FIELDS.index("admin_unit_id"), _LINK_AGENCY_FIELDS.index("kind")


class ImplementingLink:
    """A procedure's implementing agency as `implementing_links` reads it: the agency's columns as
    values, its Agency instance made when asked (for the one or two agencies chosen, not for each
    of the 76 links of a commune procedure)."""

    __slots__ = ("pk", "_row", "_agency")

    def __init__(self, pk: int, row: tuple):
        self.pk, self._row, self._agency = pk, row, None

    @property
    def admin_unit_id(self):
        return self._row[_UNIT]

    @property
    def kind(self) -> str:
        return self._row[_KIND]

    @property
    def agency(self) -> Agency:
        if self._agency is None:
            self._agency = Agency.from_db(Agency.objects.db, _LINK_AGENCY_FIELDS, self._row)
        return self._agency


def implementing_links(procedure: Procedure) -> list[ImplementingLink]:
    """The procedure's implementing agencies (active), each link with its agency: read once per
    submission and passed to `online_receiving_agency` and `handling_agency_for`. As values: a
    commune procedure has one link per commune (76 in the reference data), and building a link and
    an agency instance for each (with their two JSON lists) cost more than the rest of the choice."""
    rows = ProcedureAgency.objects.filter(
        procedure=procedure, role=ProcedureAgency.Role.IMPLEMENTING, agency__is_active=True
    ).values_list("pk", *(f"agency__{name}" for name in _LINK_AGENCY_FIELDS))
    return [ImplementingLink(row[0], row[1:]) for row in rows]


def handling_agency_for(
    procedure: Procedure, receiving: Agency, links: list[ImplementingLink] | None = None
) -> Agency:
    """The competent agency: for a commune procedure, the commune's own; else the linked department.

    The one-stop centres receive regardless of administrative boundary (NĐ 118 Art 14), so the
    dossier is routed to the competent agency, not kept where it was handed in. `links`: the
    procedure's `implementing_links` when the caller has them already.
    """
    if links is None:
        links = implementing_links(procedure)
    same_unit = [link for link in links if link.admin_unit_id == receiving.admin_unit_id]
    if same_unit:
        return same_unit[0].agency
    departments = [
        link for link in links if link.kind in (Agency.Kind.DEPARTMENT, Agency.Kind.PROVINCIAL_COMMITTEE)
    ]
    return departments[0].agency if departments else receiving


def _create(
    procedure: Procedure,
    channel: str,
    applicant: Applicant,
    receiving: Agency,
    *,
    code: str,
    national_code: str | None,
    submitted_at: datetime,
    papers: list[Paper],
    form_data: dict,
    summary: str,
    result_by_post: bool,
    links: list[ImplementingLink] | None = None,
    **final,
) -> Dossier:
    """The dossier row with its final values in one INSERT (`final`: e.g. submission_key,
    reply_due_at), then its papers."""
    if procedure.current_version_id is None or procedure.status != Procedure.Status.IN_FORCE:
        raise services.InvalidInput(f"Thủ tục {procedure.code} không còn hiệu lực.")
    dossier = Dossier.objects.create(
        code=code,
        national_code=national_code,
        procedure=procedure,
        procedure_version=procedure.current_version,
        channel=channel,
        applicant_kind=applicant.kind,
        applicant_name=applicant.name,
        applicant_id_number=applicant.id_number,
        applicant_address=applicant.address[:300],
        applicant_phone=applicant.phone[:20],
        applicant_email=applicant.email,
        applicant_user=applicant.user,
        summary=(summary or procedure.name)[:500],
        form_data=form_data or {},
        receiving_agency=receiving,
        handling_agency=handling_agency_for(procedure, receiving, links),
        status=Status.NEW,
        submitted_at=submitted_at,
        result_by_post=result_by_post,
        **final,
    )
    requirement_ids = set()
    if any(paper.requirement_id is not None for paper in papers):  # e-form papers name none
        requirement_ids = set(procedure.current_version.documents.values_list("pk", flat=True))
    # One INSERT for all papers (the files are stored by the field as with save()). The insights
    # index hears of the dossier by its own save above; no other receiver watches the papers.
    DossierDocument.objects.bulk_create(
        [
            DossierDocument(
                dossier=dossier,
                requirement_id=paper.requirement_id if paper.requirement_id in requirement_ids else None,
                name=paper.name[:2000],
                originals=paper.originals,
                copies=paper.copies,
                file=paper.file or "",
                content_type=paper.extra.get("content_type", ""),
                sha256=paper.extra.get("sha256", ""),
                digitised=paper.digitised or bool(paper.file),
                reused=paper.reused,
            )
            for paper in papers
        ]
    )
    return dossier


def receive_in_person(
    officer,
    receiving: Agency,
    procedure: Procedure,
    applicant: Applicant,
    papers: list[Paper],
    *,
    channel: str = Channel.COUNTER,
    form_data: dict | None = None,
    summary: str = "",
    result_by_post: bool = False,
) -> Dossier:
    """Counter (trực tiếp) or post (bưu chính): create, code, receive and start the clock at once."""
    if channel not in (Channel.COUNTER, Channel.POST):
        raise services.InvalidInput("Kênh tiếp nhận trực tiếp chỉ là tại quầy hoặc bưu chính.")
    if not access.has_role_at(officer, receiving.pk, {OfficerRole.Role.RECEPTION}):
        raise services.NotAllowed("Bạn không phải cán bộ tiếp nhận của cơ quan này.")
    applicant.clean()
    now = timezone.now()
    with transaction.atomic():
        dossier = _create(
            procedure,
            channel,
            applicant,
            receiving,
            code=next_dossier_code(receiving.code, now),
            national_code=None,
            submitted_at=now,
            papers=papers,
            form_data=form_data or {},
            summary=summary,
            result_by_post=result_by_post,
        )
        services.record_creation(dossier, officer, receiving, "Nộp hồ sơ " + Channel(channel).label.lower())
        return services.perform(dossier, "receive", officer)


def submit_on_own_portal(
    procedure: Procedure,
    applicant: Applicant,
    receiving: Agency,
    *,
    submission_key: str,
    form_data: dict,
    papers: list[Paper],
    summary: str = "",
    result_by_post: bool = False,
    links: list[ImplementingLink] | None = None,
    key_unused: bool = False,
) -> tuple[Dossier, bool]:
    """A dossier submitted on the province's own portal (status 1); returns (dossier, created).

    `submission_key` is the idempotency key of the submission (one per draft): a double click, a
    retry or a lost response returns the first dossier instead of making a second one. `links`:
    the procedure's `implementing_links`, when the caller read them to find `receiving`.
    `key_unused`: the caller knows no dossier has the key (the e-form holds its draft's row lock and
    the draft has no dossier: the dossier with its key would be on it), so it is not looked up; a
    dossier that has it all the same is found by the unique constraint below, as for two at once.
    """
    if not submission_key or len(submission_key) > 64:
        raise services.InvalidInput("Thiếu mã nộp hồ sơ (khóa chống nộp trùng).")
    if not key_unused:
        existing = Dossier.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return existing, False
    applicant.clean()
    now = timezone.now()
    try:
        with transaction.atomic():
            dossier = _create(
                procedure,
                Channel.OWN_PORTAL,
                applicant,
                receiving,
                code=next_dossier_code(receiving.code, now),
                national_code=None,
                submitted_at=now,
                papers=papers,
                form_data=form_data,
                summary=summary,
                result_by_post=result_by_post,
                links=links,
                submission_key=submission_key,
                reply_due_at=deadlines.online_reply_due(now),
            )
            services.record_creation(dossier, applicant.user, None, "Nộp hồ sơ trực tuyến trên Cổng của tỉnh")
    except IntegrityError:  # the same key arrived twice at once
        existing = Dossier.objects.filter(submission_key=submission_key).first()
        if existing is None:
            raise
        return existing, False
    return dossier, True


def online_receiving_agency(
    procedure: Procedure, commune_code: str = "", links: list[ImplementingLink] | None = None
) -> Agency:
    """Where an online dossier lands: the applicant's commune for a commune procedure, else the
    province's public administration service centre (Trung tâm Phục vụ hành chính công tỉnh).

    `links`: the procedure's `implementing_links` (read here when needed and not given)."""
    if commune_code:
        local = (
            Agency.objects.filter(is_active=True, admin_unit__code=commune_code)
            .filter(kind__in=[Agency.Kind.COMMUNE_CENTER, Agency.Kind.COMMUNE_COMMITTEE])
            .order_by("kind")
            .first()
        )
        if local is not None:
            links = implementing_links(procedure) if links is None else links
            # An implementing agency in that commune: in the local agency's unit (unit codes are unique).
            if any(link.admin_unit_id == local.admin_unit_id for link in links):
                return local
    centre = Agency.objects.filter(is_active=True, kind=Agency.Kind.PROVINCIAL_CENTER).first()
    if centre is not None:
        return centre
    links = implementing_links(procedure) if links is None else links
    link = min(links, key=lambda link: link.pk, default=None)  # the first by id, as .first() gave
    if link is None:
        raise services.InvalidInput(f"Thủ tục {procedure.code} chưa có cơ quan tiếp nhận trong tỉnh.")
    return link.agency


def expected_due(dossier: Dossier):
    """The appointment the dossier would get if received now (ngày hẹn trả dự kiến), or None."""
    amount, unit = deadlines.legal_time(dossier.procedure_version, dossier.channel)
    return deadlines.compute_due(dossier.submitted_at or timezone.now(), amount, unit, dossier.procedure)


def receive_online(record: "OnlineSubmission") -> tuple[Dossier, bool]:
    """A dossier submitted on the national portal (or our own); returns (dossier, created)."""
    existing = Dossier.objects.filter(national_code=record.national_code).first()
    if existing is not None:
        return existing, False
    procedure = Procedure.objects.filter(code=record.procedure_code).select_related("current_version").first()
    if procedure is None:
        raise services.InvalidInput(f"Không có thủ tục mã {record.procedure_code} trong danh mục.")
    receiving = Agency.objects.filter(code=record.agency_code, is_active=True).first()
    if receiving is None:
        raise services.InvalidInput(f"Không có cơ quan mã {record.agency_code}.")
    record.applicant.clean()
    try:
        with transaction.atomic():
            dossier = _create(
                procedure,
                record.channel,
                record.applicant,
                receiving,
                code=record.national_code,
                national_code=record.national_code,
                submitted_at=record.submitted_at,
                papers=record.papers,
                form_data=record.form_data,
                summary=record.summary,
                result_by_post=record.result_by_post,
                reply_due_at=deadlines.online_reply_due(record.submitted_at),
            )
            services.record_creation(
                dossier, None, None, "Nộp hồ sơ trực tuyến", data={"national_code": record.national_code}
            )
    except IntegrityError:  # the same national code arrived twice at once
        return Dossier.objects.get(national_code=record.national_code), False
    return dossier, True


@dataclass
class OnlineSubmission:
    """A dossier as the national portal sends it (DongBoHoSoMC, spec §4.2), already parsed."""

    national_code: str
    procedure_code: str
    agency_code: str
    applicant: Applicant
    submitted_at: datetime
    channel: str = Channel.NATIONAL_PORTAL
    papers: list[Paper] = field(default_factory=list)
    form_data: dict = field(default_factory=dict)
    summary: str = ""
    result_by_post: bool = False


MAX_SUPPLEMENT_FILES = 10


def submit_supplement_online(dossier: Dossier, user, papers: list[Paper], note: str = "") -> Dossier:
    """The applicant sends the papers asked for (status 5) from their page (nộp bổ sung trực tuyến).

    The papers join the dossier marked as a supplement; the reception officer then checks them and
    takes "receive_supplement", which restarts the clock. Nothing is saved unless all papers are.
    """
    if not papers:
        raise services.InvalidInput("Chọn ít nhất một tệp giấy tờ bổ sung.")
    if len(papers) > MAX_SUPPLEMENT_FILES:
        raise services.InvalidInput(f"Mỗi lần gửi tối đa {MAX_SUPPLEMENT_FILES} tệp.")
    note = (note or "").strip()[:2000]
    with transaction.atomic():
        current = Dossier.objects.select_for_update().get(pk=dossier.pk)
        if current.status != Status.SUPPLEMENT:
            raise services.WrongState("Hồ sơ không ở trạng thái yêu cầu bổ sung.")
        for paper in papers:
            DossierDocument.objects.create(
                dossier=current,
                name=paper.name[:2000],
                file=paper.file,
                content_type=paper.extra.get("content_type", ""),
                sha256=paper.extra.get("sha256", ""),
                digitised=True,
                is_supplement=True,
            )
        services.record_applicant_step(
            current,
            user,
            "applicant_supplement",
            "Người nộp hồ sơ gửi giấy tờ bổ sung trực tuyến",
            {"files": len(papers), "note": note},
        )
    return current
