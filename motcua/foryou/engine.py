"""The evaluation engine: which proactive suggestions one person should see on a given day.

`evaluate(id_number, as_of)` reads only that person's own records: the population registry
(their card, their household), the civil-status registry and the notices addressed to them as
parent or household member, their driving licences and health insurance, and the dossiers they
filed in this province. It changes nothing (services.py records what is shown).

A registry that does not answer makes its trigger kinds *delayed* (listed in
`Evaluation.delayed`), never guessed: a suggestion built from stale or missing data could be
wrong (e.g. a card already renewed).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from motcua import registries
from motcua.registries.ports import RegistryUnavailable

from . import pending
from .models import Level, Preference, TriggerKind

#: Dossier statuses that mean "the result exists" (national codes 9 and 10).
_DONE = (9, 10)


class UnknownPerson(LookupError):
    """No resident with this ID number in the population registry."""


@dataclass(frozen=True)
class Candidate:
    kind: str
    procedure: str
    level: int
    because: str
    due: date
    inputs: dict = field(default_factory=dict, hash=False)
    rule_version: int = 1
    agency: str = ""
    #: True when the suggestion is due to be shown on the evaluation day (else only watched).
    current: bool = True

    def as_json(self) -> dict:
        return {
            "kind": self.kind,
            "procedure": self.procedure,
            "level": self.level,
            "because": self.because,
            "due": self.due.isoformat(),
        }


@dataclass
class Evaluation:
    person_id: str
    as_of: date
    refused: bool
    candidates: list[Candidate] = field(default_factory=list)
    delayed: list[str] = field(default_factory=list)
    full_name: str = ""
    preference: Preference | None = None
    #: The kinds read for this evaluation and their ids (the page reuses them: no second read).
    kinds: list = field(default_factory=list)
    kind_ids: dict = field(default_factory=dict)
    #: The suggested procedures' names and channels (engine.meta), for the page.
    catalog: dict = field(default_factory=dict)
    #: The person's dossiers as read by the rules (None when no rule needed them).
    dossiers: list | None = None

    @property
    def suggestions(self) -> list[Candidate]:
        return [c for c in self.candidates if c.current]


#: Kinds, the codes with forms and the suggested procedures' catalog entries change rarely (an
#: administrator's edit): kept a minute in the cache.
CACHE_SECONDS = 60
#: Read together: one round trip to the cache per page instead of one per use.
_META_KEYS = ("foryou:kinds", "foryou:kind_ids", "foryou:forms", "foryou:catalog")


def meta() -> tuple[list[TriggerKind], dict[str, int], set[str], dict[str, dict]]:
    """(active kinds, code → pk of every kind, procedure codes with an interactive form, and the
    catalog entry of each suggested procedure: {code: {"name", "options"}} — the channels compared
    for level-3 kinds)."""
    from django.core.cache import cache

    found = cache.get_many(_META_KEYS)
    if len(found) == len(_META_KEYS):
        return tuple(found[k] for k in _META_KEYS)
    from motcua.catalog.models import Procedure
    from motcua.eforms.services import codes_with_forms

    from .presenters import channel_options
    from .services import ensure_kinds

    ensure_kinds()
    active = list(TriggerKind.objects.filter(active=True))
    compared = {code for k in active if k.level >= Level.OPTIONS for code in k.procedures[:1]}
    catalog = {
        p.code: {"name": p.name, "options": channel_options(p) if p.code in compared else []}
        for p in Procedure.objects.filter(code__in={c for k in active for c in k.procedures[:1]})
    }
    values = (active, dict(TriggerKind.objects.values_list("code", "pk")), codes_with_forms(), catalog)
    cache.set_many(dict(zip(_META_KEYS, values, strict=True)), CACHE_SECONDS)
    return values


def kinds() -> list[TriggerKind]:
    return meta()[0]


def kind_ids() -> dict[str, int]:
    """code → pk of every kind (active or not)."""
    return meta()[1]


def _fmt(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _birthday(born: date, age: int) -> date:
    try:
        return born.replace(year=born.year + age)
    except ValueError:
        return born.replace(year=born.year + age, day=28)


#: The person's latest dossiers read by an evaluation (enough for every rule; the page reuses them).
DOSSIERS_READ = 200


class _Context:
    """The person's records, each fetched at most once, with the registries that failed."""

    def __init__(self, id_number: str, as_of: date):
        self.id_number, self.as_of = id_number, as_of
        self.delayed: set[str] = set()
        self._cache: dict = {}

    def fetch(self, registry: str, method: str, *args):
        key = (registry, method, args)
        if key not in self._cache:
            try:
                self._cache[key] = getattr(registries.get(registry), method)(*args)
            except RegistryUnavailable:
                self.delayed.add(registry)
                self._cache[key] = _FAILED
        value = self._cache[key]
        if value is _FAILED:
            raise _Delayed(registry)
        return value

    def person(self):
        return self.fetch("population", "person", self.id_number)

    def dossiers(self):
        if "dossiers" not in self._cache:
            from motcua.dossiers.models import Dossier

            self._cache["dossiers"] = list(
                Dossier.objects.filter(applicant_id_index=self.id_number)
                .values(
                    "code",
                    "procedure__code",
                    "status",
                    "finished_at",
                    "submitted_at",
                    "received_at",
                    "applicant_kind",
                )
                .order_by("-id")[:DOSSIERS_READ]
            )
        return self._cache["dossiers"]

    def held_results(self, procedure_codes) -> list[dict]:
        """Results in the person's data store (one query for every dossier-sourced kind)."""
        if "held" not in self._cache:
            from motcua.people.models import DataStoreItem

            self._cache["held"] = list(
                DataStoreItem.objects.filter(owner_id_index=self.id_number, valid=True)
                .exclude(procedure_code="")
                .values("source", "issued_at", "procedure_code")
                .order_by("-issued_at")[:200]
            )
        return [item for item in self._cache["held"] if item["procedure_code"] in procedure_codes]


