"""core.qr: QR codes for the lookup URL printed on documents.

segno cannot decode, and no decoder is installed, so the checks are: the symbol is the one segno
makes for that exact text at level M (same modules), the output is deterministic, and the PDF
carries the same SVG with the URL printed under it (test_pdf.py).
"""

import base64
import re

import pytest
import segno

from motcua.core.pdf import render_html
from motcua.core.qr import qr_png_data_uri, qr_svg

URL = "https://dichvucong.sonla.gov.vn/tra-cuu?ma=H52.01-260302-0001"


def test_qr_svg_is_deterministic_inline_svg():
    svg = qr_svg(URL)
    assert svg == qr_svg(URL)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<?xml" not in svg  # embeddable in HTML as is
    assert re.search(r'viewBox="0 0 (\d+) \1"', svg)  # scales to its CSS box
    assert qr_svg(URL + "2") != svg


def test_qr_encodes_the_exact_text_at_level_m():
    code = segno.make(URL, error="m", boost_error=False, micro=False)
    assert code.error == "M" and not code.is_micro
    expected = code.svg_inline(scale=1, border=4, dark="#000", light="#fff", omitsize=True, title=None)
    assert qr_svg(URL) == expected
    # 4 modules of quiet zone on each side of the symbol
    size = code.symbol_size(scale=1, border=4)[0]
    assert f'viewBox="0 0 {size} {size}"' in qr_svg(URL)


def test_qr_png_data_uri_is_a_png():
    uri = qr_png_data_uri(URL)
    assert uri == qr_png_data_uri(URL)
    prefix = "data:image/png;base64,"
    assert uri.startswith(prefix)
    assert base64.b64decode(uri[len(prefix) :]).startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize("bad", ["", None, 42])
def test_qr_refuses_empty_or_non_text(bad):
    with pytest.raises(ValueError, match="mã QR"):
        qr_svg(bad)


def test_pdf_html_embeds_the_qr_of_the_lookup_url_and_prints_the_url():
    html = render_html("core/pdf_sample.html", {"lookup_url": URL, "summary": "x"})
    assert qr_svg(URL) in html
    assert f'<div class="qr-url">{URL}</div>' in html
    assert render_html("core/pdf_sample.html", {"summary": "x"}).count("<svg") == 0
