"""The public catalog pages over the real reference data (Django's test client)."""

import re

import pytest
from django.utils import translation

from motcua.catalog.models import Field, Procedure, SubmissionMethod
from motcua.core.money import format_number, format_vnd

pytestmark = pytest.mark.usefixtures("reference_data")

IN_FORCE = Procedure.Status.IN_FORCE


def html(response) -> str:
    return response.content.decode()


def table_for(page: str, caption: str) -> str:
    """The HTML of the table whose caption is `caption`."""
    match = re.search(rf"<caption>{re.escape(caption)}</caption>(.*?)</table>", page, re.DOTALL)
    assert match, f"no table captioned {caption!r}"
    return match.group(1)


def codes(response) -> list[str]:
    return [row["procedure"].code for row in response.context["rows"]]


# --- home ------------------------------------------------------------------------------------


def test_home_lists_fields_with_counts(client):
    response = client.get("/")
    assert response.status_code == 200
    page = html(response)
    assert '<html lang="vi">' in page
    ho_tich = Field.objects.get(name="Hộ tịch")
    n = Procedure.objects.filter(field=ho_tich, status=IN_FORCE).count()
    assert n > 10
    assert f'?linh_vuc={ho_tich.slug}">Hộ tịch</a> <span class="count">{n}</span>' in page
    shown = {f.name: f.n for f in response.context["all_fields"]}
    assert len(shown) == Field.objects.filter(procedures__status=IN_FORCE).distinct().count()
    assert shown["Hộ tịch"] == n


def test_home_browses_by_level_online_level_and_agency(client):
    page = html(client.get("/"))
    communes = Procedure.objects.filter(status=IN_FORCE, at_commune=True).count()
    assert f'?cap=xa"><span class="tile-label">Cấp xã</span> <span class="count">{communes} thủ tục' in page
    full = Procedure.objects.filter(status=IN_FORCE, online_level="full").count()
    assert (
        f'?muc_do=toan-trinh"><span class="tile-label">Toàn trình</span> <span class="count">{full} thủ tục'
        in page
    )
    assert "Sở Tư pháp Tỉnh Sơn La" in page  # a department with procedures
    assert "Sở Y tế Tỉnh Sơn La" not in page  # no procedure linked to it in the data
    assert '<select id="xa" name="xa">' in page and "Phường Tô Hiệu" in page


def test_pages_have_landmarks_and_no_inline_code(client):
    for url in ["/", "/thu-tuc/", "/tim-kiem/?q=khai+sinh", "/thu-tuc/1.004222/", "/thu-tuc/khong-co/"]:
        response = client.get(url)
        page = html(response)
        assert "Content-Security-Policy" in response.headers
        assert "<script" not in page and "style=" not in page and "<style" not in page, url
        assert 'class="skip-link" href="#noi-dung"' in page and '<main id="noi-dung"' in page, url
        assert page.count("<h1") == 1, url
        # every visible form control has a label
        for control_id in re.findall(r'<(?:input|select)[^>]* id="([^"]+)"', page):
            assert f'for="{control_id}"' in page, (url, control_id)


# --- list and search -------------------------------------------------------------------------


def test_list_is_paginated_25_per_page(client):
    response = client.get("/thu-tuc/")
    assert response.status_code == 200
    total = Procedure.objects.filter(status=IN_FORCE).count()
    assert response.context["total"] == total
    assert len(response.context["rows"]) == 25
    second = client.get("/thu-tuc/?trang=2")
    assert second.context["page"].number == 2
    assert set(codes(second)).isdisjoint(codes(response))


def test_list_filters_narrow_the_results(client):
    everything = client.get("/thu-tuc/").context["total"]
    commune = client.get("/thu-tuc/?cap=xa")
    assert 0 < commune.context["total"] < everything
    assert all(row["procedure"].at_commune for row in commune.context["rows"])

    ho_tich = Field.objects.get(name="Hộ tịch")
    both = client.get(f"/thu-tuc/?cap=xa&linh_vuc={ho_tich.slug}")
    expected = Procedure.objects.filter(status=IN_FORCE, at_commune=True, field=ho_tich).count()
    assert both.context["total"] == expected < commune.context["total"]
    assert "Lĩnh vực: <strong>Hộ tịch</strong>" in html(both)  # the active filter, removable

    full = client.get("/thu-tuc/?muc_do=toan-trinh")
    assert full.context["total"] == Procedure.objects.filter(status=IN_FORCE, online_level="full").count()

    agency = client.get("/thu-tuc/?co_quan=000.00.04.H52")  # Sở Tư pháp
    assert agency.context["total"] == (
        Procedure.objects.filter(status=IN_FORCE, agency_links__agency__code="000.00.04.H52")
        .distinct()
        .count()
    )
    commune_unit = client.get("/thu-tuc/?xa=03646")  # Phường Tô Hiệu
    assert 0 < commune_unit.context["total"] < everything


