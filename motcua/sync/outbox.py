"""The outbox to the national portal (hàng đợi đồng bộ Cổng DVCQG) and its delivery worker.

* `on_event(event)` — the core.events subscriber: one OutboxMessage per dossier state change, in the
  publisher's transaction (a rolled-back change leaves no message).
* `deliver_due(now=None, limit=None)` — sends the messages that are due, in order per dossier, each
  as DongBoHoSoMC (full record) then CapNhatTienDoHoSoMC (its history entry). Safe on N workers: a
  message is claimed by a conditional UPDATE that moves its `next_try_at` by a lease.
* `replay(ids=None)` — puts dead letters back in the queue (an operator, after fixing the cause).

Claim, backoff, dead letters and replay are the shared delivery kernel's (`core.delivery.RowQueue`).
Failures: unreachable / timeout / HTTP 5xx → retried with exponential backoff and full jitter,
dead after MOTCUA_SYNC_MAX_ATTEMPTS; a refusal (error_code ≠ 0), an HTTP 4xx or a malformed answer
→ dead at once (sending the same again gives the same answer).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from motcua.core import events
from motcua.core.delivery import RowQueue
from motcua.dossiers.models import Dossier, DossierHistory
from motcua.exchange.client import ExchangeError

from .client import MalformedAnswer, PortalClient, PortalRefused
from .models import OutboxMessage
from .records import RECORD_PREFETCH, RECORD_SELECT, RecordIncomplete, dossier_record, progress_record

logger = logging.getLogger(__name__)
State = OutboxMessage.State
#: Exchange outcomes that mean "the portal may work again later".
TRANSIENT = {"timeout", "connection_error", "circuit_open"}


def _delivers(event) -> bool:
    """Dossier state changes: creation and every transition (they carry `from_status`)."""
    if event.aggregate_type != "dossier" or not event.topic.startswith("dossier."):
        return False
    return event.topic == "dossier.create" or "from_status" in (event.payload or {})


def on_event(event) -> OutboxMessage | None:
    """core.events subscriber; runs inside the transaction that published the event."""
    if not _delivers(event):
        return None
    # The dossier and the history entry written just before the event, in the same transaction:
    # as the publisher holds them (dossiers.records), else read.
    dossier = events.held_object(event, "dossier")
    entry = events.held_object(event, "history")
    if dossier is None or dossier.code != event.aggregate_id:
        dossier = Dossier.objects.only("pk", "code").filter(code=event.aggregate_id).first()
        entry = None
    if dossier is None:
        return None
    if entry is None or entry.dossier_id != dossier.pk:
        entry = DossierHistory.objects.filter(dossier=dossier).order_by("-id").only("pk").first()
    now = timezone.now()
    return OutboxMessage.objects.create(
        event_id=event.pk,
        topic=event.topic,
        dossier=dossier,
        dossier_code=dossier.code,
        history=entry,
        next_try_at=now,
        created_at=event.created_at or now,
    )


def enqueue_full_record(dossier: Dossier, topic: str = "sync.repair") -> OutboxMessage:
    """A message that re-sends the dossier's full record only (reconciliation's repair)."""
    now = timezone.now()
    return OutboxMessage.objects.create(
        topic=topic, dossier=dossier, dossier_code=dossier.code, next_try_at=now, created_at=now
    )


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    skipped: int = 0
    lags: list[float] = field(default_factory=list)

    def __str__(self) -> str:
        return f"sent={self.sent} retried={self.retried} dead={self.dead} skipped={self.skipped}"


#: Claim with a lease, backoff with full jitter, dead letters, replay: the shared delivery kernel.
QUEUE = RowQueue(
    OutboxMessage,
    "sync",
    lease_seconds=lambda: settings.MOTCUA_SYNC_LEASE_SECONDS,
    max_attempts=lambda: settings.MOTCUA_SYNC_MAX_ATTEMPTS,
    backoff_seconds=lambda: settings.MOTCUA_SYNC_BACKOFF_SECONDS,
    backoff_cap_seconds=lambda: settings.MOTCUA_SYNC_BACKOFF_MAX_SECONDS,
)


def _backoff(attempts: int) -> float:
    return QUEUE.retry_in(attempts)


def due_messages(now, limit: int):
    """Pending, due messages with no earlier pending or dead message of the same dossier."""
    earlier = OutboxMessage.objects.filter(
        dossier_code=OuterRef("dossier_code"), id__lt=OuterRef("id"), state__in=[State.PENDING, State.DEAD]
    )
    return (
        OutboxMessage.objects.filter(state=State.PENDING, next_try_at__lte=now)
        .exclude(Exists(earlier))
        .order_by("id")[:limit]
    )


def _claim(message: OutboxMessage, now) -> bool:
    return QUEUE.claim(message, now)


def _send(message: OutboxMessage, client: PortalClient) -> None:
    dossier = Dossier.objects.select_related("procedure__field", "handling_agency", "receiving_agency").get(
        pk=message.dossier_id
    )
    agency = dossier.handling_agency.code
    # After the first success the portal holds the dossier: the record is an update (and idempotent).
    updating = (
        bool(dossier.national_code)
        or OutboxMessage.objects.filter(dossier_code=message.dossier_code, state=State.SENT).exists()
    )
    client.call("DongBoHoSoMC", [dossier_record(dossier)], agency_code=agency, updating=updating)
    if message.history_id:
        entry = DossierHistory.objects.select_related("agency").get(pk=message.history_id)
        client.call("CapNhatTienDoHoSoMC", [progress_record(entry, dossier)], agency_code=agency)


def _fail(message: OutboxMessage, error: str, *, permanent: bool, report: DeliveryReport) -> None:
    dead, _ = QUEUE.fail(message, error, permanent=permanent)
    if dead:
        report.dead += 1
    else:
        report.retried += 1


def _mark_sent(messages: list[OutboxMessage], report: DeliveryReport) -> None:
    sent_at = timezone.now()
    OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).update(
        state=State.SENT, sent_at=sent_at, last_error=""
    )
    report.sent += len(messages)
    report.lags += [(sent_at - m.created_at).total_seconds() for m in messages]


def _is_transient(exc: ExchangeError) -> bool:
    return exc.outcome in TRANSIENT or (exc.status or 0) >= 500 or exc.status in (408, 429)


def _send_batch(groups: list[list[OutboxMessage]], client: PortalClient) -> None:
    """Many dossiers in few calls: one DongBoHoSoMC per (madonvi, isUpdating), then one
    CapNhatTienDoHoSoMC per madonvi with every progress entry, in order per dossier."""
    ids = [g[0].dossier_id for g in groups]
    dossiers = Dossier.objects.select_related(*RECORD_SELECT).prefetch_related(*RECORD_PREFETCH).in_bulk(ids)
    codes = [g[0].dossier_code for g in groups]
    known = set(
        OutboxMessage.objects.filter(dossier_code__in=codes, state=State.SENT).values_list(
            "dossier_code", flat=True
        )
    )
    entry_ids = [m.history_id for g in groups for m in g if m.history_id]
    entries = DossierHistory.objects.select_related("agency").in_bulk(entry_ids)
    records: dict[tuple[str, bool], list[dict]] = {}
    progress: dict[str, list[dict]] = {}
    for group in groups:
        dossier = dossiers.get(group[0].dossier_id)
        if dossier is None:
            raise Dossier.DoesNotExist
        agency = dossier.handling_agency.code
        updating = bool(dossier.national_code) or dossier.code in known
        records.setdefault((agency, updating), []).append(dossier_record(dossier))
        for message in group:
            if message.history_id in entries:
                progress.setdefault(agency, []).append(progress_record(entries[message.history_id], dossier))
    for (agency, updating), batch in records.items():
        client.call("DongBoHoSoMC", batch, agency_code=agency, updating=updating)
    for agency, batch in progress.items():
        client.call("CapNhatTienDoHoSoMC", batch, agency_code=agency)


def _deliver_one_by_one(groups, client: PortalClient, report: DeliveryReport) -> bool:
    """After a batch was refused: each message alone, to dead-letter only the one at fault.
    False when the portal went down meanwhile."""
    for group in groups:
        for message in group:
            try:
                _send(message, client)
            except ExchangeError as exc:
                _fail(message, str(exc), permanent=not _is_transient(exc), report=report)
                if _is_transient(exc):
                    return False
                break
            except (PortalRefused, MalformedAnswer, RecordIncomplete) as exc:
                _fail(message, str(exc), permanent=True, report=report)
                break
            except Dossier.DoesNotExist:
                _fail(message, "Hồ sơ không còn trong hệ thống.", permanent=True, report=report)
                break
            _mark_sent([message], report)
    return True


def _round(now, limit: int, client: PortalClient, report: DeliveryReport) -> bool:
    """One pass over the due heads; False when the portal is down (stop for now)."""
    groups = []
    for head in list(due_messages(now, limit)):
        if not _claim(head, timezone.now()):
            report.skipped += 1
            continue
        # The head is ours: the dossier's later messages wait behind it, so they go with it, in order.
        followers = OutboxMessage.objects.filter(
            dossier_code=head.dossier_code, state=State.PENDING, id__gt=head.pk
        ).order_by("id")
        groups.append([head, *followers])
    size = max(1, settings.MOTCUA_SYNC_RECORDS_PER_CALL)
    for start in range(0, len(groups), size):
        chunk = _still_ours(groups[start : start + size], report)
        if not chunk:
            continue
        try:
            _send_batch(chunk, client)
        except ExchangeError as exc:
            if _is_transient(exc):
                for group in groups[start:]:
                    _fail(group[0], str(exc), permanent=False, report=report)
                return False
            refused = True
        except (PortalRefused, MalformedAnswer, RecordIncomplete, Dossier.DoesNotExist):
            refused = True
        else:
            refused = False
        if refused:
            if not _deliver_one_by_one(chunk, client, report):
                for group in groups[start + size :]:
                    _fail(group[0], "Cổng DVCQG không phản hồi.", permanent=False, report=report)
                return False
            continue
        _mark_sent([m for group in chunk for m in group], report)
    return True


def _still_ours(groups: list[list[OutboxMessage]], report: DeliveryReport) -> list[list[OutboxMessage]]:
    """A round claims its heads first and sends them chunk after chunk, which can take longer than
    the lease (a slow portal, a loaded machine): before each chunk, renew the lease of heads with
    less than half of it left, and drop a group whose lease ran out and that another drain took
    (it sends it): without this both would send it (seen in `bench queue` on PostgreSQL)."""
    now = timezone.now()
    half = timedelta(seconds=settings.MOTCUA_SYNC_LEASE_SECONDS / 2)
    if all(group[0].next_try_at - now > half for group in groups):
        return groups
    kept = []
    with transaction.atomic():  # one commit for the chunk's renewals
        for group in groups:
            if group[0].next_try_at - now > half or QUEUE.claim(group[0], now):
                kept.append(group)
            else:
                report.skipped += 1
    return kept


def deliver_due(now=None, limit: int | None = None, client: PortalClient | None = None) -> DeliveryReport:
    """Send what is due, round after round, for at most MOTCUA_SYNC_RUN_SECONDS; stops at the first
    sign the portal is down (the rest waits for its backoff)."""
    report = DeliveryReport()
    limit = limit or settings.MOTCUA_SYNC_BATCH
    client = client or PortalClient()
    started = time.monotonic()
    while True:
        before = report.sent + report.dead
        up = _round(now or timezone.now(), limit, client, report)
        now = None
        progressed = report.sent + report.dead > before
        if not up or not progressed or time.monotonic() - started > settings.MOTCUA_SYNC_RUN_SECONDS:
            return report


def deliver_all(timeout: float = 60.0, client: PortalClient | None = None) -> DeliveryReport:
    """Deliver until nothing is due (or `timeout` seconds): `motcua sync deliver --once`, tests."""
    total = DeliveryReport()
    started = time.monotonic()
    client = client or PortalClient()
    while time.monotonic() - started < timeout:
        report = deliver_due(client=client)
        for name in ("sent", "retried", "dead", "skipped"):
            setattr(total, name, getattr(total, name) + getattr(report, name))
        total.lags += report.lags
        if not (report.sent or report.skipped):
            break
    return total


def dead_letters():
    return QUEUE.dead_letters()


def replay(ids: list[int] | None = None) -> int:
    """Put dead letters (all, or these ids) back in the queue, due now; the count replayed."""
    return QUEUE.replay(ids)
