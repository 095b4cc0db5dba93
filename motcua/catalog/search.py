"""Search the catalog the way people write (tìm kiếm thủ tục).

Lexical BM25 (bm25s) over folded procedure names, with three layers in front of it:
- folding: diacritics and đ removed on both sides, so "dang ky ket hon" finds "Đăng ký kết hôn";
- everyday words: data/search/synonyms.csv maps what people say ("sổ đỏ", "hộ khẩu") to the
  catalog's words; administrators extend it without code;
- typos: a query word unknown to the catalog is replaced by the nearest catalog word
  (Levenshtein distance 1, or 2 for long words; rapidfuzz).
Ranking favours the common procedure over its variants: BM25's length normalisation prefers
the short general name, and procedures listed in more provincial catalogues get a small boost.
The index lives in memory per process (about 3,000 procedures) and is rebuilt when the catalog
changes. See docs/adr/0004-catalog-search.md.
"""

import csv
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np
from django.conf import settings
from django.db.models import Count, Max
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from motcua.core.text import fold, tokens

from .models import Procedure

logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build

MAX_QUERY_CHARS = 300
MAX_QUERY_TOKENS = 30
#: Question words that carry no meaning for the search. Folding merges words ("cần" and
#: "căn", "đi" and "di", "có" and "cơ", "ở" and "o"), so only words and phrases whose folded
#: form is not also a catalog word are listed; BM25's weighting handles the rest.
STOP_PHRASES = [
    "nhu the nao",
    "the nao",
    "o dau",
    "lam sao",
    "bao nhieu",
    "bao lau",
    "can nhung gi",
    "can gi",
    "thu tuc",
    "ho so",
    "giay to gi",
    "lam gi",
    "phai lam",
    "co duoc khong",
    "duoc khong",
    "la gi",
    "huong dan",
    "cach nao",
]
STOP_WORDS = frozenset(
    [
        "xin",
        "lam",
        "toi",
        "minh",
        "muon",
        "gi",
        "nhe",
        "oi",
        "a",
        "vay",
        "nao",
        "khong",
        "duoc",
        "phai",
        "va",
        "la",
        "voi",
        "em",
    ]
)
LISTING_BOOST = 0.08
#: A province's citizens look for the procedures done in the province, not at a ministry.
LOCAL_BOOST = 0.15
#: Names that start with these actions are variants of a base procedure (cấp lại, gia hạn…);
#: they rank below the base procedure unless the query asks for that action.
VARIANT_ACTIONS = [
    "cap lai",
    "cap doi",
    "doi",
    "dieu chinh",
    "gia han",
    "trinh bao mat",
    "thu hoi",
    "huy",
    "xoa",
    "cham dut",
    "tam ngung",
    "bo sung",
    "sua doi",
    "khoi phuc",
    "chuyen tiep",
    "dang ky lai",
    "cap ban sao",
    "thay doi",
    "dinh chinh",
    "cai chinh",
    "chuyen doi",
    "rut yeu cau",
]
VARIANT_PENALTY = 0.8
#: Everyday words that ask for a variant without naming it (folded): a lost paper is issued again
#: (cấp lại, trình báo mất), an expired or damaged one exchanged or extended (cấp đổi, đổi, gia
#: hạn). Such a variant is not penalised and gets CUE_BOOST. "mất" alone is a cue only when a
#: thing follows it ("mất bằng lái"), not a cost or a time ("mất bao nhiêu") and not a person
#: who died ("bố mất").
LOSS_CUES = [
    "bi mat",
    "lam mat",
    "danh mat",
    "danh roi",
    "roi mat",
    "bi roi",
    "that lac",
    "bi trom",
    "mat trom",
    "mat cap",
    "bi lay cap",
    "lam lai",
    "xin lai",
]
EXPIRY_CUES = ["het han", "qua han", "sap het han", "het thoi han"]
DAMAGE_CUES = [
    "bi hong",
    "hu hong",
    "bi rach",
    "rach",
    "bi gay",
    "gay",
    "nhoe",
    "mo chu",
    "bi uot",
    "bi chay",
]
VARIANT_CUES: list[tuple[list[str], tuple[str, ...]]] = [
    (LOSS_CUES, ("cap lai", "trinh bao mat")),
    (EXPIRY_CUES, ("cap doi", "doi", "gia han")),
    (DAMAGE_CUES, ("cap doi", "doi", "cap lai")),
]
#: After "mất", these say what it costs or takes, or who died: not a loss of a paper.
_NOT_A_LOSS_AFTER = frozenset(
    ["bao", "tien", "phi", "may", "thoi", "het", "nhieu", "lau", "chi", "tu", "roi"],
)
_NOT_A_LOSS_BEFORE = frozenset(
    ["nguoi", "bo", "me", "cha", "ong", "ba", "vo", "chong", "con", "chau"]
    + ["anh", "chi", "em", "da", "moi", "nha"],
)
CUE_BOOST = 1.15
#: "nhà cấp 4" is "cấp IV" in the catalog's names.
_ROMAN = {"1": "i", "2": "ii", "3": "iii", "4": "iv"}
#: A procedure known only from the province's list (details pending, ADR 0028) ranks a little below
#: a complete one of similar words: many such codes are pre-2025 codes a complete record replaced.
PENDING_FACTOR = 0.85
BIGRAM_WEIGHT = 1


