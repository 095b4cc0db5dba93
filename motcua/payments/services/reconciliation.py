"""Reconciliation (đối soát) with the gateways' statements: credits never heard of applied, one
line per transaction (per member of a grouped one), and the officers' resolutions of the lines."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from motcua.audit.services import record as audit_record

from .. import gateways
from ..gateways import Kind, Notice
from ..models import Notification, Payment, PaymentIntent, ReconciliationLine
from .errors import PaymentError
from .notices import apply_notice

Outcome = Notification.Outcome


def match_statement(day: date, gateway: str) -> int:
    """Apply the credits of the gateway's statement (the bank's file) that we never heard of."""
    applied = 0
    for line in gateways.get_gateway(gateway).statement(day):
        notice = Notice(
            line.reference,
            line.amount,
            Kind.PAID,
            line.transaction_no,
            line.paid_at,
            {"statement": day.isoformat(), "transaction_no": line.transaction_no},
        )
        if line.reference and apply_notice(gateway, notice) in (Outcome.APPLIED, Outcome.REFUNDED):
            applied += 1
    return applied


def reconcile(day: date, gateway: str) -> list[ReconciliationLine]:
    """Compare our payments of `day` with the gateway's statement; one line per transaction, and
    for a grouped transaction (a life-event bundle paid once) one line per member: the statement's
    one line is split into each dossier's fee, so each agency reconciles its own money."""
    theirs = {line.reference: line for line in gateways.get_gateway(gateway).statement(day)}
    paid = list(
        Payment.objects.filter(gateway=gateway, paid_at__date=day).select_related("intent", "charge__dossier")
    )
    ours = {p.intent.reference: p for p in paid if p.intent_id and not p.intent.group}
    groups = {p.intent.group for p in paid if p.intent_id and p.intent.group}
    groups |= set(
        PaymentIntent.objects.filter(gateway=gateway, group__in=[r for r in theirs if r])
        .values_list("group", flat=True)
        .distinct()
    )
    out = []
    with transaction.atomic():
        for reference in sorted((set(theirs) | set(ours)) - groups):
            mine, other = ours.get(reference), theirs.get(reference)
            if mine and other:
                kind = "matched" if mine.amount == other.amount else "amount_differs"
            else:
                kind = "only_ours" if mine else "only_gateway"
            intent = (
                mine.intent
                if mine
                else PaymentIntent.objects.filter(reference=reference)
                .select_related("charge__dossier")
                .first()
            )
            agency = intent.charge.dossier.receiving_agency if intent else None
            line, _ = ReconciliationLine.objects.update_or_create(
                day=day,
                gateway=gateway,
                reference=reference or (other.transaction_no if other else ""),
                defaults={
                    "kind": kind,
                    "agency": agency,
                    "our_amount": mine.amount if mine else None,
                    "their_amount": other.amount if other else None,
                },
            )
            out.append(line)
        for group in sorted(groups):
            out += _reconcile_group(day, gateway, group, theirs.get(group))
        audit_record("payments.reconcile", data={"day": day, "gateway": gateway, "lines": len(out)})
    return out


def _reconcile_group(day: date, gateway: str, group: str, other) -> list[ReconciliationLine]:
    """The statement's line of a grouped transaction against its members, line by line.

    Its total equal to the members' amounts: each member gets its own line (its reference, its
    dossier's agency, its fee as the gateway's share), "matched" when that member's payment is
    recorded for the same amount, "only_gateway" when its money was taken but not kept (refunded
    as part of the group). A total that differs cannot be split: one line for the group, for the
    province's reconciliation officers."""
    members = list(
        PaymentIntent.objects.filter(gateway=gateway, group=group)
        .select_related("charge__dossier")
        .order_by("pk")
    )
    payments = {p.intent_id: p for p in Payment.objects.filter(intent__in=members)}
    stale = ReconciliationLine.objects.filter(day=day, gateway=gateway, resolved_at__isnull=True)
    if other is not None and other.amount != sum(m.amount for m in members):
        stale.filter(reference__in=[m.reference for m in members]).delete()
        line, _ = ReconciliationLine.objects.update_or_create(
            day=day,
            gateway=gateway,
            reference=group,
            defaults={
                "kind": "amount_differs",
                "agency": None,
                "group": group,
                "our_amount": sum(p.amount for p in payments.values()),
                "their_amount": other.amount,
            },
        )
        return [line]
    stale.filter(reference=group).delete()
    out = []
    for member in members:
        mine = payments.get(member.pk)
        if mine is not None and mine.paid_at.date() != day and other is None:
            continue  # paid another day: that day's reconciliation holds it
        if other is None and mine is None:
            continue  # neither side has money for it (never paid)
        if mine and other:
            kind = "matched" if mine.amount == member.amount else "amount_differs"
        else:
            kind = "only_ours" if mine else "only_gateway"
        line, _ = ReconciliationLine.objects.update_or_create(
            day=day,
            gateway=gateway,
            reference=member.reference,
            defaults={
                "kind": kind,
                "agency": member.charge.dossier.receiving_agency,
                "group": group,
                "our_amount": mine.amount if mine else None,
                "their_amount": member.amount if other is not None else None,
            },
        )
        out.append(line)
    return out


def resolve_line(line: ReconciliationLine, officer, resolution: str) -> ReconciliationLine:
    resolution = (resolution or "").strip()
    if not resolution:
        raise PaymentError("Ghi rõ cách xử lý dòng đối soát.")
    with transaction.atomic():
        # Two operators at once: the second finds the line resolved instead of overwriting the note.
        line = ReconciliationLine.objects.select_for_update().get(pk=line.pk)
        if line.resolved_at is not None:
            raise PaymentError("Dòng đối soát này đã được xử lý.")
        line.resolved_at, line.resolved_by, line.resolution = timezone.now(), officer, resolution[:2000]
        line.save(update_fields=["resolved_at", "resolved_by", "resolution"])
        audit_record(
            "payments.reconciliation_resolved",
            actor=officer,
            obj=line,
            data={"reference": line.reference, "kind": line.kind, "resolution": line.resolution},
        )
    return line


def reconciliation_lines(day: date, gateway: str, agency_ids: set[int] | None = None):
    """The stored lines of a day and gateway; `agency_ids` None means every agency (province-wide)."""
    lines = ReconciliationLine.objects.filter(day=day, gateway=gateway)
    lines = lines.select_related("agency", "resolved_by")
    if agency_ids is not None:
        lines = lines.filter(agency_id__in=agency_ids)
    # Open lines first on every database (SQLite and PostgreSQL sort NULLs differently).
    return lines.order_by(F("resolved_at").asc(nulls_first=True), "kind", "reference")
