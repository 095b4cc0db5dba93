"""The national public-service portal (Cổng Dịch vụ công quốc gia), inbound side.

Since 01/7/2025 citizens submit most online dossiers on the national portal; the province's
system receives them in the portal's own record shape (`DongBoHoSoMC.data[]`, research spec
§4.2), keeps their national code (MaHoSo) and processes them.

* `NationalPortal` — the port: `fetch_new_dossiers(since)` returns raw records.
* `parse_record(raw)` — checks every field the way the portal's data must be checked and turns
  the record into an `intake.OnlineSubmission`, or raises `RecordRejected` naming the field
  (in Vietnamese, for the operator).
* `pull_new_dossiers(portal)` — fetches, parses and calls `intake.receive_online` for each
  record, idempotently: the same MaHoSo twice never makes two dossiers.
* `SandboxPortal` — the adapter used by default (`MOTCUA_NATIONAL_PORTAL = "sandbox"`):
  realistic records made deterministically from the shipped catalogue, with the same people
  generator as the demo history; it can be told to be slow, to fail or to return nothing.
"""

from __future__ import annotations

import re
import time as _time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from motcua.catalog.models import Procedure, ProcedureAgency
from motcua.catalog.province_catalog import ProvinceCatalog
from motcua.core import adapters
from motcua.core.codes import (
    national_code,
    national_code_prefix,
    normalise_agency_code,
    parse_dossier_code,
)
from motcua.core.text import fold
from motcua.dossiers import services
from motcua.dossiers.intake import Applicant, OnlineSubmission, Paper, receive_online
from motcua.dossiers.models import ApplicantKind, Channel
from motcua.people.synthetic import FastRandom, PeopleGenerator, pick_weighted, weighted_table
from motcua.places.models import Agency, LegacyWard

#: Dates on the portal: yyyyMMddHHmmss, Asia/Ho_Chi_Minh (spec §4.1).
DATE_FORMAT = "%Y%m%d%H%M%S"
#: KenhThucHien (spec §4.2): 1 trực tiếp, 2 trực tuyến, 3 bưu chính công ích.
CHANNELS = {1: "trực tiếp", 2: "trực tuyến", 3: "bưu chính công ích"}
ONLINE = 2
#: LoaiDoiTuong: 1 công dân, 2 tổ chức / doanh nghiệp.
CITIZEN, ORGANISATION = 1, 2
#: National-portal codes, e.g. G22.14-260302-0001 (besides the agency formats of core.codes).
NATIONAL_CODE_RE = re.compile(r"^[A-Z]\d{2}(?:\.[0-9A-Z]{2,3}){1,3}-(?P<date>\d{6})-(?P<seq>\d{4,})$")
PHONE_RE = re.compile(r"^0(?:[35789]\d{8}|2\d{9})$")
#: How far in the future a submission time may be (clock skew between the two systems).
FUTURE_SKEW = timedelta(minutes=10)


class RecordRejected(ValueError):
    """A record the portal sent that we cannot accept, with the field at fault."""

    def __init__(self, field_name: str, message: str, national_code: str = ""):
        self.field = field_name
        self.national_code = national_code
        self.message = f"{field_name}: {message}"
        super().__init__(self.message)


class PortalUnavailable(ConnectionError):
    """The portal could not be reached or answered with an error: nothing was received."""


@runtime_checkable
class NationalPortal(Protocol):
    """The port: dossiers submitted on the national portal since a moment (None: the adapter's
    own window), as raw `DongBoHoSoMC` records."""

    def fetch_new_dossiers(self, since: datetime | None) -> list[dict]: ...


# --------------------------------------------------------------------------------------------
# parse_record
# --------------------------------------------------------------------------------------------


def _text(raw: dict, name: str, *, required: bool, max_length: int, code: str = "") -> str:
    value = raw.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise RecordRejected(name, "thiếu (bắt buộc).", code)
        return ""
    if not isinstance(value, str | int):
        raise RecordRejected(name, f"phải là chuỗi ký tự, nhận được {type(value).__name__}.", code)
    value = " ".join(str(value).split())
    if len(value) > max_length:
        raise RecordRejected(name, f"dài quá {max_length} ký tự.", code)
    return value