@dataclass(frozen=True)
class Hit:
    code: str
    name: str
    score: float


def _bigrams(words: list[str]) -> list[str]:
    return [f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)]


#: Lexicon files in data/search, read in order; see data/search/README.md.
LEXICON_FILES = ["synonyms.csv", "everyday-words.csv"]


#: For whom a paper is asked: a lexicon phrase written for one of them ("nhập khẩu cho con") holds
#: for the others ("nhập khẩu cho cháu"); see `_for_anyone`.
RELATIVES = ["con", "vo", "chong", "bo", "me", "cha", "ong", "ba", "chau", "em", "anh", "chi", "be"]


def _for_anyone(phrase: str) -> list[str]:
    """A phrase ending "cho <relative>", said for every relative; with the phrase itself first."""
    words = phrase.split()
    if len(words) >= 3 and words[-2] == "cho" and words[-1] in RELATIVES:
        return [phrase, *(" ".join([*words[:-1], relative]) for relative in RELATIVES)]
    return [phrase]


def load_synonyms(directory: Path | None = None) -> list[tuple[str, str]]:
    """(folded phrase, folded expansion) pairs from the lexicon files, longest phrase first."""
    directory = directory or Path(settings.DATA_DIR) / "search"
    pairs: dict[str, str] = {}
    generalised: dict[str, str] = {}
    for name in LEXICON_FILES:
        path = directory / name
        if not path.exists():
            continue
        with open(path, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                expansion = " ".join(tokens(row["expansion"]))
                for phrase in row["phrases"].split("|"):
                    folded = " ".join(tokens(phrase))
                    if folded and expansion:
                        pairs.setdefault(folded, expansion)  # the first file wins
                        for variant in _for_anyone(folded):
                            generalised.setdefault(variant, expansion)
    for phrase, expansion in generalised.items():
        pairs.setdefault(phrase, expansion)  # a phrase written out in a file wins
    return sorted(pairs.items(), key=lambda pair: (-len(pair[0]), pair[0]))


class SearchIndex:
    def __init__(self, rows: list[tuple[str, str, str, int, bool]], synonyms: list[tuple[str, str]]):
        """rows: (code, name, field name, provincial listings, done at province or commune level[,
        details pending])."""
        self.codes = [r[0] for r in rows]
        self.names = [r[1] for r in rows]
        self.synonyms = synonyms
        corpus = []
        for _code, name, field_name, *_ in rows:
            words = tokens(name)
            corpus.append(words + _bigrams(words) * BIGRAM_WEIGHT + tokens(field_name))
        self.prior = np.array(
            [
                (1.0 + LISTING_BOOST * r[3])
                * (1.0 + LOCAL_BOOST * r[4])
                * (PENDING_FACTOR if len(r) > 5 and r[5] else 1.0)
                for r in rows
            ],
            dtype=np.float32,
        )
        # The action a name starts with (after "Thủ tục"), for the variant penalty.
        self.variants: dict[str, np.ndarray] = {}
        for i, (_code, name, *_) in enumerate(rows):
            head = " ".join(w for w in tokens(name)[:6] if w not in {"thu", "tuc"})
            action = next((a for a in VARIANT_ACTIONS if f"{head} ".startswith(f"{a} ")), None)
            if action:
                self.variants.setdefault(action, []).append(i)
        self.variants = {a: np.array(ix) for a, ix in self.variants.items()}
        self.bm25 = bm25s.BM25()
        self.bm25.index(corpus, show_progress=False) if corpus else None
        freq: dict[str, int] = {}
        for doc in corpus:
            for word in set(doc):
                if "_" not in word:
                    freq[word] = freq.get(word, 0) + 1
        self.vocab = freq
        self.vocab_list = sorted(freq)

    def _correct(self, word: str) -> str:
        if word in self.vocab or len(word) < 3 or word.isdigit():
            return word
        limit = 1 if len(word) <= 5 else 2
        matches = process.extract(
            word, self.vocab_list, scorer=Levenshtein.distance, score_cutoff=limit, limit=8
        )
        if not matches:
            return word
        best = min(matches, key=lambda m: (m[1], -self.vocab[m[0]]))
        return best[0]

    def _expand(self, words: list[str]) -> tuple[list[str], list[list[str]]]:
        """Replace everyday phrases by the catalog's words; return (remaining words, expansions)."""
        text, expansions = f" {' '.join(words)} ", []
        for phrase, expansion in self.synonyms:
            if f" {phrase} " in text:
                expansions.append(expansion.split())
                text = text.replace(f" {phrase} ", " ")
        return text.split(), expansions

    def query_terms(self, query: str) -> list[str]:
        words = tokens(fold(query[:MAX_QUERY_CHARS]))[:MAX_QUERY_TOKENS]
        words = [_number_word(words, i) for i in range(len(words))]
        # Everyday phrases first (their words are often not catalog words), then typos in the
        # rest, then phrases again, which a corrected typo may have completed.
        rest, expansions = self._expand(words)
        rest, more = self._expand([self._correct(w) for w in rest])
        expansions += more
        text = f" {' '.join(rest)} "
        for phrase in STOP_PHRASES:
            text = text.replace(f" {phrase} ", " ")
        kept = [w for w in text.split() if w not in STOP_WORDS]
        terms = kept + _bigrams(kept)
        for words_ in expansions:
            terms += words_ + _bigrams(words_)
        return terms

    def search(self, query: str, limit: int = 10) -> list[Hit]:
        if not self.codes:
            return []
        terms = self.query_terms(query)
        if not terms:
            return []
        scores = self.bm25.get_scores(terms) * self.prior
        asked = f" {' '.join(terms)} "
        cued = variant_cues(query)
        for action, indices in self.variants.items():
            if action in cued:
                scores[indices] *= CUE_BOOST
            elif f" {action} " not in asked:
                scores[indices] *= VARIANT_PENALTY
        limit = max(1, min(limit, len(self.codes)))
        top = np.argpartition(-scores, limit - 1)[:limit] if limit < len(scores) else np.arange(len(scores))
        ranked = sorted(top, key=lambda i: (-scores[i], self.codes[i]))
        return [Hit(self.codes[i], self.names[i], float(scores[i])) for i in ranked if scores[i] > 0]


#: "1 lần", "2 thành viên": the catalog writes the number in words before these.
_COUNTED = frozenset(["lan", "thanh"])
_NUMBER_WORDS = {"1": "mot", "2": "hai", "3": "ba", "4": "bon", "5": "nam"}


def _number_word(words: list[str], i: int) -> str:
    word = words[i]
    if word in _ROMAN and i and words[i - 1] == "cap":
        return _ROMAN[word]
    if word in _NUMBER_WORDS and i + 1 < len(words) and words[i + 1] in _COUNTED:
        return _NUMBER_WORDS[word]
    return word


def variant_cues(query: str) -> set[str]:
    """The variant actions (cấp lại, cấp đổi, gia hạn…) the query asks for in everyday words."""
    words = tokens(query[:MAX_QUERY_CHARS])
    text = f" {' '.join(words)} "
    cued: set[str] = set()
    for cues, actions in VARIANT_CUES:
        if any(f" {cue} " in text for cue in cues):
            cued.update(actions)
    for i, word in enumerate(words):
        if (
            word == "mat"
            and i + 1 < len(words)
            and words[i + 1] not in _NOT_A_LOSS_AFTER
            and (i == 0 or words[i - 1] not in _NOT_A_LOSS_BEFORE)
        ):
            cued.update(("cap lai", "trinh bao mat"))
    return cued


_lock = threading.Lock()
_cache: dict[str, object] = {}
#: How long a process trusts its index before asking the database whether the catalog changed.
FRESHNESS_SECONDS = 2.0


def _stamp() -> tuple:
    agg = Procedure.objects.filter(status=Procedure.Status.IN_FORCE).aggregate(
        n=Count("id"), t=Max("updated_at")
    )
    return agg["n"], agg["t"]


def get_index() -> SearchIndex:
    """The process's index over procedures in force, rebuilt when the catalog changed."""
    now = time.monotonic()
    if "index" in _cache and now - _cache["checked"] < FRESHNESS_SECONDS:
        return _cache["index"]
    stamp = _stamp()
    with _lock:
        _cache["checked"] = now
        if _cache.get("stamp") != stamp:
            rows = list(
                Procedure.objects.filter(status=Procedure.Status.IN_FORCE)
                .order_by("code")
                .values_list(
                    "code",
                    "name",
                    "field__name",
                    "provincial_listings",
                    "at_province",
                    "at_commune",
                    "details_pending",
                )
            )
            _cache["index"] = SearchIndex(
                [(c, n, f or "", p, prov or com, pend) for c, n, f, p, prov, com, pend in rows],
                load_synonyms(),
            )
            _cache["stamp"] = stamp
        return _cache["index"]


def search_procedures(query: str, limit: int = 10) -> list[Hit]:
    """The public entry point: never raises on odd input; an empty or unusable query finds nothing."""
    if not isinstance(query, str) or not query.strip():
        return []
    return get_index().search(query, limit)
