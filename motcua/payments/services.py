"""Fees and payments: the only code that changes payment state (ADR 0014).

    assess(dossier) -> [Charge]                      what the dossier owes, with the legal basis
    start_payment(charge, gateway, idempotency_key=..., return_url=...) -> (intent, Start)
    receive_notification(gateway, data) -> Notification.Outcome     signed callbacks, exactly once
    resolve_pending(intent) -> outcome                 ask the gateway (a timeout after it accepted)
    record_counter_payment(charge, officer, method=..., reference=...) -> Payment
    refund_closed_dossiers() -> int                    refused / stopped dossiers get their money back
    assess_at_submission(dossier) -> [Charge]          a full-online procedure's fee, payable at once
    settle_paid_in_advance(dossier) -> str             the officer's notice meets what was paid early
    start_group_payment(charges, gateway, ...) -> (intents, Start)   several dossiers, one transaction
    reconcile(day, gateway) -> [ReconciliationLine];  resolve_line(line, officer, resolution)
    read-only, for the officers' screens: may_record_counter_payment(officer, dossier) -> bool,
    dossier_charges(dossier) -> [Charge], reconciliation_lines(day, gateway, agency_ids) -> QuerySet

Exactly once: an intent row is locked (SELECT … FOR UPDATE) while a notice is applied, its status
only moves forward (pending → paid/failed/expired; failed → paid; paid → nothing), and the
database allows one Payment per charge, so ten copies of a notice in any order leave one payment.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import replace
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from motcua.audit.services import record as audit_record
from motcua.catalog.models import OnlineLevel, SubmissionMethod
from motcua.core.events import publish
from motcua.dossiers import access
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Channel, Decision, Dossier, Status
from motcua.people.models import OfficerRole

from .gateways import BadSignature, GatewayError, Kind, Notice, Start, get_gateway
from .models import (
    Charge,
    FeeLine,
    FeeRule,
    Gateway,
    Notification,
    Payment,
    PaymentIntent,
    Per,
    ReconciliationLine,
)

logger = logging.getLogger(__name__)
Outcome = Notification.Outcome


class PaymentError(Exception):
    """A refused payment action; the message is Vietnamese and shown as is."""


# --- assessment -------------------------------------------------------------------------------


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
    for line in lines.order_by("id"):
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
    if not lines.exists():
        out = _from_catalog(dossier, channel)
    return out


def _from_catalog(dossier: Dossier, channel: str) -> list[dict]:
    """Without an administrator's lines: the catalog's amount when it is one unambiguous number."""
    method = (
        SubmissionMethod.objects.filter(version=dossier.procedure_version_id, channel=channel)
        .select_related("version")
        .first()
    )
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
) -> list[Charge]:
    """Write what the dossier owes now; unpaid charges of an earlier assessment are replaced.

    When the officer has asked for a financial obligation (fee_due) that the lines do not add up to,
    the officer's notice wins: one charge of that amount, its basis the request (ADR 0014).
    """
    now = at or timezone.now()
    lines = quote(dossier, at=now, quantities=quantities, groups=groups)
    with transaction.atomic():
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


def on_event(event) -> None:
    """The officer's notice of financial obligation is assessed in its own transaction, so the
    charges exist as soon as the dossier enters status 6; what was paid at submission is then
    settled once that transaction commits. A full-online dossier submitted on the e-form is
    assessed at once, so it can be paid on the receipt (subscribed in PaymentsConfig.ready)."""
    if event.topic not in ("dossier.request_payment", "eforms.submitted"):
        return
    dossier = (
        Dossier.objects.select_related("handling_agency", "procedure").filter(code=event.aggregate_id).first()
    )
    if dossier is None:
        return
    if event.topic == "eforms.submitted":
        assess_at_submission(dossier)
        return
    assess(dossier)
    if Payment.objects.filter(charge__dossier=dossier).exists():
        pk = dossier.pk
        transaction.on_commit(lambda: _settle_safely(pk))


# --- paying at submission (nộp phí, lệ phí khi nộp hồ sơ trực tuyến) -------------------------------

#: Open, and not yet told the amount by a notice (status 6 has its own page and to-do).
BEFORE_NOTICE = (Status.NEW, Status.RECEIVED, Status.PROCESSING)


def offers_payment_at_submission(dossier: Dossier) -> bool:
    """A full-online procedure (toàn trình) submitted on the province's portal is paid at submission,
    with the fee lines of the catalog, without waiting for a notice of financial obligation."""
    return (
        dossier.channel == Channel.OWN_PORTAL
        and dossier.procedure.online_level == OnlineLevel.FULL
        and dossier.status in BEFORE_NOTICE
        and accepts_payment(dossier)
    )


def assess_at_submission(dossier: Dossier) -> list[Charge]:
    """The charges of a full-online dossier as assessed from the catalog, written once at submission."""
    if not offers_payment_at_submission(dossier) or Charge.objects.filter(dossier=dossier).exists():
        return []
    return assess(dossier)


def unpaid_before_notice(dossier_ids) -> dict[int, int]:
    """{dossier id: amount still to pay} of dossiers payable before any notice (paid at submission)."""
    rows = (
        Charge.objects.filter(
            dossier_id__in=dossier_ids,
            cancelled=False,
            payments__isnull=True,
            dossier__status__in=BEFORE_NOTICE,
            dossier__channel=Channel.OWN_PORTAL,
            dossier__procedure__online_level=OnlineLevel.FULL,
        )
        .values("dossier_id")
        .annotate(total=Sum("amount"))
    )
    return {row["dossier_id"]: row["total"] for row in rows if row["total"]}


def settle_paid_in_advance(dossier: Dossier) -> str:
    """The officer's notice wins over what was paid at submission (ADR 0014, issue 13).

    Paid as much as the notice asks: the obligation is met, the dossier moves on. Paid more: the
    excess is refunded through the gateway, and the dossier moves on. Paid less: `assess` already
    wrote the top-up charge ("top_up"), which the applicant pays like any other.
    """
    dossier.refresh_from_db()
    if dossier.status != Status.FINANCIAL:
        return "not_waiting"
    if Charge.objects.filter(dossier=dossier, cancelled=False, payments__isnull=True).exists():
        return "top_up"
    paid = paid_total(dossier)
    if paid < dossier.fee_due:
        return "short"
    if paid > dossier.fee_due:
        _set_excess(dossier, paid - dossier.fee_due)
    dossier_services.confirm_payment(dossier, amount=dossier.fee_due, reference="nop-khi-nop-ho-so")
    return "refunded_excess" if paid > dossier.fee_due else "met"


def _set_excess(dossier: Dossier, excess: int) -> None:
    """Give back `excess` from the latest online payments (a partial refund of each as needed)."""
    with transaction.atomic():
        payments = (
            Payment.objects.select_for_update(of=("self",))
            .filter(charge__dossier=dossier, refunded_at__isnull=True, intent__isnull=False, excess=0)
            .order_by("-paid_at", "-id")
        )
        for payment in payments:
            if excess <= 0:
                break
            part = min(excess, payment.amount)
            payment.excess = part
            payment.save(update_fields=["excess"])
            excess -= part
            audit_record(
                "payments.excess_due",
                obj=dossier,
                data={"receipt": payment.receipt_number, "excess": part, "due": dossier.fee_due},
            )
    refund_excesses(dossier)


def refund_excesses(dossier: Dossier | None = None) -> int:
    """Send the partial refunds still owed (retried by the refund job when a gateway failed)."""
    owed = Payment.objects.filter(
        excess__gt=0, excess_refunded_at__isnull=True, refunded_at__isnull=True, intent__isnull=False
    )
    if dossier is not None:
        owed = owed.filter(charge__dossier=dossier)
    done = 0
    for payment in owed.select_related("intent", "charge__dossier"):
        intent = payment.intent
        try:
            refund_no = get_gateway(intent.gateway).refund(
                intent.reference, intent.gateway_txn, payment.excess
            )
        except GatewayError:
            logger.warning("refund of the excess of %s failed; the refund job retries", intent.reference)
            continue
        with transaction.atomic():
            updated = Payment.objects.filter(pk=payment.pk, excess_refunded_at__isnull=True).update(
                excess_refunded_at=timezone.now(), excess_refund_ref=refund_no[:64]
            )
            if updated:
                audit_record(
                    "payments.excess_refunded",
                    obj=payment.charge.dossier,
                    data={"receipt": payment.receipt_number, "refund": refund_no, "amount": payment.excess},
                )
                done += 1
    return done


def accepts_payment(dossier: Dossier) -> bool:
    """Fees are collected only while the dossier is open and not refused."""
    return not dossier.is_final and dossier.decision != Decision.REFUSED


def assess_waiting() -> int:
    """Assess the dossiers waiting for payment (status 6) with no charges yet (`motcua payments assess`);
    settle those that paid at submission (the safety net behind the notice's on-commit settlement)."""
    waiting = Dossier.objects.filter(status=Status.FINANCIAL).exclude(charges__cancelled=False)
    count = 0
    for dossier in waiting.select_related("handling_agency").iterator():
        count += bool(assess(dossier))
    paid_early = Dossier.objects.filter(status=Status.FINANCIAL, charges__payments__isnull=False).distinct()
    for dossier in paid_early.iterator():
        _settle_safely(dossier.pk)
    return count


def _settle_safely(dossier_id: int) -> None:
    """Settle after the notice's commit or from the job: a refusal is logged, the job tries again."""
    try:
        settle_paid_in_advance(Dossier.objects.get(pk=dossier_id))
    except (dossier_services.TransitionError, GatewayError):
        logger.warning("settling the advance payment of dossier %s failed; the job retries", dossier_id)


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


# --- intents ------------------------------------------------------------------------------------


def new_reference() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "TT" + "".join(secrets.choice(alphabet) for _ in range(10))


def start_payment(
    charge: Charge, gateway: str, *, idempotency_key: str, return_url: str = ""
) -> tuple[PaymentIntent, Start]:
    """An intent to pay `charge` (the same key gives back the same intent) and how to pay it."""
    if gateway not in (Gateway.NATIONAL, Gateway.VIETQR):
        raise PaymentError("Kênh thanh toán không hợp lệ.")
    if not idempotency_key or len(idempotency_key) > 80:
        raise PaymentError("Thiếu khóa chống trùng của yêu cầu thanh toán.")
    now = timezone.now()
    with transaction.atomic():
        charge = Charge.objects.select_for_update().select_related("dossier").get(pk=charge.pk)
        existing = PaymentIntent.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            if existing.charge_id != charge.pk:
                raise PaymentError("Khóa chống trùng đã dùng cho một khoản khác.")
            intent = existing
        else:
            if charge.cancelled:
                raise PaymentError("Khoản thu này đã được xác định lại; hãy tải lại trang.")
            if charge.payments.exists():
                raise PaymentError("Khoản này đã được nộp.")
            if not accepts_payment(charge.dossier):
                raise PaymentError("Hồ sơ đã kết thúc, không nhận thanh toán.")
            expire_intents(now)
            intent = PaymentIntent.objects.create(
                charge=charge,
                gateway=gateway,
                reference=new_reference(),
                idempotency_key=idempotency_key,
                amount=charge.amount,
                created_at=now,
                expires_at=now + timedelta(minutes=settings.MOTCUA_PAYMENTS_INTENT_MINUTES),
            )
            audit_record(
                "payments.intent",
                obj=charge.dossier,
                data={"reference": intent.reference, "gateway": gateway, "amount": intent.amount},
            )
    if intent.status != PaymentIntent.Status.PENDING or intent.expires_at <= now:
        raise PaymentError("Yêu cầu thanh toán này đã hết hạn hoặc đã kết thúc; hãy tạo yêu cầu mới.")
    return intent, get_gateway(gateway).start(intent, return_url=return_url)


def _group_order(reference: str, amount: int, created_at, expires_at, label: str):
    """What a gateway is given for a grouped transaction: the group's reference and total."""
    from types import SimpleNamespace

    return SimpleNamespace(
        reference=reference,
        amount=amount,
        created_at=created_at,
        expires_at=expires_at,
        charge=SimpleNamespace(dossier=SimpleNamespace(code=label)),
    )


def start_group_payment(
    charges, gateway: str, *, idempotency_key: str, return_url: str = "", label: str = ""
) -> tuple[list[PaymentIntent], Start]:
    """One gateway transaction that pays several charges (of several dossiers) at once.

    Each charge gets its own member intent (so each dossier keeps its own payment and receipt); the
    members share `group`, the reference the gateway is given with their total. The same key gives
    back the same group."""
    if gateway not in (Gateway.NATIONAL, Gateway.VIETQR):
        raise PaymentError("Kênh thanh toán không hợp lệ.")
    if not idempotency_key or len(idempotency_key) > 60:
        raise PaymentError("Thiếu khóa chống trùng của yêu cầu thanh toán.")
    ids = sorted({c.pk for c in charges})
    if not ids:
        raise PaymentError("Không có khoản nào phải nộp.")
    now = timezone.now()
    with transaction.atomic():
        locked = list(Charge.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        existing = PaymentIntent.objects.filter(idempotency_key=f"{idempotency_key}#{ids[0]}").first()
        if existing is not None:
            members = list(PaymentIntent.objects.filter(group=existing.group).order_by("pk"))
            if sorted(m.charge_id for m in members) != ids:
                raise PaymentError("Khóa chống trùng đã dùng cho các khoản khác.")
        else:
            for charge in locked:
                if charge.cancelled:
                    raise PaymentError("Khoản thu này đã được xác định lại; hãy tải lại trang.")
                if charge.payments.exists():
                    raise PaymentError("Khoản này đã được nộp.")
                if not accepts_payment(charge.dossier):
                    raise PaymentError("Hồ sơ đã kết thúc, không nhận thanh toán.")
            expire_intents(now)
            group = new_reference()
            expires = now + timedelta(minutes=settings.MOTCUA_PAYMENTS_INTENT_MINUTES)
            members = [
                PaymentIntent.objects.create(
                    charge=charge,
                    gateway=gateway,
                    reference=new_reference(),
                    idempotency_key=f"{idempotency_key}#{charge.pk}",
                    amount=charge.amount,
                    created_at=now,
                    expires_at=expires,
                    group=group,
                )
                for charge in locked
            ]
            for member in members:
                audit_record(
                    "payments.intent",
                    obj=member.charge.dossier,
                    data={
                        "reference": member.reference,
                        "group": group,
                        "gateway": gateway,
                        "amount": member.amount,
                    },
                )
    if any(m.status != PaymentIntent.Status.PENDING or m.expires_at <= now for m in members):
        raise PaymentError("Yêu cầu thanh toán này đã hết hạn hoặc đã kết thúc; hãy tạo yêu cầu mới.")
    order = _group_order(
        members[0].group, sum(m.amount for m in members), members[0].created_at, members[0].expires_at, label
    )
    return members, get_gateway(gateway).start(order, return_url=return_url)


def expire_intents(now: datetime | None = None) -> int:
    return PaymentIntent.objects.filter(
        status=PaymentIntent.Status.PENDING, expires_at__lte=now or timezone.now()
    ).update(status="expired")


# --- notifications: exactly once ------------------------------------------------------------------


def receive_notification(gateway: str, data: dict, *, receipts: bool = True) -> str:
    """Check and apply one server-to-server notification; returns its Notification outcome."""
    try:
        notice = get_gateway(gateway).parse_notification(data)
    except BadSignature:
        Notification.objects.create(
            gateway=gateway,
            reference=str(data.get("txn_ref", ""))[:40],
            payload=_safe(data),
            outcome=Outcome.BAD_SIGNATURE,
        )
        return Outcome.BAD_SIGNATURE
    return apply_notice(gateway, notice, receipts=receipts)


def _safe(data) -> dict:
    return {str(k)[:40]: str(v)[:200] for k, v in list(dict(data).items())[:40]}


def apply_notice(gateway: str, notice: Notice, *, receipts: bool = True) -> str:
    refunds, payments = [], []
    with transaction.atomic():
        intent = (
            # Lock the intent row only (no joins: FOR UPDATE would lock the dossier too), found by its
            # unique reference; the default ordering is dropped so the unique index answers alone.
            PaymentIntent.objects.select_for_update()
            .filter(reference=notice.reference, gateway=gateway)
            .order_by()
            .first()
        )
        members = []
        if intent is None and notice.reference:
            members = list(
                PaymentIntent.objects.select_for_update()
                .filter(group=notice.reference, gateway=gateway)
                .order_by("pk")
            )
        if members:
            outcome = _apply_group(members, notice, payments, refunds)
        else:
            outcome = _decide(intent, notice)
            if outcome == "pay":
                payment, outcome, refund = _pay(intent, notice)
                payments += [payment] if payment else []
                refunds += [refund] if refund else []
        Notification.objects.create(
            gateway=gateway,
            reference=notice.reference[:40],
            payload=_safe(notice.raw or {"amount": notice.amount}),
            outcome=outcome,
        )
    for refund in refunds:
        _refund_intent(refund)
    if receipts:
        from .receipts import issue_receipt

        for payment in payments:
            issue_receipt(payment)
    return outcome


def _apply_group(members: list[PaymentIntent], notice: Notice, payments: list, refunds: list) -> str:
    """A grouped transaction's notice: its total must match; then each member is paid as if it had
    been notified alone (its own payment, receipt and refund rules)."""
    if notice.amount != sum(m.amount for m in members):
        return Outcome.BAD_AMOUNT
    outcomes = []
    for member in members:
        part = replace(notice, reference=member.reference, amount=member.amount)
        outcome = _decide(member, part)
        if outcome == "pay":
            payment, outcome, refund = _pay(member, part)
            payments += [payment] if payment else []
            refunds += [refund] if refund else []
        outcomes.append(outcome)
    return Outcome.APPLIED if Outcome.APPLIED in outcomes else outcomes[0]


def _decide(intent: PaymentIntent | None, notice: Notice) -> str:
    S = PaymentIntent.Status
    if intent is None:
        return Outcome.UNKNOWN
    if notice.amount != intent.amount:
        return Outcome.BAD_AMOUNT
    if notice.kind == Kind.PAID:
        if intent.status in (S.PAID, S.REFUNDED) or (intent.status == "refund_due"):
            return Outcome.DUPLICATE
        return "pay"
    if notice.kind == Kind.FAILED and intent.status == S.PENDING:
        intent.status = S.FAILED
        intent.save(update_fields=["status", "updated_at"])
        return Outcome.APPLIED
    return Outcome.STALE  # a pending or failed notice after the outcome is known


def _pay(intent: PaymentIntent, notice: Notice):
    """Record the money; when it cannot be kept (expired, already paid, dossier closed), refund it."""
    S = PaymentIntent.Status
    dossier = intent.charge.dossier
    paid_at = notice.paid_at or timezone.now()
    intent.gateway_txn = notice.transaction_no[:64]
    closed = dossier.is_final or dossier.decision == Decision.REFUSED
    # The gateway's time of payment decides, not our sweep: paid in time is paid even if we marked it expired.
    late = paid_at > intent.expires_at
    if closed or late or intent.charge.cancelled or intent.charge.payments.exists():
        intent.status = "refund_due"
        intent.save(update_fields=["status", "gateway_txn", "updated_at"])
        audit_record(
            "payments.refund_due",
            obj=dossier,
            data={
                "reference": intent.reference,
                "why": "closed" if closed else "expired" if late else "already_paid",
            },
        )
        return None, Outcome.REFUNDED, intent
    intent.status = S.PAID
    intent.save(update_fields=["status", "gateway_txn", "updated_at"])
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                charge=intent.charge,
                intent=intent,
                gateway=intent.gateway,
                amount=notice.amount,
                external_ref=notice.transaction_no[:64],
                paid_at=paid_at,
                receipt_number=_receipt_number(),
            )
    except IntegrityError:  # another channel paid this charge in the meantime
        intent.status = "refund_due"
        intent.save(update_fields=["status", "updated_at"])
        return None, Outcome.REFUNDED, intent
    _after_payment(payment, actor=None)
    return payment, Outcome.APPLIED, None


def _receipt_number() -> str:
    return f"BL{timezone.localdate():%y%m%d}-{secrets.token_hex(4).upper()}"


def _after_payment(payment: Payment, actor) -> None:
    dossier = payment.charge.dossier
    audit_record(
        "payments.paid",
        actor=actor,
        obj=dossier,
        data={
            "receipt": payment.receipt_number,
            "amount": payment.amount,
            "gateway": payment.gateway,
            "reference": payment.external_ref,
        },
    )
    publish(
        "payment.paid",
        "dossier",
        dossier.code,
        {
            "amount": payment.amount,
            "gateway": payment.gateway,
            "receipt": payment.receipt_number,
            "online": payment.gateway in (Gateway.NATIONAL, Gateway.VIETQR),
        },
    )
    _meet_obligation(dossier, payment.receipt_number)


def _meet_obligation(dossier: Dossier, reference: str) -> None:
    dossier.refresh_from_db()
    if dossier.status != Status.FINANCIAL:
        return
    charges = Charge.objects.filter(dossier=dossier, cancelled=False)
    if charges.filter(payments__isnull=True).exists():
        return
    total = paid_total(dossier)
    if total >= dossier.fee_due:
        dossier_services.confirm_payment(dossier, amount=total, reference=reference)


def _refund_intent(intent: PaymentIntent) -> bool:
    # An excess already given back (a partial refund) is not sent twice.
    done_before = Payment.objects.filter(intent=intent, excess_refunded_at__isnull=False)
    given_back = done_before.values_list("excess", flat=True).first() or 0
    try:
        # A member of a grouped transaction is a partial refund of the group's transaction.
        refund_no = get_gateway(intent.gateway).refund(
            intent.group or intent.reference, intent.gateway_txn, intent.amount - given_back
        )
    except GatewayError:
        logger.warning("refund of %s failed; `motcua payments refunds` retries", intent.reference)
        return False
    with transaction.atomic():
        PaymentIntent.objects.filter(pk=intent.pk, status="refund_due").update(
            status=PaymentIntent.Status.REFUNDED
        )
        payment = Payment.objects.filter(intent=intent).first()
        if payment is not None and payment.refunded_at is None:
            payment.refunded_at, payment.refund_ref = timezone.now(), refund_no[:64]
            payment.save(update_fields=["refunded_at", "refund_ref"])
        audit_record(
            "payments.refunded",
            obj=intent.charge.dossier,
            data={"reference": intent.reference, "refund": refund_no, "amount": intent.amount},
        )
    return True


def resolve_pending(intent: PaymentIntent, *, receipts: bool = True) -> str | None:
    """Ask the gateway about an intent we heard nothing of (timeout, lost notification)."""
    asked = intent
    if intent.group:  # the gateway knows the group's transaction, not its members
        members = PaymentIntent.objects.filter(group=intent.group)
        asked = _group_order(
            intent.group, sum(m.amount for m in members), intent.created_at, intent.expires_at, ""
        )
    notice = get_gateway(intent.gateway).query(asked)
    if notice is None:
        if intent.expires_at <= timezone.now():
            expire_intents()
        return None
    return apply_notice(intent.gateway, notice, receipts=receipts)


def resolve_all_pending(*, older_than_seconds: int = 0) -> int:
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    count = 0
    for intent in PaymentIntent.objects.filter(
        status__in=["pending", "expired"], created_at__lte=cutoff, gateway__in=[Gateway.NATIONAL]
    ):
        try:
            if resolve_pending(intent):
                count += 1
        except GatewayError:
            logger.warning("status query of %s failed", intent.reference)
    return count


# --- refunds of closed dossiers -----------------------------------------------------------------


def refund_closed_dossiers() -> int:
    """Money paid online for a dossier that was refused, refused at reception or stopped goes back."""
    closed = Q(charge__dossier__decision=Decision.REFUSED) | Q(
        charge__dossier__status__in=[Status.NOT_RECEIVED, Status.STOPPED]
    )
    due = Payment.objects.filter(closed, refunded_at__isnull=True, intent__isnull=False)
    for payment in due.select_related("intent"):
        PaymentIntent.objects.filter(pk=payment.intent_id, status="paid").update(status="refund_due")
    done = 0
    for intent in PaymentIntent.objects.filter(status="refund_due").select_related("charge__dossier"):
        done += _refund_intent(intent)
    return done + refund_excesses()


# --- counter payments ---------------------------------------------------------------------------


def may_record_counter_payment(officer, dossier: Dossier) -> bool:
    """Who takes money at a counter (thu tiền tại quầy): a reception officer of the receiving agency
    (bộ phận một cửa) or a specialist of the handling agency (where the fee is paid on the spot)."""
    Role = OfficerRole.Role
    return access.has_role_at(officer, dossier.receiving_agency_id, {Role.RECEPTION}) or access.has_role_at(
        officer, dossier.handling_agency_id, {Role.SPECIALIST}
    )


def record_counter_payment(charge: Charge, officer, *, method: str, reference: str) -> Payment:
    """A fee paid at the counter (cash with the receipt-book number, or a card terminal's reference)."""
    if method not in (Gateway.COUNTER_CASH, Gateway.COUNTER_CARD):
        raise PaymentError("Hình thức nộp tại quầy không hợp lệ.")
    reference = (reference or "").strip()
    if not reference or len(reference) > 64:
        raise PaymentError("Ghi số biên lai thu tiền mặt hoặc mã giao dịch của máy POS (tối đa 64 ký tự).")
    if not may_record_counter_payment(officer, charge.dossier):
        raise PaymentError(
            "Chỉ cán bộ tiếp nhận của nơi tiếp nhận hồ sơ hoặc chuyên viên của cơ quan giải quyết "
            "được ghi nhận thu tiền tại quầy."
        )
    try:
        with transaction.atomic():
            charge = Charge.objects.select_for_update().select_related("dossier").get(pk=charge.pk)
            if charge.cancelled or charge.payments.exists():
                raise PaymentError("Khoản này đã được nộp hoặc đã được xác định lại.")
            if not accepts_payment(charge.dossier):
                raise PaymentError("Hồ sơ đã kết thúc hoặc bị từ chối: không thu phí, lệ phí.")
            payment = Payment.objects.create(
                charge=charge,
                gateway=method,
                amount=charge.amount,
                external_ref=reference,
                paid_at=timezone.now(),
                recorded_by=officer,
                receipt_number=_receipt_number(),
            )
            _after_payment(payment, actor=officer)
    except IntegrityError:
        raise PaymentError("Khoản này đã được nộp.") from None
    from .receipts import issue_receipt

    return issue_receipt(payment)


def match_statement(day: date, gateway: str) -> int:
    """Apply the credits of the gateway's statement (the bank's file) that we never heard of."""
    applied = 0
    for line in get_gateway(gateway).statement(day):
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


# --- reconciliation -----------------------------------------------------------------------------


def reconcile(day: date, gateway: str) -> list[ReconciliationLine]:
    """Compare our payments of `day` with the gateway's statement; one line per transaction, and
    for a grouped transaction (a life-event bundle paid once) one line per member: the statement's
    one line is split into each dossier's fee, so each agency reconciles its own money."""
    theirs = {line.reference: line for line in get_gateway(gateway).statement(day)}
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


# --- read-only views for the officers' screens ------------------------------------------------------


def dossier_charges(dossier: Dossier) -> list[Charge]:
    """The dossier's charges in force (replaced ones left out), each with its payments, oldest first."""
    return list(
        Charge.objects.filter(dossier=dossier, cancelled=False)
        .prefetch_related("payments__recorded_by")
        .order_by("id")
    )


def reconciliation_lines(day: date, gateway: str, agency_ids: set[int] | None = None):
    """The stored lines of a day and gateway; `agency_ids` None means every agency (province-wide)."""
    lines = ReconciliationLine.objects.filter(day=day, gateway=gateway)
    lines = lines.select_related("agency", "resolved_by")
    if agency_ids is not None:
        lines = lines.filter(agency_id__in=agency_ids)
    # Open lines first on every database (SQLite and PostgreSQL sort NULLs differently).
    return lines.order_by(F("resolved_at").asc(nulls_first=True), "kind", "reference")
