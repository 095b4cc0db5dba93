"""Whether the base template shows the link to the exchange message log (motcua.backoffice.messages)."""

from django import template

register = template.Library()


@register.simple_tag
def may_read_messages(user) -> bool:
    from motcua.backoffice.messages import may_read_messages as allowed

    return allowed(user)
