"""Vietnamese text folding for search (bỏ dấu)."""

import re
import unicodedata

_WORD = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case, strip diacritics and map đ→d: "Đăng ký" → "dang ky"."""
    text = unicodedata.normalize("NFD", text.lower()).replace("đ", "d")
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return " ".join(unicodedata.normalize("NFC", text).split())


def tokens(text: str) -> list[str]:
    """Folded alphanumeric syllables."""
    return _WORD.findall(fold(text))
