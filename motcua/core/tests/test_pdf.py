"""core.pdf: Vietnamese PDFs from Django templates, with the shipped DejaVu Sans.

The text is checked twice: through the fonts' ToUnicode maps (always; what copy-paste and search
read) and through poppler's `pdftotext` when it is installed (`apt-get install poppler-utils`);
without it those assertions are skipped, not faked.
"""

import io
import re
import shutil
import subprocess
import unicodedata
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from fontTools.ttLib import TTFont
from pyhanko.pdf_utils.reader import PdfFileReader

from motcua.core.pdf import (
    FONTS_DIR,
    STATIC_DIR,
    SignatureBlock,
    _local_fetcher,
    place_date,
    render_html,
    render_pdf,
)

SAMPLE = "Giấy tiếp nhận hồ sơ và hẹn trả kết quả — Đăng ký khai sinh — Nguyễn Thị Ánh Tuyết"
TONES = "àáảãạ ằắẳẵặ ầấẩẫậ èéẻẽẹ ềếểễệ ìíỉĩị òóỏõọ ồốổỗộ ờớởỡợ ùúủũụ ừứửữự ỳýỷỹỵ đ"
URL = "https://dichvucong.sonla.gov.vn/tra-cuu?ma=H52.01-260302-0001"
PDFTOTEXT = shutil.which("pdftotext")
needs_pdftotext = pytest.mark.skipif(
    PDFTOTEXT is None, reason="pdftotext (poppler-utils) is not installed: exact text extraction not checked"
)


def sample_context(**extra) -> dict:
    """A receipt-like document with every Vietnamese tone mark, in both cases."""
    return {
        "agency_parent": "Ủy ban nhân dân tỉnh Sơn La",
        "agency_name": "Trung tâm Phục vụ hành chính công",
        "document_number": "H52.01-260302-0001",
        "place_date": place_date("Sơn La", date(2026, 3, 2)),
        "document_title": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
        "summary": SAMPLE,
        "paragraphs": [TONES, TONES.upper()],
        "lookup_url": URL,
        "recipients": ["Bà Nguyễn Thị Ánh Tuyết", "Lưu: VT"],
        **extra,
    }


