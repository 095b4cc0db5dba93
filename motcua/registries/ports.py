"""The registry ports (cổng kết nối cơ sở dữ liệu): what motcua asks the state's registries.

Each port is a small protocol with a sandbox adapter over generated data and an HTTP adapter for
the national data-exchange platform (NDXP / LGSP). Adapters are chosen by settings
(`MOTCUA_REGISTRIES`), and `motcua.registries.get(name)` returns the configured one.

Every lookup returns a frozen record, or None when the registry holds nothing for that key.
A registry that cannot be reached raises `RegistryUnavailable`; callers show a clear message and
let the person type the data instead (nothing is lost).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Protocol, runtime_checkable


class RegistryUnavailable(ConnectionError):
    """The registry did not answer in time or answered with an error."""


@dataclass(frozen=True)
class IdCard:
    """Thẻ căn cước / CCCD: its number is the personal ID number."""

    number: str
    issued_on: date
    expires_on: date | None  # None: no expiry (issued after the age of 60)
    issued_by: str


@dataclass(frozen=True)
class Person:
    """A resident as the population database (CSDL quốc gia về dân cư) holds them."""

    id_number: str  # số định danh cá nhân, 12 digits
    full_name: str
    birth_date: date
    gender: str  # "male" | "female"
    ethnicity: str  # dân tộc, e.g. "Kinh", "Thái"
    religion: str  # tôn giáo, "Không" when none
    nationality: str  # "Việt Nam"
    hometown: str  # quê quán
    permanent_address: str  # nơi thường trú, a full address in a real 2025 commune
    commune_code: str  # mã đơn vị hành chính cấp xã (2025) of the permanent residence
    household_id: str  # số hộ
    household_head_id: str  # id_number of the head of household
    relation_to_head: str  # quan hệ với chủ hộ: "Chủ hộ", "Vợ", "Con", …
    id_card: IdCard | None
    phone: str = ""
    email: str = ""
    father_id: str = ""
    mother_id: str = ""
    spouse_id: str = ""
    marital_status: str = ""  # "Chưa kết hôn" | "Đã kết hôn" | "Ly hôn" | "Góa"
    deceased_on: date | None = None


@dataclass(frozen=True)
class CivilEvent:
    """A civil-status record (CSDL hộ tịch điện tử): birth, marriage or death."""

    kind: str  # "birth" | "marriage" | "death"
    registration_number: str  # số đăng ký
    registered_on: date
    registered_at: str  # the registering authority
    subject_id: str  # the person born / deceased / one spouse
    other_ids: tuple[str, ...] = ()  # parents for a birth, the other spouse for a marriage
    details: dict = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Organisation:
    """An enterprise or cooperative as the business registry (CSDL quốc gia về ĐKDN) holds it."""

    tax_code: str  # mã số doanh nghiệp, 10 digits with a valid check digit
    name: str
    kind: str  # "Công ty TNHH", "Công ty cổ phần", "Hợp tác xã", "Doanh nghiệp tư nhân"
    address: str
    commune_code: str
    representative_id: str  # id_number of the legal representative
    representative_name: str
    registered_on: date
    status: str  # "active" | "suspended" | "dissolved"
    main_trade: str = ""
    charter_capital_vnd: int = 0


@dataclass(frozen=True)
class InsuranceRecord:
    """Social and health insurance (CSDL bảo hiểm): the social insurance book and the card."""

    insurance_number: str  # mã số BHXH, 10 digits
    person_id: str
    health_card_valid_to: date | None
    contribution_months: int
    employer_tax_code: str = ""


@dataclass(frozen=True)
class BirthNotice:
    """Giấy chứng sinh điện tử: the hospital's notice of a birth, sent through the health-insurance
    connection (cơ sở khám chữa bệnh → hệ thống BHXH/BHYT → liên thông) to the parents."""

    number: str  # số giấy chứng sinh
    child_name: str  # họ tên dự định đặt cho con ("" when the parents have not chosen)
    gender: str  # "male" | "female"
    birth_date: date
    birth_place: str  # the facility where the child was born
    mother_id: str
    father_id: str = ""
    issued_on: date | None = None
    issued_by: str = ""


@dataclass(frozen=True)
class DrivingLicence:
    """A driving licence (CSDL giấy phép lái xe)."""

    number: str  # 12 digits
    person_id: str
    classes: tuple[str, ...]  # e.g. ("A1", "B")
    issued_on: date
    expires_on: date | None
    status: str = "valid"  # "valid" | "expired" | "revoked"


@runtime_checkable
class PopulationRegistry(Protocol):
    def person(self, id_number: str) -> Person | None: ...
    def household(self, household_id: str) -> list[Person]: ...


@runtime_checkable
class CivilStatusRegistry(Protocol):
    def events_of(self, id_number: str) -> list[CivilEvent]: ...


@runtime_checkable
class BusinessRegistry(Protocol):
    def organisation(self, tax_code: str) -> Organisation | None: ...
    def represented_by(self, id_number: str) -> list[Organisation]: ...


@runtime_checkable
class SocialInsuranceRegistry(Protocol):
    def insurance_of(self, id_number: str) -> InsuranceRecord | None: ...
    def birth_notices(self, parent_id_number: str) -> list[BirthNotice]: ...


@runtime_checkable
class DrivingLicenceRegistry(Protocol):
    def licences_of(self, id_number: str) -> list[DrivingLicence]: ...
