"""QR codes (mã QR) for documents: the lookup URL printed on receipts, results and payment receipts.

Error correction level M (about 15 % of the symbol can be damaged: a stamp or a fold) and never
boosted, so the same text always gives the same symbol; a regular QR code, never a Micro QR that
phone cameras do not all read.

    qr_svg("https://dichvucong.example.vn/tra-cuu/H52.01-260302-0001")  # inline <svg> for HTML/PDF
    qr_png_data_uri(url)                                               # "data:image/png;base64,..."
"""

import segno

ERROR_CORRECTION = "m"
#: Quiet zone in modules; the QR standard asks for 4.
BORDER = 4


def _make(text: str) -> segno.QRCode:
    if not isinstance(text, str) or not text:
        raise ValueError("Nội dung mã QR phải là một chuỗi không rỗng.")
    return segno.make(text, error=ERROR_CORRECTION, boost_error=False, micro=False)


def qr_svg(text: str) -> str:
    """An inline SVG element (no XML declaration) that scales to its CSS box (viewBox, no size)."""
    return _make(text).svg_inline(
        scale=1, border=BORDER, dark="#000", light="#fff", omitsize=True, title=None
    )


def qr_png_data_uri(text: str, *, scale: int = 4) -> str:
    """A PNG as a data: URI, for <img src> where inline SVG is not wanted."""
    return _make(text).png_data_uri(scale=scale, border=BORDER, dark="#000", light="#fff")
