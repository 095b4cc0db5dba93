"""The records motcua sends to the national portal (spec §4.2, §4.3): built from the dossier's state.

* `dossier_record(dossier)` — `DongBoHoSoMC.data[]`: the full record, so sending it again is harmless.
* `progress_record(entry)` — `CapNhatTienDoHoSoMC.data[]`: one quá trình xử lý entry.

Dates are yyyyMMddHHmmss in Asia/Ho_Chi_Minh; an unknown date is "" (never a made-up one).
"""

from __future__ import annotations

import hashlib

from motcua.dossiers.models import ApplicantKind, Channel, Dossier, DossierHistory
from motcua.payments.models import FeeLine

from .portal import CITIZEN, ORGANISATION, format_portal_date

#: KenhThucHien: 1 trực tiếp, 2 trực tuyến, 3 bưu chính công ích.
CHANNEL_CODES = {
    Channel.COUNTER: 1,
    Channel.NATIONAL_PORTAL: 2,
    Channel.OWN_PORTAL: 2,
    Channel.POST: 3,
}
#: What building a record reads, for querysets that build many.
RECORD_SELECT = ("procedure__field", "handling_agency", "receiving_agency", "result")
RECORD_PREFETCH = ("documents", "history", "charges__fee_line")
#: LoaiPhiLePhi: 1 phí, 2 lệ phí [inferred: the two integrations name the field, not the values].
FEE_KINDS = {FeeLine.Kind.FEE: 1, FeeLine.Kind.CHARGE: 2}


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


def _supplements(dossier: Dossier, history: list[DossierHistory]) -> list[dict]:
    out = []
    for entry in history:
        if entry.action != "request_supplement":
            continue
        out.append(
            {
                "HoSoBoSungId": str(entry.pk),
                "NguoiYeuCauBoSung": entry.actor_name,
                "NoiDungBoSung": entry.note or entry.label,
                "NgayBoSung": _date(entry.at),
                "NguoiTiepNhanBoSung": "",
                "ThongTinTiepNhan": "",
                "NgayTiepNhanBoSung": "",
                "TrangThaiBoSung": 0,
                "DanhSachGiayToBoSung": [],
                "DanhSachLePhiBoSung": [],
                "NgayHenTraTruoc": "",
                "NgayHenTraMoi": "",
            }
        )
    return out


def dossier_record(dossier: Dossier) -> dict:
    """The DongBoHoSoMC record of the dossier as it is now."""
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
                "DuongDanTepTinKetQua": "",
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
                "DuocTaiSuDung": int(d.reused),
                "DuocLayTuKhoDMQG": 0,
                "MaKetQuaThayThe": "",
            }
            for d in documents
        ],
        "DanhSachTepDinhKemKhac": [],
        "DanhSachLePhi": _fees(dossier),
        "DanhSachHoSoBoSung": _supplements(dossier, history),
        "DanhSachGiayToKetQua": results,
        "HoSoCoThanhPhanSoHoa": int(any(d.reused for d in documents)),
        "TaiKhoanDuocXacThucVoiVNeID": int(bool(portal_data.get("TaiKhoanDuocXacThucVoiVNeID"))),
        "DuocThanhToanTrucTuyen": 0,
        "DSKetNoiCSDL": [],
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
