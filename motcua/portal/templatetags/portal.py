"""Template filters of the public pages: `num` and `vnd` are motcua.core.money's (one formatter)."""

from django import template

from motcua.core.templatetags.money import num, vnd

register = template.Library()
register.filter("num", num)
register.filter("vnd", vnd)
