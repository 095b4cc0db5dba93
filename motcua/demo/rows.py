"""The rows of the demo year: the column layout of each table the generator writes, and the
writing of a batch of generated lives (dossiers, papers, steps, history, appointment changes,
then charges, payments, ratings, feedback cases, e-form drafts) and of the day's code counters,
as the services would have left them. Never for production.
"""

from __future__ import annotations

import time as _time
import uuid
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction

from motcua.core.models import DossierCodeCounter
from motcua.dossiers.models import (
    Dossier,
    DossierDocument,
    DossierHistory,
    DossierStep,
    DueDateChange,
)
from motcua.eforms.models import Draft
from motcua.feedback.models import FeedbackCase, Rating
from motcua.payments.models import Charge, Gateway, Payment

from .bulk import Sink

if TYPE_CHECKING:
    from .history import _Life


DOSSIER_COLUMNS = [
    "id", "code", "national_code", "procedure_id", "procedure_version_id", "channel", "applicant_kind",
    "applicant_name", "applicant_id_number", "applicant_address", "applicant_phone", "applicant_email",
    "applicant_user_id", "summary", "form_data", "receiving_agency_id", "handling_agency_id", "assignee_id",
    "status", "resume_status", "submitted_at", "received_at", "counting_start", "due_at", "reply_due_at",
    "replied_at", "paused_at", "restart_on_resume", "finished_at", "returned_at", "refused_at",
    "time_amount", "time_unit", "supplement_count", "counts_as_overdue", "apology_count", "fee_due",
    "fee_paid", "result_by_post", "decision", "decision_reason", "version", "created_at", "updated_at",
    "current_step_agency_id", "current_step_role",
]  # fmt: skip
DOCUMENT_COLUMNS = [
    "id", "dossier_id", "requirement_id", "name", "originals", "copies", "file", "content_type", "sha256",
    "digitised", "reused", "is_supplement", "added_at",
]  # fmt: skip
STEP_COLUMNS = [
    "id", "dossier_id", "position", "name", "role", "agency_id", "share_hours", "due_at", "started_at",
    "finished_at", "officer_id",
]  # fmt: skip
HISTORY_COLUMNS = [
    "id", "dossier_id", "at", "action", "label", "from_status", "to_status", "actor_id", "actor_name",
    "actor_title", "agency_id", "note", "data",
]  # fmt: skip
DUE_CHANGE_COLUMNS = ["id", "dossier_id", "at", "old_due_at", "new_due_at", "reason"]
CHARGE_COLUMNS = [
    "id", "dossier_id", "fee_line_id", "name", "quantity", "unit_amount", "reduction", "amount",
    "legal_basis", "assessed_at", "cancelled",
]  # fmt: skip
PAYMENT_COLUMNS = [
    "id", "charge_id", "intent_id", "gateway", "amount", "external_ref", "paid_at", "recorded_by_id",
    "receipt_number", "receipt_file", "receipt_sha256", "refunded_at", "refund_ref",
]  # fmt: skip
RATING_COLUMNS = ["id", "dossier_id", "rater_id", "level", "comment", "created_at"]
CASE_COLUMNS = [
    "id", "code", "dossier_id", "rating_id", "submitter_id", "submitter_name", "submitter_id_number",
    "agency_id", "subject", "content", "status", "repeated", "opened_at", "accept_due_at", "decided_at",
    "answer_due_at", "answered_at", "publish_due_at", "published_at", "handled_by_id", "officer_note",
    "answer", "reaction", "version",
]  # fmt: skip
DRAFT_COLUMNS = [
    "id", "owner_id", "acting_for", "definition_id", "state", "answers", "provenance", "papers", "touched",
    "current_page", "pages_seen", "submission_key", "signed_in_at", "opened_at", "updated_at", "submitted_at",
    "abandoned_at", "dossier_id", "seconds_from_sign_in", "seconds_from_open", "fields_prefilled",
    "fields_typed", "pages_count",
]  # fmt: skip


