"""The records motcua sends to the national portal (spec §4.2, §4.3): built from the dossier's state.

* `dossier_record(dossier)` — `DongBoHoSoMC.data[]`: the full record, so sending it again is harmless.
* `progress_record(entry)` — `CapNhatTienDoHoSoMC.data[]`: one quá trình xử lý entry.

Dates are yyyyMMddHHmmss in Asia/Ho_Chi_Minh; an unknown date is "" (never a made-up one).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.urls import reverse

from motcua.dossiers import deadlines, reuse
from motcua.dossiers.models import ApplicantKind, Channel, Dossier, DossierHistory, Status
from motcua.payments.models import FeeLine, Gateway

from .portal import CITIZEN, ORGANISATION, format_portal_date

#: KenhThucHien: 1 trực tiếp, 2 trực tuyến, 3 bưu chính công ích.
CHANNEL_CODES = {
    Channel.COUNTER: 1,
    Channel.NATIONAL_PORTAL: 2,
    Channel.OWN_PORTAL: 2,
    Channel.POST: 3,
}
#: What building a record reads, for querysets that build many.
RECORD_SELECT = ("procedure__field", "handling_agency", "receiving_agency", "result", "applicant_user")
RECORD_PREFETCH = ("documents", "history", "charges__fee_line", "charges__payments", "due_date_changes")
#: LoaiPhiLePhi: 1 phí, 2 lệ phí [inferred: the two integrations name the field, not the values].
FEE_KINDS = {FeeLine.Kind.FEE: 1, FeeLine.Kind.CHARGE: 2}
#: DuocThanhToanTrucTuyen (spec §1.2 group 4): 1 through the Cổng DVCQG payment platform, 2 through the
#: provincial gateway (our bank transfer); paid at the counter is 0.
ONLINE_PAYMENT = {Gateway.NATIONAL: 1, Gateway.VIETQR: 2}
#: DSKetNoiCSDL[].MaCSDL of the registries a form was prefilled from [inferred: the spec names the field
#: and "CSDL dân cư", not the codes]; keyed by the prefill provenance label the dossier keeps.
DATABASE_CODES = {
    "Cơ sở dữ liệu quốc gia về dân cư": "CSDLQGDC",
    "Cơ sở dữ liệu hộ tịch điện tử": "CSDLHTDT",
    "Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp": "CSDLQGDKDN",
    "Cơ sở dữ liệu quốc gia về bảo hiểm": "CSDLQGBH",
    "Cơ sở dữ liệu giấy phép lái xe": "CSDLGPLX",
}
POPULATION_DB = "CSDLQGDC"


def _date(moment) -> str:
    return format_portal_date(moment) if moment else ""


def portal_code(dossier: Dossier) -> str:
    """MaHoSo on the portal: the national code for a dossier that came from it, else ours."""
    return dossier.national_code or dossier.code


def _fees(dossier: Dossier) -> list[dict]:
    out = []
    for charge in dossier.charges.all():  # prefetched by the delivery batch
        if charge.cancelled:
            continue
        kind = charge.fee_line.kind if charge.fee_line_id else FeeLine.Kind.CHARGE
        out.append(
            {
                "TenPhiLePhi": charge.name,
                "MaPhiLePhi": str(charge.fee_line_id or charge.pk),
                "HinhThucThu": 1,
                "Gia": int(charge.amount),
                "LoaiPhiLePhi": FEE_KINDS.get(kind, 2),
            }
        )
    return out


def _supplements(dossier: Dossier, history: list[DossierHistory], documents) -> list[dict]:
    """DanhSachHoSoBoSung: one cycle per supplement request, closed by the reception of the papers."""
    changes = sorted(dossier.due_date_changes.all(), key=lambda c: c.at)
    requests = [e for e in history if e.action == "request_supplement"]
    out = []
    for n, entry in enumerate(requests):
        until = requests[n + 1].at if n + 1 < len(requests) else None
        received = next(
            (
                e
                for e in history
                if e.action == "receive_supplement" and e.at >= entry.at and (not until or e.at < until)
            ),
            None,
        )
        papers = [
            {"TenGiayTo": d.name[:500], "SoLuong": max(1, d.originals + d.copies)}
            for d in documents
            if d.is_supplement and received and entry.at <= d.added_at <= received.at
        ]
        moved = next((c for c in changes if received and c.at >= received.at), None)
        out.append(
            {
                "HoSoBoSungId": str(entry.pk),
                "NguoiYeuCauBoSung": entry.actor_name,
                "NoiDungBoSung": (entry.data or {}).get("reason") or entry.note or entry.label,
                "NgayBoSung": _date(entry.at),
                "NguoiTiepNhanBoSung": received.actor_name if received else "",
                "ThongTinTiepNhan": (received.note or received.label) if received else "",
                "NgayTiepNhanBoSung": _date(received.at) if received else "",
                "TrangThaiBoSung": 1 if received else 0,
                "DanhSachGiayToBoSung": papers,
                "DanhSachLePhiBoSung": [],
                "NgayHenTraTruoc": _date(moved.old_due_at) if moved and moved.old_due_at else "",
                "NgayHenTraMoi": _date(moved.new_due_at) if moved and moved.new_due_at else "",
            }
        )
    return out


def _paid_online(dossier: Dossier) -> int:
    """DuocThanhToanTrucTuyen: how a charge of the dossier was paid online (national first)."""
    codes = {
        ONLINE_PAYMENT.get(p.gateway, 0)
        for c in dossier.charges.all()
        if not c.cancelled
        for p in c.payments.all()
    }
    return 1 if 1 in codes else (2 if 2 in codes else 0)


def _databases(dossier: Dossier, portal_data: dict) -> list[dict]:
    """DSKetNoiCSDL: the national databases the dossier's data came from (the form's prefill, or
    what the national portal said for a dossier submitted there)."""
    labels = set(((dossier.form_data or {}).get("prefilled_from") or {}).values())
    codes = [code for label, code in DATABASE_CODES.items() if label in labels]
    for item in portal_data.get("DSKetNoiCSDL") or []:
        code = str((item or {}).get("MaCSDL") or "") if isinstance(item, dict) else ""
        if code and code not in codes:
            codes.append(code)
    return [{"MaCSDL": code} for code in codes]


def _vneid(dossier: Dossier, portal_data: dict) -> int:
    """TaiKhoanDuocXacThucVoiVNeID: the national portal said so, or the applicant signed in with VNeID."""
    if portal_data.get("TaiKhoanDuocXacThucVoiVNeID"):
        return 1
    user = dossier.applicant_user if dossier.applicant_user_id else None
    return int(bool(user and user.get_username().startswith("vneid-")))


def result_url(dossier: Dossier) -> str:
    return settings.MOTCUA_PUBLIC_BASE_URL + reverse("dossiers:result", kwargs={"code": dossier.code})


_UNIT_LABELS = {"working_days": "ngày làm việc", "days": "ngày", "working_hours": "giờ làm việc"}


def _time_label(amount, unit: str) -> str:
    if unit == "same_day":
        return "trong ngày"
    return f"{amount.normalize():f} {_UNIT_LABELS.get(unit, unit)}"


class RecordIncomplete(Exception):
    """The record would go out wrong (e.g. an empty NgayHenTra although the law gives a time): the
    message is held with this reason instead of being sent (the Vietnamese text is for the admin)."""


def _check_appointment(dossier: Dossier) -> None:
    """An empty NgayHenTra is sent only when the procedure has no legal time (ADR 0029): a received
    dossier whose procedure has one but that has no appointment is held, never sent silently."""
    if dossier.due_at is not None or dossier.received_at is None:
        return
    if dossier.status in (Status.NEW, Status.NOT_RECEIVED, Status.STOPPED):
        return
    amount, unit = deadlines.legal_time(dossier.procedure_version, dossier.channel)
    if amount is not None:
        raise RecordIncomplete(
            f"Hồ sơ {dossier.code}: NgayHenTra trống dù thủ tục {dossier.procedure.code} có thời hạn luật "
            f"định ({_time_label(amount, unit)}). Cập nhật ngày hẹn trả của hồ sơ rồi gửi lại."
        )


def dossier_record(dossier: Dossier) -> dict:
    """The DongBoHoSoMC record of the dossier as it is now (RecordIncomplete: see _check_appointment)."""
    _check_appointment(dossier)
    procedure = dossier.procedure
    documents = list(dossier.documents.all())
    history = list(dossier.history.all())
    portal_data = (dossier.form_data or {}).get("cong_dvc_quoc_gia") or {}
    citizen = dossier.applicant_kind == ApplicantKind.CITIZEN
    result = getattr(dossier, "result", None)  # the reverse one-to-one raises AttributeError when absent
    results = []
    if result is not None:
        results.append(
            {
                "TenGiayTo": result.title,
                "MaThanhPhanHoSo": "",
                "GiayToId": str(result.pk),
                "DuongDanTepTinKetQua": result_url(dossier) if result.file else "",
                "MaGiayToKetQua": result.result_code,
            }
        )
    return {
        "MaHoSo": portal_code(dossier),
        "MaTTHC": procedure.code,
        "TenTTHC": procedure.name,
        "MaLinhVuc": procedure.field.slug[:64] if procedure.field_id else "",
        "TenLinhVuc": procedure.field.name if procedure.field_id else "",
        "KenhThucHien": CHANNEL_CODES[Channel(dossier.channel)],
        "ChuHoSo": dossier.applicant_name,
        "SoGiayToChuHoSo": dossier.applicant_id_number,
        "LoaiDoiTuong": CITIZEN if citizen else ORGANISATION,
        "MaDoiTuong": "",
        "DinhDanhCHS": [{"LoaiDinhDanh": 1 if citizen else 2, "SoDinhDanh": dossier.applicant_id_number}],
        "Email": dossier.applicant_email,
        "Fax": "",
        "SoDienThoai": dossier.applicant_phone,
        "ThongTinKhac": "",
        "TrichYeuHoSo": dossier.summary or f"{procedure.name} — {dossier.applicant_name}"[:500],
        "NgayNopHoSo": _date(dossier.submitted_at or dossier.received_at or dossier.created_at),
        "NgayTiepNhan": _date(dossier.received_at),
        "NgayHenTra": _date(dossier.due_at),
        "NgayKetThucXuLy": _date(dossier.finished_at),
        "NgayTra": _date(dossier.returned_at),
        "NgayTuChoi": _date(dossier.refused_at),
        "TrangThaiHoSo": int(dossier.status),
        "ThongTinTra": "",
        "HinhThuc": 1 if dossier.result_by_post else 0,
        "DonViXuLy": dossier.handling_agency.code,
        "NoiNopHoSo": dossier.receiving_agency.code,
        "GhiChu": dossier.decision_reason[:500] if dossier.decision_reason else "",
        "TaiLieuNop": [
            {
                "TepDinhKemId": str(d.pk),
                "TenTepDinhKem": d.name[:2000],
                "IsDeleted": False,
                "MaThanhPhanHoSo": str(d.requirement_id or ""),
                "DuongDanTaiTepTin": "",
                "DuocSoHoa": int(d.digitised),
                "DuocTaiSuDung": int(reuse.is_reused(d)),
                "DuocLayTuKhoDMQG": int(reuse.is_from_data_store(d)),
                "MaKetQuaThayThe": "",
            }
            for d in documents
        ],
        "DanhSachTepDinhKemKhac": [],
        "DanhSachLePhi": _fees(dossier),
        "DanhSachHoSoBoSung": _supplements(dossier, history, documents),
        "DanhSachGiayToKetQua": results,
        "HoSoCoThanhPhanSoHoa": int(reuse.dossier_reuses(documents)),
        "TaiKhoanDuocXacThucVoiVNeID": _vneid(dossier, portal_data),
        "DuocThanhToanTrucTuyen": _paid_online(dossier),
        "DSKetNoiCSDL": _databases(dossier, portal_data),
    }


def progress_record(entry: DossierHistory, dossier: Dossier | None = None) -> dict:
    """The CapNhatTienDoHoSoMC record of one history entry (who, where, when, what, new status)."""
    dossier = dossier or entry.dossier
    step_due = dossier.due_at
    return {
        "MaHoSo": portal_code(dossier),
        "NguoiXuLy": entry.actor_name or "hệ thống",
        "ChucDanh": entry.actor_title,
        "ThoiDiemXuLy": _date(entry.at),
        "PhongBanXuLy": entry.agency.name if entry.agency_id else dossier.receiving_agency.name,
        "NoiDungXuLy": (entry.label + (f": {entry.note}" if entry.note else ""))[:2000],
        "TrangThai": int(entry.to_status),
        "NgayBatDau": _date(dossier.counting_start or dossier.received_at or entry.at),
        "NgayKetThucTheoQuyDinh": _date(step_due),
    }


def progress_key(record: dict) -> str:
    """What makes two progress records the same entry (the portal keeps one)."""
    names = ("MaHoSo", "ThoiDiemXuLy", "TrangThai", "NguoiXuLy", "NoiDungXuLy")
    return hashlib.sha256("\x1f".join(str(record.get(k, "")) for k in names).encode()).hexdigest()
