"""`{% also_needed channel="receipt" %}`: "Có thể bạn cũng cần" for the signed-in citizen.

A tag, so that the e-form receipt and "Dành cho bạn" show the same block without importing
this app; `{% also_needed_for person_id request.user channel="counter" %}` is the officer's view
of an applicant at the counter (audited)."""

from django import template

from motcua.foryou import recommendations

register = template.Library()


@register.inclusion_tag("foryou/_also_needed.html", takes_context=True)
def also_needed(context, channel: str = "page", k: int = 3):
    request = context.get("request")
    user = getattr(request, "user", None)
    person_id = getattr(user, "personal_id", None) if user is not None and user.is_authenticated else None
    items = recommendations.for_person(
        person_id,
        channel=channel,
        birth=getattr(user, "birth_date", None),
        k=k,
        preference=context.get("foryou_preference"),
        dossiers=context.get("foryou_dossiers"),
    )
    return {"items": items, "for_officer": False}


@register.inclusion_tag("foryou/_also_needed.html")
def also_needed_for(person_id: str, viewer=None, channel: str = "counter", k: int = 3):
    """For the officer at the counter (`viewer`): the read is audited by the service."""
    items = recommendations.for_person(person_id, channel=channel, k=k, viewer=viewer)
    return {"items": items, "for_officer": True}
