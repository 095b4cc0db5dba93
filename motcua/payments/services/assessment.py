"""What a dossier owes (xác định phí, lệ phí): the fee lines and reductions in force, the catalog's
amount when no line is kept, the legal basis of each line, and the charges written from them."""

from __future__ import annotations

import re
from datetime import date, datetime

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from motcua.audit.services import record as audit_record
from motcua.catalog.models import SubmissionMethod
from motcua.dossiers.models import Channel, Decision, Dossier, Status

from ..models import Charge, FeeLine, FeeRule, Payment, Per


def catalog_channel(dossier: Dossier) -> str:
    if dossier.channel in (Channel.NATIONAL_PORTAL, Channel.OWN_PORTAL):
        return "online"
    return "counter" if dossier.channel == Channel.COUNTER else "post"


def _in_force(qs, day: date):
    return qs.filter(valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))


def _best_rule(line: FeeLine, channel: str, groups: set[str], day: date) -> FeeRule | None:
    """The most favourable rule in force: reductions and exemptions do not add up (ADR 0014)."""
    rules = _in_force(FeeRule.objects.all(), day).filter(
        Q(fee_line=line)
        | Q(fee_line__isnull=True, procedure=line.procedure_id)
        | Q(fee_line__isnull=True, procedure__isnull=True),
        channel__in=["", channel],
    )
    best = None
    for rule in rules:
        if rule.applicant_group and rule.applicant_group not in groups:
            continue
        if best is None or rule.percent > best.percent:
            best = rule
    return best


def quote(
    dossier: Dossier,
    *,
    at: datetime | None = None,
    quantities: dict | None = None,
    groups: set[str] | None = None,
) -> list[dict]:
    """The lines the dossier owes on `at` (default now), without writing anything."""
    day = timezone.localdate(at or timezone.now())
    channel = catalog_channel(dossier)
    groups = set(groups if groups is not None else dossier.form_data.get("doi_tuong_mien_giam", []) or [])
    quantities = quantities or {}
    out = []
    lines = _in_force(FeeLine.objects.filter(procedure=dossier.procedure_id, channel__in=["", channel]), day)
    lines = list(lines.order_by("id"))
    for line in lines:
        qty = 1 if line.per == Per.DOSSIER else max(1, int(quantities.get(line.pk, quantities.get("*", 1))))
        gross = line.amount * qty
        rule = _best_rule(line, channel, groups, day)
        reduction = gross * rule.percent // 100 if rule else 0
        basis = line.legal_basis
        if rule:
            basis += f"; {rule.get_kind_display().lower()} {rule.percent}%: {rule.legal_basis}"
        out.append(
            {
                "fee_line": line,
                "name": line.name,
                "quantity": qty,
                "unit_amount": line.amount,
                "reduction": reduction,
                "amount": gross - reduction,
                "legal_basis": basis,
            }
        )
    if not lines:
        out = _from_catalog(dossier, channel)
    return out


def _from_catalog(dossier: Dossier, channel: str) -> list[dict]:
    """Without an administrator's lines: the catalog's amount when it is one unambiguous number.

    The version (its legal bases name the fee's act) is the dossier's own when the dossier holds it
    (a submission's, just created): not joined and read again, 25 columns and their JSON lists."""
    methods = SubmissionMethod.objects.filter(version=dossier.procedure_version_id, channel=channel)
    held = Dossier.procedure_version.is_cached(dossier) and dossier.procedure_version is not None
    method = (methods if held else methods.select_related("version")).first()
    if method is not None and held:
        SubmissionMethod.version.field.set_cached_value(method, dossier.procedure_version)
    if method and method.fee_status == SubmissionMethod.FeeStatus.PAID and len(method.fee_amounts) == 1:
        amount = int(method.fee_amounts[0])
        return [
            {
                "fee_line": None,
                "name": "Phí, lệ phí theo Cơ sở dữ liệu quốc gia về TTHC",
                "quantity": 1,
                "unit_amount": amount,
                "reduction": 0,
                "amount": amount,
                "legal_basis": fee_legal_basis(method),
            }
        ]
    return []


#: A legal act by its kind and number ("Thông tư số 85/2019/TT-BTC", "Nghị quyết 12/2025/NQ-HĐND").
_ACT = re.compile(
    r"\b(Luật|Pháp lệnh|Nghị định|Nghị quyết|Thông tư(?: liên tịch)?|Quyết định)\s+(?:số\s+)?"
    r"(\d+(?:\.\d+)?/\d{4}/[A-ZĐa-zđ0-9\-]+)"
)
#: The acts that set fees: the Ministry of Finance's circulars, the provincial council's resolutions.
_FEE_ACT = re.compile(r"/(?:TT-BTC|TTLT-BTC[A-ZĐ\-]*|NQ-HĐND)$")


