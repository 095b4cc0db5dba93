"""NĐ 224/2026 Điều 19 measures of the proactive services: shown, acted on, dismissed, refused,
per trigger kind and per agency, for a period (by the day a suggestion was first shown)."""

from __future__ import annotations

from django.db.models import Count, Q

from .models import Suggestion


def measures(start=None, end=None) -> dict:
    """{"totals": {...}, "rows": [{kind, name, agency, shown, acted, dismissed, refused}, …]}.

    A suggestion counts once: shown when it was first shown in [start, end); acted on when a dossier
    for its procedure was filed after it was shown; dismissed / refused when the person did so."""
    rows = Suggestion.objects.filter(first_shown_at__isnull=False)
    if start is not None:
        rows = rows.filter(first_shown_at__gte=start)
    if end is not None:
        rows = rows.filter(first_shown_at__lt=end)
    grouped = (
        rows.values("kind__code", "kind__name", "agency")
        .order_by("kind__code", "agency")
        .annotate(
            shown=Count("pk"),
            acted=Count("pk", filter=Q(acted_at__isnull=False)),
            dismissed=Count("pk", filter=Q(dismissed_at__isnull=False)),
            refused=Count("pk", filter=Q(refused_at__isnull=False)),
        )
    )
    out = [
        {
            "kind": r["kind__code"],
            "name": r["kind__name"],
            "agency": r["agency"],
            **{k: r[k] for k in ("shown", "acted", "dismissed", "refused")},
        }
        for r in grouped
    ]
    totals = {k: sum(r[k] for r in out) for k in ("shown", "acted", "dismissed", "refused")}
    return {"totals": totals, "rows": out}