def _choice(raw: dict, name: str, allowed, *, required: bool, code: str = "") -> int | None:
    value = raw.get(name)
    if value is None or value == "":
        if required:
            raise RecordRejected(name, "thiếu (bắt buộc).", code)
        return None
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or value not in allowed:
        shown = ", ".join(str(a) for a in sorted(allowed))
        raise RecordRejected(name, f"giá trị {value!r} không hợp lệ (chỉ nhận {shown}).", code)
    return value


def parse_portal_date(value, name: str = "NgayNopHoSo", code: str = "") -> datetime:
    """yyyyMMddHHmmss in Vietnam time → an aware datetime."""
    if not isinstance(value, str | int) or not re.fullmatch(r"\d{14}", str(value).strip()):
        raise RecordRejected(name, f"{value!r} không đúng dạng yyyyMMddHHmmss (ví dụ 20260302091500).", code)
    try:
        naive = datetime.strptime(str(value).strip(), DATE_FORMAT)  # noqa: DTZ007 — made aware below
    except ValueError:
        raise RecordRejected(name, f"{value!r} không phải ngày giờ có thật.", code) from None
    return timezone.make_aware(naive, timezone.get_default_timezone())


def format_portal_date(moment: datetime) -> str:
    return timezone.localtime(moment, timezone.get_default_timezone()).strftime(DATE_FORMAT)


_birth_codes: frozenset[str] | None = None


def _known_birth_codes() -> frozenset[str]:
    """The 3-digit province codes personal ID numbers start with (the pre-2025 provinces)."""
    global _birth_codes
    if _birth_codes is None:
        codes = {c.zfill(3) for c in LegacyWard.objects.values_list("province_code", flat=True).distinct()}
        if codes:
            _birth_codes = frozenset(codes)
        return frozenset(codes)
    return _birth_codes


