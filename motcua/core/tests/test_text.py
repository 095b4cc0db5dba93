"""fold() and tokens(): Vietnamese text without diacritics, for search."""

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from motcua.core.text import fold, tokens

_VOWELS = "aăâeêioôơuưy"
_TONES = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]  # huyền, sắc, ngã, hỏi, nặng
_LETTERS = [unicodedata.normalize("NFC", v + t) for v in _VOWELS for t in _TONES] + list("bcdđghklmnpqrstvx")
VIETNAMESE_CHARS = _LETTERS + [c.upper() for c in _LETTERS] + list("0123456789 \t\n.,;:-/()")


def test_examples():
    assert fold("Đăng ký khai sinh") == "dang ky khai sinh"
    assert fold("  THỦ   TỤC\tHÀNH CHÍNH\n") == "thu tuc hanh chinh"
    assert fold("Nghị định 118/2025/NĐ-CP") == "nghi dinh 118/2025/nd-cp"
    assert fold("Ðăng ký") == "dang ky"  # Ð U+00D0 typed for Đ by legacy converters
    assert fold("Quyết định") == fold(unicodedata.normalize("NFD", "Quyết định"))
    assert fold("") == ""
    assert fold("plain ascii  text") == "plain ascii text"


def test_tokens():
    assert tokens("Mã số: 1.001193") == ["ma", "so", "1", "001193"]
    assert tokens("Giấy phép_xây-dựng (cấp lại)") == ["giay", "phep", "xay", "dung", "cap", "lai"]
    assert tokens("   ") == []


@given(st.lists(st.sampled_from(VIETNAMESE_CHARS), max_size=80).map("".join), st.sampled_from(["NFC", "NFD"]))
def test_vietnamese_folds_to_ascii(text, form):
    folded = fold(unicodedata.normalize(form, text))
    assert folded.isascii()
    assert folded == fold(text)
    assert folded == " ".join(folded.split())
    assert all(token.isalnum() and token.isascii() for token in tokens(text))


@given(st.text())
def test_fold_is_idempotent(text):
    assert fold(fold(text)) == fold(text)
