"""VietQR (NAPAS 247) bank-transfer payloads: the EMVCo merchant-presented QR, with its CRC.

    payload(bank_bin="970415", account="0011001932418", amount=120000, reference="HS 0001")
    parse(text) -> {"bank_bin": ..., "account": ..., "amount": ..., "reference": ...}

Tags: 00 "01" (format) · 01 "11" static / "12" dynamic (with an amount) · 38 consumer account
(00 GUID "A000000727", 01 beneficiary: 00 bank BIN, 01 account; 02 service "QRIBFTTA") ·
53 "704" (VND) · 54 amount · 58 "VN" · 62 additional data (08 purpose: our reference) ·
63 CRC-16/CCITT-FALSE over everything before it, "6304" included.
"""

import re

NAPAS_GUID = "A000000727"
SERVICE_ACCOUNT = "QRIBFTTA"
#: Transfer content: banks keep ASCII letters, digits and spaces; 25 characters fit tag 62/08.
REFERENCE_RE = re.compile(r"^[A-Za-z0-9 ]{1,25}$")


class PayloadError(ValueError):
    """A payload that cannot be built or read (message in Vietnamese)."""


def crc16_ccitt_false(data: str) -> str:
    crc = 0xFFFF
    for byte in data.encode("utf-8"):
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return f"{crc:04X}"


def _tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise PayloadError(f"Trường {tag} quá dài ({len(value)} ký tự, tối đa 99).")
    return f"{tag}{len(value):02d}{value}"


def payload(*, bank_bin: str, account: str, amount: int | None = None, reference: str = "") -> str:
    """The VietQR text for a transfer to `account` at bank `bank_bin`, optionally with amount and content."""
    if not re.fullmatch(r"\d{6}", bank_bin or ""):
        raise PayloadError("Mã BIN ngân hàng phải gồm 6 chữ số.")
    if not re.fullmatch(r"[A-Za-z0-9]{1,19}", account or ""):
        raise PayloadError("Số tài khoản chỉ gồm chữ và số, tối đa 19 ký tự.")
    if amount is not None and (not isinstance(amount, int) or amount <= 0 or amount > 9_999_999_999_999):
        raise PayloadError("Số tiền phải là số nguyên dương (đồng).")
    if reference and not REFERENCE_RE.match(reference):
        raise PayloadError("Nội dung chuyển khoản chỉ gồm chữ không dấu, số và dấu cách, tối đa 25 ký tự.")
    beneficiary = _tlv("00", bank_bin) + _tlv("01", account)
    account_info = _tlv("00", NAPAS_GUID) + _tlv("01", beneficiary) + _tlv("02", SERVICE_ACCOUNT)
    text = (
        _tlv("00", "01") + _tlv("01", "12" if amount else "11") + _tlv("38", account_info) + _tlv("53", "704")
    )
    if amount:
        text += _tlv("54", str(amount))
    text += _tlv("58", "VN")
    if reference:
        text += _tlv("62", _tlv("08", reference))
    text += "6304"
    return text + crc16_ccitt_false(text)


def _read(text: str) -> dict[str, str]:
    out, i = {}, 0
    while i < len(text):
        if i + 4 > len(text):
            raise PayloadError("Chuỗi VietQR bị cắt cụt.")
        tag, size = text[i : i + 2], text[i + 2 : i + 4]
        if not size.isdigit():
            raise PayloadError("Chuỗi VietQR sai định dạng.")
        value = text[i + 4 : i + 4 + int(size)]
        if len(value) != int(size):
            raise PayloadError("Chuỗi VietQR bị cắt cụt.")
        out[tag] = value
        i += 4 + int(size)
    return out


def parse(text: str) -> dict:
    """Read a VietQR text back, checking its CRC; raises PayloadError."""
    text = (text or "").strip()
    if len(text) < 8 or text[-8:-4] != "6304":
        raise PayloadError("Chuỗi VietQR thiếu mã kiểm tra CRC.")
    if crc16_ccitt_false(text[:-4]) != text[-4:].upper():
        raise PayloadError("Mã kiểm tra CRC của chuỗi VietQR không đúng.")
    root = _read(text[:-8])
    account_info = _read(root.get("38", ""))
    if account_info.get("00") != NAPAS_GUID:
        raise PayloadError("Không phải mã VietQR của NAPAS.")
    beneficiary = _read(account_info.get("01", ""))
    extra = _read(root.get("62", "")) if root.get("62") else {}
    return {
        "bank_bin": beneficiary.get("00", ""),
        "account": beneficiary.get("01", ""),
        "service": account_info.get("02", ""),
        "amount": int(root["54"]) if root.get("54", "").isdigit() else None,
        "reference": extra.get("08", ""),
        "currency": root.get("53", ""),
        "country": root.get("58", ""),
    }
