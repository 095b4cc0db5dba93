"""Small valid files for tests of uploads (the upload checks parse them, so they must be real)."""

from __future__ import annotations

import io
from functools import cache


@cache
def minimal_pdf() -> bytes:
    """A one-page, blank, well-formed PDF (about 400 bytes)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@cache
def minimal_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


@cache
def minimal_jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 30, 200)).save(out, format="JPEG")
    return out.getvalue()
