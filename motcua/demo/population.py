"""The demo's people with accounts: officers per agency (reception, specialists, a leader who is
unit head and approver) and a pool of citizens signed in with the eID, created once,
deterministically for a seed. Never for production.
"""

from __future__ import annotations

import random

from motcua.people.models import OfficerRole, User
from motcua.people.synthetic import PeopleGenerator, Person
from motcua.places.models import Agency

Role = OfficerRole.Role


class Officers:
    """Demo officers per agency (users with unusable passwords), created once, deterministically."""

    def __init__(self, rng: random.Random, people: PeopleGenerator):
        self.rng, self.people = rng, people
        self.by_agency: dict[tuple[int, str], list[tuple[int, str, str]]] = {}
        self.created = 0

    def ensure(self, receiving: list[Agency], handling: list[Agency]) -> None:
        wanted = []  # (agency, role key, index)
        for agency in receiving:
            wanted += [(agency, Role.RECEPTION, i) for i in (1, 2)]
        for agency in handling:
            wanted += [(agency, "leader", 1)] + [(agency, Role.SPECIALIST, i) for i in (1, 2)]
        names = {}
        for agency, key, i in wanted:  # drawn in a fixed order: the same names for a seed
            gender = "male" if self.rng.random() < 0.5 else "female"
            names[(agency.pk, key, i)] = self.people.name(gender)
        usernames = {
            (agency.pk, key, i): f"demo.{'ld' if key == 'leader' else key[:2]}{i}.{agency.code.lower()}"
            for agency, key, i in wanted
        }
        existing = dict(User.objects.filter(username__in=usernames.values()).values_list("username", "pk"))
        new = [
            User(
                username=u,
                full_name=names[k],
                kind=User.Kind.OFFICER,
                is_staff=True,
                password="!demo",  # noqa: S106 — unusable: demo officers cannot log in until an admin sets one
            )
            for k, u in usernames.items()
            if u not in existing
        ]
        User.objects.bulk_create(new, batch_size=1000)
        self.created = len(new)
        ids = dict(User.objects.filter(username__in=usernames.values()).values_list("username", "pk"))
        full = dict(User.objects.filter(username__in=usernames.values()).values_list("username", "full_name"))
        roles = []
        for agency, key, i in wanted:
            username = usernames[(agency.pk, key, i)]
            for role in (Role.UNIT_HEAD, Role.APPROVER) if key == "leader" else (key,):
                roles.append(OfficerRole(user_id=ids[username], agency=agency, role=role))
            self.by_agency.setdefault((agency.pk, key), []).append((ids[username], username, full[username]))
        OfficerRole.objects.bulk_create(roles, batch_size=1000, ignore_conflicts=True)

    def pick(self, agency_id: int, key: str) -> tuple[int, str, str]:
        pool = self.by_agency[(agency_id, key)]
        return pool[0] if len(pool) == 1 else self.rng.choice(pool)


class Citizens:
    """Citizens' accounts (signed in with the eID) for the own-portal dossiers: a pool, reused."""

    def __init__(self, rng: random.Random, people: PeopleGenerator, dossiers: int):
        self.rng = rng
        self.pool: list[tuple[int, Person]] = []
        size = min(5000, max(10, dossiers // 100)) if dossiers else 0
        people_ = [people.person(1955, 2006) for _ in range(size)]
        usernames = [f"demo.cd{i:05d}" for i in range(size)]
        User.objects.bulk_create(
            [
                User(username=u, full_name=p.name, kind=User.Kind.CITIZEN, personal_id=p.id_number,
                     phone=p.phone, password="!demo")  # noqa: S106 — unusable: signs in through the eID only
                for u, p in zip(usernames, people_, strict=True)
            ],
            batch_size=1000,
            ignore_conflicts=True,  # an account from an earlier run, or an ID number taken
        )  # fmt: skip
        by_name = {p: person for p, person in zip(usernames, people_, strict=True)}
        for pk, username, name, id_number, phone in (
            User.objects.filter(username__in=usernames, personal_id__isnull=False)
            .order_by("username")
            .values_list("pk", "username", "full_name", "personal_id", "phone")
        ):
            generated = by_name[username]
            self.pool.append(
                (pk, Person(name, generated.gender, generated.birth_year, id_number, phone, generated.email,
                            generated.address))
            )  # fmt: skip

    def pick(self) -> tuple[int, Person]:
        return self.pool[int(self.rng.random() * len(self.pool))]
