"""The registries' sandbox: a synthetic province of people and organisations, computed on demand.

Nothing is stored and nothing is generated up front. Households are numbered 0…H-1; the shape of
each (single, couple, children, grandparents, a widowed spouse) comes from a cheap hash of
(seed, household), so the sizes — and the prefix sums that map a person's index to a household —
take a few tens of milliseconds once per process. A household's people come from a random stream
seeded by the same hash, so any household is rebuilt in isolation, O(1), the same for a seed.

Numbers encode the index reversibly, so a lookup never searches:

* số định danh cá nhân (12 digits) = birth province (3, e.g. 014 Sơn La) + century/gender (1) +
  birth year (2) + a 6-digit permutation of the person's index;
* mã số doanh nghiệp (10 digits) = province prefix (2, Sơn La 55) + one free digit chosen so the
  check digit exists + a 6-digit permutation of the organisation's index + the check digit
  (weights 31 29 23 19 17 13 7 5 3; check = 10 − sum mod 11; a result of 10 is skipped);
* số hộ, mã số BHXH and driving-licence numbers carry permutations of the same indices.

A lookup decodes the index, rebuilds the record and returns it only if its number is exactly the
one asked for (any other 12 digits → None).

ID cards follow Luật Căn cước 2023: cards are renewed at 25, 40 and 60 (a card issued within two
years before one of those ages lasts until the next), none after 60; the chip cards most people
hold were issued from 2021. About 2 % of people never renewed, so their card has expired.

Households 0–6 are scripted personas (`demo_people()`): the e-forms, eID and portal tests meet the
same people every time. `pending_registrations()` gives the events that are not yet in the
registries (a baby born 20 days ago, a husband who died 9 days ago) for the registration forms.

The dates of the bulk population are fixed (births up to 2025); card and licence validity is
judged against today, as the real registries do. `behaviour()` and the
MOTCUA_REGISTRY_SANDBOX_* settings make every adapter slow, failing or empty for tests.

One module per job, and this package is their one entry (`from motcua.registries import sandbox`):
`world` (the seed's household shapes, the numbering and the shared date helpers), `households`
(one household rebuilt: its people and civil events), `records` (every lookup by number, the
personas, the pending registrations) and `adapters` (the port adapters and the behaviour switches).
"""

from . import adapters, households, records, world
from .adapters import (
    ADAPTERS,
    SandboxBusiness,
    SandboxCivilStatus,
    SandboxDrivingLicences,
    SandboxPopulation,
    SandboxSocialInsurance,
    behaviour,
    gate,
)
from .records import (
    PERSONAS,
    birth_notices_of,
    demo_people,
    events_of,
    household_members,
    index_of,
    insurance_of,
    licences_of,
    organisation_at,
    organisation_by_tax_code,
    organisation_count,
    organisations_represented_by,
    pending_registrations,
    person_at,
    population_size,
    world_province_lower,
)
from .world import check_digit

__all__ = [
    "ADAPTERS",
    "PERSONAS",
    "SandboxBusiness",
    "SandboxCivilStatus",
    "SandboxDrivingLicences",
    "SandboxPopulation",
    "SandboxSocialInsurance",
    "adapters",
    "behaviour",
    "birth_notices_of",
    "check_digit",
    "demo_people",
    "events_of",
    "gate",
    "household_members",
    "households",
    "index_of",
    "insurance_of",
    "licences_of",
    "organisation_at",
    "organisation_by_tax_code",
    "organisation_count",
    "organisations_represented_by",
    "pending_registrations",
    "person_at",
    "population_size",
    "records",
    "world",
    "world_province_lower",
]
