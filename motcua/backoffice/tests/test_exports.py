"""Exports: exactly the filtered, scoped list, as CSV or XLSX, capped, and audited."""

import csv
import io

import pytest
from openpyxl import load_workbook

from motcua.audit.models import AuditEntry
from motcua.backoffice import exports, queues
from motcua.dossiers.models import Channel

from .test_queues import codes, queue_url

pytestmark = pytest.mark.django_db


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def xlsx_rows(response) -> list[list]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


@pytest.fixture
def mixed(make_dossier, online_dossier, people):
    counter = [make_dossier() for _i in range(3)]
    post = make_dossier(channel=Channel.POST)
    new = online_dossier()
    return {"counter": counter, "post": post, "new": new}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_holds_exactly_the_rows_of_the_filtered_list(fmt, mixed, people, as_user):
    client = as_user(people["reception"])
    reader = csv_rows if fmt == "csv" else xlsx_rows
    for params in ({}, {"kenh": Channel.POST}, {"trang_thai": "1"}, {"q": mixed["post"].code}):
        listed = codes(client.get(queue_url(queues.UNIT, **params)))
        rows = reader(client.get(queue_url(queues.UNIT, format=fmt, **params)))
        assert rows[0][0] == "Mã hồ sơ" and rows[0][1] == "Chủ hồ sơ" and rows[0][6] == "Trạng thái"
        assert [row[0] for row in rows[1:]] == listed, params
    rows = reader(client.get(queue_url(queues.UNIT, format=fmt, kenh=Channel.POST)))
    assert rows[1][0] == mixed["post"].code and rows[1][5] == "Bưu chính công ích"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_is_scoped_like_the_list(fmt, mixed, people, as_user):
    reader = csv_rows if fmt == "csv" else xlsx_rows
    for slug in queues.QUEUES:
        rows = reader(
            as_user(people["other_reception"]).get(queue_url(slug, format=fmt, trang_thai="tat-ca"))
        )
        assert rows[1:] == [], slug
    everything = reader(as_user(people["reception"]).get(queue_url(queues.ALL, format=fmt)))
    assert len(everything) == 1 + 5


def test_each_export_is_audited_with_its_filters_and_count(mixed, people, as_user):
    client = as_user(people["reception"])
    before = AuditEntry.objects.filter(action="dossier.export").count()
    client.get(queue_url(queues.UNIT, format="csv", kenh=Channel.COUNTER))
    entry = AuditEntry.objects.filter(action="dossier.export").latest("sequence")
    assert AuditEntry.objects.filter(action="dossier.export").count() == before + 1
    assert entry.actor == people["reception"].username
    assert entry.data["count"] == 3 and entry.data["filters"] == {"kenh": "counter"}
    assert (
        entry.data["queue"] == queues.UNIT and entry.data["format"] == "csv" and not entry.data["truncated"]
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_is_capped_with_a_message(fmt, mixed, people, as_user, monkeypatch):
    monkeypatch.setattr(exports, "EXPORT_CAP", 2)
    response = as_user(people["reception"]).get(queue_url(queues.ALL, format=fmt))
    assert response["X-Export-Truncated"] == "2"
    if fmt == "csv":
        rows = csv_rows(response)
        assert len(rows) == 1 + 2 + 1 and "chỉ 2 hồ sơ đầu" in rows[-1][0]
    else:
        workbook = load_workbook(io.BytesIO(response.content), read_only=True)
        assert len(list(workbook.worksheets[0].iter_rows())) == 1 + 2
        info = [row[0] for row in workbook.worksheets[1].iter_rows(values_only=True)]
        assert any("chỉ 2 hồ sơ đầu" in str(value) for value in info)
    entry = AuditEntry.objects.filter(action="dossier.export").latest("sequence")
    assert entry.data["count"] == 2 and entry.data["truncated"]


def test_a_name_that_looks_like_a_formula_stays_text(people, as_user, make_dossier):
    from motcua.dossiers.models import Dossier

    dossier = make_dossier()
    Dossier.objects.filter(pk=dossier.pk).update(applicant_name='=HYPERLINK("http://x","y")')
    client = as_user(people["reception"])
    assert csv_rows(client.get(queue_url(queues.ALL, format="csv")))[1][1].startswith("'=")
    workbook = load_workbook(io.BytesIO(client.get(queue_url(queues.ALL, format="xlsx")).content))
    cell = workbook.worksheets[0]["B2"]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x","y")'
