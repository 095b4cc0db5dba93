import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from motcua.catalog.search import search_procedures

pytestmark = pytest.mark.django_db
EVAL_SET = Path(__file__).with_name("search_eval_queries.csv")


def _accuracy(rows):
    top1 = top3 = 0
    for row in rows:
        expected = set(row["expected"].split())
        hits = [hit.code for hit in search_procedures(row["query"], limit=3)]
        top1 += bool(hits) and hits[0] in expected
        top3 += bool(expected & set(hits))
    return top1 / len(rows), top3 / len(rows)


def test_everyday_queries_find_the_right_procedure(reference_data):
    """The labelled set: varied phrasing, no diacritics, typos. The `test` half is held out from tuning."""
    with open(EVAL_SET, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) >= 150
    report = {}
    for name, subset in [
        ("dev", [r for r in rows if r["split"] == "dev"]),
        ("held-out test", [r for r in rows if r["split"] == "test"]),
        ("all", rows),
    ]:
        report[name] = _accuracy(subset)
        print(
            f"search accuracy {name:>13} ({len(subset)} queries): "
            f"top-1 {report[name][0]:.1%}, top-3 {report[name][1]:.1%}"
        )
    assert report["all"][1] >= 0.90


@pytest.mark.parametrize(
    ("query", "expected_first"),
    [
        ("đăng ký khai sinh", {"1.001193"}),
        ("dang ky khai sinh", {"1.001193"}),
        ("dăng ky khai sinh", {"1.001193"}),  # wrong tone mark
        ("dang ky thuong tru", {"1.004222"}),
        ("hộ khẩu", {"1.004222"}),
    ],
)
def test_the_common_procedure_ranks_above_its_variants(reference_data, query, expected_first):
    assert search_procedures(query, limit=1)[0].code in expected_first


@pytest.mark.parametrize(
    "query", ["", "   ", "?!@#$%^&*()", "a" * 10_000, "xin " * 3000, "\x00\u202e", "thủ tục"]
)
def test_odd_queries_never_fail(reference_data, query):
    hits = search_procedures(query, limit=3)
    assert isinstance(hits, list) and len(hits) <= 3


def test_the_search_command_prints_code_tab_name(reference_data):
    out = io.StringIO()
    call_command("search", "xin giay phep an ninh trat tu", "--limit", "3", stdout=out, stderr=io.StringIO())
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    code, name = lines[0].split("\t")
    assert code.count(".") == 1 and "an ninh, trật tự" in name
