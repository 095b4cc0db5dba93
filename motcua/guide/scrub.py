"""Che dữ liệu cá nhân before a question is written anywhere: ID numbers, phone numbers, e-mail
addresses and personal names (after "tôi là", "tên", or a common family name)."""

import re

_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.-]?\d){8,10}(?!\d)")
_ID = re.compile(r"(?<!\d)\d{9,12}(?!\d)")
_UPPER = "A-ZÀ-ỸĐ"
_WORD = rf"[{_UPPER}][a-zà-ỹđ]+"
_INTRO = re.compile(
    r"(?i:(tôi là|tôi tên|tên tôi là|tên tôi|tên là|tên|họ tên|họ và tên|con tôi là|cháu tên|"
    r"em tên|mình tên|mình là))"
    rf"(\s*:?\s+)({_WORD}(?:\s+{_WORD}){{0,4}})"
)
SURNAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Đào",
    "Đinh",
    "Lâm",
    "Trịnh",
    "Mai",
    "Trương",
    "Hà",
    "Tạ",
    "Lương",
    "Cao",
    "Chu",
    "Quách",
    "Tô",
    "Kiều",
    "Triệu",
    "Vương",
    "Thái",
    "Lục",
    "Nông",
    "Hứa",
    "Lò",
]
_FULL_NAME = re.compile(rf"\b(?:{'|'.join(SURNAMES)})(?:\s+{_WORD}){{1,4}}")


def without_personal_data(text: str) -> str:
    """The question as the search should read it: personal data removed, not replaced."""
    return " ".join(re.sub(r"\[[^\]]*\]", " ", scrub(text)).split())


def scrub(text: str) -> str:
    text = _EMAIL.sub("[email]", text)
    text = _PHONE.sub("[số điện thoại]", text)
    text = _ID.sub("[số định danh]", text)
    text = _INTRO.sub(lambda m: f"{m.group(1)}{m.group(2)}[tên]", text)
    return _FULL_NAME.sub("[tên]", text)
