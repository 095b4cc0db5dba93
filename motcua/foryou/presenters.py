"""What the page shows beside a suggestion: the prepared draft (level 2) and the channels (level 3)."""

from django.urls import reverse


def prepared_draft_url(user, procedure_code: str, acting: dict, signed_in_at=None) -> str:
    """Level 2: a draft already prefilled from the registries; the link opens its check page,
    one tap from submission. Empty when the procedure has no interactive form."""
    from motcua.eforms import services as eforms
    from motcua.eforms.models import Draft

    acting_for = acting.get("id_number") or user.personal_id or ""
    ready = (
        eforms.drafts_of(user)
        .filter(
            acting_for_index=acting_for, state=Draft.State.OPEN, definition__procedure__code=procedure_code
        )
        .order_by("-updated_at")
        .values_list("pk", flat=True)
        .first()
    )
    if ready is not None:  # prepared already (the definition's large JSON is not needed to link it)
        return reverse("eforms:check", args=[ready])
    definition = eforms.current_form(procedure_code)
    if definition is None:
        return ""
    draft, _created = eforms.start_draft(user, definition, acting=acting, signed_in_at=signed_in_at)
    return reverse("eforms:check", args=[draft.pk])


def channel_options(procedure) -> list[dict]:
    """Level 3: every way to file it (online, counter, post) with its time and fee, side by side,
    from the catalog; none is preselected (the choice stays the citizen's, NĐ 224 Điều 16)."""
    from django.core.cache import cache

    key = f"foryou:options:{procedure.pk}:{procedure.updated_at.timestamp() if procedure.updated_at else 0}"
    found = cache.get(key)
    if found is None:
        found = _options(procedure)
        cache.set(key, found, 3600)
    return found


def _options(procedure) -> list[dict]:
    from motcua.catalog.models import Channel
    from motcua.eforms.services import current_form

    version = procedure.versions.order_by("-number").first()
    if version is None:
        return []
    methods = list(version.methods.all())
    options = [
        {
            "channel": m.get_channel_display(),
            "time": m.processing_time_text or "—",
            "fee": m.fee_text or "—",
        }
        for m in methods
    ]
    if methods and Channel.ONLINE not in {m.channel for m in methods} and current_form(procedure.code):
        # The province serves it online with its interactive form: the legal time and fee are
        # those of the procedure, whatever the channel (the catalog lists the counter only).
        first = methods[0]
        options.insert(
            0,
            {
                "channel": f"{Channel.ONLINE.label} (hồ sơ đã soạn sẵn)",
                "time": first.processing_time_text or "—",
                "fee": first.fee_text or "—",
            },
        )
    return options
