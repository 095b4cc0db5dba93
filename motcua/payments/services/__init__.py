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

One module per job, and this package is their one entry (`from motcua.payments import services`):
`assessment` (what is owed), `at_submission` (paid before the notice, settled against it; the event
subscriber), `intents` (paying online), `notices` (the gateways' answers, exactly once, and refunds),
`recording` (a payment recorded: receipt number, audit, event), `counter` (paid at the counter),
`reconciliation` (against the statements), `errors`. The gateway of a call is
`payments.gateways.get_gateway(code)`, looked up at call time.
"""

from .assessment import (
    accepts_payment,
    assess,
    catalog_channel,
    dossier_charges,
    fee_legal_basis,
    open_charges,
    paid_total,
    quote,
)
from .at_submission import (
    BEFORE_NOTICE,
    assess_at_submission,
    assess_waiting,
    offers_payment_at_submission,
    on_event,
    refund_excesses,
    settle_paid_in_advance,
    unpaid_before_notice,
)
from .counter import may_record_counter_payment, record_counter_payment
from .errors import PaymentError
from .intents import expire_intents, new_reference, start_group_payment, start_payment
from .notices import (
    apply_notice,
    receive_notification,
    refund_closed_dossiers,
    resolve_all_pending,
    resolve_pending,
)
from .reconciliation import match_statement, reconcile, reconciliation_lines, resolve_line

__all__ = [
    "BEFORE_NOTICE",
    "PaymentError",
    "accepts_payment",
    "apply_notice",
    "assess",
    "assess_at_submission",
    "assess_waiting",
    "catalog_channel",
    "dossier_charges",
    "expire_intents",
    "fee_legal_basis",
    "match_statement",
    "may_record_counter_payment",
    "new_reference",
    "offers_payment_at_submission",
    "on_event",
    "open_charges",
    "paid_total",
    "quote",
    "receive_notification",
    "reconcile",
    "reconciliation_lines",
    "record_counter_payment",
    "refund_closed_dossiers",
    "refund_excesses",
    "resolve_all_pending",
    "resolve_line",
    "resolve_pending",
    "settle_paid_in_advance",
    "start_group_payment",
    "start_payment",
    "unpaid_before_notice",
]