_FAILED = object()
_RELATIONS = {"spouse": "vợ/chồng", "father": "cha", "mother": "mẹ", "child": "con"}


class _Delayed(Exception):
    pass


def _candidate(kind: TriggerKind, ctx: _Context, due: date, values: dict, inputs: dict, forms: set[str]):
    """A candidate for `kind` due on `due`; current when the day falls in [due − lead, due + window]."""
    procedure = kind.procedures[0] if kind.procedures else ""
    level = kind.level
    if level >= Level.PREPARED and procedure not in forms:
        level = Level.REMINDER  # no interactive form to prepare a draft with: a reminder only
    start, end = due - timedelta(days=kind.lead_days), due + timedelta(days=kind.window_days)
    because = kind.because.format(due=_fmt(due), **values)
    return Candidate(
        kind=kind.code,
        procedure=procedure,
        level=int(level),
        because=because,
        due=due,
        inputs={"rule": kind.rule, **inputs},
        rule_version=kind.version,
        agency=kind.agency,
        current=start <= ctx.as_of <= end,
    )


def _filed_since(ctx: _Context, codes, since: date) -> dict | None:
    for d in ctx.dossiers():
        at = d["submitted_at"] or d["received_at"]
        if d["procedure__code"] in codes and at is not None and at.date() >= since:
            return d
    return None


# ---- one function per source --------------------------------------------------------------


def _population(kind, ctx, forms):
    person = ctx.person()
    if person is None or person.deceased_on:
        return []
    if kind.code == "id_card_renewal":
        card = person.id_card
        if card is None or card.expires_on is None:
            return []
        age = _age_on(person.birth_date, card.expires_on)
        values = {"card": f"…{card.number[-4:]}", "age": age}
        inputs = {
            "id_card_expires_on": card.expires_on.isoformat(),
            "birth_date": person.birth_date.isoformat(),
        }
        return [_candidate(kind, ctx, card.expires_on, values, inputs, forms)]
    if kind.code == "id_card_first":
        if person.id_card is not None:
            return []
        due = _birthday(person.birth_date, int(kind.rule.get("age", 14)))
        return [_candidate(kind, ctx, due, {}, {"birth_date": person.birth_date.isoformat()}, forms)]
    return []


def _notices(ctx, kind: str) -> list[dict]:
    """Electronic birth notices (giấy chứng sinh) or death notices (giấy báo tử) from hospitals.

    Birth notices come through the health-insurance connection (`social_insurance.birth_notices`,
    the notices naming this person as a parent), else from the parent's data store; death notices
    through `civil_status.death_notices_of` when the port carries them. With the sandbox
    registries, the sandbox's pending events stand for what a port does not carry yet."""
    registry, method = (
        ("social_insurance", "birth_notices") if kind == "birth" else ("civil_status", "death_notices_of")
    )
    reader = getattr(registries.get(registry), method, None)
    if reader is not None:
        try:
            notices = reader(ctx.id_number)
        except RegistryUnavailable:
            ctx.delayed.add(registry)
            raise _Delayed(registry) from None
        return [n if isinstance(n, dict) else asdict(n) for n in notices]
    if kind == "birth":
        held = _held_birth_notices(ctx.id_number)
        if held:
            return held
    notices = _pending(kind)
    if kind == "birth":
        return [n for n in notices if ctx.id_number in (n.get("father_id"), n.get("mother_id"))]
    return notices


