"""The public open-data page and its files: no sign-in, complete months only, rate limited."""

import csv
import io
import json

import pytest
from django.core.cache import cache

from motcua.insights import opendata
from motcua.insights.tests.conftest import dataset  # noqa: F401 — the hand-built September

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh(settings):
    cache.clear()
    settings.MOTCUA_OPENDATA_CACHE_SECONDS = 0


@pytest.fixture
def october(monkeypatch):
    """Today is in October 2026: September is the last complete month."""
    from datetime import date

    monkeypatch.setattr(opendata.timezone, "localdate", lambda: date(2026, 10, 5))


def test_page_lists_months_and_dictionary_without_signing_in(client, dataset, october):  # noqa: F811
    response = client.get("/du-lieu-mo/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/du-lieu-mo/2026-09/ho-so-theo-thu-tuc.csv" in html
    assert "/du-lieu-mo/2026-08/ho-so-toan-tinh.json" in html
    assert "/du-lieu-mo/2026-10/" not in html  # the running month is not published
    for field in opendata.dictionary():
        assert f"<code>{field['field']}</code>" in html
    assert "CC BY 4.0" in html


def test_csv_download_is_public_with_licence_and_suppressed_cells(client, dataset, october):  # noqa: F811
    response = client.get("/du-lieu-mo/2026-09/ho-so-theo-thu-tuc.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "creativecommons.org/licenses/by/4.0" in response["Link"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {r["procedure_code"] for r in rows} == {"9.999001", "9.999002"}
    assert all(r["received"] == "" and "received" in r["suppressed"] for r in rows)  # 3 and 5
    body = json.loads(client.get("/du-lieu-mo/2026-09/ho-so-theo-co-quan.json").content)
    assert body["rows"][0]["received"] == 8 and body["license"]["id"] == "CC-BY-4.0"
    assert "Trần Văn Thử" not in response.content.decode("utf-8-sig")


def test_unknown_or_running_month_is_404(client, dataset, october):  # noqa: F811
    assert client.get("/du-lieu-mo/2026-10/ho-so-toan-tinh.csv").status_code == 404
    assert client.get("/du-lieu-mo/2026-09/ho-so-khac.csv").status_code == 404
    assert client.get("/du-lieu-mo/2026-09/ho-so-toan-tinh.xml").status_code == 404
    assert client.get("/du-lieu-mo/tu-dien-du-lieu.xml").status_code == 404


def test_dictionary_files(client):
    rows = list(
        csv.DictReader(io.StringIO(client.get("/du-lieu-mo/tu-dien-du-lieu.csv").content.decode("utf-8-sig")))
    )
    assert [r["field"] for r in rows] == [f["field"] for f in opendata.dictionary()]
    document = json.loads(client.get("/du-lieu-mo/tu-dien-du-lieu.json").content)
    assert document["fields"][0]["field"] == "month" and document["min_cell"] == 5


def test_downloads_are_rate_limited(client, dataset, october, settings):  # noqa: F811
    settings.MOTCUA_OPENDATA_RATE = (2, 600)
    url = "/du-lieu-mo/2026-09/ho-so-toan-tinh.json"
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    response = client.get(url)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "thử lại" in response.content.decode()


def test_month_is_built_once_then_cached(client, dataset, october, settings, django_assert_num_queries):  # noqa: F811
    settings.MOTCUA_OPENDATA_CACHE_SECONDS = 600
    client.get("/du-lieu-mo/2026-09/ho-so-toan-tinh.json")
    with django_assert_num_queries(0):  # first month and tables from the cache, rate counter too
        response = client.get("/du-lieu-mo/2026-09/ho-so-theo-co-quan.csv")
    assert response.status_code == 200


def test_page_names_sources_in_words_not_model_names_or_adrs(client, dataset, october):  # noqa: F811
    html = client.get("/du-lieu-mo/").content.decode()
    for developer_text in ("places.Agency", "places.AdminUnit", "catalog.Procedure", "ADR 0"):
        assert developer_text not in html
