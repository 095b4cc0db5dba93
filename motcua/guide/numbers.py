"""The zero-invented-numbers check (kiểm tra số liệu): every number in an answer must be printed in
the record it cites, or in the question.

A "number" is a run of digits with its inner separators (50.000, 1,5, 123/2015, 06/12/2026):
amounts, times, counts, dates, document numbers and procedure codes all have one. Separators are
kept, so "1.000.000" and "1.000" are different numbers and "15" does not vouch for "1.5".
The answer's numbers are checked against the numbers of the field each line cites (not the whole
record), so a changed number that happens to appear elsewhere in the record is still caught.
"""

import re

_NUMBER = re.compile(r"\d+(?:[.,/:]\d+)*")


def numbers_in(text: str) -> list[str]:
    """Every number in a text, as printed: "50.000 đồng trong 3 ngày" → ["50.000", "3"]."""
    return _NUMBER.findall(text or "")


def _vouched(text: str) -> set[str]:
    """The numbers a source text vouches for: each number and each of its parts
    ("123/2015/NĐ-CP" vouches for "123/2015", "123" and "2015")."""
    out = set()
    for number in numbers_in(text):
        out.add(number)
        out.update(p for p in re.split(r"[/]", number) if p)
    return out


def unsupported(answer_text: str, sources: list[str]) -> list[str]:
    """The numbers of `answer_text` that none of `sources` prints (empty: the text passes)."""
    vouched = set()
    for source in sources:
        vouched |= _vouched(source)
    return [n for n in numbers_in(answer_text) if n not in vouched]
