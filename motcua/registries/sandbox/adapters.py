"""The sandbox adapters of the registry ports (one class per port, `ADAPTERS` by port name) and
the behaviour switches that make all of them slow, failing or empty: `behaviour()` for a block of
code (tests, the live test server's threads too) and the MOTCUA_REGISTRY_SANDBOX_* settings."""

from __future__ import annotations

import contextlib
import threading
import time

from django.conf import settings

from ..ports import (
    BirthNotice,
    CivilEvent,
    DrivingLicence,
    InsuranceRecord,
    Organisation,
    Person,
    RegistryUnavailable,
)
from .records import (
    birth_notices_of,
    events_of,
    household_members,
    index_of,
    insurance_of,
    licences_of,
    organisation_by_tax_code,
    organisations_represented_by,
    person_at,
)

_behaviour_lock = threading.Lock()
_override: dict = {}


@contextlib.contextmanager
def behaviour(
    *, delay_ms: int | None = None, fail: bool | None = None, empty: bool | None = None, fail_next: int = 0
):
    """Make every sandbox registry slow (`delay_ms`), fail (`fail`: RegistryUnavailable), find
    nothing (`empty`) or fail only the next `fail_next` calls — for the whole process (the live
    test server's threads too) until the block ends."""
    with _behaviour_lock:
        saved = dict(_override)
        for key, value in (("delay_ms", delay_ms), ("fail", fail), ("empty", empty)):
            if value is not None:
                _override[key] = value
        _override["fail_next"] = fail_next
    try:
        yield
    finally:
        with _behaviour_lock:
            _override.clear()
            _override.update(saved)


def gate() -> bool:
    """Apply the behaviour switches; True when the answer must be empty."""
    delay = _override.get("delay_ms", getattr(settings, "MOTCUA_REGISTRY_SANDBOX_DELAY_MS", 0))
    if delay:
        time.sleep(delay / 1000)
    with _behaviour_lock:
        failing = _override.get("fail_next", 0) > 0
        if failing:
            _override["fail_next"] -= 1
    if failing or _override.get("fail", getattr(settings, "MOTCUA_REGISTRY_SANDBOX_FAIL", False)):
        raise RegistryUnavailable(
            "Hệ thống cơ sở dữ liệu (môi trường thử nghiệm) đang lỗi, vui lòng thử lại sau."
        )
    return bool(_override.get("empty", getattr(settings, "MOTCUA_REGISTRY_SANDBOX_EMPTY", False)))


class SandboxPopulation:
    def person(self, id_number: str) -> Person | None:
        if gate():
            return None
        index = index_of(id_number)
        return None if index is None else person_at(index)

    def household(self, household_id: str) -> list[Person]:
        return [] if gate() else household_members(household_id)


class SandboxCivilStatus:
    def events_of(self, id_number: str) -> list[CivilEvent]:
        return [] if gate() else events_of(id_number)


class SandboxBusiness:
    def organisation(self, tax_code: str) -> Organisation | None:
        return None if gate() else organisation_by_tax_code(tax_code)

    def represented_by(self, id_number: str) -> list[Organisation]:
        return [] if gate() else organisations_represented_by(id_number)


class SandboxSocialInsurance:
    def insurance_of(self, id_number: str) -> InsuranceRecord | None:
        return None if gate() else insurance_of(id_number)

    def birth_notices(self, parent_id_number: str) -> list[BirthNotice]:
        return [] if gate() else birth_notices_of(parent_id_number)


class SandboxDrivingLicences:
    def licences_of(self, id_number: str) -> list[DrivingLicence]:
        return [] if gate() else licences_of(id_number)


ADAPTERS = {
    "population": SandboxPopulation,
    "civil_status": SandboxCivilStatus,
    "business": SandboxBusiness,
    "social_insurance": SandboxSocialInsurance,
    "driving_licence": SandboxDrivingLicences,
}
