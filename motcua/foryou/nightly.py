"""The nightly pass (lượt chạy hằng đêm) on the worker: due watches become suggestions.

One set-based INSERT … SELECT per trigger kind over the Watch table (the next date of each kind
for each resident, kept by every evaluation), skipping people who refused that kind or every
proactive service, and suggestions that already exist (ON CONFLICT DO NOTHING, both databases).
It never calls a registry: a registry that is down only delays the next refresh of a watch.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import connection, transaction

# ruff: noqa: S608 — the SQL holds only the models' table names; every value is a parameter.
from django.utils import timezone

from .models import Preference, Suggestion, TriggerKind, Watch


def _sql(with_refusals: bool) -> str:
    s, w, k, p = (m._meta.db_table for m in (Suggestion, Watch, TriggerKind, Preference))
    refusals = ""
    if with_refusals:
        # Refused kinds are a JSON list of codes; its text form holds '"code"' exactly when refused.
        refusals = (
            f" AND NOT EXISTS (SELECT 1 FROM {p} p WHERE p.person_id = w.person_id"
            f" AND (p.refused_all OR CAST(p.refused_kinds AS TEXT) LIKE %s))"
        )
    return (
        f"INSERT INTO {s} (person_id, kind_id, procedure_code, agency, level, due, because, inputs,"
        f" rule_version, origin, created_at, shown_count, acted_dossier)"
        f" SELECT w.person_id, w.kind_id, w.procedure_code, %s, w.level, w.due, w.because, w.inputs,"
        f" %s, 'nightly', %s, 0, ''"
        f" FROM {w} w WHERE w.kind_id = %s AND w.due BETWEEN %s AND %s{refusals}"
        f" ON CONFLICT (person_id, kind_id, due) DO NOTHING"
    )


def run(today=None) -> dict:
    """Create the suggestions due today; returns how many were created per kind."""
    from .services import ensure_kinds

    ensure_kinds()
    today = today or timezone.localdate()
    now = timezone.now()
    with_refusals = Preference.objects.exists()
    created = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for kind in TriggerKind.objects.filter(active=True):
            # due − lead ≤ today ≤ due + window  ⇔  today − window ≤ due ≤ today + lead
            params = [
                kind.agency,
                kind.version,
                now,
                kind.pk,
                today - timedelta(days=kind.window_days),
                today + timedelta(days=kind.lead_days),
            ]
            if with_refusals:
                params.append(f'%"{kind.code}"%')
            cursor.execute(_sql(with_refusals), params)
            created[kind.code] = max(cursor.rowcount, 0)
    # Level-1 reminders by e-mail and SMS to the people who consented (after the suggestions commit).
    from . import reminders

    reminders.send_due(today)
    return created