class LifeRows:
    """Writing of `DemoGenerator`: reads its `using` and `report`."""

    def _existing_counters(self, first: date) -> dict[tuple[str, date], int]:
        return {
            (scope, day): value
            for scope, day, value in DossierCodeCounter.objects.using(self.using)
            .filter(day__gte=first)
            .values_list("scope", "day", "last_value")
        }

    def _write_counters(self, sink: Sink, counters: dict) -> None:
        """Upsert each (scope, day) to at least the last number used, as codes.next_sequence would."""
        conn = sink.connection
        qn = conn.ops.quote_name
        table = qn(DossierCodeCounter._meta.db_table)
        last = qn("last_value")
        greatest = "GREATEST" if sink.pg else "MAX"
        sql = (
            f"INSERT INTO {table} ({qn('scope')}, {qn('day')}, {last}) VALUES (%s, %s, %s) "  # noqa: S608
            f"ON CONFLICT ({qn('scope')}, {qn('day')}) DO UPDATE SET {last} = "
            f"{greatest}({table}.{last}, EXCLUDED.{last})"
        )
        with transaction.atomic(using=self.using), conn.cursor() as cursor:
            cursor.executemany(
                sql, [(s, conn.ops.adapt_datefield_value(d), v) for (s, d), v in counters.items()]
            )

    def _flush(self, sink: Sink, lives: list[_Life]) -> int:
        if not lives:
            return 0
        started = _time.perf_counter()
        with transaction.atomic(using=self.using):
            sink.begin_batch()
            dossier_ids = sink.reserve_ids(Dossier, len(lives))
            children = [
                (DossierDocument, DOCUMENT_COLUMNS, "docs"),
                (DossierStep, STEP_COLUMNS, "steps"),
                (DossierHistory, HISTORY_COLUMNS, "history"),
                (DueDateChange, DUE_CHANGE_COLUMNS, "due_changes"),
            ]
            written = list(zip(dossier_ids, lives, strict=True))
            sink.write(Dossier, DOSSIER_COLUMNS, [self._dossier_row(pk, life) for pk, life in written])
            self.report.statuses.update(life.status for life in lives)
            self.report.channels.update(life.row["channel"] for life in lives)
            for model, columns, attr in children:
                items = [(pk, item) for pk, life in written for item in getattr(life, attr)]
                ids = sink.reserve_ids(model, len(items))
                sink.write(model, columns, [(i, pk, *item) for i, (pk, item) in zip(ids, items, strict=True)])
            self._flush_followers(sink, written)
            sink.end_batch()
        self.report.write_seconds += _time.perf_counter() - started
        return len(lives)

    def _flush_followers(self, sink: Sink, written: list[tuple[int, _Life]]) -> None:
        """Charges and payments, ratings, feedback cases and e-form drafts of the batch."""
        charged = [(pk, life) for pk, life in written if life.charge]
        paid = [(pk, life) for pk, life in charged if life.payment]
        rated = [(pk, life) for pk, life in written if life.rating]
        cases = [(pk, life, case) for pk, life in written for case in life.cases]
        drafts = [(pk, life, d) for pk, life in written for d in life.drafts]
        charge_ids = dict(zip((pk for pk, _ in charged), sink.reserve_ids(Charge, len(charged)), strict=True))
        payment_ids = iter(sink.reserve_ids(Payment, len(paid)))
        rating_ids = dict(zip((pk for pk, _ in rated), sink.reserve_ids(Rating, len(rated)), strict=True))
        case_ids = iter(sink.reserve_ids(FeedbackCase, len(cases)))
        draft_ids = iter(sink.reserve_ids(Draft, len(drafts)))
        sink.write(Charge, CHARGE_COLUMNS, [
            (charge_ids[pk], pk, None, "Phí, lệ phí giải quyết thủ tục", 1, life.charge[1], 0, life.charge[1],
             "Theo mức thu công bố trong thủ tục hành chính", life.charge[0], False)
            for pk, life in charged
        ])  # fmt: skip
        sink.write(Payment, PAYMENT_COLUMNS, [
            (next(payment_ids), charge_ids[pk], None, life.payment[0], life.charge[1],
             "" if life.payment[2] else f"DEMO{pk:010d}", life.payment[1], life.payment[2],
             f"BL-{life.row['code']}", "", "", None, "")
            for pk, life in paid
        ])  # fmt: skip
        sink.write(Rating, RATING_COLUMNS, [
            (rating_ids[pk], pk, life.row["user"], life.rating[0], life.rating[2], life.rating[1])
            for pk, life in rated
        ])  # fmt: skip
        sink.write(FeedbackCase, CASE_COLUMNS, [
            (next(case_ids), c["code"], pk, rating_ids.get(pk) if c["rated"] else None, life.row["user"],
             life.row["person"].name, life.row["person"].id_number, life.row["handling"].pk,
             f"{c['subject']} {life.row['code']}"[:200], c["content"], c["status"], False, c["opened_at"],
             c["accept_due_at"], c["decided_at"], c["answer_due_at"], c["answered_at"], c["publish_due_at"],
             c["published_at"], c["handled_by"], c["officer_note"], c["answer"], c["reaction"], c["version"])
            for pk, life, c in cases
        ])  # fmt: skip
        f = self.report.followers
        online_gateways = (Gateway.NATIONAL, Gateway.VIETQR)
        f["paid_online"] += sum(1 for _pk, life in paid if life.payment[0] in online_gateways)
        f["paid_counter"] += sum(1 for _pk, life in paid if life.payment[0] not in online_gateways)
        f["ratings"] += len(rated)
        f["cases"] += len(cases)
        f["drafts_submitted"] += sum(1 for _pk, _life, d in drafts if d[0] == "submitted")
        f["drafts_abandoned"] += sum(1 for _pk, _life, d in drafts if d[0] == "abandoned")
        namespace = uuid.UUID("6d6f7463-7561-4465-8d6f-686973746f72")  # fixed: the same keys for a seed
        sink.write(Draft, DRAFT_COLUMNS, [
            (next(draft_ids), d[1], d[2], d[3], d[0], {}, {}, {}, [], d[4], d[5],
             uuid.uuid5(namespace, f"{life.row['code']}/{i}"), d[6], d[7], d[8], d[9], d[10],
             pk if d[11] else None, *d[12:])
            for pk, life in written for i, d in enumerate(life.drafts)
        ])  # fmt: skip

    def _dossier_row(self, pk: int, life: _Life) -> tuple:
        row = life.row
        p, person = row["procedure"], row["person"]
        last = life.history[-1][0] if life.history else row["submitted_at"]
        # As services.perform (clock.follow_current_step): the first unfinished step's agency and role.
        current = next(((step[3], step[2]) for step in life.steps if step[7] is None), (None, ""))
        return (
            pk, row["code"], row["national_code"], p.pk, p.current_version_id, row["channel"], person.kind,
            person.name, person.id_number, person.address[:300], person.phone[:20], person.email, row["user"],
            p.name[:500], {}, row["receiving"].pk, row["handling"].pk, row["assignee"], life.status,
            life.resume_status, row["submitted_at"], row["received_at"], row["counting_start"], life.due_at,
            row["reply_due_at"], row["replied_at"], life.paused_at, False, row["finished_at"],
            row["returned_at"], row["refused_at"], row["time_amount"], row["time_unit"] or "",
            row.get("supplement_count", 0), row["counts_as_overdue"], row["apology_count"], row["fee_due"],
            row["fee_paid"], row["result_by_post"], row["decision"], row["decision_reason"], life.version,
            row["submitted_at"], last, *current,
        )  # fmt: skip
