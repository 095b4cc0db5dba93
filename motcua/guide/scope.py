"""Out of scope (ngoài phạm vi): a question about something this catalog does not hold in detail.

Answered by naming who to ask (data/guide/out-of-scope.csv) instead of citing a wrong procedure.
"""

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from motcua.core.text import tokens

#: The field (lĩnh vực) of a procedure the catalog knows only by name → the agency to ask.
FIELD_AGENCIES = [
    (("y te", "duoc", "kham benh", "chua benh", "my pham", "dan so"), "Sở Y tế (Bộ Y tế)"),
    (("giao duc", "dao tao", "thi", "van bang", "chung chi"), "Sở Giáo dục và Đào tạo"),
    (
        ("van hoa", "the thao", "du lich", "gia dinh", "quang cao", "bieu dien"),
        "Sở Văn hóa, Thể thao và Du lịch",
    ),
    (
        (
            "lao dong",
            "viec lam",
            "nguoi co cong",
            "bao tro xa hoi",
            "ton giao",
            "noi vu",
            "thi dua",
            "tre em",
            "phong chong te nan",
        ),
        "Sở Nội vụ",
    ),
    (("cong thuong", "thuong mai", "dien", "hoa chat", "xang dau", "ruou", "thuoc la"), "Sở Công Thương"),
    (
        ("khoa hoc", "cong nghe", "so huu tri tue", "buu chinh", "vien thong", "bao chi", "xuat ban"),
        "Sở Khoa học và Công nghệ",
    ),
]


@dataclass(frozen=True)
class OutOfScope:
    phrase: str
    agency: str
    kind: str  # "sector" or "private"


@lru_cache(maxsize=1)
def _topics() -> list[OutOfScope]:
    path = Path(settings.DATA_DIR) / "guide" / "out-of-scope.csv"
    out = []
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            for phrase in row["phrases"].split("|"):
                folded = " ".join(tokens(phrase))
                if folded:
                    out.append(OutOfScope(folded, row["agency"], row["kind"]))
    return sorted(out, key=lambda t: -len(t.phrase))


def out_of_scope(question: str) -> OutOfScope | None:
    """The listed topic the question is about, if any (the longest phrase wins)."""
    found = topics_in(question)
    return found[0] if found else None


def topics_in(question: str) -> list[OutOfScope]:
    """Every listed topic the question names, longest phrase first."""
    text = f" {' '.join(tokens(question))} "
    return [t for t in _topics() if f" {t.phrase} " in text]


def agency_for_field(field_name: str) -> str:
    """Who to ask about a procedure of this field, when the catalog holds only its name."""
    text = f" {' '.join(tokens(field_name))} "
    for words, agency in FIELD_AGENCIES:
        if any(f" {w} " in text for w in words):
            return agency
    return ""
