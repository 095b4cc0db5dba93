"""Catalog import time and search latency over the whole catalog, in-process.

References measured in the same run:
- import: reading and JSON-decoding the same source files (the floor any importer pays);
- search: a plain BM25 over the folded names (bm25s, no everyday words, no typo correction,
  no ranking prior), the baseline the issue names; its accuracy is printed too.
"""

import csv
import gzip
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from bench.checks import BenchCheckFailed

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "motcua" / "catalog" / "tests" / "search_eval_queries.csv"


def _setup_django(postgres: bool) -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    os.environ["MOTCUA_EMBEDDED"] = "1"
    if postgres:
        os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/motcua_bench")
        label = "PostgreSQL"
    else:
        path = Path(tempfile.mkdtemp(prefix="motcua-bench-")) / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        label = "SQLite"
    import django

    django.setup()
    if postgres:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS motcua_bench")
            conn.execute("CREATE DATABASE motcua_bench")
    return label


def _pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def main(postgres: bool = False) -> None:
    label = _setup_django(postgres)
    import io

    import bm25s
    import numpy as np
    from django.core.management import call_command

    from motcua.catalog.importer import NATIONAL_SOURCES, CatalogImporter
    from motcua.catalog.models import Procedure
    from motcua.catalog.search import get_index, search_procedures
    from motcua.core.text import tokens

    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    call_command("migrate", verbosity=0)
    call_command("load_places", **quiet)

    data = ROOT / "data" / "catalog"
    t0 = time.perf_counter()
    for relpath in NATIONAL_SOURCES:
        with gzip.open(data / relpath, "rt", encoding="utf-8") as handle:
            [json.loads(line) for line in handle]
    read_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = CatalogImporter().run()
    import_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    CatalogImporter().run()
    reimport_s = time.perf_counter() - t0
    print(
        f"[catalog import, {label}] {report.total} procedures: first import {import_s:.2f} s, "
        f"re-import (no change) {reimport_s:.2f} s; reference (read + decode the files) {read_s:.2f} s; "
        f"ratio {import_s / read_s:.1f}x"
    )

    with open(EVAL, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    queries = [r["query"] for r in rows]
    t0 = time.perf_counter()
    get_index()
    build_s = time.perf_counter() - t0

    names = list(Procedure.objects.order_by("code").values_list("code", "name"))
    plain = bm25s.BM25()
    plain.index([tokens(n) for _, n in names], show_progress=False)

    def plain_search(query, k=3):
        scores = plain.get_scores(tokens(query[:300]))
        return [names[i][0] for i in np.argsort(-scores)[:k] if scores[i] > 0]

    ours, ref, empty = [], [], set()
    for _ in range(3):
        for q in queries:
            t0 = time.perf_counter()
            found = search_procedures(q, limit=10)
            ours.append(time.perf_counter() - t0)
            if not found:
                empty.add(q)
            t0 = time.perf_counter()
            plain_search(q, 10)
            ref.append(time.perf_counter() - t0)
    # A search that finds nothing is timed on an early exit: it must stay the exception.
    if len(empty) > len(queries) // 10:
        raise BenchCheckFailed(
            f"{len(empty)} of {len(queries)} labelled queries found nothing: {sorted(empty)[:5]}"
        )

    def accuracy(fn):
        hits = [(set(r["expected"].split()), fn(r["query"])) for r in rows]
        return (
            sum(bool(h) and h[0] in e for e, h in hits) / len(rows),
            sum(bool(e & set(h)) for e, h in hits) / len(rows),
        )

    a_ours = accuracy(lambda q: [h.code for h in search_procedures(q, 3)])
    a_plain = accuracy(plain_search)
    ms = 1000
    print(
        f"[search, {label}] {len(names)} procedures, {len(ours)} queries "
        f"({len(empty)} labelled queries without a result); index build {build_s:.2f} s"
    )
    print(
        f"  motcua search: p50 {_pct(ours, 50) * ms:.2f} ms, p95 {_pct(ours, 95) * ms:.2f} ms, "
        f"mean {statistics.mean(ours) * ms:.2f} ms; top-1 {a_ours[0]:.1%}, top-3 {a_ours[1]:.1%}"
    )
    print(
        f"  reference, plain BM25 over names: p50 {_pct(ref, 50) * ms:.2f} ms, "
        f"p95 {_pct(ref, 95) * ms:.2f} ms; "
        f"top-1 {a_plain[0]:.1%}, top-3 {a_plain[1]:.1%}"
    )
    print(f"  latency ratio (p95 ours / p95 reference): {_pct(ours, 95) / _pct(ref, 95):.1f}x")
