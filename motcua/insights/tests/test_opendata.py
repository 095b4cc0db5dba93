"""Open data: aggregate counts only, small cells suppressed so that they cannot be recovered, a
data dictionary that covers every column, CSV and JSON files."""

import csv
import io
import json
from io import StringIO

import pytest
from django.core.management import call_command

from motcua.dossiers.models import Dossier
from motcua.feedback.models import FeedbackCase, Rating
from motcua.insights import opendata, services

from .conftest import DEPARTMENT, at

MONTH = "2026-09"


# --- the suppression rule, on hand-made tables ----------------------------------------------------


def _table(rows: dict[str, list[int]]):
    """rows: name → cells. Each row sums to its total ("T", name); the totals sum to ("T",)."""
    values, groups = {}, []
    for name, cells in rows.items():
        keys = [(name, i) for i in range(len(cells))]
        values.update(zip(keys, cells, strict=True))
        values[("T", name)] = sum(cells)
        groups.append((keys, ("T", name)))
    values[("T",)] = sum(values[("T", n)] for n in rows)
    groups.append(([("T", n) for n in rows], ("T",)))
    return values, groups


def _recoverable(values, groups, hidden) -> set:
    """Cells an attacker gets back by subtracting visible parts from a visible total (repeated)."""
    known = {k for k in values if k not in hidden}
    changed = True
    while changed:
        changed = False
        for parts, total in groups:
            members = [*parts, total]
            unknown = [k for k in members if k not in known]
            if len(unknown) == 1:
                known.add(unknown[0])
                changed = True
    return known & hidden


def test_a_cell_of_three_is_hidden_and_a_cell_of_six_is_not():
    values, groups = _table({"a": [3, 40, 6], "b": [20, 30, 10]})
    hidden = opendata.suppress(values, groups, 5)
    assert ("a", 0) in hidden
    assert ("a", 2) in hidden  # the complement: the smallest other non-zero cell of the row
    assert ("a", 1) not in hidden and not any(k[0] == "b" for k in hidden)
    assert not _recoverable(values, groups, hidden)


def test_a_row_with_one_hidden_cell_gets_a_second():
    values, groups = _table({"a": [2, 50, 60], "b": [7, 8, 9], "c": [0, 0, 4]})
    hidden = opendata.suppress(values, groups, 5)
    for parts, total in groups:
        assert sum(k in hidden for k in [*parts, total]) != 1
    # Row a: 2 is small; 50, the smallest other non-zero cell, is hidden with it (not 60).
    assert {("a", 0), ("a", 1)} <= hidden and ("a", 2) not in hidden
    # Row c has one non-zero cell, so its total is small too; the province total then needs a
    # second hidden row total (the smallest: b), and row b a second hidden cell (its smallest: 7).
    assert {("c", 2), ("T", "c"), ("T", "b"), ("b", 0)} <= hidden
    assert ("T",) not in hidden
    assert not _recoverable(values, groups, hidden)


def test_a_small_total_cascades_to_the_level_above():
    values, groups = _table({"a": [1, 2], "b": [30, 40], "c": [50, 60]})
    hidden = opendata.suppress(values, groups, 5)
    assert {("a", 0), ("a", 1), ("T", "a")} <= hidden
    # The total of row a is hidden, so another row total must be hidden with it.
    assert len({("T", "b"), ("T", "c"), ("T",)} & hidden) >= 1
    assert not _recoverable(values, groups, hidden)


def test_nothing_is_hidden_when_no_cell_is_small():
    values, groups = _table({"a": [0, 6, 7], "b": [10, 0, 12]})
    assert opendata.suppress(values, groups, 5) == set()


# --- the datasets over the hand-built department ---------------------------------------------------


def test_province_row_has_the_index_counts(dataset):
    counts = services.report(MONTH)["counts"]
    (row,) = opendata.build_month(MONTH, k=0)["ho-so-toan-tinh"]  # k=0: nothing hidden
    assert row["received"] == counts["received"] == 8
    assert row["resolved"] == counts["ended"] == 5
    assert row["resolved_on_time"] == counts["ended_on_time"]
    assert row["fee_dossiers"] == counts["fee_dossiers"]
    assert row["fee_paid_online"] == counts["fee_dossiers_paid_online"]
    # d1 and d9 came from the national portal, d3 from the province's portal.
    assert row["received_online"] == 3
    (published,) = opendata.build_month(MONTH)["ho-so-toan-tinh"]
    assert published["received"] == 8 and published["received_online"] is None
    assert "received_online" in published["suppressed"].split("|")


def test_datasets_hide_small_cells_and_keep_true_totals(dataset):
    k = 5
    data = opendata.build_month(MONTH, k=k)
    by_procedure = data["ho-so-theo-thu-tuc"]
    (agency,) = data["ho-so-theo-co-quan"]
    assert agency["agency_code"] == DEPARTMENT
    assert {r["procedure_code"] for r in by_procedure} == {"9.999001", "9.999002"}
    received = {r["procedure_code"]: r["received"] for r in by_procedure}
    # 3 and 5 received: both small, both hidden; the agency total 8 is published and true.
    assert received == {"9.999001": None, "9.999002": None}
    assert agency["received"] == 8
    for row in [*by_procedure, agency, *data["ho-so-toan-tinh"]]:
        gone = set(filter(None, row["suppressed"].split("|")))
        for m in opendata.MEASURES:
            assert (row[m] is None) == (m in gone)
            assert row[m] is None or row[m] == 0 or row[m] > k
    # For each count, an agency's hidden procedure cells are never exactly one.
    for m in opendata.MEASURES:
        hidden = [r for r in by_procedure if r[m] is None] + ([agency] if agency[m] is None else [])
        assert len(hidden) != 1, m