def _act_title(number: str) -> str:
    if number.endswith("/NQ-HĐND"):
        return f"Nghị quyết số {number}"
    return f"Thông tư số {number}" if number.endswith("/TT-BTC") else f"Thông tư liên tịch số {number}"


def fee_legal_basis(method: SubmissionMethod) -> str:
    """The legal basis of a catalog fee (căn cứ pháp lý của mức thu), never the amount's own text.

    In order: the acts the channel's fee note names ("căn cứ Thông tư số 85/2019/TT-BTC"); else the
    fee acts among the procedure's legal bases (circulars of the Ministry of Finance, resolutions of
    the provincial council); else the decision that published the procedure and its fee.
    """
    named = []
    for kind, number in _ACT.findall(f"{method.note}\n{method.fee_text}"):
        act = f"{kind} số {number}"
        if act not in named:
            named.append(act)
    if named:
        return "; ".join(named)[:500]
    version = method.version
    acts = [
        str(doc.get("number") or "").strip()
        for doc in version.legal_basis or []
        if isinstance(doc, dict) and _FEE_ACT.search(str(doc.get("number") or "").strip())
    ]
    if acts:
        return "; ".join(_act_title(a) for a in acts)[:500]
    if version.decision_no:
        return f"Quyết định công bố thủ tục hành chính số {version.decision_no}"[:500]
    return "Mức thu công bố trên Cơ sở dữ liệu quốc gia về thủ tục hành chính"


def assess(
    dossier: Dossier,
    *,
    at: datetime | None = None,
    quantities: dict | None = None,
    groups: set[str] | None = None,
    new: bool = False,
) -> list[Charge]:
    """Write what the dossier owes now; unpaid charges of an earlier assessment are replaced.

    When the officer has asked for a financial obligation (fee_due) that the lines do not add up to,
    the officer's notice wins: one charge of that amount, its basis the request (ADR 0014).

    `new`: the dossier was created in the caller's transaction (assessed at submission): no other
    transaction sees its row yet and it has no charge, so there is nothing to lock, add up or replace.
    """
    now = at or timezone.now()
    lines = quote(dossier, at=now, quantities=quantities, groups=groups)
    # A new dossier is assessed inside the transaction that creates it: no savepoint of its own.
    with transaction.atomic(savepoint=not new):
        if new:
            paid, paid_total, cancelled = [], 0, 0
        else:
            Dossier.objects.select_for_update().filter(pk=dossier.pk).first()
            paid = Charge.objects.filter(dossier=dossier, cancelled=False, payments__isnull=False)
            paid_total = paid.aggregate(s=Sum("amount"))["s"] or 0
            cancelled = Charge.objects.filter(dossier=dossier, cancelled=False, payments__isnull=True).update(
                cancelled=True
            )
        due = dossier.fee_due
        if due and sum(x["amount"] for x in lines) + paid_total != due:
            lines = [
                {
                    "fee_line": None,
                    "name": "Nghĩa vụ tài chính theo thông báo của cơ quan giải quyết",
                    "quantity": 1,
                    "unit_amount": due - paid_total,
                    "reduction": 0,
                    "amount": due - paid_total,
                    "legal_basis": f"Yêu cầu thực hiện nghĩa vụ tài chính của {dossier.handling_agency.name}",
                }
            ]
        created = [
            Charge.objects.create(dossier=dossier, assessed_at=now, **x) for x in lines if x["amount"] > 0
        ]
        if created or cancelled:
            audit_record(
                "payments.assess",
                obj=dossier,
                data={"total": sum(c.amount for c in created), "lines": len(created)},
            )
    return list(paid) + created


def accepts_payment(dossier: Dossier) -> bool:
    """Fees are collected only while the dossier is open and not refused."""
    return not dossier.is_final and dossier.decision != Decision.REFUSED


def open_charges(dossier: Dossier) -> list[Charge]:
    """The dossier's current charges, assessed now if it never was."""
    charges = list(Charge.objects.filter(dossier=dossier, cancelled=False).prefetch_related("payments"))
    if not charges or (dossier.status == Status.FINANCIAL and _total(charges) < dossier.fee_due):
        charges = assess(dossier)
    return charges


def _total(charges) -> int:
    return sum(c.amount for c in charges)


def paid_total(dossier: Dossier) -> int:
    """What the dossier has paid and keeps: refunded payments and refunded excesses left out."""
    kept = Payment.objects.filter(charge__dossier=dossier, refunded_at__isnull=True).aggregate(
        paid=Sum("amount"), excess=Sum("excess")
    )
    return (kept["paid"] or 0) - (kept["excess"] or 0)


def dossier_charges(dossier: Dossier) -> list[Charge]:
    """The dossier's charges in force (replaced ones left out), each with its payments, oldest first."""
    return list(
        Charge.objects.filter(dossier=dossier, cancelled=False)
        .prefetch_related("payments__recorded_by")
        .order_by("id")
    )
