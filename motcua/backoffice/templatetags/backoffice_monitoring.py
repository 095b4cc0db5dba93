"""Whether the base template shows the link to the monitoring dashboard (motcua.backoffice.monitoring)."""

from django import template

register = template.Library()


@register.simple_tag
def may_monitor(user) -> bool:
    from motcua.insights.targets import may_view_dashboards

    return may_view_dashboards(user)
