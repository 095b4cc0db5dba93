"""Whether the base template shows the link to the data-subject requests (motcua.backoffice.privacy)."""

from django import template

register = template.Library()


@register.simple_tag
def may_handle_privacy(user) -> bool:
    from motcua.privacy.services import may_handle

    return may_handle(user)
