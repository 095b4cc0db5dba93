""" "Có thể bạn cũng cần": the learned recommender in the product (issue 15).

* `rebuild()` — the worker's nightly job: learns from the province's own dossiers (citizens'
  applications, keyed by their ID number, nothing else), stores the model with its version.
* `for_person()` — what one person sees (after a submission, on the receipt, on "Dành cho bạn",
  at the counter): built only from that person's own dossiers, the stored aggregates (each counted
  on at least `MOTCUA_RECOMMEND_MIN_PEOPLE` people) and the public life-event rules; nothing for
  a person who refused personalised services; each shown item recorded with the model version.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from functools import cache

from django.conf import settings
from django.db.models.functions import Coalesce
from django.utils import timezone

from motcua.audit.services import record
from motcua.dossiers.models import ApplicantKind, Dossier

from . import recommend as rec
from .engine import DOSSIERS_READ
from .models import Preference, RecommendationShown, RecommenderModel

#: Refusing this scope (or every proactive service) turns the recommendations off for the person.
SCOPE = "recommendations"
KEEP_MODELS = 7


@cache
def _catalog() -> rec.Catalog:
    return rec.load_catalog(extra=rec.database_catalog_rows())


def min_people() -> int:
    return max(2, int(getattr(settings, "MOTCUA_RECOMMEND_MIN_PEOPLE", 10)))


def _day(moment) -> int:
    return timezone.localtime(moment).date().toordinal()


def _dossiers(**filters):
    return (
        Dossier.objects.filter(applicant_kind=ApplicantKind.CITIZEN, **filters)
        .annotate(at=Coalesce("received_at", "submitted_at"))
        .exclude(at=None)
    )


def rebuild(as_of: date | None = None) -> RecommenderModel:
    """Learn from every citizen's dossiers received before `as_of` (default today) and store it."""
    started = time.monotonic()
    as_of = as_of or timezone.localdate()
    catalog = _catalog()
    rows = (
        _dossiers()
        .order_by("applicant_id_index", "at")  # one person's dossiers together, by the blind index
        .values_list("applicant_id_index", "procedure__code", "at")
    )
    histories: list[rec.History] = []
    current, items, count = None, [], 0
    cutoff = as_of.toordinal()
    for person, code, at in rows.iterator(chunk_size=20_000):
        if person != current:
            if items:
                histories.append(rec.History(current, None, sorted(items)))
            current, items = person, []
        day = _day(at)
        if day < cutoff:
            items.append((day, code))
            count += 1
    if items:
        histories.append(rec.History(current, None, sorted(items)))
    model = rec.fit(histories, as_of, catalog, min_people=min_people())
    stored, _ = RecommenderModel.objects.update_or_create(
        version=model.version,
        defaults={
            "as_of": as_of,
            "people": len(histories),
            "dossiers": count,
            "seconds": round(time.monotonic() - started, 3),
            "payload": model.to_json(),
        },
    )
    old = RecommenderModel.objects.values_list("pk", flat=True)[KEEP_MODELS:]
    RecommenderModel.objects.filter(pk__in=list(old)).delete()
    return stored


def rebuild_job() -> str:
    stored = rebuild()
    return f"{stored.version}: {stored.people} người, {stored.dossiers} hồ sơ, {stored.seconds} s"


_RECOMMENDERS: dict[str, rec.Recommender] = {}
EMPTY_VERSION = "rec-rules-only"


def current() -> tuple[str, rec.Recommender]:
    """The latest stored model, ready to answer (cached per version); rules and nothing learned
    before the first nightly build."""
    row = RecommenderModel.objects.order_by("-built_at", "-id").values_list("version", flat=True).first()
    version = row or EMPTY_VERSION
    recommender = _RECOMMENDERS.get(version)
    if recommender is None:
        if row:
            payload = RecommenderModel.objects.get(version=version).payload
            model = rec.Model.from_json(payload)
        else:
            model = rec.Model(timezone.localdate(), dict(rec.DEFAULTS), version=EMPTY_VERSION)
        recommender = rec.Recommender(model, _catalog())
        _RECOMMENDERS.clear()
        _RECOMMENDERS[version] = recommender
    return version, recommender


def refused(person_id: str, pref: Preference | None = None) -> bool:
    """`pref`: the person's row already read in this request (not read again)."""
    if pref is None or pref.person_id != Preference._meta.get_field("person_id").index(person_id):
        pref = Preference.objects.filter(person_id=person_id).first()
    return bool(pref and (pref.refused_all or SCOPE in (pref.refused_kinds or [])))


@dataclass(frozen=True)
class Shown:
    procedure: str
    name: str
    because: str
    source: str
    version: str


def for_person(
    person_id: str | None,
    *,
    channel: str,
    birth: date | None = None,
    k: int = 3,
    as_of: date | None = None,
    viewer=None,
    preference: Preference | None = None,
    dossiers: list[dict] | None = None,
) -> list[Shown]:
    """The person's next services, each with why; [] for a refusal or an unknown person.

    Records each one shown (RecommendationShown) with the model version; when an officer
    (`viewer`) sees them at the counter, the read of that person's history is audited."""
    if not person_id or refused(person_id, preference):
        return []
    as_of = as_of or timezone.localdate()
    end = as_of.toordinal()
    if dossiers is not None and len(dossiers) < DOSSIERS_READ:
        # Read already by the page's evaluation (all of them: fewer than its limit): not read again.
        pairs = [
            (d["procedure__code"], d["received_at"] or d["submitted_at"])
            for d in dossiers
            if d.get("applicant_kind") == ApplicantKind.CITIZEN
        ]
        pairs = [(code, at) for code, at in pairs if at is not None]
    else:
        pairs = _dossiers(applicant_id_index=person_id).values_list("procedure__code", "at")
    own = sorted((_day(at), code) for code, at in pairs if _day(at) <= end)
    version, recommender = current()
    items = recommender.recommend(rec.History(person_id, birth, own), as_of, k)
    catalog = recommender.catalog
    shown = [Shown(r.procedure, catalog.short_name(r.procedure), r.because, r.source, version) for r in items]
    RecommendationShown.objects.bulk_create(
        [
            RecommendationShown(
                person_id=person_id,
                procedure_code=s.procedure,
                because=s.because[:400],
                source=s.source,
                model_version=version,
                channel=channel,
            )
            for s in shown
        ]
    )
    if viewer is not None and shown:
        record(
            "foryou.recommendations_view",
            actor=viewer,
            object_type="person",
            object_id=person_id,
            data={"channel": channel, "model": version, "procedures": [s.procedure for s in shown]},
        )
    return shown