def test_query_is_combined_with_filters_in_ranking_order(client):
    alone = client.get("/thu-tuc/?q=dang+ky+khai+sinh")
    assert codes(alone)[0] == "1.001193"  # Thủ tục đăng ký khai sinh
    narrowed = client.get("/thu-tuc/?q=dang+ky+khai+sinh&cap=tinh")
    rows = narrowed.context["rows"]
    assert rows and all(row["procedure"].at_province for row in rows)
    assert narrowed.context["total"] < alone.context["total"]


def test_query_without_diacritics_finds_the_right_procedure_first(client):
    response = client.get("/tim-kiem/?q=doi+can+cuoc")
    assert response.status_code == 200
    assert codes(response)[0] in {"1.014063", "2.001195", "1.000889"}
    assert "Xếp theo mức độ phù hợp" in html(response)


def test_empty_search_asks_what_to_look_for(client):
    for url in ["/tim-kiem/", "/tim-kiem/?q=", "/tim-kiem/?q=+++"]:
        response = client.get(url)
        assert response.status_code == 200
        assert "Bạn muốn tìm thủ tục gì?" in html(response)
        assert response.context["rows"] == []


def test_a_10kb_query_gives_a_page_with_a_message(client):
    response = client.get("/tim-kiem/", {"q": "đăng ký kết hôn " * 700})
    assert response.status_code == 200
    page = html(response)
    assert "Câu tìm kiếm quá dài" in page
    assert len(response.context["filters"].q) <= 300
    assert len(page) < 60_000  # the query is not echoed in every link

    nothing = client.get("/tim-kiem/", {"q": "x" * 10_000})
    assert nothing.status_code == 200
    assert "Không tìm thấy thủ tục nào" in html(nothing)


@pytest.mark.parametrize(
    "query",
    [
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "%00\x1f",  # a real NUL byte is refused before any view: core/tests/test_request_hygiene.py
        "🙂🙂",
        "ผ่านพิธีการ",
        "\u200b",
        "!!!???",
        "1.004222",
    ],
)
def test_odd_queries_give_results_or_nothing_found(client, query):
    response = client.get("/tim-kiem/", {"q": query})
    assert response.status_code == 200
    page = html(response)
    assert "<script>alert" not in page
    assert response.context["rows"] or "Không tìm thấy thủ tục nào" in page or "Bạn muốn tìm" in page


def test_malformed_filters_and_pages_are_ignored_with_a_message(client):
    response = client.get("/thu-tuc/?cap=ca-nuoc&linh_vuc=khong-co&muc_do=5&co_quan=ZZZ&xa=99999&trang=abc")
    assert response.status_code == 200
    page = html(response)
    assert response.context["total"] == Procedure.objects.filter(status=IN_FORCE).count()
    for text in [
        "Không có cấp thực hiện “ca-nuoc”",
        "Không có lĩnh vực “khong-co”",
        "Không có mức độ trực tuyến “5”",
        "Không có cơ quan “ZZZ”",
        "Không có xã, phường “99999”",
        "Số trang “abc” không hợp lệ",
    ]:
        assert text in page
    for bad_page in ["0", "-1", "1e9", "99999999999", "２"]:
        response = client.get("/thu-tuc/", {"trang": bad_page})
        assert response.status_code == 200
        assert response.context["page"].number == 1, bad_page
        assert "không hợp lệ" in html(response)
    last = client.get("/thu-tuc/?cap=xa&trang=9999")
    assert last.status_code == 200
    assert last.context["page"].number == last.context["page"].paginator.num_pages
    assert "Không có trang 9999" in html(last)
    assert client.get("/thu-tuc/?q=khai+sinh&trang=9999").status_code == 200
    assert client.get("/thu-tuc/?linh_vuc=" + "a" * 5000).status_code == 200


def test_pagination_links_keep_the_valid_filters_only(client):
    page = html(client.get("/thu-tuc/?cap=xa&muc_do=sai"))
    assert 'href="?cap=xa&amp;trang=2"' in page
    assert "muc_do=sai" not in page.split('class="pagination"')[1]


# --- procedure page --------------------------------------------------------------------------


def test_procedure_page_shows_fees_per_channel_and_time(client):
    response = client.get("/thu-tuc/1.004222/")
    assert response.status_code == 200
    page = html(response)
    assert '<h1 lang="vi">Đăng ký thường trú</h1>' in page
    assert "10.000 đồng" in table_for(page, "Trực tuyến")
    assert "20.000 đồng" in table_for(page, "Trực tiếp")
    assert "7 ngày làm việc" in page
    # papers grouped by case, with originals and copies
    assert '<h3 lang="vi">Đăng ký thường trú vào chỗ ở hợp pháp do thuê, mượn, ở nhờ</h3>' in page
    assert "Bản chính" in page and "Bản sao" in page
    # steps numbered by the list, without the source's "Bước 1:"
    assert '<ol class="steps" lang="vi">' in page and "Bước 1:" not in page
    # results with their codes, without the portal's page text the scraper caught
    assert "KQ.G01.000064" in page and "Từ khóa" not in page
    assert "66/2023/TT-BCA" in page  # legal basis
    assert "Đang có hiệu lực" in page and "hiện hành" in page  # status and version history
    assert 'href="/thu-tuc/"' in page  # back to the search