def test_totals_equal_the_sum_of_the_true_cells(dataset):
    Rating.objects.update(created_at=at(9, 12))  # d2 was rated 1 (not satisfied) in September
    data = opendata.build_month(MONTH, k=0)  # nothing hidden: the true counts
    (agency,) = data["ho-so-theo-co-quan"]
    (province,) = data["ho-so-toan-tinh"]
    for m in opendata.MEASURES:
        assert agency[m] == sum(r[m] for r in data["ho-so-theo-thu-tuc"]) == province[m]
    assert (province["rated"], province["satisfied"]) == (1, 0)


def test_dictionary_covers_every_column_of_every_dataset(dataset):
    fields = {d["field"]: d for d in opendata.dictionary()}
    for dataset_ in opendata.DATASETS:
        for column in dataset_.columns:
            entry = fields[column]
            assert entry["meaning_vi"] and entry["meaning_en"] and entry["type"] in ("string", "integer")
            assert dataset_.slug in entry["datasets"]
    rows = list(csv.DictReader(io.StringIO(opendata.dictionary_csv().decode("utf-8-sig"))))
    assert [r["field"] for r in rows] == list(fields)


def test_csv_has_bom_stable_columns_and_empty_suppressed_cells(dataset):
    rows = opendata.build_month(MONTH)["ho-so-theo-thu-tuc"]
    data = opendata.render("ho-so-theo-thu-tuc", MONTH, "csv", rows)
    assert data.startswith(b"\xef\xbb\xbf")
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    header = next(reader)
    assert tuple(header) == opendata.DATASETS_BY_SLUG["ho-so-theo-thu-tuc"].columns
    body = list(reader)
    assert len(body) == 2 and body[0][header.index("received")] == ""
    document = json.loads(opendata.render("ho-so-theo-thu-tuc", MONTH, "json", rows))
    assert document["license"]["id"] == "CC-BY-4.0"
    assert document["columns"] == header and list(document["rows"][0]) == header
    assert document["rows"][0]["received"] is None


def _personal_strings() -> set[str]:
    strings = set()
    for d in Dossier.objects.all():
        strings |= {d.code, d.national_code, d.applicant_name, d.applicant_id_number}
        strings |= {d.applicant_phone, d.applicant_address, d.applicant_email}
    for case in FeedbackCase.objects.all():
        strings |= {case.code, case.submitter_name, case.submitter_id_number}
    return {s for s in strings if s and len(s) >= 6}


def _all_output(tmp_path, months) -> str:
    texts = []
    for month in months:
        out = tmp_path / month
        call_command("opendata", period=month, out=str(out), stdout=StringIO())
        texts += [p.read_text(encoding="utf-8-sig") for p in sorted(out.iterdir())]
    return "\n".join(texts)


def test_open_data_of_the_demo_history_has_no_personal_data(reference_data, tmp_path):
    call_command("demo", "--dossiers", "300", "--seed", "11", "--until", "2026-06-30", stdout=StringIO())
    personal = _personal_strings()
    assert len(personal) > 600  # names, ID numbers, codes… of 300 dossiers
    text = _all_output(tmp_path, ["2026-04", "2026-05", "2026-06"])
    assert '"received"' in text and "ho-so" not in text.split("\n", 1)[0]
    leaked = sorted(s for s in personal if s in text)
    assert leaked == []


def test_command_writes_every_dataset_the_dictionary_and_the_licence(dataset, tmp_path):
    call_command("opendata", period=MONTH, out=str(tmp_path), stdout=StringIO())
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(
        [f"{d.slug}.{f}" for d in opendata.DATASETS for f in ("csv", "json")]
        + ["tu-dien-du-lieu.csv", "tu-dien-du-lieu.json", "GIAY-PHEP.txt"]
    )
    assert "CC BY 4.0" in (tmp_path / "GIAY-PHEP.txt").read_text(encoding="utf-8")
    call_command("opendata", period="2026-Q3", out=str(tmp_path / "q"), stdout=StringIO())
    assert sorted(p.name for p in (tmp_path / "q").iterdir() if p.is_dir()) == [
        "2026-07",
        "2026-08",
        "2026-09",
    ]


def test_available_months_are_complete_months_since_the_first_dossier(dataset):
    from datetime import date

    assert opendata.available_months(date(2026, 10, 3)) == ["2026-09", "2026-08"]
    assert opendata.available_months(date(2026, 9, 30)) == ["2026-08"]


@pytest.fixture(autouse=True)
def _no_cache(settings):
    settings.MOTCUA_OPENDATA_CACHE_SECONDS = 0
