"""Template filters for numbers and amounts (motcua.core.money): `{% load money %}`."""

from django import template

from motcua.core import money

register = template.Library()


@register.filter
def num(value):
    """A number with the active language's thousands separator: 10.000 / 10,000."""
    return money.format_number(value)


@register.filter
def vnd(value):
    """An amount in đồng: "10.000 đồng" / "10,000 VND"."""
    return money.format_vnd(value)