def check_personal_id(value: str, name: str = "SoGiayToChuHoSo", code: str = "") -> str:
    """Số định danh cá nhân: 12 digits = birth province (3) + century/gender (1) + year (2) + 6."""
    digits = value.strip()
    if not (digits.isdigit() and len(digits) == 12):
        raise RecordRejected(
            name, f"số định danh cá nhân phải gồm đúng 12 chữ số (nhận {len(digits)} ký tự).", code
        )
    known = _known_birth_codes()
    if known and digits[:3] not in known:
        raise RecordRejected(name, f"mã tỉnh nơi đăng ký khai sinh {digits[:3]} không tồn tại.", code)
    century = int(digits[3])
    if century > 5:
        raise RecordRejected(name, f"chữ số thế kỷ và giới tính {century} không hợp lệ (0–5).", code)
    year = 1900 + 100 * (century // 2) + int(digits[4:6])
    if year > timezone.localdate().year:
        raise RecordRejected(name, f"năm sinh {year} nằm trong tương lai.", code)
    return digits


def _papers(raw: dict, procedure: Procedure, code: str) -> list[Paper]:
    items = raw.get("TaiLieuNop")
    if items in (None, ""):
        return []
    if not isinstance(items, list):
        raise RecordRejected("TaiLieuNop", "phải là danh sách tệp đính kèm.", code)
    requirements = {fold(d.name): d.pk for d in procedure.current_version.documents.all()}
    papers = []
    for i, item in enumerate(items):
        where = f"TaiLieuNop[{i}]"
        if not isinstance(item, dict):
            raise RecordRejected(where, "phải là một đối tượng {TenTepDinhKem, …}.", code)
        if item.get("IsDeleted") in (True, 1, "1"):
            continue
        try:
            name = _text(item, "TenTepDinhKem", required=True, max_length=2000, code=code)
        except RecordRejected as exc:
            raise RecordRejected(f"{where}.TenTepDinhKem", exc.message.split(": ", 1)[1], code) from None
        flags = {}
        for flag in ("DuocSoHoa", "DuocTaiSuDung", "DuocLayTuKhoDMQG"):
            try:
                flags[flag] = bool(_choice(item, flag, {0, 1}, required=False, code=code))
            except RecordRejected as exc:
                raise RecordRejected(f"{where}.{flag}", exc.message.split(": ", 1)[1], code) from None
        stem = re.sub(r"\.(pdf|jpe?g|png|docx?|xlsx?)$", "", name, flags=re.IGNORECASE)
        papers.append(
            Paper(
                name=stem,
                requirement_id=requirements.get(fold(stem)),
                copies=1,
                digitised=flags["DuocSoHoa"],
                reused=flags["DuocTaiSuDung"] or flags["DuocLayTuKhoDMQG"],
                extra={"portal_file_id": str(item.get("TepDinhKemId") or "")},
            )
        )
    return papers


def _databases(raw: dict, code: str) -> list[dict]:
    """DSKetNoiCSDL: the national databases the portal used for this dossier (kept for the index)."""
    items = raw.get("DSKetNoiCSDL")
    if items in (None, ""):
        return []
    if not isinstance(items, list) or not all(
        isinstance(i, dict) and str(i.get("MaCSDL") or "").strip() for i in items
    ):
        raise RecordRejected("DSKetNoiCSDL", "phải là danh sách {MaCSDL}.", code)
    return [{"MaCSDL": str(i["MaCSDL"]).strip()[:40]} for i in items]


def parse_record(raw: dict, *, now: datetime | None = None) -> OnlineSubmission:
    """Check a `DongBoHoSoMC` record and turn it into an OnlineSubmission; RecordRejected if not."""
    if not isinstance(raw, dict):
        raise RecordRejected("(bản ghi)", f"phải là một đối tượng JSON, nhận được {type(raw).__name__}.")
    # MaHoSo: the national code, kept for ever (spec §4.5).
    code = _text(raw, "MaHoSo", required=True, max_length=64).upper()
    match = NATIONAL_CODE_RE.match(code)
    if match:
        try:
            datetime.strptime(match["date"], "%y%m%d")  # noqa: DTZ007 — a date check only
        except ValueError:
            raise RecordRejected(
                "MaHoSo", f"ngày {match['date']} trong mã hồ sơ không có thật.", code
            ) from None
    else:
        try:
            parse_dossier_code(code)
        except ValueError as exc:
            raise RecordRejected("MaHoSo", str(exc), code) from None

    channel = _choice(raw, "KenhThucHien", set(CHANNELS), required=True, code=code)
    if channel != ONLINE:
        raise RecordRejected(
            "KenhThucHien",
            f"hồ sơ {CHANNELS[channel]} ({channel}) không nhận qua đồng bộ; chỉ nhận hồ sơ trực tuyến (2).",
            code,
        )

    procedure_code = _text(raw, "MaTTHC", required=True, max_length=32, code=code)
    procedure = Procedure.objects.filter(code=procedure_code).select_related("current_version").first()
    if procedure is None:
        raise RecordRejected("MaTTHC", f"không có thủ tục mã {procedure_code} trong danh mục.", code)
    if procedure.status != Procedure.Status.IN_FORCE or procedure.current_version_id is None:
        raise RecordRejected("MaTTHC", f"thủ tục {procedure_code} không còn hiệu lực.", code)
    if not ProcedureAgency.objects.filter(procedure=procedure).exists():
        raise RecordRejected("MaTTHC", f"thủ tục {procedure_code} không được thực hiện tại tỉnh.", code)

    agencies = {}
    for name in ("NoiNopHoSo", "DonViXuLy"):
        value = _text(raw, name, required=False, max_length=32, code=code)
        if not value:
            continue
        try:
            value = normalise_agency_code(value)
        except ValueError as exc:
            raise RecordRejected(name, str(exc), code) from None
        agency = Agency.objects.filter(code=value, is_active=True).first()
        if agency is None:
            raise RecordRejected(name, f"không có cơ quan mã {value} đang hoạt động.", code)
        agencies[name] = agency
    if not agencies:
        raise RecordRejected("NoiNopHoSo", "thiếu nơi nộp (NoiNopHoSo) và đơn vị xử lý (DonViXuLy).", code)
    receiving = agencies.get("NoiNopHoSo") or agencies["DonViXuLy"]

    kind = _choice(raw, "LoaiDoiTuong", {CITIZEN, ORGANISATION}, required=True, code=code)
    owner = _text(raw, "ChuHoSo", required=True, max_length=200, code=code)
    id_number = _text(raw, "SoGiayToChuHoSo", required=True, max_length=20, code=code)
    if kind == CITIZEN:
        id_number = check_personal_id(id_number, code=code)
    else:
        bare = id_number.replace("-", "")
        if not (bare.isdigit() and len(bare) in (10, 13)):
            raise RecordRejected(
                "SoGiayToChuHoSo", "mã số thuế / mã số doanh nghiệp phải gồm 10 hoặc 13 chữ số.", code
            )
    identifiers = raw.get("DinhDanhCHS") or []
    if not isinstance(identifiers, list) or not all(isinstance(i, dict) for i in identifiers):
        raise RecordRejected("DinhDanhCHS", "phải là danh sách {LoaiDinhDanh, SoDinhDanh}.", code)

    email = _text(raw, "Email", required=False, max_length=254, code=code)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise RecordRejected("Email", f"{email!r} không phải địa chỉ thư điện tử hợp lệ.", code) from None
    phone = re.sub(r"[\s.\-()]", "", _text(raw, "SoDienThoai", required=False, max_length=20, code=code))
    if phone.startswith("+84"):
        phone = "0" + phone[3:]
    elif phone.startswith("84") and len(phone) == 11:
        phone = "0" + phone[2:]
    if phone and not PHONE_RE.match(phone):
        raise RecordRejected("SoDienThoai", f"{phone!r} không phải số điện thoại Việt Nam hợp lệ.", code)

    submitted_at = parse_portal_date(raw.get("NgayNopHoSo"), code=code)
    if submitted_at > (now or timezone.now()) + FUTURE_SKEW:
        raise RecordRejected("NgayNopHoSo", f"{raw.get('NgayNopHoSo')} nằm trong tương lai.", code)
    summary = _text(raw, "TrichYeuHoSo", required=False, max_length=500, code=code)
    by_post = _choice(raw, "HinhThuc", {0, 1}, required=False, code=code)
    vneid = _choice(raw, "TaiKhoanDuocXacThucVoiVNeID", {0, 1}, required=False, code=code)
    papers = _papers(raw, procedure, code)

    applicant = Applicant(
        name=owner,
        id_number=id_number,
        kind=ApplicantKind.CITIZEN if kind == CITIZEN else ApplicantKind.ORGANISATION,
        phone=phone,
        email=email,
    )
    try:
        applicant.clean()
    except services.TransitionError as exc:
        raise RecordRejected("SoGiayToChuHoSo", exc.message, code) from None
    portal_data = {
        "TenTTHC": _text(raw, "TenTTHC", required=False, max_length=2000, code=code),
        "MaLinhVuc": _text(raw, "MaLinhVuc", required=False, max_length=64, code=code),
        "DonViXuLy": agencies["DonViXuLy"].code if "DonViXuLy" in agencies else "",
        "DinhDanhCHS": identifiers,
        "TaiKhoanDuocXacThucVoiVNeID": vneid,
        "DSKetNoiCSDL": _databases(raw, code),
    }
    return OnlineSubmission(
        national_code=code,
        procedure_code=procedure.code,
        agency_code=receiving.code,
        applicant=applicant,
        submitted_at=submitted_at,
        channel=Channel.NATIONAL_PORTAL,
        papers=papers,
        form_data={"cong_dvc_quoc_gia": portal_data},
        summary=summary,
        result_by_post=by_post == 1,
    )


# --------------------------------------------------------------------------------------------
# pull_new_dossiers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rejection:
    national_code: str
    field: str
    reason: str

    def as_dict(self) -> dict:
        return {"MaHoSo": self.national_code, "field": self.field, "reason": self.reason}


@dataclass
class PullReport:
    fetched: int = 0
    created: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        out = [
            f"Nhận {self.fetched} bản ghi từ Cổng DVC quốc gia trong {self.seconds:.2f} s: "
            f"{len(self.created)} hồ sơ mới, {len(self.duplicates)} đã có (trùng mã), "
            f"{len(self.rejected)} bị từ chối."
        ]
        out += [f"  TỪ CHỐI {r.national_code or '(không có mã)'}: {r.reason}" for r in self.rejected]
        return out


def pull_new_dossiers(portal: NationalPortal, since: datetime | None = None) -> PullReport:
    """Fetch the new dossiers from the portal and receive each one (status 1, national code kept).

    Idempotent: a MaHoSo already received is counted as a duplicate, never created twice. A bad
    record is set aside with its reason and does not stop the others. If the portal cannot be
    reached, PortalUnavailable is raised and nothing is written.
    """
    started = _time.perf_counter()
    try:
        records = portal.fetch_new_dossiers(since)
    except (ConnectionError, TimeoutError, OSError) as exc:
        raise PortalUnavailable(f"Không lấy được hồ sơ từ Cổng DVC quốc gia: {exc}") from exc
    if not isinstance(records, list):
        raise PortalUnavailable("Cổng DVC quốc gia trả về dữ liệu không phải danh sách hồ sơ.")
    report = PullReport(fetched=len(records))
    for raw in records:
        code = str(raw.get("MaHoSo") or "") if isinstance(raw, dict) else ""
        try:
            submission = parse_record(raw)
        except RecordRejected as exc:
            report.rejected.append(Rejection(exc.national_code or code, exc.field, exc.message))
            continue
        try:
            dossier, created = receive_online(submission)
        except services.TransitionError as exc:
            report.rejected.append(Rejection(submission.national_code, "", exc.message))
            continue
        (report.created if created else report.duplicates).append(dossier.code)
    report.seconds = _time.perf_counter() - started
    return report


def configured_portal(**options) -> NationalPortal:
    """The adapter named by `settings.MOTCUA_NATIONAL_PORTAL` (family "national_portal" of
    core.adapters): "sandbox" or a dotted class path; UnknownAdapter when neither resolves."""
    return adapters.get("national_portal")(**options)


def register_adapters() -> None:
    """The "national_portal" family (SyncConfig.ready): "sandbox", or a class named by dotted path."""
    adapters.declare("national_portal", setting="MOTCUA_NATIONAL_PORTAL", default="sandbox", dotted=True)
    adapters.register("national_portal", "sandbox", SandboxPortal)


# --------------------------------------------------------------------------------------------
# The sandbox adapter
# --------------------------------------------------------------------------------------------


class SandboxPortal:
    """A national portal that behaves like the real one, over the shipped data. For training and tests.

    `seed` makes the records deterministic (with `now`, the end of the window); `count` records
    are submitted in the window (`since`, or `window_hours` before `now`). `agency_codes` limits
    where they are submitted (NoiNopHoSo). `delay` seconds of latency; `fail=True` raises
    ConnectionError like an unreachable portal; `empty=True` returns no record.

    Codes are `G22.<province>-YYMMDD-<6 digits>`: the number comes from the second of the day of
    submission (×10 + a drawn digit), so two pulls never give two records the same code by
    chance and the demo history's 4-digit numbers are never met.
    """

    def __init__(
        self,
        seed: int = 0,
        agency_codes: list[str] | None = None,
        *,
        count: int = 20,
        delay: float = 0.0,
        fail: bool = False,
        empty: bool = False,
        now: datetime | None = None,
        window_hours: int = 24,
    ):
        self.seed = seed
        self.agency_codes = set(agency_codes) if agency_codes else None
        self.count = count
        self.delay = delay
        self.fail = fail
        self.empty = empty
        self.now = now
        self.window = timedelta(hours=window_hours)
        self._catalog: ProvinceCatalog | None = None

    def fetch_new_dossiers(self, since: datetime | None = None) -> list[dict]:
        if self.delay:
            _time.sleep(self.delay)
        if self.fail:
            raise ConnectionError("Cổng DVC quốc gia (sandbox) không phản hồi (fail=True).")
        if self.empty or self.count <= 0:
            return []
        return self.records(since)

    def _candidates(self):
        if self._catalog is None:
            self._catalog = ProvinceCatalog()
        pairs = []
        for info in self._catalog.online_ranked:
            receivers = list(info.province) + (self._catalog.commune_centres if info.commune else [])
            if self.agency_codes is not None:
                receivers = [a for a in receivers if a.code in self.agency_codes]
            if receivers:
                pairs.append((info, receivers))
        if not pairs:
            raise LookupError(
                "Không có thủ tục trực tuyến nào cho các cơ quan đã chọn (hoặc chưa nạp danh mục)."
            )
        return weighted_table([(pair, 1 / rank**1.07) for rank, pair in enumerate(pairs, start=1)])

    def records(self, since: datetime | None = None) -> list[dict]:
        rng = FastRandom(self.seed)
        table = self._candidates()
        people = PeopleGenerator.for_province(rng)
        # The window ends at the start of the hour: the same seed gives the same records all hour.
        now = self.now or timezone.now().replace(minute=0, second=0, microsecond=0)
        start = max(since, now - self.window) if since else now - self.window
        span = max(int((now - start).total_seconds()), 1)
        tz = timezone.get_default_timezone()
        used, out = set(), []
        prefix = national_code_prefix()
        for _ in range(self.count):
            info, receivers = pick_weighted(rng, table)
            receiving = rng.choice(receivers)
            handling = info.handling_agency(receiving)
            while True:
                submitted = (start + timedelta(seconds=rng.randrange(span))).astimezone(tz)
                seconds = submitted.hour * 3600 + submitted.minute * 60 + submitted.second
                number = 100000 + seconds * 10 + rng.randrange(10)
                code = national_code(submitted.date(), number, prefix)
                if code not in used:
                    used.add(code)
                    break
            citizen = rng.random() < info.citizen_share
            person = people.person() if citizen else people.organisation()
            p = info.procedure
            papers = []
            for i, (_pk, name, _o, _c) in enumerate(info.requirements, start=1):
                from_store = rng.random() < 0.15
                papers.append(
                    {
                        "TepDinhKemId": f"{rng.getrandbits(64):016x}",
                        "TenTepDinhKem": f"{' '.join(name.split())[:180]}.pdf",
                        "IsDeleted": False,
                        "MaThanhPhanHoSo": f"{p.code}.TP{i:02d}",
                        "DuongDanTaiTepTin": "",
                        "DuocSoHoa": 1,
                        "DuocTaiSuDung": int(from_store),
                        "DuocLayTuKhoDMQG": int(from_store and rng.random() < 0.5),
                        "MaKetQuaThayThe": "",
                    }
                )
            out.append(
                {
                    "MaHoSo": code,
                    "MaTTHC": p.code,
                    "TenTTHC": p.name,
                    "MaLinhVuc": p.field.slug[:64] if p.field_id else "",
                    "TenLinhVuc": p.field.name if p.field_id else "",
                    "KenhThucHien": ONLINE,
                    "ChuHoSo": person.name,
                    "SoGiayToChuHoSo": person.id_number,
                    "LoaiDoiTuong": CITIZEN if person.kind == ApplicantKind.CITIZEN else ORGANISATION,
                    "MaDoiTuong": "",
                    "DinhDanhCHS": [
                        {
                            "LoaiDinhDanh": 1 if person.kind == ApplicantKind.CITIZEN else 2,
                            "SoDinhDanh": person.id_number,
                        }
                    ],
                    "Email": person.email,
                    "Fax": "",
                    "SoDienThoai": person.phone,
                    "ThongTinKhac": "",
                    "TrichYeuHoSo": f"{p.name} — {person.name}"[:500],
                    "NgayNopHoSo": submitted.strftime(DATE_FORMAT),
                    "TrangThaiHoSo": 1,
                    "HinhThuc": 1 if rng.random() < 0.15 else 0,
                    "NoiNopHoSo": receiving.code,
                    "DonViXuLy": handling.code,
                    "TaiLieuNop": papers,
                    "DanhSachTepDinhKemKhac": [],
                    "DanhSachLePhi": [],
                    "HoSoCoThanhPhanSoHoa": int(any(x["DuocTaiSuDung"] for x in papers)),
                    "TaiKhoanDuocXacThucVoiVNeID": 1 if rng.random() < 0.9 else 0,
                    "DuocThanhToanTrucTuyen": 0,
                }
            )
        out.sort(key=lambda r: r["NgayNopHoSo"])
        return out
