"""The fee pieces of the officers' pages that views.py does not compute: the "Phí, lệ phí" section of
the dossier page and whether the reconciliation link is shown (motcua.backoffice.payments)."""

from django import template

register = template.Library()


@register.inclusion_tag("backoffice/payments_dossier_section.html", takes_context=True)
def payments_section(context):
    from motcua.backoffice.payments import section_context

    return section_context(context)


@register.simple_tag
def may_reconcile(user) -> bool:
    from motcua.backoffice.payments import may_reconcile as allowed

    return allowed(user)
