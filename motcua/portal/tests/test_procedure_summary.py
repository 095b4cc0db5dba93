"""The plain-language summary at the top of a procedure page (issue 13, item 7): what you need, how
long per channel, how much, where, whether it is online, and the "Nộp hồ sơ trực tuyến" button;
the full text stays below; a procedure known only by its code and name still gets a page."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from motcua.catalog.models import LegalTime, OnlineLevel, Procedure

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    """An /en/ request leaves English active in this thread: later reverse() calls would get /en/ URLs."""
    yield
    translation.deactivate()


def summary_of(html: str) -> str:
    match = re.search(r'<section class="summary".*?</section>', html, re.DOTALL)
    assert match, "no summary"
    return match.group(0)


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def row(summary: str, title: str) -> str:
    match = re.search(rf"<dt>{re.escape(title)}</dt><dd>(.*?)</dd>", summary, re.DOTALL)
    assert match, title
    return text(match.group(1))


def test_the_summary_comes_first_and_says_what_how_long_how_much_where_and_online(reference_data):
    Procedure.objects.filter(code="1.001612").update(online_level=OnlineLevel.FULL)
    html = Client().get("/thu-tuc/1.001612/").content.decode()
    summary = summary_of(html)
    assert html.index('id="tom-tat"') < html.index('id="thong-tin"') < html.index('id="ho-so"')
    assert "150.000 đồng" in row(summary, "Phí, lệ phí")
    assert "toàn trình" in row(summary, "Nộp trực tuyến")
    start = reverse("eforms:start", args=["1.001612"])
    assert f'<a class="button-start" href="{start}">Nộp hồ sơ trực tuyến</a>' in summary
    papers = row(summary, "Bạn cần chuẩn bị")
    assert "loại giấy tờ" in papers and ".doc" not in papers
    assert row(summary, "Nộp ở đâu") != "Chưa có thông tin"


def test_one_time_and_one_fee_for_every_channel_are_said_once(reference_data):
    summary = summary_of(Client().get("/thu-tuc/1.000426/").content.decode())
    assert row(summary, "Thời hạn giải quyết") == "5 ngày làm việc (mọi cách nộp)"
    assert row(summary, "Phí, lệ phí") == "Miễn phí (mọi cách nộp)"
    assert "Trung tâm Phục vụ hành chính công" in row(summary, "Nộp ở đâu")  # where papers are received
    assert "Nộp hồ sơ trực tuyến" not in summary  # no e-form for this one


def test_the_legal_time_table_of_the_catalog_is_what_the_summary_says(reference_data):
    procedure = Procedure.objects.get(code="1.000426")
    LegalTime.objects.create(
        procedure=procedure, channel="online", amount=Decimal(3), unit="working_days",
        legal_basis="Quyết định của UBND tỉnh (dữ liệu thử)", set_by="quản trị",
    )  # fmt: skip
    summary = summary_of(Client().get("/thu-tuc/1.000426/").content.decode())
    times = row(summary, "Thời hạn giải quyết")
    assert "Trực tuyến: 3 ngày làm việc" in times and "Trực tiếp: 5 ngày làm việc" in times


def test_a_procedure_known_only_by_its_code_and_name_gets_a_page_that_says_so(reference_data):
    Procedure.objects.create(code="9.999001", name="Cấp giấy phép kinh doanh karaoke (thử)")
    response = Client().get("/thu-tuc/9.999001/")
    assert response.status_code == 200
    summary = summary_of(response.content.decode())
    for title in ("Bạn cần chuẩn bị", "Thời hạn giải quyết", "Phí, lệ phí", "Nộp ở đâu", "Nộp trực tuyến"):
        assert row(summary, title) == "Chưa có thông tin", title
    assert "chưa có đủ thông tin chi tiết" in summary


def test_the_english_page_has_an_english_summary(reference_data):
    summary = summary_of(Client().get("/en/thu-tuc/1.000426/").content.decode())
    assert "What you need" in summary and "every way of applying" in summary
    assert "Where to apply" in summary and "Apply online" in summary
