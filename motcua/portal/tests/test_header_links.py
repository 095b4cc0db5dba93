"""Tracking (tra cứu hồ sơ) and verification (xác thực kết quả) are one click from every public page,
in the header and the footer (issue 13, item 6)."""

import re

import pytest
from django.test import Client
from django.utils import translation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    """An /en/ request leaves English active in this thread: later reverse() calls would get /en/ URLs."""
    yield
    translation.deactivate()


PUBLIC_PAGES = [
    "/",
    "/thu-tuc/",
    "/tim-kiem/?q=khai+sinh",
    "/thu-tuc/1.001193/",
    "/tra-cuu/",
    "/xac-thuc/",
    "/du-lieu-mo/",
    "/thu-tuc/khong-co-ma-nay/",  # the 404 page
    "/en/",
    "/en/thu-tuc/1.001193/",
]


def _links(html: str, region: str) -> set[str]:
    block = re.search(rf"<{region}\b.*?</{region}>", html, re.DOTALL)
    assert block, f"no <{region}>"
    return set(re.findall(r'href="([^"]+)"', block.group(0)))


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_every_public_page_links_to_tracking_and_verification(reference_data, path):
    response = Client().get(path)
    assert response.status_code in (200, 404)
    html = response.content.decode()
    prefix = "/en" if path.startswith("/en/") else ""
    for region in ("header", "footer"):
        links = _links(html, region)
        assert f"{prefix}/tra-cuu/" in links and f"{prefix}/xac-thuc/" in links, (path, region, links)


def test_the_current_page_is_marked_in_the_header(reference_data):
    html = Client().get("/tra-cuu/").content.decode()
    assert re.search(r'<a href="/tra-cuu/" aria-current="page">Tra cứu hồ sơ</a>', html)
    english = Client().get("/en/xac-thuc/").content.decode()
    assert '<a href="/en/xac-thuc/" aria-current="page">Verify a result</a>' in english


def test_the_error_pages_link_there_too():
    from django.template.loader import render_to_string

    for name in ("400.html", "500.html"):
        html = render_to_string(name)
        assert 'href="/tra-cuu/"' in html and 'href="/xac-thuc/"' in html, name
