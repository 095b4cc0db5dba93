"""Template filters of the public pages."""

from django import template

from motcua.portal import formatting

register = template.Library()


@register.filter
def num(value):
    """A number with the active language's thousands separator."""
    return formatting.format_number(value)


@register.filter
def vnd(value):
    """An amount in đồng: "10.000 đồng" / "10,000 VND"."""
    return formatting.format_vnd(value)
