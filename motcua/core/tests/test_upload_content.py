"""Issue 17 item 10: uploads are parsed, not only sniffed. Crafted files that passed the signature
check before (findings §3.4: a PDF/EXE polyglot, a FlateDecode bomb) and their cousins are refused."""

import io
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, StreamObject, TextStringObject

from motcua.core import uploads
from motcua.core.testing import minimal_jpeg, minimal_pdf, minimal_png
from motcua.core.uploads import UploadRejected, check_upload, inspect_image, inspect_pdf

#: An MS-DOS/PE header: "MZ", e_lfanew = 0x40, then the PE signature there.
PE_HEADER = b"MZ" + b"\0" * 58 + (0x40).to_bytes(4, "little") + b"PE\0\0" + b"\x4c\x01" + b"\0" * 200


def _pdf(change) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _bomb_stream(writer, inflated_mb: int):
    squeeze = zlib.compressobj(9)
    zeros = b"\0" * (1024 * 1024)
    raw = b"".join(squeeze.compress(zeros) for _ in range(inflated_mb)) + squeeze.flush()
    stream = StreamObject()
    stream._data = raw
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    writer.pages[0][NameObject("/Contents")] = writer._add_object(stream)


def _open_action(kind: str, key: str, value: str):
    def change(writer):
        action = DictionaryObject(
            {NameObject("/S"): NameObject(kind), NameObject(key): TextStringObject(value)}
        )
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)

    return change


_javascript = _open_action("/JavaScript", "/JS", "app.alert('x');")


def test_a_clean_pdf_passes_and_is_kept_as_it_was():
    pdf = minimal_pdf()
    upload = SimpleUploadedFile("don.pdf", pdf, "application/pdf")
    checked = check_upload(upload)
    assert checked.kind == "pdf" and checked.size == len(pdf)
    assert upload.read() == pdf  # the original is kept, unchanged, when it passes


def test_a_flate_stream_inflating_within_the_bound_passes():
    assert inspect_pdf(_pdf(lambda w: _bomb_stream(w, 2))) is None


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("javascript", _javascript),
        ("launch action", _open_action("/Launch", "/F", "cmd.exe")),
        ("embedded file", lambda w: w.add_attachment("hoa-don.txt", b"not even executable")),
    ],
)
def test_active_content_and_embedded_files_are_refused(name, change):
    problem = inspect_pdf(_pdf(change))
    assert problem and "JavaScript" in problem, name


def test_a_decompression_bomb_is_refused_without_inflating_it_whole():
    bomb = _pdf(lambda w: _bomb_stream(w, 80))  # 80 MB of zeros in ~80 KB
    assert len(bomb) < 200_000
    assert "giải nén" in inspect_pdf(bomb)


def test_many_streams_together_count_against_the_total(monkeypatch):
    monkeypatch.setattr(uploads, "PDF_MAX_INFLATED", 3 * 1024 * 1024)

    def three(writer):
        for _ in range(3):
            _bomb_stream(writer, 2)
            writer.add_blank_page(width=595, height=842)

    assert "giải nén" in inspect_pdf(_pdf(three))


def test_a_pdf_exe_polyglot_is_refused():
    pdf = minimal_pdf()
    polyglot = pdf[:9] + PE_HEADER + pdf[9:]  # "%PDF-1.x\n" then a Windows executable
    upload = SimpleUploadedFile("giay-to.pdf", polyglot, "application/pdf")
    with pytest.raises(UploadRejected) as refused:
        check_upload(upload)
    assert "giay-to.pdf" in refused.value.message and "chương trình" in refused.value.message


def test_a_pdf_that_does_not_parse_is_refused():
    assert "cấu trúc" in inspect_pdf(b"%PDF-1.7\n" + b"0" * 1000)


# --- images --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "data"), [("png", minimal_png), ("jpeg", minimal_jpeg)])
def test_clean_images_pass(kind, data):
    assert inspect_image(data(), kind) is None
    checked = check_upload(SimpleUploadedFile(f"anh.{'png' if kind == 'png' else 'jpg'}", data()))
    assert checked.kind == kind


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("png", lambda: minimal_png() + PE_HEADER),
        ("jpeg", lambda: minimal_jpeg() + b"PK\x03\x04" + b"x" * 100),
        ("png", lambda: minimal_png()[:40]),  # truncated
        ("png", lambda: b"\x89PNG\r\n\x1a\n" + b"\0" * 64),  # a signature and nothing else
    ],
)
def test_images_with_appended_payloads_or_broken_content_are_refused(kind, data):
    assert inspect_image(data(), kind)


def test_a_pixel_bomb_is_refused_before_decoding():
    out = io.BytesIO()
    Image.new("1", (9000, 9000)).save(out, format="PNG")  # 81 million pixels in a few KB
    assert len(out.getvalue()) < 100_000
    assert "quá lớn" in inspect_image(out.getvalue(), "png")


def test_the_messages_are_translated():
    from django.utils import translation

    with translation.override("en"):
        problem = inspect_pdf(_pdf(_javascript))
    assert "JavaScript" in problem and "tệp" not in problem
