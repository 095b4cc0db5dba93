"""Registry fixtures for the proactive services: a handful of people in fake registries."""

from dataclasses import dataclass, field
from datetime import date

import pytest

from motcua.registries.ports import (
    CivilEvent,
    DrivingLicence,
    IdCard,
    InsuranceRecord,
    Person,
    RegistryUnavailable,
)


def person(id_number: str, born: date, *, card_expires=None, card=True, **extra) -> Person:
    id_card = None
    if card:
        id_card = IdCard(
            number=id_number, issued_on=date(2021, 5, 1), expires_on=card_expires, issued_by="Bộ Công an"
        )
    values = {
        "id_number": id_number,
        "full_name": extra.pop("full_name", "Lò Văn Thử"),
        "birth_date": born,
        "gender": "male",
        "ethnicity": "Thái",
        "religion": "Không",
        "nationality": "Việt Nam",
        "hometown": "Sơn La",
        "permanent_address": "Bản Mạt, Phường Tô Hiệu, Tỉnh Sơn La",
        "commune_code": "03646",
        "household_id": extra.pop("household_id", "1400000001"),
        "household_head_id": id_number,
        "relation_to_head": "Chủ hộ",
        "id_card": id_card,
    }
    values.update(extra)
    return Person(**values)


@dataclass
class FakeRegistries:
    people: dict = field(default_factory=dict)
    events: dict = field(default_factory=dict)
    licences: dict = field(default_factory=dict)
    insurance: dict = field(default_factory=dict)
    birth_notices: list = field(default_factory=list)
    death_notices: list = field(default_factory=list)
    down: set = field(default_factory=set)
    calls: list = field(default_factory=list)

    def add(self, p: Person) -> Person:
        self.people[p.id_number] = p
        return p

    def get(self, name):
        registry = self

        class Adapter:
            def __getattr__(self, method):
                def call(*args):
                    registry.calls.append((name, method, args))
                    if name in registry.down:
                        raise RegistryUnavailable(f"{name} down")
                    return getattr(registry, f"_{name}_{method}")(*args)

                return call

        return Adapter()

    def _population_person(self, id_number):
        return self.people.get(id_number)

    def _population_household(self, household_id):
        return [p for p in self.people.values() if p.household_id == household_id]

    def _civil_status_events_of(self, id_number):
        return self.events.get(id_number, [])

    def _social_insurance_birth_notices(self, id_number):
        return [n for n in self.birth_notices if id_number in (n["father_id"], n["mother_id"])]

    def _civil_status_death_notices_of(self, id_number):
        return list(self.death_notices)

    def _driving_licence_licences_of(self, id_number):
        return self.licences.get(id_number, [])

    def _social_insurance_insurance_of(self, id_number):
        return self.insurance.get(id_number)


@pytest.fixture
def fake(monkeypatch, reference_data):
    registries = FakeRegistries()
    monkeypatch.setattr("motcua.foryou.engine.registries.get", registries.get)
    return registries


__all__ = ["CivilEvent", "DrivingLicence", "InsuranceRecord", "person"]
