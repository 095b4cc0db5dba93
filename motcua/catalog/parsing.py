"""Parse the national catalogue's printed values into numbers, without guessing.

Each parser returns what it understood and whether it understood it; the importer reports
every value it could not parse instead of inventing a unit or an amount.
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .models import Channel, Level, SubmissionMethod, TimeUnit

CHANNELS = {
    "trực tuyến": Channel.ONLINE,
    "trực tiếp": Channel.COUNTER,
    "dịch vụ bưu chính": Channel.POST,
    "bưu chính": Channel.POST,
}

LEVELS = {
    "cấp bộ": Level.MINISTRY,
    "cấp tỉnh": Level.PROVINCE,
    "cấp xã": Level.COMMUNE,
    "cơ quan khác": Level.OTHER,
}

# "Giờ" in the national catalogue is used for the working-hour limits of the one-stop rules
# (e.g. 08 giờ làm việc); calendar hours are not used for TTHC limits.
_UNIT_WORDS = {
    "ngày làm việc": TimeUnit.WORKING_DAYS,
    "ngày": TimeUnit.DAYS,
    "giờ làm việc": TimeUnit.WORKING_HOURS,
    "giờ": TimeUnit.WORKING_HOURS,
    "tháng": TimeUnit.MONTHS,
}
_TIME = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s+(ngày làm việc|ngày|giờ làm việc|giờ|tháng)\s*$", re.IGNORECASE)
_NOT_REGULATED = {"không quy định"}
_MISSING = {"", "không có thông tin"}


@dataclass(frozen=True)
class Parsed:
    value: object
    ok: bool  # False: the text says something we did not understand; report it


def parse_processing_time(text: str) -> Parsed:
    """ "7 Ngày làm việc" → (7, working_days). A bare number has no unit: not parsed."""
    clean = " ".join((text or "").split())
    if clean.lower() in _MISSING:
        return Parsed((None, TimeUnit.UNKNOWN), ok=True)
    if clean.lower() in _NOT_REGULATED:
        return Parsed((None, TimeUnit.NOT_REGULATED), ok=True)
    match = _TIME.match(clean)
    if not match:
        return Parsed((None, TimeUnit.UNKNOWN), ok=False)
    try:
        amount = Decimal(match.group(1).replace(",", "."))
    except InvalidOperation:
        return Parsed((None, TimeUnit.UNKNOWN), ok=False)
    return Parsed((amount, _UNIT_WORDS[match.group(2).lower()]), ok=True)


_AMOUNT = re.compile(r"(\d{1,3}(?:[.,]\d{3})+|\d+)\s*(?:(?:việt nam )?đồng|vnđ|vnd)\b", re.IGNORECASE)


def parse_fee(text: str, amounts: list | None) -> Parsed:
    """The fee of one channel: (status, [amounts in VND]).

    The crawl already extracted amounts (`fee_vnd`); they are trusted only when the text
    names the same amounts, so a stray number never becomes a fee.
    """
    clean = " ".join((text or "").split())
    low = clean.lower()
    if low in _MISSING:
        return Parsed((SubmissionMethod.FeeStatus.UNKNOWN, []), ok=True)
    if (
        low.startswith("miễn phí")
        or low in {"không", "không thu"}
        or re.fullmatch(r"(lệ )?phí\s*:\s*không đồng", low)
    ):
        return Parsed((SubmissionMethod.FeeStatus.FREE, []), ok=True)
    found = [int(re.sub(r"[.,]", "", m)) for m in _AMOUNT.findall(clean)]
    if not found:
        return Parsed((SubmissionMethod.FeeStatus.UNKNOWN, []), ok=False)
    given = sorted(int(a) for a in (amounts or []))
    if given and sorted(found) != given:
        return Parsed((SubmissionMethod.FeeStatus.UNKNOWN, []), ok=False)
    if all(a == 0 for a in found):
        return Parsed((SubmissionMethod.FeeStatus.FREE, []), ok=True)
    return Parsed((SubmissionMethod.FeeStatus.PAID, sorted({a for a in found if a > 0})), ok=True)


_RESULT_CODE = re.compile(r"Mã:\s*(KQ\.[A-Z0-9.]+?\d{6})")
# The crawl glued the portal's next section ("Từ khóa… Mô tả…") onto the result cell.
_RESULT_TAIL = re.compile(r"Từ khóa.*$", re.DOTALL)


def clean_result_text(text: str) -> str:
    return _RESULT_TAIL.sub("", text).strip()


def parse_results(text: str) -> list[dict]:
    """ "Giấy khai sinhMã: KQ.G16.000123…" → [{"name": "Giấy khai sinh", "code": "KQ.G16.000123"}]."""
    text = _RESULT_TAIL.sub("", text or "").strip()
    if not text:
        return []
    parts = _RESULT_CODE.split(text)
    if len(parts) == 1:
        return [{"name": text, "code": ""}]
    results, names, codes = [], parts[0::2], parts[1::2]
    for name, code in zip(names, codes, strict=False):
        results.append({"name": name.strip(" .;\n"), "code": code})
    tail = names[len(codes) :]
    results += [{"name": t.strip(" .;\n"), "code": ""} for t in tail if t.strip(" .;\n")]
    return results


_STEP = re.compile(r"(?=Bước\s*\d+\s*[:.)-])", re.IGNORECASE)


def parse_steps(text: str) -> list[str]:
    """Split "Bước 1: … Bước 2: …" into steps; text without step markers is one step."""
    text = (text or "").strip()
    if not text:
        return []
    steps = [" ".join(s.split()) for s in _STEP.split(text)]
    return [s for s in steps if s]


def split_subjects(text: str) -> list[str]:
    return [s.strip() for s in re.split(r",\s*(?=[A-ZĐÂĂÊÔƠƯ])", text or "") if s.strip()]


# --- a form's file name glued to a paper's name ------------------------------------------------------
# The national catalogue prints a paper's name and the name of its attached form file run together:
# "… Thông tư số 05/2025/TT-BTPMẫu TP-CC-08.docx". The file name starts where a form word is glued to
# the text before it, or after a separator with no space (";", ",", ")", "."); it never holds ";".
_FILE_EXT = re.compile(r"\.(?:docx?|pdf|xlsx?|rtf|odt|zip)\s*$", re.IGNORECASE)
_FORM_WORD = r"(?:Mẫu|MẪU|Mau|MAU|Phụ lục|PHỤ LỤC|Phu luc|PL|TK|Tờ khai|Biểu mẫu)"
_FILE_START = re.compile(
    rf"(?<=[^\s(\[/])(?={_FORM_WORD})|(?<=[;,).])(?!(?i:docx?|pdf|xlsx?)\b)(?=[^\s\d.,;)])"
)
_MAX_FILE_NAME = 100


def split_attached_file(name: str) -> tuple[str, str]:
    """(paper name, attached file name) of a catalogue paper; ("…", "") when no file is glued on."""
    text = name.rstrip()
    if not _FILE_EXT.search(text):
        return name, ""
    floor = max(text.rfind(";") + 1, len(text) - _MAX_FILE_NAME)
    for match in _FILE_START.finditer(text, floor):
        start = match.start()
        if start <= 0 or not _FILE_EXT.search(text[start:]) or len(text[start:].strip()) < 5:
            continue
        paper = text[:start].rstrip(" ;,")
        if len(paper) >= 3:
            return paper, text[start:].strip()
    return name, ""
