"""The records sent to the national portal, pinned: fields, yyyyMMddHHmmss in Vietnam time, codes."""

import re
from datetime import UTC, timedelta

import pytest

from motcua.dossiers.models import Channel, Dossier
from motcua.sync.portal import SandboxPortal, pull_new_dossiers
from motcua.sync.records import CHANNEL_CODES, dossier_record, progress_record
from motcua.sync.sandbox import Invalid, validate_dossier, validate_progress

pytestmark = pytest.mark.django_db

DOSSIER_FIELDS = {
    "MaHoSo", "MaTTHC", "TenTTHC", "MaLinhVuc", "TenLinhVuc", "KenhThucHien", "ChuHoSo",
    "SoGiayToChuHoSo", "LoaiDoiTuong", "MaDoiTuong", "DinhDanhCHS", "Email", "Fax", "SoDienThoai",
    "ThongTinKhac", "TrichYeuHoSo", "NgayNopHoSo", "NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy",
    "NgayTra", "NgayTuChoi", "TrangThaiHoSo", "ThongTinTra", "HinhThuc", "DonViXuLy", "NoiNopHoSo",
    "GhiChu", "TaiLieuNop", "DanhSachTepDinhKemKhac", "DanhSachLePhi", "DanhSachHoSoBoSung",
    "DanhSachGiayToKetQua", "HoSoCoThanhPhanSoHoa", "TaiKhoanDuocXacThucVoiVNeID",
    "DuocThanhToanTrucTuyen", "DSKetNoiCSDL",
}  # fmt: skip
PROGRESS_FIELDS = {
    "MaHoSo", "NguoiXuLy", "ChucDanh", "ThoiDiemXuLy", "PhongBanXuLy", "NoiDungXuLy", "TrangThai",
    "NgayBatDau", "NgayKetThucTheoQuyDinh",
}  # fmt: skip


def vn(moment) -> str:
    """yyyyMMddHHmmss at UTC+7, computed without the code under test."""
    return (moment.astimezone(UTC) + timedelta(hours=7)).strftime("%Y%m%d%H%M%S")


def test_the_dossier_record_of_a_counter_dossier(desk):
    dossier = desk.assign(desk.receive())
    record = dossier_record(dossier)
    assert set(record) == DOSSIER_FIELDS
    assert record["MaHoSo"] == dossier.code and dossier.national_code is None
    assert record["KenhThucHien"] == 1 and record["TrangThaiHoSo"] == 4 and record["LoaiDoiTuong"] == 1
    assert record["MaTTHC"] == "1.000426" and record["DonViXuLy"] == "000.00.04.H52"
    assert record["NoiNopHoSo"] == "000.00.30.H52" and record["HinhThuc"] == 0
    assert record["NgayTiepNhan"] == vn(dossier.received_at)
    assert record["NgayHenTra"] == vn(dossier.due_at)
    assert record["NgayNopHoSo"] and record["NgayKetThucXuLy"] == "" and record["NgayTra"] == ""
    for name in ("NgayNopHoSo", "NgayTiepNhan", "NgayHenTra"):
        assert re.fullmatch(r"20\d{12}", record[name]), name
    assert record["DinhDanhCHS"] == [{"LoaiDinhDanh": 1, "SoDinhDanh": dossier.applicant_id_number}]
    assert len(record["TaiLieuNop"]) == dossier.documents.count() > 0
    assert all(p["DuocSoHoa"] in (0, 1) for p in record["TaiLieuNop"])
    validate_dossier(record)  # the portal's own checks accept it


def test_channel_codes_and_post_return(desk):
    assert CHANNEL_CODES == {
        Channel.COUNTER: 1, Channel.NATIONAL_PORTAL: 2, Channel.OWN_PORTAL: 2, Channel.POST: 3
    }  # fmt: skip
    by_post = desk.receive(channel=Channel.POST, result_by_post=True)
    record = dossier_record(by_post)
    assert record["KenhThucHien"] == 3 and record["HinhThuc"] == 1


def test_the_progress_record_of_each_history_entry(desk):
    dossier = desk.request_payment(desk.assign(desk.receive()))
    entries = list(dossier.history.order_by("id"))
    records = [progress_record(e, dossier) for e in entries]
    assert all(set(r) == PROGRESS_FIELDS for r in records)
    assert [r["TrangThai"] for r in records][-2:] == [4, 6]
    last = records[-1]
    assert last["MaHoSo"] == dossier.code
    assert last["ThoiDiemXuLy"] == vn(entries[-1].at)
    assert last["NguoiXuLy"] == "Chuyen Vien" and last["ChucDanh"]
    assert last["PhongBanXuLy"] == "Sở Tư pháp" or "Tư pháp" in last["PhongBanXuLy"]
    assert last["NoiDungXuLy"].startswith("Yêu cầu thực hiện nghĩa vụ tài chính")
    assert last["NgayKetThucTheoQuyDinh"] == vn(dossier.due_at)
    for r in records:
        validate_progress(r)


def test_a_dossier_from_the_national_portal_keeps_its_national_code(reference_data):
    report = pull_new_dossiers(SandboxPortal(5, count=2))
    assert len(report.created) == 2
    dossier = Dossier.objects.get(code=report.created[0])
    record = dossier_record(dossier)
    assert record["MaHoSo"] == dossier.national_code
    assert re.fullmatch(r"G22\.14-\d{6}-\d{6}", record["MaHoSo"])
    assert record["KenhThucHien"] == 2 and record["TrangThaiHoSo"] == 1
    validate_dossier(record)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("KenhThucHien", 4),
        ("KenhThucHien", "1"),
        ("TrangThaiHoSo", 11),
        ("TrangThaiHoSo", 0),
        ("LoaiDoiTuong", 3),
        ("NgayNopHoSo", "2026-03-02 09:00"),
        ("NgayHenTra", "20260231120000"),
        ("MaHoSo", "HS-1"),
        ("ChuHoSo", " "),
        ("MaTTHC", "9.999999"),
        ("HinhThuc", 2),
        ("TaiLieuNop", "giấy"),
    ],
)
def test_the_sandbox_rejects_a_bad_field_naming_it(desk, name, value):
    record = dossier_record(desk.receive())
    record[name] = value
    with pytest.raises(Invalid, match=re.escape(name)):
        validate_dossier(record)
