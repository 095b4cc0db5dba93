"""What the message log keeps, and what an officer sees of it.

* `redact_secrets(text)` — before a body is stored: passwords, session tokens, client secrets and
  bearer tokens become "***" (the log is evidence of what was exchanged, not a store of credentials).
* `mask_personal(text)` — when a body or URL is shown on a screen: names, ID numbers, tax codes, phone
  numbers, e-mail addresses and birth dates are partly hidden (che bớt dữ liệu cá nhân).
* `mask_for_storage(text)` — the same masking, compact, for the row's searchable columns (url and
  bodies): the plaintext columns hold no ID number or phone. The whole exchange is kept for disputes,
  as the X-Road security server keeps it, but encrypted (`MessageLog.sealed`, ADR 0040); reading it
  whole stays in the audited admin.
"""

from __future__ import annotations

import json
import re

SECRET_KEYS = frozenset(
    {"password", "matkhau", "mat_khau", "session", "token", "access_token", "id_token", "refresh_token"}
    | {"client_secret", "secret", "api_key", "authorization"}
)
#: Keys whose value is a person's name.
NAME_KEYS = frozenset(
    {"chuhoso", "hoten", "ho_ten", "hovaten", "full_name", "fullname", "ten_cong_dan", "hotencha", "hotenme"}
    | {"hotenvochong", "nguoidaidien", "tennguoidaidien"}
)
#: Keys whose value identifies or reaches a person.
PERSONAL_KEYS = frozenset(
    {"sogiaytochuhoso", "sodinhdanh", "so_dinh_danh", "personal_id", "cccd", "cmnd", "id_number"}
    | {
        "email",
        "sodienthoai",
        "so_dien_thoai",
        "phone",
        "diachi",
        "dia_chi",
        "address",
        "ngaysinh",
        "ngay_sinh",
    }
    | {"birth_date", "date_of_birth", "ngaysinh", "noithuongtru", "quequan", "thudientu", "sothe", "masobhxh"}
    | {"sodinhdanhchuho", "sodinhdanhcha", "sodinhdanhme", "sodinhdanhvochong", "sodinhdanhnguoidaidien"}
    # sensitive personal data (NĐ 356 Art 4): hidden whole
    | {"dantoc", "tongiao", "ethnicity", "religion", "ngaymat"}
)
_ID = re.compile(r"(?<!\d)(\d{3})\d{4,7}(\d{2})(?!\d)")  # 9–12 digit ID numbers, tax codes, phones
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def _key(name) -> str:
    return str(name).lower().replace("-", "_")


def _secrets(value):
    if isinstance(value, dict):
        return {
            k: "***" if _key(k) in SECRET_KEYS and v not in ("", None) else _secrets(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_secrets(v) for v in value]
    return value


def redact_secrets(text: str) -> str:
    """The body with credentials replaced by "***" (JSON bodies; other text is left as it is)."""
    if not text or not text.lstrip().startswith(("{", "[")):
        return text
    try:
        data = json.loads(text)
    except ValueError:
        return text
    redacted = _secrets(data)
    return text if redacted == data else json.dumps(redacted, ensure_ascii=False)


def mask_name(name: str) -> str:
    """ "Nguyễn Thị Ánh" → "Nguyễn T. Á.": the family name and initials."""
    words = str(name).split()
    if len(words) <= 1:
        return (words[0][:1] + "***") if words else ""
    return " ".join([words[0], *(w[:1] + "." for w in words[1:])])


def mask_text(text: str) -> str:
    """Numbers that look like ID numbers, tax codes or phones, and e-mail addresses, partly hidden."""
    text = _ID.sub(lambda m: m.group(1) + "*" * (len(m.group(0)) - 5) + m.group(2), str(text))
    return _EMAIL.sub(lambda m: m.group(1) + "***" + m.group(2), text)


def _mask(value, key: str = ""):
    if isinstance(value, dict):
        return {k: _mask(v, _key(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v, key) for v in value]
    if value in ("", None) or isinstance(value, bool):
        return value
    if key in SECRET_KEYS:
        return "***"
    if key in NAME_KEYS:
        return mask_name(str(value))
    if key in PERSONAL_KEYS:
        shown = str(value)
        return shown[:2] + "*" * max(0, len(shown) - 4) + shown[-2:] if len(shown) > 4 else "***"
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, int) and len(str(value)) >= 9:
        return mask_text(str(value))
    return value


def mask_personal(text: str) -> str:
    """A body or URL as an officer may see it on a screen: JSON pretty-printed with personal values
    masked by key, then any ID-like number or e-mail left in the text masked too."""
    if not text:
        return ""
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            return json.dumps(_mask(json.loads(text)), ensure_ascii=False, indent=2)
        except ValueError:
            pass
    return mask_text(text)


def mask_for_storage(text: str) -> str:
    """A body or URL as the log stores it in plaintext: personal values masked, JSON kept compact (so
    the operators' searches by dossier code and operation still match)."""
    if not text:
        return text or ""
    if text.lstrip().startswith(("{", "[")):
        try:
            return json.dumps(_mask(json.loads(text)), ensure_ascii=False)
        except ValueError:
            pass
    return mask_text(text)
