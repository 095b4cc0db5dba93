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


def _fuller_dossier(desk):
    """A counter dossier with a supplement cycle, an online payment, registry prefill and an e-result."""
    from django.utils import timezone

    from motcua.dossiers import services
    from motcua.dossiers.models import DossierResult
    from motcua.payments.models import Charge, Gateway, Payment

    dossier = desk.receive()
    dossier = services.perform(
        dossier, "request_supplement", desk.reception, reason="Thiếu bản sao giấy khai sinh"
    )
    dossier = services.perform(dossier, "receive_supplement", desk.reception)
    dossier.form_data = {
        **dossier.form_data,
        "prefilled_from": {"ho_ten": "Cơ sở dữ liệu quốc gia về dân cư"},
    }
    dossier.save(update_fields=["form_data"])
    now = timezone.now()
    charge = Charge.objects.create(
        dossier=dossier,
        name="Lệ phí",
        unit_amount=8000,
        amount=8000,
        legal_basis="TT 85/2019",
        assessed_at=now,
    )
    Payment.objects.create(
        charge=charge, gateway=Gateway.NATIONAL, amount=8000, paid_at=now, receipt_number="BL-1"
    )
    DossierResult.objects.create(
        dossier=dossier,
        title="Giấy chứng nhận",
        result_code="KQ.G17.000001",
        file="results/2026/11/kq.pdf",
        sha256="0" * 64,
        signed_by="Giám đốc",
        signed_at=now,
    )
    return Dossier.objects.get(pk=dossier.pk)


def test_the_index_fields_of_a_fuller_dossier(desk):
    dossier = _fuller_dossier(desk)
    record = dossier_record(dossier)
    assert set(record) == DOSSIER_FIELDS
    assert record["DuocThanhToanTrucTuyen"] == 1  # through the Cổng DVCQG payment platform
    assert record["DSKetNoiCSDL"] == [{"MaCSDL": "CSDLQGDC"}]  # CSDL quốc gia về dân cư
    assert record["TaiKhoanDuocXacThucVoiVNeID"] == 0  # a counter dossier: nobody signed in
    [cycle] = record["DanhSachHoSoBoSung"]
    history = {e.action: e for e in dossier.history.all()}
    assert cycle["NgayBoSung"] == vn(history["request_supplement"].at)
    assert cycle["NgayTiepNhanBoSung"] == vn(history["receive_supplement"].at)
    assert cycle["TrangThaiBoSung"] == 1 and cycle["NoiDungBoSung"] == "Thiếu bản sao giấy khai sinh"
    assert cycle["NguoiTiepNhanBoSung"] == "Tiep Nhan"
    [result] = record["DanhSachGiayToKetQua"]
    assert result["MaGiayToKetQua"] == "KQ.G17.000001"
    assert result["DuongDanTepTinKetQua"].endswith(f"/can-bo/ho-so/{dossier.code}/ket-qua/")
    assert re.match(r"^https?://", result["DuongDanTepTinKetQua"])
    assert all(set(p) >= {"DuocSoHoa", "DuocTaiSuDung", "DuocLayTuKhoDMQG"} for p in record["TaiLieuNop"])
    validate_dossier(record)


def test_payment_through_the_provincial_gateway_and_wallet_papers(desk):
    from django.utils import timezone

    from motcua.dossiers.models import DossierDocument
    from motcua.payments.models import Charge, Gateway, Payment

    dossier = desk.receive()
    charge = Charge.objects.create(
        dossier=dossier,
        name="Phí",
        unit_amount=5000,
        amount=5000,
        legal_basis="x",
        assessed_at=timezone.now(),
    )
    Payment.objects.create(
        charge=charge, gateway=Gateway.VIETQR, amount=5000, paid_at=timezone.now(), receipt_number="BL-2"
    )
    DossierDocument.objects.create(
        dossier=dossier, name="Giấy khai sinh (kho dữ liệu: GKS 2020)", reused=True
    )
    record = dossier_record(Dossier.objects.get(pk=dossier.pk))
    assert record["DuocThanhToanTrucTuyen"] == 2
    wallet = [p for p in record["TaiLieuNop"] if "kho dữ liệu" in p["TenTepDinhKem"]]
    assert wallet and wallet[0]["DuocLayTuKhoDMQG"] == 1 and wallet[0]["DuocTaiSuDung"] == 1
    assert all(p["DuocLayTuKhoDMQG"] == 0 for p in record["TaiLieuNop"] if p not in wallet)
    Payment.objects.filter(charge=charge).update(gateway=Gateway.COUNTER_CASH)
    assert dossier_record(Dossier.objects.get(pk=dossier.pk))["DuocThanhToanTrucTuyen"] == 0


@pytest.mark.parametrize(
    ("path", "value", "named"),
    [
        ("DuocThanhToanTrucTuyen", 3, "DuocThanhToanTrucTuyen"),
        ("TaiKhoanDuocXacThucVoiVNeID", 2, "TaiKhoanDuocXacThucVoiVNeID"),
        ("DSKetNoiCSDL", [{"MaCSDL": ""}], "DSKetNoiCSDL[0].MaCSDL"),
        ("DSKetNoiCSDL", "CSDLQGDC", "DSKetNoiCSDL"),
        ("DanhSachGiayToKetQua", [{"TenGiayTo": "KQ", "DuongDanTepTinKetQua": "kq.pdf",
                                   "MaGiayToKetQua": "K"}], "DuongDanTepTinKetQua"),
        ("DanhSachGiayToKetQua", [{"TenGiayTo": "KQ", "DuongDanTepTinKetQua": "https://a.vn/kq"}],
         "MaGiayToKetQua"),
        ("DanhSachHoSoBoSung", [{"NgayBoSung": "2026-11-02", "TrangThaiBoSung": 0}], "DanhSachHoSoBoSung[0]"),
        ("DanhSachHoSoBoSung", [{"NgayBoSung": "20261102090000", "TrangThaiBoSung": 1}],
         "NgayTiepNhanBoSung"),
        ("DanhSachHoSoBoSung", [{"NgayBoSung": "20261102090000", "TrangThaiBoSung": 2}], "TrangThaiBoSung"),
    ],
)  # fmt: skip
def test_the_sandbox_checks_the_index_fields(desk, path, value, named):
    record = dossier_record(desk.receive())
    record[path] = value
    with pytest.raises(Invalid, match=re.escape(named)):
        validate_dossier(record)
