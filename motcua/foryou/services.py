"""The only code that changes the proactive services' state: kinds, shown, dismissed, refused.

Refusals are read by `engine.evaluate` (page, CLI, sign-in) and by the nightly pass straight
from the Preference table, so a refusal is honoured everywhere from the moment it is saved.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from motcua.audit.services import record as audit_record

from . import engine
from .models import ConsentRecord, Preference, Suggestion, SuggestionTrace, TriggerKind, Watch

logger = logging.getLogger(__name__)

#: Version of the notice text shown beside the refuse / consent buttons (proof of what was shown).
NOTICE_VERSION = "2026-12-v1"
REFUSE_TEXT = (
    "Dịch vụ công chủ động dùng dữ liệu của chính bạn trong các cơ sở dữ liệu quốc gia và hồ sơ bạn đã "
    "nộp để nhắc việc và chuẩn bị sẵn hồ sơ (NĐ 224/2026 Điều 16–17). Bạn có quyền từ chối toàn bộ hoặc "
    "từng loại gợi ý, và bật lại bất cứ lúc nào."
)
REMINDER_CONSENT_TEXT = (
    "Tôi đồng ý nhận nhắc việc qua thư điện tử và tin nhắn SMS đến địa chỉ, số điện thoại trong Cơ sở dữ "
    "liệu quốc gia về dân cư (Luật 91/2025 Điều 9). Tôi có thể rút lại đồng ý bất cứ lúc nào."
)

#: The purpose recorded with each consent, refusal or withdrawal (Luật 91 Điều 9.2: informed consent).
PROACTIVE_PURPOSE = (
    "Nhắc việc và chuẩn bị sẵn hồ sơ từ dữ liệu của chính bạn (dịch vụ công chủ động, NĐ 224/2026 Điều 16–17)"
)
REMINDER_PURPOSE = "Gửi nhắc việc qua thư điện tử và tin nhắn SMS"


def triggers_file() -> Path:
    return Path(settings.BASE_DIR) / "data" / "foryou" / "triggers.json"


def load_kinds(path: Path | None = None) -> tuple[int, int]:
    """Create or update the trigger kinds from the data file; returns (created, updated)."""
    data = json.loads((path or triggers_file()).read_text(encoding="utf-8"))
    created = updated = 0
    fields = (
        "name",
        "source",
        "rule",
        "lead_days",
        "window_days",
        "procedures",
        "level",
        "agency",
        "because",
        "legal_basis",
        "data_basis",
        "version",
    )
    with transaction.atomic():
        for position, row in enumerate(data["kinds"]):
            if not 1 <= int(row["level"]) <= 3:
                raise ValueError(f"{row['code']}: level must be 1, 2 or 3 (no level 4 without a legal basis)")
            defaults = {f: row[f] for f in fields if f in row}
            defaults["position"] = position
            defaults["active"] = row.get("active", True)
            _, was_created = TriggerKind.objects.update_or_create(code=row["code"], defaults=defaults)
            created += was_created
            updated += not was_created
    forget_cached_kinds()
    return created, updated


def ensure_kinds() -> None:
    """Load the shipped kinds the first time they are needed (fresh database, flushed tests)."""
    if not TriggerKind.objects.exists():
        load_kinds()


def forget_cached_kinds() -> None:
    from django.core.cache import cache

    cache.delete_many(["foryou:kinds", "foryou:kind_ids", "foryou:forms", "foryou:catalog"])


# ---- what is shown ----------------------------------------------------------------------------


@dataclass
class Shown:
    suggestion: Suggestion
    candidate: engine.Candidate


def _upsert(candidates, person_id: str, origin: str, kind_ids: dict | None = None) -> dict:
    """The Suggestion rows of these candidates (created when missing), keyed by (kind, due)."""
    kind_ids = kind_ids or engine.kind_ids()
    existing = {
        (s.kind_id, s.due): s
        for s in Suggestion.objects.filter(person_id=person_id, kind_id__in=kind_ids.values())
    }
    rows = {}
    for c in candidates:
        key = (kind_ids[c.kind], c.due)
        row = existing.get(key)
        if row is None:
            row = Suggestion(
                person_id=person_id,
                kind_id=key[0],
                procedure_code=c.procedure,
                agency=c.agency,
                level=c.level,
                due=c.due,
                because=c.because[:400],
                inputs=c.inputs,
                rule_version=c.rule_version,
                origin=origin,
            )
            try:
                with transaction.atomic():
                    row.save()
            except IntegrityError:  # a concurrent request made it
                row = Suggestion.objects.get(person_id=person_id, kind_id=key[0], due=c.due)
        rows[(c.kind, c.due)] = row
    return rows


def refresh_watches(evaluation: engine.Evaluation) -> None:
    """Keep the next date of each kind for the nightly pass (only kinds that answered)."""
    if evaluation.refused:
        Watch.objects.filter(person_id=evaluation.person_id).delete()
        return
    nearest: dict[str, engine.Candidate] = {}
    for c in evaluation.candidates:
        if c.kind not in nearest or c.due < nearest[c.kind].due:
            nearest[c.kind] = c
    kinds = evaluation.kind_ids or engine.kind_ids()
    stored = {
        w.kind_id: w for w in Watch.objects.filter(person_id=evaluation.person_id).select_related("kind")
    }
    # Kinds whose registry answered and found nothing due any more (e.g. a card renewed): forget.
    # Kept while any registry is delayed: a kind may read more than one registry.
    gone = [] if evaluation.delayed else [w.pk for w in stored.values() if w.kind.code not in nearest]
    if gone:
        Watch.objects.filter(pk__in=gone).delete()
    for code, c in nearest.items():
        old = stored.get(kinds[code])
        if old is not None and (old.due, old.procedure_code, old.level, old.because) == (
            c.due,
            c.procedure,
            c.level,
            c.because[:400],
        ):
            continue  # unchanged: no write (the page is read far more often than a date changes)
        Watch.objects.update_or_create(
            person_id=evaluation.person_id,
            kind_id=kinds[code],
            defaults={
                "due": c.due,
                "procedure_code": c.procedure,
                "level": c.level,
                "because": c.because[:400],
                "inputs": c.inputs,
            },
        )


def visible(person_id: str, as_of=None) -> engine.Evaluation:
    """What the person would see (read-only): the evaluation without what they dismissed."""
    evaluation = engine.evaluate(person_id, as_of)
    dismissed = set(
        Suggestion.objects.filter(person_id=person_id, dismissed_at__isnull=False).values_list(
            "kind__code", "due"
        )
    )
    evaluation.candidates = [c for c in evaluation.candidates if (c.kind, c.due) not in dismissed]
    return evaluation


def show(person_id: str, *, channel: str = "page", as_of=None) -> tuple[engine.Evaluation, list[Shown]]:
    """Evaluate, then record each suggestion shown with its trace (inputs and rule version)."""
    evaluation = engine.evaluate(person_id, as_of)
    if evaluation.refused:
        return evaluation, []
    current = evaluation.suggestions  # dismissed ones are dropped below, from the rows read anyway
    now = timezone.now()
    with transaction.atomic():
        rows = _upsert(current, person_id, channel, evaluation.kind_ids)
        shown = []
        traces = []
        for c in current:
            row = rows[(c.kind, c.due)]
            if row.dismissed_at is not None:
                continue
            traces.append(
                SuggestionTrace(
                    suggestion=row,
                    channel=channel,
                    rule_version=c.rule_version,
                    level=c.level,
                    because=c.because[:400],
                    inputs=c.inputs,
                )
            )
            shown.append(Shown(row, c))
        if shown:
            from django.db.models import F
            from django.db.models.functions import Coalesce

            Suggestion.objects.filter(pk__in=[s.suggestion.pk for s in shown]).update(
                shown_count=F("shown_count") + 1, first_shown_at=Coalesce(F("first_shown_at"), now)
            )
            SuggestionTrace.objects.bulk_create(traces)
        refresh_watches(evaluation)
    evaluation.candidates = [c for c in evaluation.candidates if not _dismissed(rows, c)]
    return evaluation, shown


def _dismissed(rows: dict, candidate) -> bool:
    row = rows.get((candidate.kind, candidate.due))
    return row is not None and row.dismissed_at is not None


def dismiss(person_id: str, suggestion_id: int) -> bool:
    """Bỏ qua: the suggestion is not shown again for this due date. False if not theirs."""
    changed = Suggestion.objects.filter(
        pk=suggestion_id, person_id=person_id, dismissed_at__isnull=True
    ).update(dismissed_at=timezone.now())
    return bool(changed)


def _all_scopes() -> set[str]:
    ensure_kinds()
    return set(TriggerKind.objects.values_list("code", flat=True))


def refuse(person_id: str, scope: str = "*", *, channel: str = "web", actor=None) -> Preference:
    """Từ chối: every proactive service (scope "*") or one kind. Honoured at once everywhere."""
    if scope != "*" and scope not in _all_scopes():
        raise ValueError("Loại gợi ý không tồn tại.")
    with transaction.atomic():
        pref, _ = Preference.objects.select_for_update().get_or_create(person_id=person_id)
        if scope == "*":
            pref.refused_all = True
        elif scope not in pref.refused_kinds:
            pref.refused_kinds = sorted([*pref.refused_kinds, scope])
        pref.save()
        ConsentRecord.objects.create(
            person_id=person_id,
            action=ConsentRecord.Action.REFUSE,
            scope=scope,
            purpose=PROACTIVE_PURPOSE,
            text_version=NOTICE_VERSION,
            text=REFUSE_TEXT,
            channel=channel,
        )
        open_rows = Suggestion.objects.filter(
            person_id=person_id, acted_at__isnull=True, refused_at__isnull=True
        )
        if scope != "*":
            open_rows = open_rows.filter(kind__code=scope)
        open_rows.update(refused_at=timezone.now())
        if scope == "*":
            Watch.objects.filter(person_id=person_id).delete()
        else:
            Watch.objects.filter(person_id=person_id, kind__code=scope).delete()
        audit_record(
            "foryou.refuse",
            actor=actor or "citizen",
            object_type="person",
            object_id=person_id,
            data={"scope": scope, "channel": channel, "text_version": NOTICE_VERSION},
        )
    return pref


def allow(person_id: str, scope: str = "*", *, channel: str = "web", actor=None) -> Preference:
    """Bật lại: undo a refusal ("*" clears every refusal)."""
    with transaction.atomic():
        pref, _ = Preference.objects.select_for_update().get_or_create(person_id=person_id)
        if scope == "*":
            pref.refused_all, pref.refused_kinds = False, []
        else:
            pref.refused_kinds = [k for k in pref.refused_kinds if k != scope]
        pref.save()
        ConsentRecord.objects.create(
            person_id=person_id,
            action=ConsentRecord.Action.ALLOW,
            scope=scope,
            purpose=PROACTIVE_PURPOSE,
            text_version=NOTICE_VERSION,
            text=REFUSE_TEXT,
            channel=channel,
        )
        audit_record(
            "foryou.allow",
            actor=actor or "citizen",
            object_type="person",
            object_id=person_id,
            data={"scope": scope, "channel": channel},
        )
    return pref


def set_reminder_consent(person_id: str, given: bool, *, channel: str = "web", actor=None) -> None:
    """E-mail and SMS reminders go beyond the in-app service: they need consent (Luật 91 Điều 9)."""
    with transaction.atomic():
        ConsentRecord.objects.create(
            person_id=person_id,
            action=ConsentRecord.Action.CONSENT if given else ConsentRecord.Action.WITHDRAW,
            scope="reminders",
            purpose=REMINDER_PURPOSE,
            text_version=NOTICE_VERSION,
            text=REMINDER_CONSENT_TEXT,
            channel=channel,
        )
        audit_record(
            "foryou.consent" if given else "foryou.withdraw",
            actor=actor or "citizen",
            object_type="person",
            object_id=person_id,
            data={"scope": "reminders"},
        )


def reminder_consent(person_id: str) -> bool:
    last = ConsentRecord.objects.filter(person_id=person_id, scope="reminders").order_by("-at", "-pk").first()
    return bool(last and last.action == ConsentRecord.Action.CONSENT)


def preference(person_id: str) -> Preference:
    return Preference.objects.filter(person_id=person_id).first() or Preference(person_id=person_id)


# ---- events and sign-in -----------------------------------------------------------------------


def mark_acted(person_id: str, procedure_code: str, dossier_code: str, at=None) -> int:
    """A dossier filed for a suggested procedure within the suggestion's time: acted on (Điều 19)."""
    at = at or timezone.now()
    rows = Suggestion.objects.filter(
        person_id=person_id, acted_at__isnull=True, first_shown_at__isnull=False, first_shown_at__lte=at
    ).select_related("kind")
    done = 0
    for row in rows:
        if procedure_code in row.kind.procedures:
            done += Suggestion.objects.filter(pk=row.pk, acted_at__isnull=True).update(
                acted_at=at, acted_dossier=dossier_code
            )
    return done