def _as_date(value) -> date | None:
    if isinstance(value, str):
        return date.fromisoformat(value)
    return value


def _held_birth_notices(id_number: str) -> list[dict]:
    """Birth notices already delivered to the parent's data store (kind "giay_chung_sinh")."""
    from motcua.people.models import DataStoreItem

    out = []
    for data in DataStoreItem.objects.filter(
        owner_id_index=id_number, kind="giay_chung_sinh", valid=True
    ).values_list("data", flat=True):
        notice = dict(data or {})
        if not (notice.get("father_id") or notice.get("mother_id")):
            notice["father_id"] = id_number  # the owner is the parent it was delivered to
        out.append(notice)
    return out


def _pending(kind: str) -> list[dict]:
    """The registrations not yet in the registries (pending.py: the sandbox's, or none)."""
    try:
        return [n for n in pending.pending(gated=True) if n.get("kind") == kind]
    except RegistryUnavailable:
        raise _Delayed("civil_status") from None


def _civil_status(kind, ctx, forms):
    person = ctx.person()
    if person is None:
        return []
    if kind.code == "birth_registration":
        out = []
        for notice in _notices(ctx, "birth"):
            if ctx.id_number not in (notice.get("father_id"), notice.get("mother_id")):
                continue  # never someone else's child
            born = _as_date(notice.get("birth_date"))
            if born is None or born > ctx.as_of:
                continue
            due = born + timedelta(days=int(kind.rule.get("deadline_days", 60)))
            if _filed_since(ctx, kind.procedures, born):
                continue  # already registered by this parent
            inputs = {
                "birth_notice": {
                    "birth_date": born.isoformat(),
                    "parent_role": ("father" if notice.get("father_id") == ctx.id_number else "mother"),
                }
            }
            out.append(_candidate(kind, ctx, due, {"born": _fmt(born)}, inputs, forms))
        return out
    if kind.code == "death_registration":
        out = []
        for notice in _notices(ctx, "death"):
            deceased = ctx.fetch("population", "person", notice.get("deceased_id", ""))
            if deceased is None or notice.get("deceased_id") == ctx.id_number:
                continue
            if deceased.household_id != person.household_id and notice.get("declarant_id") != ctx.id_number:
                continue
            died = (
                notice["died_on"]
                if isinstance(notice["died_on"], date)
                else date.fromisoformat(notice["died_on"])
            )
            if died > ctx.as_of or _filed_since(ctx, kind.procedures, died):
                continue
            due = died + timedelta(days=int(kind.rule.get("deadline_days", 15)))
            inputs = {"death_notice": {"died_on": died.isoformat(), "same_household": True}}
            out.append(_candidate(kind, ctx, due, {"died": _fmt(died)}, inputs, forms))
        return out
    if kind.code == "death_benefits":
        out = []
        relatives = {"spouse": person.spouse_id, "father": person.father_id, "mother": person.mother_id}
        for relation in kind.rule.get("relations", []):
            other_id = relatives.get(relation)
            if not other_id:
                continue
            other = ctx.fetch("population", "person", other_id)
            if other is None or other.deceased_on is None:
                continue
            deaths = [e for e in ctx.fetch("civil_status", "events_of", other_id) if e.kind == "death"]
            if not deaths:
                continue  # not registered yet: death_registration covers it
            registered = deaths[0].registered_on
            due = registered + timedelta(days=int(kind.rule.get("within_days", 180)))
            if _filed_since(ctx, kind.procedures, registered):
                continue
            inputs = {"death_registered_on": registered.isoformat(), "relation": relation}
            values = {"registered": _fmt(registered), "relation": _RELATIONS[relation]}
            out.append(_candidate(kind, ctx, due, values, inputs, forms))
        return out
    return []


def _driving_licence(kind, ctx, forms):
    out = []
    for licence in ctx.fetch("driving_licence", "licences_of", ctx.id_number):
        if licence.expires_on is None or licence.status == "revoked":
            continue
        values = {"classes": ", ".join(licence.classes), "number": f"…{licence.number[-4:]}"}
        inputs = {"licence_expires_on": licence.expires_on.isoformat(), "classes": list(licence.classes)}
        out.append(_candidate(kind, ctx, licence.expires_on, values, inputs, forms))
    return sorted(out, key=lambda c: c.due)[:1]


