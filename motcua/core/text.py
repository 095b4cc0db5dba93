"""Gấp chữ tiếng Việt (bỏ dấu) for search and matching: "Đăng ký khai sinh" → "dang ky khai sinh"."""

import re
import unicodedata

# The combining diacritical-mark blocks: after NFD every Vietnamese tone and vowel mark is one
# of these. Marks of other scripts (Thai, Devanagari vowel signs …) are letters there: kept.
_MARK_RANGES = ((0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F))
_FOLD_TABLE = {cp: None for lo, hi in _MARK_RANGES for cp in range(lo, hi + 1)}
# đ has no decomposition. ð (U+00F0, from Ð U+00D0) is what legacy VNI/TCVN conversions and
# some keyboards produce for Đ: fold it too so such text is still found.
_FOLD_TABLE.update({ord("đ"): "d", ord("ð"): "d"})
_TOKEN = re.compile(r"[^\W_]+")


def fold(s: str) -> str:
    """Lower-case, drop Vietnamese diacritics, đ→d, collapse whitespace.

    NFD splits "ế" into e + circumflex + acute; the marks are dropped; NFC then recomposes
    whatever is left (other scripts). Idempotent: fold(fold(s)) == fold(s).
    """
    if s.isascii():  # the common case for queries typed without accents
        return " ".join(s.lower().split())
    s = unicodedata.normalize("NFD", s.lower()).translate(_FOLD_TABLE)
    return " ".join(unicodedata.normalize("NFC", s).split())


def tokens(s: str) -> list[str]:
    """Folded alphanumeric syllables: "Mã số: 1.001193" → ["ma", "so", "1", "001193"]."""
    return _TOKEN.findall(fold(s))
