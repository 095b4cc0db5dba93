"""Next-service recommendations learned from dossier histories ("Có thể bạn cũng cần").

What it learns, and from what: only the histories it is given (the province's own dossiers in
production, the `--histories` file on the command line) plus what ships with motcua (the
catalog's names and fields, and the life-event chains of `recommend_rules`). It never sees a
generator's probabilities or any other outside data.

The model (ADR 0031):

* **Snapshots in time.** Inside the training histories we place cut-offs every `step` days (each a
  full `horizon` before the end, so what follows each cut-off is fully observed). At a cut-off a
  person is in states "did procedure *a*, *e* days ago" (e binned: ≤7, ≤30, ≤90, ≤180, ≤365 days;
  the latest occurrence of each procedure in the look-back year) and we count which procedures
  they file in the next `horizon` days. That gives P(b within the horizon | a, elapsed bin e) —
  co-occurrence in time and sequence-aware (a before b, how long ago, and b not already filed since
  a). The denominator is the people still *at risk* of b: whoever had already filed b since a (with
  a, the same day, as a bundle is) is out of both counts, exactly as the person being answered is
  never offered a b filed since a. A repeat of *a* itself is learned the same way.
* **Popularity per age band** over the same snapshots: the fallback and the cold start.
* **Shrinkage** of each conditional towards the popularity of *b* (m pseudo-observations), so a
  rare trigger does not outrank the crowd on three cases.
* **Small counts suppressed (k-anonymity).** A (trigger, elapsed, next) cell or a popularity cell
  counted on fewer than `min_people` distinct persons is dropped before anything is ranked, so no
  suggestion can reveal one person's history (setting `MOTCUA_RECOMMEND_MIN_PEOPLE`, default 10).
* **Life-event rules** (the legal chains) add candidates with a prior when the data has too few
  cases (cold start), and give the explanation when they agree with what is learned.
* **Chứng thực** (certified copies, signatures) is an always-on utility: never recommended and
  never a target.

Everything is in plain Python dictionaries over integer ids: 100,000 people train and answer in
well under a minute on one core (see `python -m bench recommend`).
"""

from __future__ import annotations

import gzip
import hashlib
import json
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from . import recommend_rules as rules

#: Elapsed-day bins of a trigger (upper bounds, inclusive).
ELAPSED_BINS = (7, 30, 90, 180, 365)
#: Age bands of the popularity (lower bounds).
AGE_BANDS = (0, 18, 25, 35, 50, 65)
DEFAULTS = {
    "horizon": 90,
    "step": 28,
    "lookback": 365,
    "min_people": 10,
    "shrink": 20.0,
    "per_trigger": 25,
    "per_band": 60,
}
#: Procedures of these fields are never recommended nor targets (always-on utilities).
EXCLUDED_FIELDS = {"Chứng thực"}
EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)


class HistoryError(ValueError):
    """A histories file that cannot be read; the message names the line."""


# =============================================================================================
# The catalog as shipped (names, fields) — what the recommender may know besides the histories
# =============================================================================================


@dataclass
class Catalog:
    names: dict[str, str]
    fields: dict[str, str]

    def known(self, code: str) -> bool:
        return code in self.names

    def excluded(self, code: str) -> bool:
        return self.fields.get(code, "") in EXCLUDED_FIELDS

    def short_name(self, code: str) -> str:
        name = self.names.get(code, code)
        for prefix in ("Thủ tục ", "thủ tục "):
            if name.startswith(prefix):
                name = name[len(prefix) :]
        name = name[:1].upper() + name[1:]
        return name if len(name) <= 90 else name[:87].rstrip() + "…"