def on_event(event) -> None:
    """Subscriber of the event log (same transaction): a bundle step's dossier may move its chain
    on; a new dossier may act on a suggestion."""
    from . import bundles

    bundles.on_event(event)
    if event.topic != "dossier.create":
        return
    from motcua.core.events import held_object
    from motcua.dossiers.models import Dossier

    dossier = held_object(event, "dossier")  # the dossier just created, as its publisher holds it
    if dossier is not None and dossier.code == event.aggregate_id:
        row = {"applicant_id_number": dossier.applicant_id_number, "procedure__code": dossier.procedure.code}
    else:
        row = (
            Dossier.objects.filter(code=event.aggregate_id)
            .values("applicant_id_number", "procedure__code")
            .first()
        )
    if row and len(row["applicant_id_number"] or "") == 12:
        mark_acted(row["applicant_id_number"], row["procedure__code"], event.aggregate_id)


def on_sign_in(sender, request, user, **kwargs) -> None:
    """At sign-in, bring the person's reminder dates up to date (never blocks the sign-in)."""
    person_id = getattr(user, "personal_id", None)
    if getattr(user, "kind", "") != "citizen" or not person_id:
        return
    try:
        refresh_watches(engine.evaluate(person_id))
    except engine.UnknownPerson:
        return
    except Exception:  # noqa: BLE001 — a failed refresh must not stop a sign-in; the nightly pass retries
        logger.exception("foryou: refresh at sign-in failed")


# ---- demo -------------------------------------------------------------------------------------

DEMO_ROLES = ("parent_of_newborn", "expired_card", "business_owner")


def demo_personas() -> list[tuple[str, str, list[str]]]:
    """Give the sandbox personas what they need (idempotent) and say what each would see today."""
    from datetime import datetime

    from motcua.people import datastore
    from motcua.registries.sandbox import demo_people

    people = demo_people()
    owner = people["business_owner"]
    today = timezone.localdate()
    issued = timezone.make_aware(datetime(today.year, 3, 2, 9, 0))
    datastore.store(
        owner.id_number,
        title="Giấy chứng nhận đăng ký hộ kinh doanh",
        source="foryou-demo:hkd",
        kind="result",
        procedure_code="1.001612",
        issuer="Ủy ban nhân dân cấp xã",
        issued_at=issued,
        data={"business_name": f"Hộ kinh doanh {owner.full_name}", "trade": "Bán lẻ tạp hóa"},
    )
    out = []
    for role in DEMO_ROLES:
        person_id = people[role].id_number
        out.append((role, person_id, [c.kind for c in visible(person_id).suggestions]))
    return out
