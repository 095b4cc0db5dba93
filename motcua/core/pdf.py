"""PDF documents from Django templates, with WeasyPrint and the fonts shipped in the repository.

    pdf = render_pdf("dossiers/receipt.html", {"document_title": "Giấy tiếp nhận hồ sơ…", ...})

Templates extend ``core/pdf_base.html`` (A4, national motto, agency block, body, signature area,
QR code with the lookup URL, "Trang X/Y"); its docstring lists the context it reads. render_pdf
adds ``pdf_fonts_url`` (where the shipped DejaVu Sans lives) and, when the context has a
``lookup_url`` but no ``qr_svg``, the QR code of that URL.

Rendering never touches the network: WeasyPrint may read ``data:`` URIs and files under the
shipped static folder (or under ``base_url`` when that is a local folder), nothing else, so a
value that reaches an ``src`` attribute cannot make the server fetch a URL or read a local file.
The HTML is put in Unicode NFC first, so decomposed Vietnamese (from some keyboards and macOS
file names) comes out with the same glyphs and the same extractable text as composed input.
"""

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from motcua.core.qr import qr_svg

STATIC_DIR = Path(__file__).resolve().parent / "static" / "core"
FONTS_DIR = STATIC_DIR / "fonts"
BASE_TEMPLATE = "core/pdf_base.html"


@dataclass(frozen=True)
class SignatureBlock:
    """What the visible "signed by" block of pdf_base.html shows (drawn in HTML, not by pyHanko)."""

    name: str
    title: str = ""
    agency: str = ""
    signed_at: datetime | None = None


def place_date(place: str, day: date) -> str:
    """ "Sơn La, ngày 05 tháng 02 năm 2026": NĐ 30/2020 writes a 0 before days < 10 and months < 3."""
    day_text = f"{day.day:02d}" if day.day < 10 else str(day.day)
    month_text = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day_text} tháng {month_text} năm {day.year}"


def _local_fetcher(roots: list[Path]):
    # Imported here: WeasyPrint loads Pango through cffi at import time, which costs ~0.3 s.
    from weasyprint.urls import URLFetcher

    class LocalOnlyFetcher(URLFetcher):
        """data: URIs and files under the allowed folders; everything else is refused."""

        def __init__(self):
            super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)
            self.roots = [root.resolve() for root in roots]

        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower()
            if scheme == "file":
                path = Path(url2pathname(urlsplit(url).path)).resolve()
                if not any(path.is_relative_to(root) for root in self.roots):
                    raise ValueError(f"PDF: không được đọc tệp ngoài thư mục cho phép: {url}")
            elif scheme != "data":
                raise ValueError(f"PDF: không tải tài nguyên qua mạng: {url[:200]}")
            return super().fetch(url, headers)

    return LocalOnlyFetcher()


def _base(base_url: str | Path | None) -> tuple[str, list[Path]]:
    roots = [STATIC_DIR]
    if base_url is None:
        return STATIC_DIR.as_uri() + "/", roots
    if isinstance(base_url, Path) or "://" not in str(base_url):
        folder = Path(base_url).resolve()
        return folder.as_uri() + "/", [*roots, folder]
    if str(base_url).startswith("file:"):
        roots.append(Path(url2pathname(urlsplit(str(base_url)).path)).resolve())
    return str(base_url), roots


def render_html(template_name: str, context: Mapping[str, Any] | None = None) -> str:
    """The HTML that render_pdf turns into a PDF (for previews and debugging)."""
    ctx = dict(context or {})
    ctx.setdefault("pdf_fonts_url", mark_safe(FONTS_DIR.as_uri() + "/"))  # noqa: S308 — our own path
    if ctx.get("lookup_url") and not ctx.get("qr_svg"):
        ctx["qr_svg"] = mark_safe(qr_svg(str(ctx["lookup_url"])))  # noqa: S308 — segno's SVG markup
    return unicodedata.normalize("NFC", render_to_string(template_name, ctx))


def render_pdf(
    template_name: str, context: Mapping[str, Any] | None = None, *, base_url: str | Path | None = None
) -> bytes:
    """Render a Django template to PDF bytes (A4 when it extends core/pdf_base.html).

    ``base_url`` resolves relative URLs in the template; a local folder there is also allowed for
    reading (e.g. a logo). Without it, relative URLs resolve against core's static folder.
    """
    from weasyprint import HTML

    html = render_html(template_name, context)
    base, roots = _base(base_url)
    return HTML(string=html, base_url=base, url_fetcher=_local_fetcher(roots)).write_pdf()
