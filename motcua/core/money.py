"""Numbers and money the one way every page, PDF and export prints them (định dạng số tiền).

"10.000 đồng" and "1,5 ngày" on Vietnamese pages, "10,000 VND" and "1.5" on English ones; a
document (PDF, export) that is always Vietnamese renders under `translation.override("vi")`.
Django's locale data for "vi" has no NUMBER_GROUPING, so intcomma would print 10000: the grouping
is done here, explicitly. Templates use the `money` library: `{{ amount|vnd }}`, `{{ n|num }}`.
"""

from decimal import Decimal, InvalidOperation

from django.utils.translation import get_language


def _english() -> bool:
    return (get_language() or "vi").startswith("en")


def _separators() -> tuple[str, str]:
    """(thousands, decimal) for the active language."""
    return (",", ".") if _english() else (".", ",")


def format_number(value: int | float | Decimal | str | None) -> str:
    """12345.5 → "12.345,5" (vi) or "12,345.5" (en); "" for None or what is not a number."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value)).normalize()
    except (InvalidOperation, ValueError):
        return str(value)
    if not number.is_finite():
        return str(value)
    thousands, decimal = _separators()
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    sign = "-" if number < 0 else ""
    whole, _, fraction = f"{abs(number):f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = sign + thousands.join(groups)
    return f"{text}{decimal}{fraction}" if fraction else text


def format_vnd(value: int | float | Decimal | str | None) -> str:
    """10000 → "10.000 đồng" (vi) or "10,000 VND" (en); "" for None."""
    if value is None or value == "":
        return ""
    amount = format_number(value)
    return f"{amount} VND" if _english() else f"{amount} đồng"