def _social_insurance(kind, ctx, forms):
    record = ctx.fetch("social_insurance", "insurance_of", ctx.id_number)
    if record is None or record.health_card_valid_to is None:
        return []
    if kind.rule.get("household_only") and record.employer_tax_code:
        return []  # the employer renews it
    values = {"insurance": f"…{record.insurance_number[-4:]}"}
    inputs = {"health_card_valid_to": record.health_card_valid_to.isoformat(), "through_employer": False}
    return [_candidate(kind, ctx, record.health_card_valid_to, values, inputs, forms)]


def _dossiers(kind, ctx, forms):
    rule = kind.rule
    done = [
        d
        for d in ctx.dossiers()
        if d["procedure__code"] in rule.get("result_of", []) and d["status"] in _DONE
    ]
    if not done:
        # A result the person holds in their data store (e.g. a certificate issued before motcua).
        done = [
            {"code": item["source"].removeprefix("dossier:"), "finished_at": item["issued_at"]}
            for item in ctx.held_results(rule.get("result_of", []))
        ]
    if not done:
        return []
    d = max(done, key=lambda d: d.get("finished_at") or d.get("submitted_at") or d.get("received_at"))
    finished = (d.get("finished_at") or d.get("received_at") or d.get("submitted_at")).date()
    values = {"dossier": d["code"], "done": _fmt(finished)}
    inputs = {"dossier": d["code"], "finished_on": finished.isoformat()}
    if rule.get("yearly"):
        month, day = map(int, rule["yearly"].split("-"))
        due = date(ctx.as_of.year, month, day)
        if due < ctx.as_of:
            due = date(ctx.as_of.year + 1, month, day)
        values["year"] = due.year + 1
        if _filed_since(ctx, kind.procedures, due - timedelta(days=kind.lead_days)):
            return []
        return [_candidate(kind, ctx, due, values, inputs, forms)]
    if _filed_since(ctx, rule.get("unless_filed", kind.procedures), finished):
        return []
    due = finished + timedelta(days=int(rule.get("within_days", 90)))
    return [_candidate(kind, ctx, due, values, inputs, forms)]


_SOURCES = {
    "population": _population,
    "civil_status": _civil_status,
    "driving_licence": _driving_licence,
    "social_insurance": _social_insurance,
    "dossiers": _dossiers,
}


def check_as_of(as_of: date) -> date:
    if not date(2020, 1, 1) <= as_of <= date(2099, 12, 31):
        raise ValueError("Ngày xem (--as-of) phải trong khoảng 01/01/2020 – 31/12/2099.")
    return as_of


def evaluate(id_number: str, as_of: date | None = None, *, kind_rows=None) -> Evaluation:
    """What `id_number` should see on `as_of` (default today). UnknownPerson when the population
    registry does not know them; a registry down → its kinds are listed in `delayed`."""
    from django.utils import timezone

    if not (isinstance(id_number, str) and len(id_number) == 12 and id_number.isdigit()):
        raise UnknownPerson("Số định danh cá nhân phải gồm đúng 12 chữ số.")
    as_of = check_as_of(as_of or timezone.localdate())
    pref = Preference.objects.filter(person_id=id_number).first()
    if pref is not None and pref.refused_all:
        return Evaluation(id_number, as_of, refused=True, preference=pref)
    ctx = _Context(id_number, as_of)
    try:
        person = ctx.person()
    except _Delayed:
        return Evaluation(id_number, as_of, refused=False, delayed=["population"], preference=pref)
    if person is None:
        raise UnknownPerson("Không có người mang số định danh này trong Cơ sở dữ liệu quốc gia về dân cư.")
    active, ids, forms, catalog = meta()
    evaluation = Evaluation(
        id_number,
        as_of,
        refused=False,
        full_name=person.full_name,
        preference=pref,
        kinds=active,
        kind_ids=ids,
        catalog=catalog,
    )
    for kind in kind_rows if kind_rows is not None else active:
        if pref is not None and pref.refuses(kind.code):
            continue
        source = _SOURCES.get(kind.source)
        if source is None:
            continue
        try:
            evaluation.candidates.extend(source(kind, ctx, forms))
        except _Delayed:
            continue
    evaluation.candidates.sort(key=lambda c: (c.due, c.kind))
    evaluation.delayed = sorted(ctx.delayed)
    evaluation.dossiers = ctx._cache.get("dossiers")
    return evaluation