def load_catalog(data_dir: Path | None = None, extra: Iterable[tuple[str, str, str]] = ()) -> Catalog:
    """The shipped national catalog files, plus `extra` (code, name, field) rows (the database's)."""
    if data_dir is None:
        from django.conf import settings

        data_dir = Path(settings.DATA_DIR)
    names: dict[str, str] = {}
    fields: dict[str, str] = {}
    for path in sorted((data_dir / "catalog").glob("*/procedures.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                record = json.loads(line)
                names[record["code"]] = record.get("name", "")
                fields[record["code"]] = record.get("field", "") or ""
    for code, name, field_name in extra:
        names.setdefault(code, name)
        fields.setdefault(code, field_name or "")
    return Catalog(names, fields)


def database_catalog_rows() -> list[tuple[str, str, str]]:
    """The province's catalog in the database (it may hold local procedures); [] without one."""
    try:
        from motcua.catalog.models import Procedure

        return list(Procedure.objects.values_list("code", "name", "field__name"))
    except Exception:  # noqa: BLE001 — a command run without a migrated database still works
        return []


# =============================================================================================
# Histories
# =============================================================================================


@dataclass
class History:
    person: str
    birth: date | None
    #: (day ordinal, procedure code), sorted by day.
    dossiers: list[tuple[int, str]]


def _date(value, what: str, lineno: int) -> date:
    if not isinstance(value, str):
        raise HistoryError(f"dòng {lineno}: {what} phải là ngày dạng YYYY-MM-DD")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise HistoryError(f"dòng {lineno}: {what} «{value[:20]}» không phải ngày YYYY-MM-DD") from None
    if not EARLIEST <= day <= LATEST:
        raise HistoryError(f"dòng {lineno}: {what} {value} ngoài khoảng {EARLIEST}…{LATEST}")
    return day


def parse_histories(lines: Iterable[str], as_of: date, catalog: Catalog) -> Iterator[History]:
    """Read the JSON lines; any defect raises HistoryError naming the line (nothing is half-read
    by the command: it parses everything before writing a single recommendation)."""
    seen: set[str] = set()
    cutoff = as_of.toordinal()
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise HistoryError(f"dòng {lineno}: không phải JSON hợp lệ ({exc.msg})") from None
        if not isinstance(record, dict):
            raise HistoryError(f"dòng {lineno}: phải là một đối tượng JSON")
        person = record.get("person")
        if not isinstance(person, str) or not person.strip():
            raise HistoryError(f"dòng {lineno}: thiếu «person»")
        if person in seen:
            raise HistoryError(f"dòng {lineno}: người «{person[:40]}» đã có ở dòng trước")
        seen.add(person)
        birth = None
        if record.get("birth_date") is not None:
            birth = _date(record["birth_date"], "birth_date", lineno)
            if birth > as_of:
                raise HistoryError(f"dòng {lineno}: birth_date {birth} sau ngày --as-of {as_of}")
        dossiers = record.get("dossiers", [])
        if not isinstance(dossiers, list):
            raise HistoryError(f"dòng {lineno}: «dossiers» phải là một danh sách")
        items = []
        for position, dossier in enumerate(dossiers, start=1):
            if not isinstance(dossier, dict):
                raise HistoryError(f"dòng {lineno}: hồ sơ thứ {position} phải là một đối tượng")
            code = dossier.get("procedure")
            if not isinstance(code, str) or not catalog.known(code):
                shown = code if isinstance(code, str) else repr(code)
                raise HistoryError(f"dòng {lineno}: mã thủ tục «{str(shown)[:40]}» không có trong danh mục")
            received = _date(dossier.get("received"), f"received của hồ sơ thứ {position}", lineno)
            if received.toordinal() >= cutoff:
                raise HistoryError(
                    f"dòng {lineno}: hồ sơ thứ {position} nhận ngày {received}, không trước --as-of {as_of}"
                )
            if birth is not None and received < birth:
                raise HistoryError(
                    f"dòng {lineno}: hồ sơ thứ {position} nhận ngày {received}, trước ngày sinh"
                )
            items.append((received.toordinal(), code))
        items.sort()
        yield History(person, birth, items)


# =============================================================================================
# The model
# =============================================================================================


def elapsed_bin(days: int) -> int:
    """Index of the elapsed bin of `days` (≥ 1), or -1 beyond the look-back."""
    for index, bound in enumerate(ELAPSED_BINS):
        if days <= bound:
            return index
    return -1


def age_band(birth: date | None, on: date) -> int:
    if birth is None:
        return -1
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    band = 0
    for index, lower in enumerate(AGE_BANDS):
        if age >= lower:
            band = index
    return band


@dataclass
class Model:
    """What the nightly pass stores and every suggestion names by `version`."""

    as_of: date
    params: dict
    #: (trigger code, elapsed bin) -> [(next code, probability, people)], best first.
    transitions: dict[tuple[str, int], list[tuple[str, float, int]]] = field(default_factory=dict)
    #: age band (-1 unknown) -> [(code, probability)], best first; band -1 is everyone.
    popularity: dict[int, list[tuple[str, float]]] = field(default_factory=dict)
    people: int = 0
    snapshots: int = 0
    version: str = ""

    def to_json(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "params": self.params,
            "transitions": [[a, e, nexts] for (a, e), nexts in sorted(self.transitions.items())],
            "popularity": {str(band): items for band, items in sorted(self.popularity.items())},
            "people": self.people,
            "snapshots": self.snapshots,
            "version": self.version,
        }

    @classmethod
    def from_json(cls, data: dict) -> Model:
        return cls(
            as_of=date.fromisoformat(data["as_of"]),
            params=data["params"],
            transitions={(a, e): [tuple(n) for n in nexts] for a, e, nexts in data["transitions"]},
            popularity={int(b): [tuple(i) for i in items] for b, items in data["popularity"].items()},
            people=data["people"],
            snapshots=data["snapshots"],
            version=data["version"],
        )


def fit(histories: list[History], as_of: date, catalog: Catalog, **overrides) -> Model:
    """Learn the transitions and the popularity from `histories` (all before `as_of`)."""
    params = {**DEFAULTS, **{k: v for k, v in overrides.items() if v is not None}}
    horizon, step, lookback = params["horizon"], params["step"], params["lookback"]
    end = as_of.toordinal()
    first = min((h.dossiers[0][0] for h in histories if h.dossiers), default=end)
    # Cut-offs t_j = end - horizon - j*step, each with its horizon fully inside the histories.
    n_snap = max(0, (end - horizon - first) // step + 1) if end - horizon > first else 0
    n_snap = min(n_snap, (lookback + horizon) // step + 1) if n_snap else 0
    snaps = [end - horizon - j * step for j in range(n_snap)]
    oldest = snaps[-1] if snaps else end
    excluded = {code for code in catalog.fields if catalog.excluded(code)}

    den_state: Counter = Counter()  # (a, e) -> person-snapshots
    num_next: Counter = Counter()  # (a, e, b) -> person-snapshots with b next
    done_before: Counter = Counter()  # (a, e, b) -> person-snapshots that had filed b since a
    ppl_state: Counter = Counter()  # distinct people
    ppl_next: Counter = Counter()
    pop_num: Counter = Counter()  # (band, b) -> person-snapshots with b in the horizon
    ppl_pop: Counter = Counter()
    band_people: Counter = Counter()
    mid = date.fromordinal(end - horizon // 2)
    bins = [elapsed_bin(d) if d else 0 for d in range(lookback + 1)]

    for h in histories:
        band = age_band(h.birth, mid)
        band_people[band] += 1
        ds = h.dossiers
        if not ds or not snaps or ds[-1][0] < oldest - lookback:
            continue
        days = [d for d, _ in ds]
        local_num: Counter = Counter()
        local_pop: set = set()
        for j, t in enumerate(snaps):
            # Labels: what the person filed in [t, t + horizon).
            lo = bisect_left(days, t)
            hi = bisect_left(days, t + horizon, lo)
            labels = {ds[i][1] for i in range(lo, hi)} - excluded
            for b in labels:
                local_pop.add((j, b))
            # States: the latest occurrence of each procedure in [t - lookback, t), walking back
            # one day at a time; `done` is what was filed on or after that day.
            done: set[str] = set()
            i = lo - 1
            while i >= 0 and ds[i][0] >= t - lookback:
                day = ds[i][0]
                group = set()
                while i >= 0 and ds[i][0] == day:
                    group.add(ds[i][1])
                    i -= 1
                latest_here = group - done - excluded
                done |= group
                e = bins[t - day]
                # Filed on or after a's day (a's own day included): not "next" after a any more.
                since = done - excluded
                for a in latest_here:
                    key = (a, e)
                    local_num[("den", key)] += 1
                    for b in labels:
                        # a repeat of a counts; another b counts only if not filed since a
                        if b == a or b not in done:
                            local_num[(key, b)] += 1
                    # ... and a person who already filed b since a is not at risk of b next:
                    # out of b's denominator (the conditional is P(b next | a, e, b not yet done)).
                    for b in since:
                        if b != a:
                            local_num[("done", key, b)] += 1
        for key, count in local_num.items():
            if key[0] == "den":
                den_state[key[1]] += count
                ppl_state[key[1]] += 1
            elif key[0] == "done":
                done_before[key[1:]] += count
            else:
                num_next[key] += count
                ppl_next[key] += 1
        for b in {b for _, b in local_pop}:
            ppl_pop[(band, b)] += 1
        for _, b in local_pop:
            pop_num[(band, b)] += 1

    k_min = params["min_people"]
    shrink = params["shrink"]
    n_people = len(histories)
    popularity = _popularity(pop_num, ppl_pop, band_people, len(snaps), k_min, params["per_band"])
    if not snaps:
        popularity = _recent_popularity(histories, end, horizon, excluded, k_min, params["per_band"])
    global_p = dict(popularity.get(-1, []))

    grouped: dict[tuple[str, int], list[tuple[str, float, int]]] = defaultdict(list)
    for (key, b), count in num_next.items():
        if ppl_next[(key, b)] < k_min or ppl_state[key] < k_min:
            continue
        prior = global_p.get(b, 0.0)
        at_risk = den_state[key] - done_before[(key, b)]
        p = (count + shrink * prior) / (at_risk + shrink)
        grouped[key].append((b, round(p, 6), ppl_next[(key, b)]))
    transitions = {
        key: sorted(items, key=lambda x: (-x[1], x[0]))[: params["per_trigger"]]
        for key, items in grouped.items()
    }
    model = Model(as_of, params, transitions, popularity, n_people, len(snaps))
    model.version = _version(model)
    return model


def _popularity(pop_num, ppl_pop, band_people, n_snaps, k_min, per_band) -> dict[int, list]:
    out: dict[int, list] = {}
    if not n_snaps:
        return out
    totals: Counter = Counter()
    total_ppl: Counter = Counter()
    for (band, b), count in pop_num.items():
        totals[b] += count
        total_ppl[b] += ppl_pop[(band, b)]
    everyone = sum(band_people.values())
    out[-1] = _top(
        {b: c / (everyone * n_snaps) for b, c in totals.items() if total_ppl[b] >= k_min}, per_band
    )
    for band, people in band_people.items():
        if band < 0 or people < k_min:
            continue
        probs = {
            b: c / (people * n_snaps)
            for (bb, b), c in pop_num.items()
            if bb == band and ppl_pop[(bb, b)] >= k_min
        }
        out[band] = _top(probs, per_band)
    return out


def _recent_popularity(histories, end, horizon, excluded, k_min, per_band) -> dict[int, list]:
    """Cold start of a history shorter than one horizon: who filed what, over everything given."""
    people: Counter = Counter()
    for h in histories:
        for b in {code for _, code in h.dossiers} - excluded:
            people[b] += 1
    n = max(1, len(histories))
    return {-1: _top({b: c / n for b, c in people.items() if c >= k_min}, per_band)}


def _top(probs: dict[str, float], n: int) -> list[tuple[str, float]]:
    return [(b, round(p, 6)) for b, p in sorted(probs.items(), key=lambda x: (-x[1], x[0]))[:n]]


def _version(model: Model) -> str:
    digest = hashlib.sha256(json.dumps(model.to_json(), sort_keys=True).encode()).hexdigest()[:10]
    return f"rec-{model.as_of:%Y%m%d}-{digest}"


# =============================================================================================
# Recommending
# =============================================================================================


@dataclass(frozen=True)
class Recommendation:
    procedure: str
    because: str
    score: float
    source: str  # learned | rule | age | popular


def _fmt(day: int) -> str:
    return date.fromordinal(day).strftime("%d/%m/%Y")


class Recommender:
    """A model ready to answer: per-band lookups built once, reasons written only for the top k."""

    def __init__(self, model: Model, catalog: Catalog):
        self.model = model
        self.catalog = catalog
        self.lookback = model.params["lookback"]
        self.horizon = model.params["horizon"]
        self.global_list = model.popularity.get(-1, [])
        self.global_p = dict(self.global_list)
        self.band_p = {band: dict(items) for band, items in model.popularity.items()}
        self.usable = {code for code in catalog.names if not catalog.excluded(code)}
        self.bins = [elapsed_bin(d) if d else 0 for d in range(self.lookback + 1)]
        self._templates = rules.templates()
        self._reasons: dict[tuple, str] = {}

    def recommend(self, history: History, as_of: date, k: int) -> list[Recommendation]:
        """The top `k` next services for one person on `as_of`, each with why."""
        today = as_of.toordinal()
        band = age_band(history.birth, as_of)
        by_age = band in self.model.popularity
        pop_list = self.model.popularity[band] if by_age else self.global_list
        band_p = self.band_p.get(band, self.global_p)
        global_p = self.global_p
        usable = self.usable
        transitions = self.model.transitions
        # The latest occurrence of each procedure in the look-back year.
        latest: dict[str, int] = {}
        for day, code in history.dossiers:
            if day >= today - self.lookback:
                latest[code] = day
        # code -> (score, source, detail); the reason is written for the winners only.
        best: dict[str, tuple] = {}
        for a, day_a in sorted(latest.items(), key=lambda x: -x[1]):
            if a not in usable:
                continue
            e = self.bins[min(today - day_a, self.lookback)]
            since = {code for code, day in latest.items() if day >= day_a}
            chain = rules.next_steps(a)
            learned = transitions.get((a, e), ())
            for b, p, _n in learned:
                if (b in since and b != a) or b not in usable:
                    continue
                current = best.get(b)
                if current is None or p > current[0]:
                    best[b] = (p, "rule" if b in chain else "learned", (a, day_a, chain.get(b)))
            # Rules the data could not learn (too few cases, or suppressed): the legal prior.
            learned_codes = {b for b, _p, _n in learned}
            for b, step in chain.items():
                if b in learned_codes or b in since or e > step.within_bin or b not in usable:
                    continue
                p = max(step.prior, band_p.get(b, global_p.get(b, 0.0)))
                current = best.get(b)
                if current is None or p > current[0]:
                    best[b] = (p, "rule", (a, day_a, step))
        for code, prior, because in rules.age_candidates(history.birth, as_of, self.horizon, set(latest)):
            p = max(prior, band_p.get(code, global_p.get(code, 0.0)))
            current = best.get(code)
            if code in usable and (current is None or p > current[0]):
                best[code] = (p, "age", because)
        # Popularity fills the rest; what the person filed this year comes back only as a learned repeat.
        for code, p in pop_list:
            if code in latest or code not in usable:
                continue
            current = best.get(code)
            if current is None or p > current[0]:
                best[code] = (p, "popular", by_age)
        ranked = sorted(best.items(), key=lambda x: (-x[1][0], x[0]))[:k]
        if len(ranked) < k:
            for code, p in self.global_list:
                if code not in best and code not in latest and code in usable:
                    ranked.append((code, (p, "popular", False)))
                    if len(ranked) >= k:
                        break
        return [
            Recommendation(code, self._because(source, detail), score, source)
            for code, (score, source, detail) in ranked
        ]

    def _because(self, source: str, detail) -> str:
        if source == "age":
            return detail
        key = (source, detail)
        text = self._reasons.get(key)
        if text is None:
            t = self._templates
            if source == "popular":
                text = t["popular_age"] if detail else t["popular"]
            else:
                a, day_a, step = detail
                values = {"name": self.catalog.short_name(a), "on": _fmt(day_a), "days": self.horizon}
                if step is not None:
                    text = t["rule"] % {**values, "basis": step.basis}
                else:
                    text = t["learned"] % values
            self._reasons[key] = text
        return text


def recommend(model: Model, catalog: Catalog, history: History, as_of: date, k: int) -> list[Recommendation]:
    """One person's top `k` (builds the lookups each call: for many people, use `Recommender`)."""
    return Recommender(model, catalog).recommend(history, as_of, k)


def popularity_baseline(model: Model, history: History, k: int, exclude_done: bool = True) -> list[str]:
    """The reference: the same top-k for everyone (minus what the person did this year)."""
    today = model.as_of.toordinal()
    done = (
        {c for d, c in history.dossiers if d >= today - model.params["lookback"]} if exclude_done else set()
    )
    out = [code for code, _ in model.popularity.get(-1, []) if code not in done]
    return out[:k]


__all__ = [
    "Catalog",
    "HistoryError",
    "History",
    "Model",
    "Recommendation",
    "Recommender",
    "fit",
    "load_catalog",
    "parse_histories",
    "recommend",
    "popularity_baseline",
]
