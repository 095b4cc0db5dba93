"""The registries' JSON on the exchange platform: field names and paths, shared by the HTTP adapter
(`http.py`) and the LGSP sandbox (`sandbox_views.py`) so the two can never drift apart.

Keys follow the platform's Vietnamese camelCase; dates are ISO 8601 (YYYY-MM-DD); code values
("male"/"female", "active"/"suspended"/"dissolved", "birth"/"marriage"/"death") are as in ports.py.

| port method | GET path (relative to the service's base URL) | answer |
|---|---|---|
| population.person(id) | `dan-cu/cong-dan/<id>` | a Person object |
| population.household(hh) | `dan-cu/ho-gia-dinh/<hh>` | `{"thanhVien": [Person…]}` |
| civil_status.events_of(id) | `ho-tich/cong-dan/<id>/su-kien` | `{"suKien": [CivilEvent…]}` |
| business.organisation(tax) | `dang-ky-doanh-nghiep/doanh-nghiep/<tax>` | an Organisation object |
| business.represented_by(id) | `dang-ky-doanh-nghiep/nguoi-dai-dien/<id>` | `{"doanhNghiep": […]}` |
| social_insurance.insurance_of(id) | `bao-hiem/cong-dan/<id>` | an InsuranceRecord object |
| social_insurance.birth_notices(id) | `bao-hiem/cong-dan/<id>/giay-chung-sinh` | `{"giayChungSinh": […]}` |
| driving_licence.licences_of(id) | `giay-phep-lai-xe/cong-dan/<id>` | `{"giayPhep": [DrivingLicence…]}` |

Nothing found: HTTP 404. Requests carry `X-API-Key` (and the HMAC headers where asked).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date

from .ports import BirthNotice, CivilEvent, DrivingLicence, IdCard, InsuranceRecord, Organisation, Person

KEYS: dict[type, dict[str, str]] = {
    IdCard: {"number": "soThe", "issued_on": "ngayCap", "expires_on": "ngayHetHan", "issued_by": "noiCap"},
    Person: {
        "id_number": "soDinhDanh",
        "full_name": "hoVaTen",
        "birth_date": "ngaySinh",
        "gender": "gioiTinh",
        "ethnicity": "danToc",
        "religion": "tonGiao",
        "nationality": "quocTich",
        "hometown": "queQuan",
        "permanent_address": "noiThuongTru",
        "commune_code": "maXaThuongTru",
        "household_id": "soHo",
        "household_head_id": "soDinhDanhChuHo",
        "relation_to_head": "quanHeVoiChuHo",
        "id_card": "theCanCuoc",
        "phone": "soDienThoai",
        "email": "thuDienTu",
        "father_id": "soDinhDanhCha",
        "mother_id": "soDinhDanhMe",
        "spouse_id": "soDinhDanhVoChong",
        "marital_status": "tinhTrangHonNhan",
        "deceased_on": "ngayMat",
    },
    CivilEvent: {
        "kind": "loaiSuKien",
        "registration_number": "soDangKy",
        "registered_on": "ngayDangKy",
        "registered_at": "noiDangKy",
        "subject_id": "soDinhDanh",
        "other_ids": "soDinhDanhLienQuan",
        "details": "chiTiet",
    },
    Organisation: {
        "tax_code": "maSoDoanhNghiep",
        "name": "tenDoanhNghiep",
        "kind": "loaiHinh",
        "address": "diaChiTruSo",
        "commune_code": "maXaTruSo",
        "representative_id": "soDinhDanhNguoiDaiDien",
        "representative_name": "tenNguoiDaiDien",
        "registered_on": "ngayDangKyLanDau",
        "status": "tinhTrang",
        "main_trade": "nganhNgheChinh",
        "charter_capital_vnd": "vonDieuLe",
    },
    InsuranceRecord: {
        "insurance_number": "maSoBhxh",
        "person_id": "soDinhDanh",
        "health_card_valid_to": "hanTheBhyt",
        "contribution_months": "soThangDong",
        "employer_tax_code": "maSoThueDonVi",
    },
    BirthNotice: {
        "number": "soGiayChungSinh",
        "child_name": "hoTenDuKien",
        "gender": "gioiTinh",
        "birth_date": "ngaySinh",
        "birth_place": "noiSinh",
        "mother_id": "soDinhDanhMe",
        "father_id": "soDinhDanhCha",
        "issued_on": "ngayCap",
        "issued_by": "coSoCap",
    },
    DrivingLicence: {
        "number": "soGiayPhep",
        "person_id": "soDinhDanh",
        "classes": "hang",
        "issued_on": "ngayCap",
        "expires_on": "ngayHetHan",
        "status": "tinhTrang",
    },
}

PATHS = {
    "person": "dan-cu/cong-dan/{key}",
    "household": "dan-cu/ho-gia-dinh/{key}",
    "events_of": "ho-tich/cong-dan/{key}/su-kien",
    "organisation": "dang-ky-doanh-nghiep/doanh-nghiep/{key}",
    "represented_by": "dang-ky-doanh-nghiep/nguoi-dai-dien/{key}",
    "insurance_of": "bao-hiem/cong-dan/{key}",
    "birth_notices": "bao-hiem/cong-dan/{key}/giay-chung-sinh",
    "licences_of": "giay-phep-lai-xe/cong-dan/{key}",
}
LIST_KEYS = {
    "household": "thanhVien",
    "events_of": "suKien",
    "represented_by": "doanhNghiep",
    "licences_of": "giayPhep",
    "birth_notices": "giayChungSinh",
}


def encode(record) -> dict:
    out = {}
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if isinstance(value, date):
            value = value.isoformat()
        elif dataclasses.is_dataclass(value):
            value = encode(value)
        elif isinstance(value, tuple):
            value = list(value)
        out[KEYS[type(record)][f.name]] = value
    return out


def _convert(hint, value):
    if value is None:
        return None
    union = isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union
    options = typing.get_args(hint) if union else (hint,)
    for option in options:
        if option is date:
            return date.fromisoformat(value)
        if option in KEYS:
            return decode(option, value)
        if typing.get_origin(option) is tuple:
            if not isinstance(value, list):
                raise ValueError("expected a list")
            return tuple(str(v) for v in value)
        if option in (int, str, dict):
            if not isinstance(value, option):
                raise ValueError(f"expected {option.__name__}")
            return value
    return value


def decode(cls, data: dict):
    """The record from its JSON; ValueError when a required field is missing or malformed."""
    if not isinstance(data, dict):
        raise ValueError(f"{cls.__name__}: expected an object")
    hints = typing.get_type_hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        key = KEYS[cls][f.name]
        if key not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ValueError(f"{cls.__name__}: missing {key}")
            continue
        values[f.name] = _convert(hints[f.name], data[key])
    return cls(**values)
