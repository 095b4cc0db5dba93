"""Reconciliation with the national portal (đối soát): our dossiers against TraCuuHoSo.

`reconcile(repair=False)` looks every dossier up on the portal in chunks and reports what differs:
missing on the portal, another status (TrangThaiHoSo), another appointment date (NgayHenTra), or
fewer progress entries than our history has. `repair=True` queues, for each mismatch, the full record
and the progress entries the portal lacks; the delivery worker sends them (in order, idempotently).
Dossiers with an undelivered message are skipped: the queue will bring them level.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from motcua.dossiers.models import Dossier, DossierHistory

from .client import PortalClient
from .models import OutboxMessage
from .records import RecordIncomplete, dossier_record, portal_code, progress_key, progress_record


@dataclass
class Mismatch:
    code: str
    kind: str  # missing | status | due | progress
    ours: str
    theirs: str

    def line(self) -> str:
        labels = {
            "missing": "chưa có trên Cổng",
            "status": "khác trạng thái",
            "due": "khác ngày hẹn trả",
            "progress": "thiếu quá trình xử lý",
        }
        return f"{self.code}: {labels[self.kind]} (ở đây {self.ours}, trên Cổng {self.theirs})"


@dataclass
class ReconcileReport:
    checked: int = 0
    skipped: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)
    repaired: int = 0

    def lines(self) -> list[str]:
        out = [
            f"Đối soát {self.checked} hồ sơ với Cổng DVC quốc gia: {len(self.mismatches)} sai lệch, "
            f"{self.skipped} đang chờ đồng bộ (bỏ qua), {self.repaired} hồ sơ đã đưa vào hàng đợi sửa."
        ]
        return out + [f"  {m.line()}" for m in self.mismatches]


def _compare(dossier: Dossier, record: dict, theirs: dict | None) -> list[Mismatch]:
    code = record["MaHoSo"]
    if not theirs or not theirs.get("TonTai"):
        return [Mismatch(code, "missing", str(record["TrangThaiHoSo"]), "—")]
    out = []
    if theirs.get("TrangThaiHoSo") != record["TrangThaiHoSo"]:
        out.append(Mismatch(code, "status", str(record["TrangThaiHoSo"]), str(theirs.get("TrangThaiHoSo"))))
    if (theirs.get("NgayHenTra") or "") != record["NgayHenTra"]:
        out.append(Mismatch(code, "due", record["NgayHenTra"] or "—", theirs.get("NgayHenTra") or "—"))
    return out


def _missing_progress(dossier: Dossier, theirs: dict | None) -> list[DossierHistory]:
    known = {progress_key(p) for p in (theirs or {}).get("QuaTrinhXuLy") or []}
    entries = DossierHistory.objects.filter(dossier=dossier).select_related("agency").order_by("id")
    return [e for e in entries if progress_key(progress_record(e, dossier)) not in known]


def reconcile(repair: bool = False, client: PortalClient | None = None, queryset=None) -> ReconcileReport:
    client = client or PortalClient()
    report = ReconcileReport()
    waiting = set(
        OutboxMessage.objects.exclude(state=OutboxMessage.State.SENT).values_list("dossier_id", flat=True)
    )
    qs = (queryset if queryset is not None else Dossier.objects.all()).select_related(
        "procedure__field", "handling_agency", "receiving_agency"
    )
    chunk = settings.MOTCUA_SYNC_RECONCILE_CHUNK
    batch: list[Dossier] = []

    def flush():
        if not batch:
            return
        codes = [{"MaHoSo": portal_code(d)} for d in batch]
        answer = client.call("TraCuuHoSo", codes, agency_code=batch[0].handling_agency.code)
        found = {r.get("MaHoSo"): r for r in answer.get("data") or [] if isinstance(r, dict)}
        for dossier in batch:
            try:
                record = dossier_record(dossier)
            except RecordIncomplete as exc:  # held, not sent: say so in the report
                report.checked += 1
                report.mismatches.append(Mismatch(portal_code(dossier), "NgayHenTra", str(exc), ""))
                continue
            theirs = found.get(record["MaHoSo"])
            problems = _compare(dossier, record, theirs)
            missing = _missing_progress(dossier, theirs)
            if missing and theirs and theirs.get("TonTai"):
                held = len(theirs.get("QuaTrinhXuLy") or [])
                ours = dossier.history.count()
                problems.append(Mismatch(record["MaHoSo"], "progress", f"{ours} mục", f"{held} mục"))
            report.checked += 1
            report.mismatches += problems
            if repair and (problems or missing):
                _queue_repair(dossier, missing)
                report.repaired += 1
        batch.clear()

    for dossier in qs.order_by("id").iterator(chunk_size=chunk):
        if dossier.pk in waiting:
            report.skipped += 1
            continue
        batch.append(dossier)
        if len(batch) >= chunk:
            flush()
    flush()
    return report


def _queue_repair(dossier: Dossier, missing: list[DossierHistory]) -> None:
    now = timezone.now()
    with transaction.atomic():
        rows = [
            OutboxMessage(
                topic="sync.repair",
                dossier=dossier,
                dossier_code=dossier.code,
                next_try_at=now,
                created_at=now,
            )
        ]
        rows += [
            OutboxMessage(
                topic="sync.repair",
                dossier=dossier,
                dossier_code=dossier.code,
                history=entry,
                next_try_at=now,
                created_at=now,
            )
            for entry in missing
        ]
        for row in rows:
            row.save()


def nightly() -> str:
    """The periodic job; repairs too when MOTCUA_SYNC_NIGHTLY_REPAIR (re-sending is idempotent)."""
    report = reconcile(repair=settings.MOTCUA_SYNC_NIGHTLY_REPAIR)
    return f"checked={report.checked} mismatches={len(report.mismatches)}"
