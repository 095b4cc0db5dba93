"""The prefill resolver (tự động điền): a form field's source → (value, provenance in Vietnamese).

A source is "<origin>:<path>", for example "population:full_name", "population:spouse.full_name",
"civil_status:marriage.registration_number", "business:name", "datastore:<result_code or kind>:<field>",
"previous:<field>", "acting:<key>". A population path may name another person with "@<answer>":
"population:full_name@deceased_id_number" looks up the person whose ID number the form holds in
the answer `deceased_id_number` (so one typed ID brings in the rest).

`resolve` returns None when the state holds nothing for that field; it raises `RegistryUnavailable`
when the registry did not answer, so the caller can say why the field is empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Q

from motcua.core import adapters
from motcua.people.datastore import items_of

from .ports import RegistryUnavailable

__all__ = ["Context", "Prefilled", "RegistryUnavailable", "resolve", "LABELS", "LOCKED_SOURCES"]

#: Where the value came from, as the form shows it ("Đã điền sẵn từ …").
LABELS = {
    "population": "Cơ sở dữ liệu quốc gia về dân cư",
    "civil_status": "Cơ sở dữ liệu hộ tịch điện tử",
    "business": "Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp",
    "social_insurance": "Cơ sở dữ liệu quốc gia về bảo hiểm",
    "driving_licence": "Cơ sở dữ liệu giấy phép lái xe",
    "datastore": "Kho dữ liệu điện tử của bạn",
    "previous": "Hồ sơ bạn đã nộp trước đây",
    "acting": "Tài khoản định danh điện tử",
}
#: Identity of the signed-in person: shown filled and locked (they cannot be typed over).
LOCKED_SOURCES = frozenset(
    {
        "population:full_name",
        "population:birth_date",
        "population:id_number",
        "population:gender",
        "acting:id_number",
        "acting:name",
    }
)
_RELATIVES = {
    "spouse": "spouse_id",
    "father": "father_id",
    "mother": "mother_id",
    "head": "household_head_id",
}
_GENDER = {"male": "Nam", "female": "Nữ"}


@dataclass(frozen=True)
class Prefilled:
    value: str
    label: str  # Vietnamese provenance, e.g. "Cơ sở dữ liệu quốc gia về dân cư"
    locked: bool = False


@dataclass(frozen=True)
class Labelled:
    """A resolver's value whose provenance names the record it came from."""

    value: object
    label: str


@dataclass
class Context:
    """Who the form is about and what it already holds."""

    id_number: str  # the signed-in person (số định danh cá nhân)
    acting: dict  # motcua.eid.acting.current_applicant(request)
    answers: dict
    previous: tuple[str, dict] | None = None  # (label of the earlier dossier, its answers)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return ""


def _attr(record, path: str):
    for part in path.split("."):
        if record is None:
            return None
        record = record.get(part) if isinstance(record, dict) else getattr(record, part, None)
    return record


def _registry(name: str):
    from motcua import registries  # the configured adapter, chosen by settings

    return registries.get(name)


def _population(path: str, ctx: Context):
    subject_id = ctx.id_number
    if "@" in path:
        path, answer = path.split("@", 1)
        subject_id = str(ctx.answers.get(answer) or "").strip()
        if not (subject_id.isdigit() and len(subject_id) == 12):
            return None
    registry = _registry("population")
    person = registry.person(subject_id)
    if person is None:
        return None
    head, _, rest = path.partition(".")
    if head in _RELATIVES and rest:
        relative_id = getattr(person, _RELATIVES[head], "")
        person = registry.person(relative_id) if relative_id else None
        if person is None:
            return None
        path = rest
    if path == "household_head":
        head_person = registry.person(person.household_head_id) if person.household_head_id else None
        return head_person.full_name if head_person else None
    if path == "age":
        today = date.today()
        born = person.birth_date
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    value = _attr(person, path)
    if path == "gender":
        value = _GENDER.get(value, value)
    return value


def _civil_status(path: str, ctx: Context):
    kind, _, attribute = path.partition(".")
    events = [e for e in _registry("civil_status").events_of(ctx.id_number) if e.kind == kind]
    if not events:
        return None
    event = max(events, key=lambda e: e.registered_on)
    value = _attr(event, attribute)
    return value if value is not None else event.details.get(attribute)


def _business(path: str, ctx: Context):
    registry = _registry("business")
    if ctx.acting.get("kind") == "organisation":
        organisation = registry.organisation(ctx.acting.get("id_number", ""))
    else:
        represented = registry.represented_by(ctx.id_number)
        organisation = represented[0] if represented else None
    return _attr(organisation, path) if organisation else None


def _social_insurance(path: str, ctx: Context):
    record = _registry("social_insurance").insurance_of(ctx.id_number)
    return _attr(record, path) if record else None


def _driving_licence(path: str, ctx: Context):
    licences = _registry("driving_licence").licences_of(ctx.id_number)
    return _attr(licences[0], path) if licences else None


def _datastore(path: str, ctx: Context):
    key, _, field = path.partition(":")
    item = (
        items_of(ctx.acting.get("id_number") or ctx.id_number)
        .filter(Q(result_code=key) | Q(kind=key))
        .order_by("-issued_at")
        .first()
    )
    if item is None:
        return None
    return Labelled((item.data or {}).get(field), f"{LABELS['datastore']} ({item.title})")


def _previous(path: str, ctx: Context):
    if ctx.previous is None:
        return None
    previous_label, answers = ctx.previous
    return Labelled(answers.get(path), f"{LABELS['previous']} ({previous_label})")


def _acting(path: str, ctx: Context):
    return ctx.acting.get(path)


#: origin → resolver(path, ctx) → the value, or Labelled when the label names the record.
ORIGINS = {
    "population": _population,
    "civil_status": _civil_status,
    "business": _business,
    "social_insurance": _social_insurance,
    "driving_licence": _driving_licence,
    "datastore": _datastore,
    "previous": _previous,
    "acting": _acting,
}


def register_origins() -> None:
    """The "prefill_origin" family of core.adapters (RegistriesConfig.ready): one resolver per
    origin; another app may register an origin of its own. Every origin of LABELS must resolve."""
    adapters.declare("prefill_origin", default="population", required=lambda: sorted(LABELS))
    for origin, resolver in ORIGINS.items():
        adapters.register("prefill_origin", origin, resolver)


def resolve(source: str, ctx: Context) -> Prefilled | None:
    """The value the state holds for `source`, with where it came from; None when nothing is held.

    Raises RegistryUnavailable when the registry did not answer (the caller lets the person type).
    """
    origin, _, path = source.partition(":")
    try:
        resolver = adapters.get("prefill_origin", origin)
    except adapters.UnknownAdapter:
        raise ValueError(f"Unknown prefill source {source!r}") from None
    label = LABELS.get(origin, "")
    value = resolver(path, ctx)
    if isinstance(value, Labelled):
        value, label = value.value, value.label
    text = _text(value)
    if not text:
        return None
    return Prefilled(text, label, locked=source in LOCKED_SOURCES)
