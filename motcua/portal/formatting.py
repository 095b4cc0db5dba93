"""Numbers the Vietnamese way on Vietnamese pages (10.000 đồng, 1,5 ngày) and the English way on English ones.

Django's locale data for "vi" has no NUMBER_GROUPING, so intcomma would print 10000: the grouping
is done here, explicitly.
"""

from decimal import Decimal

from django.utils.translation import get_language


def _separators() -> tuple[str, str]:
    """(thousands, decimal) for the active language."""
    return (",", ".") if (get_language() or "vi").startswith("en") else (".", ",")


def format_number(value: int | float | Decimal | None) -> str:
    if value is None:
        return ""
    thousands, decimal = _separators()
    number = Decimal(str(value)).normalize()
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


def format_vnd(value: int | float | Decimal | None) -> str:
    """10000 → "10.000 đồng" (vi) or "10,000 VND" (en)."""
    if value is None:
        return ""
    amount = format_number(value)
    return f"{amount} VND" if (get_language() or "vi").startswith("en") else f"{amount} đồng"