def pdf_text(pdf: bytes) -> str:
    out = subprocess.run([PDFTOTEXT, "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def squash(text: str) -> str:
    return " ".join(text.split())


def fonts_of(pdf: bytes) -> list:
    reader = PdfFileReader(io.BytesIO(pdf))
    found = {}
    for page in reader.root["/Pages"]["/Kids"]:
        for font in page.get_object()["/Resources"]["/Font"].values():
            font = font.get_object()
            found[str(font["/BaseFont"])] = font
    return list(found.values())


def unicode_coverage(pdf: bytes) -> set[str]:
    """Every character the fonts' ToUnicode CMaps map to (what text extraction can give back)."""
    chars = set()
    for font in fonts_of(pdf):
        cmap = font["/ToUnicode"].data.decode("latin-1")
        for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
            for _, dst in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
                chars.update(bytes.fromhex(dst).decode("utf-16-be"))
        for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
            for lo, hi, dst in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
                start = int(dst, 16)
                chars.update(chr(start + i) for i in range(int(hi, 16) - int(lo, 16) + 1))
    return chars


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_pdf("core/pdf_sample.html", sample_context())


def test_render_gives_one_a4_page(pdf):
    assert pdf.startswith(b"%PDF-")
    reader = PdfFileReader(io.BytesIO(pdf))
    pages = reader.root["/Pages"]
    assert pages["/Count"] == 1
    box = pages["/Kids"][0]["/MediaBox"]
    width, height = float(box[2]), float(box[3])
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)


def test_the_shipped_dejavu_sans_is_embedded(pdf):
    fonts = fonts_of(pdf)
    # regular (body), bold (motto, titles), oblique (place and date), bold oblique ("Nơi nhận")
    assert len(fonts) == 4
    for font in fonts:
        descriptor = font["/DescendantFonts"][0]["/FontDescriptor"]
        assert "/FontFile2" in descriptor, "font not embedded"
        embedded = TTFont(io.BytesIO(descriptor["/FontFile2"].data))
        # Our @font-face family has no fallback: a missing font file would show another family here.
        assert embedded["name"].getDebugName(1) == "DejaVu Sans"
        assert embedded["name"].getDebugName(5) == "Version 2.37"
    assert {p.name for p in FONTS_DIR.glob("*.ttf")} == {
        "DejaVuSans.ttf",
        "DejaVuSans-Bold.ttf",
        "DejaVuSans-Oblique.ttf",
        "DejaVuSans-BoldOblique.ttf",
    }
    assert "Bitstream Vera Fonts Copyright" in (FONTS_DIR / "LICENSE.txt").read_text()


def test_every_vietnamese_character_maps_back_to_unicode(pdf):
    needed = set((SAMPLE + TONES + TONES.upper() + "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM").replace(" ", ""))
    assert needed - unicode_coverage(pdf) == set()


@needs_pdftotext
def test_pdftotext_gives_the_vietnamese_text_back_exactly(pdf):
    text = squash(pdf_text(pdf))
    assert SAMPLE in text
    assert TONES in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "Sơn La, ngày 02 tháng 3 năm 2026" in text
    assert "ỦY BAN NHÂN DÂN TỈNH SƠN LA" in text
    assert "Số: H52.01-260302-0001" in text
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert "Trang 1/1" in text
    assert URL in "".join(text.split())  # the URL under the QR code may wrap at "/"


@needs_pdftotext
def test_page_numbers_count_all_pages():
    pdf = render_pdf("core/pdf_sample.html", sample_context(paragraphs=[TONES] * 120))
    count = PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Count"]
    assert count > 2
    text = squash(pdf_text(pdf))
    assert all(f"Trang {n}/{count}" in text for n in range(1, count + 1))


@needs_pdftotext
def test_signature_block_is_drawn_in_html():
    signed_at = datetime(2026, 3, 2, 3, 4, 5, tzinfo=ZoneInfo("UTC"))
    block = SignatureBlock(
        name="Nguyễn Văn An", title="Công chức tiếp nhận", agency="UBND xã Chiềng Cơi", signed_at=signed_at
    )
    text = squash(pdf_text(render_pdf("core/pdf_sample.html", sample_context(signature=block))))
    assert "Ký số bởi: Nguyễn Văn An" in text
    assert "Cơ quan: UBND xã Chiềng Cơi" in text
    assert "Thời gian ký: 02/03/2026 10:04:05 +0700" in text  # shown in Vietnam time
    assert "CÔNG CHỨC TIẾP NHẬN" in text


def test_unsigned_document_keeps_the_signature_area_empty():
    html = render_html("core/pdf_sample.html", sample_context())
    assert 'class="signature-slot"' in html
    assert "Ký số bởi" not in html


def test_decomposed_input_is_rendered_composed():
    nfd = unicodedata.normalize("NFD", SAMPLE)
    assert nfd != SAMPLE
    html = render_html("core/pdf_sample.html", sample_context(summary=nfd))
    assert SAMPLE in html and nfd not in html


def test_place_date_follows_nd_30_2020():
    assert place_date("Sơn La", date(2026, 2, 5)) == "Sơn La, ngày 05 tháng 02 năm 2026"
    assert place_date("Sơn La", date(2026, 3, 2)) == "Sơn La, ngày 02 tháng 3 năm 2026"
    assert place_date("Hà Nội", date(2026, 12, 31)) == "Hà Nội, ngày 31 tháng 12 năm 2026"


def test_rendering_reads_no_network_and_no_file_outside_the_allowed_folders(tmp_path):
    fetcher = _local_fetcher([STATIC_DIR])
    font = (FONTS_DIR / "DejaVuSans.ttf").as_uri()
    assert fetcher.fetch(font).read(4) == b"\x00\x01\x00\x00"  # a TrueType file
    assert fetcher.fetch("data:text/plain,xin%20ch%C3%A0o").read() == "xin chào".encode()
    secret = tmp_path / "secret.txt"
    secret.write_text("bí mật")
    for url in [
        secret.as_uri(),
        "file:///etc/passwd",
        STATIC_DIR.as_uri() + "/../../../settings.py",
        "http://127.0.0.1:9/logo.png",
        "https://example.com/logo.png",
        "ftp://example.com/x",
    ]:
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_base_url_folder_is_readable(tmp_path):
    (tmp_path / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>')
    from motcua.core.pdf import _base

    base, roots = _base(tmp_path)
    assert base == tmp_path.resolve().as_uri() + "/"
    assert _local_fetcher(roots).fetch(base + "logo.svg").read().startswith(b"<svg")