def test_procedure_page_free_fee_and_online_level_source(client):
    page = html(client.get("/thu-tuc/1.000894/"))  # Thủ tục đăng ký kết hôn
    assert "Miễn phí" in table_for(page, "Trực tuyến")
    assert "Một phần" in page and "nguồn: danh mục lang-son-2025-04" in page


def test_commune_procedure_offers_a_commune_picker(client):
    response = client.get("/thu-tuc/1.004222/")
    page = html(response)
    assert response.context["commune_count"] == 75
    assert "được thực hiện tại 75 xã, phường" in page
    assert "Công an Phường Tô Hiệu" not in page  # not 150 agency rows
    chosen = html(client.get("/thu-tuc/1.004222/?xa=03646"))
    assert "Công an Phường Tô Hiệu" in chosen and "Trung tâm Phục vụ hành chính công Phường Tô Hiệu" in chosen
    assert "Công an Phường Chiềng An</strong>" not in chosen
    wrong = client.get("/thu-tuc/1.004222/?xa=%3Cb%3E")
    assert wrong.status_code == 200 and "không được thực hiện tại xã, phường" in html(wrong)


def test_province_procedure_lists_its_agencies(client):
    procedure = (
        Procedure.objects.filter(
            status=IN_FORCE,
            at_province=True,
            at_commune=False,
            agency_links__agency__kind="provincial_center",
        )
        .distinct()
        .first()
    )
    page = html(client.get(f"/thu-tuc/{procedure.code}/"))
    assert "Trung tâm Phục vụ hành chính công Tỉnh Sơn La" in page
    assert "Tiếp nhận hồ sơ" in page


def test_back_link_returns_to_the_search(client):
    response = client.get("/thu-tuc/1.004222/", HTTP_REFERER="http://testserver/tim-kiem/?q=thuong+tru")
    assert 'href="/tim-kiem/?q=thuong+tru"' in html(response)
    elsewhere = client.get("/thu-tuc/1.004222/", HTTP_REFERER="https://evil.example/tim-kiem/?q=x")
    assert "evil.example" not in html(elsewhere)


def test_unknown_code_gives_a_vietnamese_404(client):
    response = client.get("/thu-tuc/9.999999/")
    assert response.status_code == 404
    page = html(response)
    assert "Không tìm thấy trang bạn cần" in page
    assert 'action="/tim-kiem/"' in page
    assert client.get("/khong-co-trang-nay/").status_code == 404


def test_every_procedure_kind_renders(client):
    """One procedure per combination of level flags and online level: no template error anywhere."""
    seen = set()
    for procedure in Procedure.objects.order_by("code").iterator():
        key = (tuple(procedure.levels), procedure.online_level)
        if key in seen:
            continue
        seen.add(key)
        assert client.get(f"/thu-tuc/{procedure.code}/").status_code == 200, procedure.code
    paid = SubmissionMethod.objects.filter(fee_status="paid").select_related("version__procedure")
    multi = next(m.version.procedure for m in paid.iterator() if len(m.fee_amounts) > 1)
    page = html(client.get(f"/thu-tuc/{multi.code}/"))
    assert page.count('<strong class="amount">') >= 2


# --- English ---------------------------------------------------------------------------------


def test_english_pages_have_english_labels(client):
    response = client.get("/en/thu-tuc/1.004222/")
    assert response.status_code == 200
    page = html(response)
    assert '<html lang="en">' in page
    for label in [
        "Papers to submit",
        "Processing time",
        "Fees",
        "Where to apply",
        "Legal basis",
        "Skip to main content",
    ]:
        assert label in page
    assert "10,000 VND" in table_for(page, "Online") and "20,000 VND" in table_for(page, "In person")
    assert "7 working days" in page
    assert 'href="/thu-tuc/1.004222/"' in page  # the switch back to Vietnamese
    home = html(client.get("/en/"))
    assert "Find an administrative procedure" in home and "Commune level" in home
    assert 'href="/en/"' in html(client.get("/")) or 'hreflang="en" href="/en/"' in html(client.get("/"))
    missing = client.get("/en/thu-tuc/khong-co/")
    assert missing.status_code == 404 and "We could not find that page" in html(missing)
    search = html(client.get("/en/tim-kiem/?q="))
    assert "What are you looking for?" in search


def test_language_switch_keeps_the_page_and_query(client):
    page = html(client.get("/thu-tuc/?q=khai+sinh&cap=xa"))
    assert 'href="/en/thu-tuc/?q=khai+sinh&amp;cap=xa"' in page


# --- formatting ------------------------------------------------------------------------------


def test_number_formats_follow_the_language():
    with translation.override("vi"):
        assert format_vnd(10000) == "10.000 đồng"
        assert format_number(2_500_000) == "2.500.000"
        assert format_number(1.5) == "1,5"
        assert format_number(7) == "7"
    with translation.override("en"):
        assert format_vnd(10000) == "10,000 VND"
        assert format_number(1.5) == "1.5"
        assert format_number(999) == "999"
