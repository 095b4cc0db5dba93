"""HTTP adapters: the registries through the data-exchange platform (NDXP / LGSP), via motcua.exchange.

Paths and field names are in `wire.py`. Each registry is one exchange service (base URL,
credentials, timeouts, retries, circuit breaker and signing from MOTCUA_EXCHANGE_SERVICES);
every request and answer lands in the exchange message log. A failure of any kind — timeout,
5xx, open circuit, an answer that is not the documented JSON — raises RegistryUnavailable.
Keys that cannot be valid (not all digits, wrong length) are answered "nothing" without a call.
"""

from __future__ import annotations

from motcua.exchange.client import ExchangeClient, ExchangeError, client_for

from . import wire
from .ports import (
    BirthNotice,
    CivilEvent,
    DrivingLicence,
    InsuranceRecord,
    Organisation,
    Person,
    RegistryUnavailable,
)


def _valid(key: str, length: int) -> bool:
    return isinstance(key, str) and len(key) == length and key.isdigit()


class _HttpRegistry:
    service = ""

    def __init__(self, client: ExchangeClient | None = None):
        self.client = client or client_for(self.service)

    def _get(self, method: str, key: str):
        try:
            return self.client.get_json(wire.PATHS[method].format(key=key))
        except ExchangeError as exc:
            raise RegistryUnavailable(str(exc)) from exc

    def _one(self, method: str, key: str, cls):
        data = self._get(method, key)
        if data is None:
            return None
        try:
            return wire.decode(cls, data)
        except (ValueError, TypeError) as exc:
            raise RegistryUnavailable(f"{self.service}: dữ liệu trả về không đúng cấu trúc ({exc}).") from exc

    def _many(self, method: str, key: str, cls) -> list:
        data = self._get(method, key)
        if data is None:
            return []
        try:
            return [wire.decode(cls, item) for item in data[wire.LIST_KEYS[method]]]
        except (ValueError, TypeError, KeyError) as exc:
            raise RegistryUnavailable(f"{self.service}: dữ liệu trả về không đúng cấu trúc ({exc}).") from exc


class HttpPopulation(_HttpRegistry):
    service = "population"

    def person(self, id_number: str) -> Person | None:
        return self._one("person", id_number, Person) if _valid(id_number, 12) else None

    def household(self, household_id: str) -> list[Person]:
        return self._many("household", household_id, Person) if _valid(household_id, 10) else []


class HttpCivilStatus(_HttpRegistry):
    service = "civil_status"

    def events_of(self, id_number: str) -> list[CivilEvent]:
        return self._many("events_of", id_number, CivilEvent) if _valid(id_number, 12) else []


class HttpBusiness(_HttpRegistry):
    service = "business"

    def organisation(self, tax_code: str) -> Organisation | None:
        return self._one("organisation", tax_code, Organisation) if _valid(tax_code, 10) else None

    def represented_by(self, id_number: str) -> list[Organisation]:
        return self._many("represented_by", id_number, Organisation) if _valid(id_number, 12) else []


class HttpSocialInsurance(_HttpRegistry):
    service = "social_insurance"

    def insurance_of(self, id_number: str) -> InsuranceRecord | None:
        return self._one("insurance_of", id_number, InsuranceRecord) if _valid(id_number, 12) else None

    def birth_notices(self, parent_id_number: str) -> list[BirthNotice]:
        valid = _valid(parent_id_number, 12)
        return self._many("birth_notices", parent_id_number, BirthNotice) if valid else []


class HttpDrivingLicences(_HttpRegistry):
    service = "driving_licence"

    def licences_of(self, id_number: str) -> list[DrivingLicence]:
        return self._many("licences_of", id_number, DrivingLicence) if _valid(id_number, 12) else []


ADAPTERS = {
    "population": HttpPopulation,
    "civil_status": HttpCivilStatus,
    "business": HttpBusiness,
    "social_insurance": HttpSocialInsurance,
    "driving_licence": HttpDrivingLicences,
}
