"""The national portal sandbox (Cổng DVCQG giả lập): the contract of spec §4 over HTTP.

Served under /sandbox/dvcqg/ only when MOTCUA_NATIONAL_PORTAL_SANDBOX is on:

* `POST dang-nhap` {"username","password"} → {"session","error_code":0};
* `POST dich-vu` {"session","madonvi","service","isUpdating","data":[…]} → {"error_code", "message", …}
  for DongBoHoSoMC, CapNhatTienDoHoSoMC, TraCuuHoSo, LayThuTuc, LayDanhSachTTHC and LayHoSoMoi
  (incoming dossiers, the records of `portal.SandboxPortal`);
* `POST dieu-khien` {"session", "mode", "delay_ms", "status", "remaining"}: how it behaves next; or
  {"session", "catalog": {"MATTHC", …fields}}: publish a new, changed or abolished procedure (TINHTRANG 2)
  on the national TTHC database it plays (`publish_procedure`).

The national TTHC database it plays is the shipped national records (data/catalog, the same the catalog
import reads) with the published changes (catalog.NationalCatalogChange) on top: LayDanhSachTTHC lists
{MATTHC, TENTTHC, TINHTRANG, NGAYCAPNHAT} (since TuNgay when given), LayThuTuc gives the whole record
(`catalog_sync.to_portal_record`). It serves what it was told to publish, malformed or not.

It validates every field the way the portal rejects it (error_code 3 naming the field), keeps what
it received (SandboxDossier, SandboxProgress) and never stores a duplicate: the same MaHoSo updates
the dossier, the same progress entry is kept once. Behaviours (`set_behaviour`): slow (sleep, then
answer), fail (HTTP status without doing anything), timeout (do the work, then sleep past the
client's timeout), twice (do the work twice, as a portal that got the request twice), malformed
(do the work, answer broken JSON).
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from motcua.catalog import importer
from motcua.catalog.models import NationalCatalogChange, Procedure
from motcua.core.codes import parse_dossier_code
from motcua.places.models import Agency

from .catalog_sync import IN_FORCE, to_portal_record
from .client import BAD_REQUEST, INVALID_DATA, NOT_FOUND, OK, SESSION_INVALID, UNKNOWN_SERVICE
from .models import SandboxControl, SandboxDossier, SandboxProgress, SandboxSession
from .portal import NATIONAL_CODE_RE, SandboxPortal, format_portal_date, parse_portal_date
from .records import progress_key

DATE_RE = re.compile(r"^\d{14}$")
DOSSIER_DATES = ("NgayNopHoSo", "NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy", "NgayTra", "NgayTuChoi")
PROGRESS_DATES = ("ThoiDiemXuLy", "NgayBatDau", "NgayKetThucTheoQuyDinh")


class Invalid(ValueError):
    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}")


# --- behaviour ------------------------------------------------------------------------------------


def set_behaviour(mode: str = "normal", *, delay_ms: int = 0, status: int = 503, remaining=None) -> None:
    """Tell the sandbox how to answer the next `remaining` service calls (None: until told otherwise)."""
    if mode not in SandboxControl.Mode.values:
        raise ValueError(f"chế độ không hợp lệ: {mode}")
    SandboxControl.objects.update_or_create(
        pk=1, defaults={"mode": mode, "delay_ms": delay_ms, "status": status, "remaining": remaining}
    )


def _behaviour() -> SandboxControl:
    with transaction.atomic():
        control = SandboxControl.objects.select_for_update().filter(pk=1).first()
        if control is None or control.mode == SandboxControl.Mode.NORMAL:
            return control or SandboxControl(mode=SandboxControl.Mode.NORMAL)
        if control.remaining is not None:
            if control.remaining <= 0:
                return SandboxControl(mode=SandboxControl.Mode.NORMAL)
            SandboxControl.objects.filter(pk=1).update(remaining=control.remaining - 1)
        return control


# --- the national TTHC database ------------------------------------------------------------------

#: NGAYCAPNHAT of the shipped national records (their files last changed on 17/7/2026).
BASE_UPDATED = "20260717000000"
_national: dict[str, dict] = {}
_national_lock = threading.Lock()


def national_records() -> dict[str, dict]:
    """The shipped national records as LayThuTuc gives them, by code (read once per process)."""
    with _national_lock:
        if not _national:
            folder = importer.Path(settings.DATA_DIR) / "catalog"
            # The team's full records (tthc-curated) are what the national database should say for
            # their codes: they stand for the shipped national record, as in the import.
            for relpath in [*importer.CURATED_SOURCES, *importer.NATIONAL_SOURCES]:
                if not (folder / relpath).is_file():
                    continue
                for record in importer._read_jsonl(folder / relpath):
                    code = (record.get("code") or "").strip()
                    if code and code not in _national:
                        _national[code] = {**to_portal_record(record), "NGAYCAPNHAT": BASE_UPDATED}
        return _national


def publish_procedure(code: str, fields: dict, at=None) -> NationalCatalogChange:
    """Publish on the sandbox's national database: a new procedure (all its fields), a change (the
    fields that change) or an abolition ({"TINHTRANG": 2, "NGAYBAIBO": "yyyyMMddHHmmss"})."""
    code = str(code or "").strip()
    if not code or len(code) > 32:
        raise ValueError("MATTHC: thiếu mã thủ tục hoặc dài quá 32 ký tự.")
    if not isinstance(fields, dict):
        raise ValueError("catalog: phải là một đối tượng {MATTHC, …}.")
    record = {k: v for k, v in fields.items() if k not in ("MATTHC", "NGAYCAPNHAT")}
    return NationalCatalogChange.objects.create(code=code, record=record, published_at=at or timezone.now())


def national_procedure(code: str, changes=None) -> dict | None:
    """The record the national database holds now: shipped, with what was published on top."""
    base = national_records().get(code)
    if changes is None:
        changes = list(NationalCatalogChange.objects.filter(code=code).order_by("published_at", "id"))
    if base is None and not changes:
        return None
    record = dict(
        base or {"MATTHC": code, "TINHTRANG": IN_FORCE, "NGAYBAIBO": "", "NGAYCAPNHAT": BASE_UPDATED}
    )
    for change in changes:
        record.update(change.record)
        record["NGAYCAPNHAT"] = format_portal_date(change.published_at)
    record["MATTHC"] = code
    return record


# --- validation -----------------------------------------------------------------------------------


def _required(record: dict, name: str, max_length: int = 2000) -> str:
    value = record.get(name)
    if value is None or not str(value).strip():
        raise Invalid(name, "thiếu (bắt buộc).")
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise Invalid(name, "phải là chuỗi ký tự.")
    if len(str(value)) > max_length:
        raise Invalid(name, f"dài quá {max_length} ký tự.")
    return str(value).strip()


def _code(record: dict, name: str, allowed: set[int], required: bool = True) -> int | None:
    value = record.get(name)
    if value in (None, "") and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
        shown = ", ".join(map(str, sorted(allowed)))
        raise Invalid(name, f"giá trị {value!r} không hợp lệ (chỉ nhận số {shown}).")
    return value


def _date(record: dict, name: str, required: bool = False) -> None:
    value = record.get(name)
    if value in (None, ""):
        if required:
            raise Invalid(name, "thiếu (bắt buộc).")
        return
    if not isinstance(value, str) or not DATE_RE.match(value):
        raise Invalid(name, f"{value!r} không đúng dạng yyyyMMddHHmmss.")
    try:
        parse_portal_date(value, name)
    except ValueError:
        raise Invalid(name, f"{value!r} không phải ngày giờ có thật.") from None


def _dossier_code(record: dict) -> str:
    code = _required(record, "MaHoSo", 64)
    if not NATIONAL_CODE_RE.match(code):
        try:
            parse_dossier_code(code)
        except ValueError as exc:
            raise Invalid("MaHoSo", str(exc)) from None
    return code


def validate_dossier(record) -> str:
    if not isinstance(record, dict):
        raise Invalid("data[]", "mỗi phần tử phải là một đối tượng JSON.")
    code = _dossier_code(record)
    procedure_code = _required(record, "MaTTHC", 32)
    if not Procedure.objects.filter(code=procedure_code).exists():
        raise Invalid("MaTTHC", f"không có thủ tục {procedure_code} trong CSDL quốc gia về TTHC.")
    _code(record, "KenhThucHien", {1, 2, 3})
    _required(record, "ChuHoSo", 200)
    _required(record, "SoGiayToChuHoSo", 20)
    _code(record, "LoaiDoiTuong", {1, 2})
    _code(record, "TrangThaiHoSo", set(range(1, 11)))
    _code(record, "HinhThuc", {0, 1}, required=False)
    for flag in ("HoSoCoThanhPhanSoHoa", "TaiKhoanDuocXacThucVoiVNeID"):
        _code(record, flag, {0, 1}, required=False)
    _code(record, "DuocThanhToanTrucTuyen", {0, 1, 2}, required=False)
    _date(record, "NgayNopHoSo", required=True)
    for name in DOSSIER_DATES[1:]:
        _date(record, name)
    if record["TrangThaiHoSo"] >= 2 and record["KenhThucHien"] != 2 and not record.get("NgayTiepNhan"):
        raise Invalid("NgayTiepNhan", "hồ sơ đã tiếp nhận phải có ngày tiếp nhận.")
    if record["TrangThaiHoSo"] in (9, 10) and not record.get("NgayKetThucXuLy"):
        raise Invalid("NgayKetThucXuLy", "hồ sơ đã xử lý xong phải có ngày kết thúc xử lý.")
    _required(record, "DonViXuLy", 40)
    for name in ("TaiLieuNop", "DanhSachLePhi", "DanhSachHoSoBoSung", "DanhSachGiayToKetQua", "DinhDanhCHS"):
        items = record.get(name, [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise Invalid(name, "phải là danh sách các đối tượng.")
    for i, item in enumerate(record.get("TaiLieuNop") or []):
        if not str(item.get("TenTepDinhKem") or "").strip():
            raise Invalid(f"TaiLieuNop[{i}].TenTepDinhKem", "thiếu (bắt buộc).")
        for flag in ("DuocSoHoa", "DuocTaiSuDung", "DuocLayTuKhoDMQG"):
            if item.get(flag) not in (None, "", 0, 1):
                raise Invalid(f"TaiLieuNop[{i}].{flag}", "chỉ nhận 0 hoặc 1.")
    for i, item in enumerate(record.get("DanhSachLePhi") or []):
        if isinstance(item.get("Gia"), bool) or not isinstance(item.get("Gia"), int) or item["Gia"] < 0:
            raise Invalid(f"DanhSachLePhi[{i}].Gia", "phải là số tiền nguyên không âm (đồng).")
    _validate_lists(record)
    return code


def _validate_lists(record: dict) -> None:
    """The lists the QĐ 766 index reads: results (4.1), supplement cycles (2.1), databases (4.5)."""
    items = record.get("DSKetNoiCSDL", [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise Invalid("DSKetNoiCSDL", "phải là danh sách các đối tượng {MaCSDL}.")
    for i, item in enumerate(items):
        if not isinstance(item.get("MaCSDL"), str) or not item["MaCSDL"].strip():
            raise Invalid(f"DSKetNoiCSDL[{i}].MaCSDL", "thiếu mã cơ sở dữ liệu (bắt buộc).")
    for i, item in enumerate(record.get("DanhSachGiayToKetQua") or []):
        where = f"DanhSachGiayToKetQua[{i}]"
        if not str(item.get("TenGiayTo") or "").strip():
            raise Invalid(f"{where}.TenGiayTo", "thiếu (bắt buộc).")
        link = item.get("DuongDanTepTinKetQua") or ""
        if not isinstance(link, str) or (link and not re.match(r"^https?://[^\s/]+/\S*$", link)):
            raise Invalid(f"{where}.DuongDanTepTinKetQua", f"{link!r} không phải đường dẫn http(s) đầy đủ.")
        if link and not str(item.get("MaGiayToKetQua") or "").strip():
            raise Invalid(f"{where}.MaGiayToKetQua", "kết quả điện tử phải có mã giấy tờ kết quả.")
    for i, item in enumerate(record.get("DanhSachHoSoBoSung") or []):
        where = f"DanhSachHoSoBoSung[{i}]"
        try:
            _date(item, "NgayBoSung", required=True)
            _date(item, "NgayTiepNhanBoSung")
            _date(item, "NgayHenTraTruoc")
            _date(item, "NgayHenTraMoi")
            state = _code(item, "TrangThaiBoSung", {0, 1})
        except Invalid as exc:
            raise Invalid(where, str(exc)) from None
        if state == 1 and not item.get("NgayTiepNhanBoSung"):
            raise Invalid(f"{where}.NgayTiepNhanBoSung", "bổ sung đã tiếp nhận phải có ngày tiếp nhận.")
        papers = item.get("DanhSachGiayToBoSung", [])
        if not isinstance(papers, list) or not all(
            isinstance(p, dict) and p.get("TenGiayTo") for p in papers
        ):
            raise Invalid(f"{where}.DanhSachGiayToBoSung", "phải là danh sách {TenGiayTo, SoLuong}.")


def validate_progress(record) -> str:
    if not isinstance(record, dict):
        raise Invalid("data[]", "mỗi phần tử phải là một đối tượng JSON.")
    code = _dossier_code(record)
    _required(record, "NguoiXuLy", 200)
    _required(record, "PhongBanXuLy", 300)
    _required(record, "NoiDungXuLy", 2000)
    _code(record, "TrangThai", set(range(1, 11)))
    _date(record, "ThoiDiemXuLy", required=True)
    for name in PROGRESS_DATES[1:]:
        _date(record, name)
    return code


# --- services -------------------------------------------------------------------------------------


def _sync_dossier(body: dict) -> dict:
    records = body.get("data")
    for record in records:
        validate_dossier(record)
    for record in records:
        with transaction.atomic():
            row = SandboxDossier.objects.select_for_update().filter(code=record["MaHoSo"]).first()
            if row is None:
                try:
                    with transaction.atomic():
                        SandboxDossier.objects.create(
                            code=record["MaHoSo"],
                            agency_code=body["madonvi"],
                            status=record["TrangThaiHoSo"],
                            record=record,
                        )
                    continue
                except IntegrityError:  # created by a concurrent duplicate: update it instead
                    row = SandboxDossier.objects.select_for_update().get(code=record["MaHoSo"])
            row.status, row.record, row.received = record["TrangThaiHoSo"], record, row.received + 1
            row.save(update_fields=["status", "record", "received", "updated_at"])
    return {"error_code": OK, "message": f"Đã đồng bộ {len(records)} hồ sơ."}


def _progress(body: dict) -> dict:
    records = body.get("data")
    for record in records:
        validate_progress(record)
    dossiers = {d.code: d for d in SandboxDossier.objects.filter(code__in=[r["MaHoSo"] for r in records])}
    for record in records:
        if record["MaHoSo"] not in dossiers:
            return {"error_code": NOT_FOUND, "message": f"MaHoSo: không có hồ sơ {record['MaHoSo']}."}
    for record in records:
        try:
            with transaction.atomic():
                SandboxProgress.objects.create(
                    dossier=dossiers[record["MaHoSo"]],
                    key=progress_key(record),
                    status=record["TrangThai"],
                    at=record["ThoiDiemXuLy"],
                    record=record,
                )
        except IntegrityError:
            pass  # already received: a re-send is harmless
    return {"error_code": OK, "message": f"Đã cập nhật {len(records)} tiến độ."}


def _lookup(body: dict) -> dict:
    codes = [str((r or {}).get("MaHoSo", "")) for r in body.get("data") if isinstance(r, dict)]
    found = {d.code: d for d in SandboxDossier.objects.filter(code__in=codes).prefetch_related("progress")}
    result = []
    for code in codes:
        row = found.get(code)
        if row is None:
            result.append({"MaHoSo": code, "TonTai": 0})
            continue
        result.append(
            {
                **row.record,
                "MaHoSo": row.code,
                "TrangThaiHoSo": row.status,
                "TonTai": 1,
                "QuaTrinhXuLy": [p.record for p in row.progress.all()],
            }
        )
    return {"error_code": OK, "message": "", "data": result}


def _procedure(body: dict) -> dict:
    first = (body.get("data") or [{}])[0]
    code = str(first.get("maTTHC", "")).strip() if isinstance(first, dict) else ""
    record = national_procedure(code) if code else None
    if record is None:
        return {"error_code": NOT_FOUND, "message": f"maTTHC: không có thủ tục {code!r}."}
    return {"error_code": OK, "message": "", "data": [record]}


def _procedures(body: dict) -> dict:
    """The national database's list (of one agency's procedures when madonvi names one of ours)."""
    options = (body.get("data") or [{}])[0] if body.get("data") else {}
    since = ""
    if isinstance(options, dict) and options.get("TuNgay"):
        parse_portal_date(options["TuNgay"], "TuNgay")
        since = str(options["TuNgay"])
    changes: dict[str, list] = {}
    for change in NationalCatalogChange.objects.order_by("published_at", "id"):
        changes.setdefault(change.code, []).append(change)
    codes = sorted(set(national_records()) | set(changes))
    agency = str(body.get("madonvi") or "").strip()
    if agency and Agency.objects.filter(code=agency).exists():
        linked = set(
            Procedure.objects.filter(agency_links__agency__code=agency).values_list("code", flat=True)
        )
        codes = [code for code in codes if code in linked]
    rows = []
    for code in codes:
        record = (
            national_procedure(code, changes.get(code, [])) if code in changes else national_records()[code]
        )
        if since and record["NGAYCAPNHAT"] < since:
            continue
        keys = ("MATTHC", "TENTTHC", "TINHTRANG", "NGAYCAPNHAT")
        rows.append({key: record.get(key) for key in keys})
    return {"error_code": OK, "message": "", "data": rows}


def _new_dossiers(body: dict) -> dict:
    options = (body.get("data") or [{}])[0] if body.get("data") else {}
    since = None
    if options.get("TuNgay"):
        since = parse_portal_date(options["TuNgay"], "TuNgay")
    seed = int(options.get("seed") or 0)
    count = min(int(options.get("SoLuong") or 20), 500)
    records = SandboxPortal(seed, count=count).fetch_new_dossiers(since)
    return {"error_code": OK, "message": "", "data": records}


SERVICES = {
    "DongBoHoSoMC": _sync_dossier,
    "CapNhatTienDoHoSoMC": _progress,
    "TraCuuHoSo": _lookup,
    "LayThuTuc": _procedure,
    "LayDanhSachTTHC": _procedures,
    "LayHoSoMoi": _new_dossiers,
}


# --- views ----------------------------------------------------------------------------------------


def _answer(data: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _body(request) -> dict | None:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _served() -> None:
    if not getattr(settings, "MOTCUA_NATIONAL_PORTAL_SANDBOX", False):
        raise Http404


def _session_ok(token) -> bool:
    live = SandboxSession.objects.filter(token=str(token), expires_at__gt=timezone.now())
    return bool(token) and live.exists()


@csrf_exempt
@require_POST
def login(request):
    _served()
    body = _body(request)
    if body is None:
        return _answer({"error_code": BAD_REQUEST, "message": "Nội dung phải là JSON."}, 400)
    user_ok = hmac.compare_digest(str(body.get("username", "")), settings.MOTCUA_NATIONAL_PORTAL_USERNAME)
    pass_ok = hmac.compare_digest(str(body.get("password", "")), settings.MOTCUA_NATIONAL_PORTAL_PASSWORD)
    if not (user_ok and pass_ok):
        return _answer({"error_code": SESSION_INVALID, "message": "Sai tên đăng nhập hoặc mật khẩu."})
    token, lifetime = secrets.token_hex(24), settings.MOTCUA_NATIONAL_PORTAL_SANDBOX_SESSION_SECONDS
    SandboxSession.objects.create(
        token=token,
        username=body["username"],
        expires_at=timezone.now() + timedelta(seconds=lifetime),
    )
    return _answer({"session": token, "error_code": OK, "message": "Đăng nhập thành công."})


def _dispatch(body: dict) -> dict:
    if not _session_ok(body.get("session")):
        return {"error_code": SESSION_INVALID, "message": "Phiên làm việc không hợp lệ hoặc đã hết hạn."}
    service = body.get("service")
    if service not in SERVICES:
        return {"error_code": UNKNOWN_SERVICE, "message": f"service: không có dịch vụ {service!r}."}
    if not str(body.get("madonvi") or "").strip() and service not in ("LayThuTuc", "LayDanhSachTTHC"):
        return {"error_code": BAD_REQUEST, "message": "madonvi: thiếu mã đơn vị (bắt buộc)."}
    if not isinstance(body.get("data", []), list) or (
        service in ("DongBoHoSoMC", "CapNhatTienDoHoSoMC", "TraCuuHoSo") and not body.get("data")
    ):
        return {"error_code": BAD_REQUEST, "message": "data: phải là danh sách bản ghi, không rỗng."}
    try:
        return SERVICES[service](body)
    except Invalid as exc:
        return {"error_code": INVALID_DATA, "message": str(exc)}
    except (ValueError, TypeError) as exc:
        return {"error_code": INVALID_DATA, "message": str(exc)}


@csrf_exempt
@require_POST
def service(request):
    _served()
    body = _body(request)
    if body is None:
        return _answer({"error_code": BAD_REQUEST, "message": "Nội dung phải là JSON."}, 400)
    control = _behaviour()
    mode, delay = control.mode, control.delay_ms / 1000
    if mode == SandboxControl.Mode.FAIL:
        return _answer({"error_code": -1, "message": "Cổng DVCQG đang bảo trì."}, control.status or 503)
    if mode == SandboxControl.Mode.SLOW:
        time.sleep(delay)
    answer = _dispatch(body)
    if mode == SandboxControl.Mode.TWICE:
        answer = _dispatch(body)
    if mode == SandboxControl.Mode.TIMEOUT:
        time.sleep(delay)
    if mode == SandboxControl.Mode.MALFORMED:
        return HttpResponse(b'{"error_code": 0, "message": "OK"', content_type="application/json")
    return _answer(answer)


@csrf_exempt
@require_POST
def control(request):
    _served()
    body = _body(request)
    if body is None or not _session_ok(body.get("session")):
        return _answer({"error_code": SESSION_INVALID, "message": "Phiên làm việc không hợp lệ."}, 403)
    if "catalog" in body:
        fields = body["catalog"]
        try:
            change = publish_procedure(
                (fields or {}).get("MATTHC") if isinstance(fields, dict) else "", fields
            )
        except ValueError as exc:
            return _answer({"error_code": BAD_REQUEST, "message": str(exc)}, 400)
        return _answer({"error_code": OK, "message": f"Đã công bố thay đổi thủ tục {change.code}."})
    try:
        set_behaviour(
            str(body.get("mode", "normal")),
            delay_ms=int(body.get("delay_ms") or 0),
            status=int(body.get("status") or 503),
            remaining=None if body.get("remaining") is None else int(body["remaining"]),
        )
    except (TypeError, ValueError) as exc:
        return _answer({"error_code": BAD_REQUEST, "message": str(exc)}, 400)
    return _answer({"error_code": OK, "message": "Đã đổi chế độ sandbox."})
