"""E-form services: the only code that changes form definitions and drafts.

load_definitions — data/forms/*.json into FormDefinition versions (idempotent).
start_draft      — create (prefilled) or resume the person's draft.
save_page        — validate and keep one page of answers (nothing is kept when the page has errors).
attach_paper     — check and keep one uploaded paper, or reuse one from the data store.
submit           — once per draft: the dossier, the receipt, the measurements.
mark_abandoned   — drafts untouched for MOTCUA_FORM_ABANDON_HOURS.

Submission calls motcua.dossiers.intake (floor 4): the e-forms' submission step sits above the
dossiers on purpose, see docs/adr/0013-interactive-forms.md.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from motcua.audit import services as audit
from motcua.catalog.models import Procedure
from motcua.core import events
from motcua.core.uploads import UploadRejected, check_upload
from motcua.dossiers import intake
from motcua.dossiers.intake import Paper
from motcua.people.datastore import items_of
from motcua.registries import prefill

from . import engine
from .models import Draft, FormDefinition

log = logging.getLogger(__name__)


class FormError(ValueError):
    """Bad input the person can correct; `message` is Vietnamese."""

    def __init__(self, message: str, errors: dict | None = None, page: int | None = None):
        super().__init__(message)
        self.message, self.errors, self.page = message, errors or {}, page


# ---------------------------------------------------------------------------------------------
# Definitions
# ---------------------------------------------------------------------------------------------


def forms_dir() -> Path:
    return Path(settings.MOTCUA_FORMS_DIR)


def load_definitions(directory: Path | None = None) -> list[str]:
    """Load every <procedure code>.json; a changed file makes a new version. Returns report lines."""
    directory = Path(directory or forms_dir())
    report, created, changed, same = [], 0, 0, 0
    for path in sorted(directory.glob("*.json")):
        raw = path.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            report.append(f"BỎ QUA {path.name}: không đọc được JSON ({exc})")
            continue
        code = data.get("procedure_code", path.stem)
        procedure = Procedure.objects.filter(code=code).first()
        if procedure is None:
            report.append(f"BỎ QUA {path.name}: không có thủ tục mã {code} trong danh mục")
            continue
        problems = engine.check_definition(data.get("schema", {}), data.get("ui", {}))
        if problems:
            report.append(f"BỎ QUA {path.name}: " + "; ".join(problems))
            continue
        with transaction.atomic():
            current = (
                FormDefinition.objects.select_for_update()
                .filter(procedure=procedure, is_current=True)
                .first()
            )
            if current is not None and current.content_hash == digest:
                same += 1
                continue
            number = (current.version + 1) if current else 1
            if current is not None:
                current.is_current = False
                current.save(update_fields=["is_current"])
            FormDefinition.objects.create(
                procedure=procedure,
                version=number,
                title=data.get("title") or procedure.name[:300],
                essential=bool(data.get("essential")),
                schema=data["schema"],
                ui=data["ui"],
                content_hash=digest,
                source_path=str(
                    path.relative_to(settings.BASE_DIR) if path.is_relative_to(settings.BASE_DIR) else path
                ),
            )
        if current is None:
            created += 1
            report.append(f"MỚI {code}: {data.get('title')} (phiên bản 1)")
        else:
            changed += 1
            report.append(f"ĐỔI {code}: phiên bản {number}")
    report.append(f"Biểu mẫu: mới {created}, phiên bản mới {changed}, không đổi {same}.")
    return report


def current_form(procedure_code: str) -> FormDefinition | None:
    return (
        FormDefinition.objects.select_related("procedure")
        .filter(procedure__code=procedure_code, is_current=True)
        .first()
    )


def codes_with_forms() -> set[str]:
    return set(FormDefinition.objects.filter(is_current=True).values_list("procedure__code", flat=True))


# ---------------------------------------------------------------------------------------------
# Drafts
# ---------------------------------------------------------------------------------------------


#: Form definitions by id, as read once in this process. What a page reads of one never changes: a
#: changed file makes a new version (load_definitions), the admin shows them read-only, and only
#: `is_current` flips, which no page of a draft reads (current_form() asks the database). Kept
#: without their procedure (a procedure's record may change: read when asked, one query).
_definitions: dict[int, FormDefinition] = {}
_DEFINITIONS_KEPT = 512


def definition(pk: int) -> FormDefinition:
    """The form definition `pk`, a copy of the one this process keeps (its `schema` and `ui` are
    shared and never changed; a relation read on the copy stays on the copy)."""
    kept = _definitions.get(pk)
    if kept is None:
        kept = FormDefinition.objects.get(pk=pk)
        if len(_definitions) >= _DEFINITIONS_KEPT:
            _definitions.clear()
        _definitions[pk] = kept
    return copy.copy(kept)


def forget_definitions(**kwargs) -> None:
    """A definition saved or deleted in this process (loading, tests): read them again."""
    _definitions.clear()


def with_definition(draft: Draft) -> Draft:
    """`draft` with its definition, from this process's copy instead of a join (54 columns and the
    two JSON documents decoded on every page)."""
    Draft.definition.field.set_cached_value(draft, definition(draft.definition_id))
    return draft


def drafts_of(user):
    """The only way views reach drafts: scoped to their owner. Not the dossier: its columns (some
    encrypted) doubled the cost of every form page; the receipt asks for it (views.RECEIPT_RELATED).
    Nor the definition and its procedure: `with_definition()` gives the definition this process
    keeps (no form page shows the procedure; the "saved" page and a lookup of another person's
    record read it when they need it, one query; the submission reads it with the draft's lock)."""
    return Draft.objects.filter(owner=user)


def _previous(owner, acting_for: str, exclude_pk=None) -> tuple[str, dict] | None:
    # The answers and the dossier's code only: the whole dossier row (some columns encrypted) is not needed.
    last = (
        Draft.objects.filter(owner=owner, acting_for_index=acting_for, state=Draft.State.SUBMITTED)
        .exclude(pk=exclude_pk)
        .order_by("-submitted_at")
        .values_list("answers", "dossier__code")
        .first()
    )
    if last is None:
        return None
    answers, code = last
    return (f"hồ sơ {code}" if code else "hồ sơ trước", answers)


def _prefill(draft: Draft, acting: dict, names: list[str] | None = None) -> None:
    """Fill `names` (default: every field with a source) that the person has not typed themselves."""
    ui, schema = draft.definition.ui, draft.definition.schema
    ctx = prefill.Context(
        id_number=draft.owner.personal_id or draft.acting_for,
        acting=acting,
        answers=draft.answers,
        previous=_previous(draft.owner, draft.acting_for, draft.pk),
    )
    # "@" sources read an answer another source may fill: they go last (jsonb keeps no key order).
    ordered = sorted(ui.get("fields", {}).items(), key=lambda item: "@" in (item[1].get("prefill") or ""))
    for name, spec in ordered:
        source = spec.get("prefill")
        if not source or (names is not None and name not in names) or name in draft.touched:
            continue
        if "@" in source:  # the person it points to may have changed: never keep the old one's data
            old = draft.provenance.pop(name, None)
            if old and "value" in old and draft.answers.get(name) == old["value"]:
                draft.answers.pop(name, None)
        if _other_person(draft, source) == "refused":
            draft.provenance[name] = {"unavailable": "tra cứu quá nhiều lần, hãy nhập tay", "source": source}
            continue
        try:
            found = prefill.resolve(source, ctx)
        except prefill.RegistryUnavailable:
            origin = source.split(":", 1)[0]
            draft.provenance[name] = {"unavailable": prefill.LABELS.get(origin, origin), "source": source}
            continue
        if found is None:
            draft.provenance.pop(name, None)
            continue
        value = engine.coerce(schema["properties"].get(name, {}), found.value)
        draft.answers[name] = value
        draft.provenance[name] = {
            "value": value,
            "label": found.label,
            "source": source,
            "locked": found.locked,
        }
    for name, spec in ui.get("fields", {}).items():  # plain defaults, not counted as prefilled
        if "default" in spec and name not in draft.answers:
            draft.answers[name] = spec["default"]


def _other_person(draft: Draft, source: str) -> str:
    """An "@" source reads someone else's record: rate-limited per account and audited."""
    if "@" not in source:
        return ""
    subject = str(draft.answers.get(source.split("@", 1)[1]) or "")
    if not subject or subject == draft.owner.personal_id:
        return ""
    limit, window = settings.MOTCUA_FORM_LOOKUP_RATE
    key = f"eforms:lookup:{draft.owner_id}:{subject}"
    if cache.get(key) is None:  # one count per person looked up, however many fields come from them
        counter = f"eforms:lookups:{draft.owner_id}"
        cache.add(counter, 0, window)
        try:
            count = cache.incr(counter)
        except ValueError:
            cache.set(counter, 1, window)
            count = 1
        if count > limit:
            return "refused"
        cache.set(key, 1, window)
        audit.record(
            "eforms.lookup_person",
            actor=draft.owner,
            object_type="person",
            object_id=subject,
            data={"procedure": draft.definition.procedure.code, "source": source.split("@")[0]},
        )
    return "allowed"


def start_draft(user, definition: FormDefinition, *, acting: dict, signed_in_at=None) -> tuple[Draft, bool]:
    """Resume the open draft for this procedure (on the version it started on) or create a prefilled one."""
    acting_for = acting.get("id_number") or user.personal_id or ""
    existing = (
        Draft.objects.filter(
            owner=user,
            acting_for_index=acting_for,
            state=Draft.State.OPEN,
            definition__procedure_id=definition.procedure_id,
        )
        .order_by("-updated_at")
        .first()
    )
    if existing is not None:
        return existing, False
    draft = Draft(
        owner=user,
        acting_for=acting_for,
        definition=definition,
        signed_in_at=_parse_time(signed_in_at),
    )
    _prefill(draft, acting)
    try:
        with transaction.atomic():
            draft.save()
    except IntegrityError:  # a double click on "start": the other request made it
        return Draft.objects.get(
            owner=user, acting_for_index=acting_for, definition=definition, state=Draft.State.OPEN
        ), False
    return draft, True


def _parse_time(value):
    if value is None or isinstance(value, datetime):
        return value
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _ensure_open(draft: Draft) -> None:
    if draft.state != Draft.State.OPEN:
        raise FormError("Tờ khai này đã nộp hoặc đã hết hạn; không sửa được nữa.")


def posted_answers(draft: Draft, index: int, data) -> dict:
    """The page's posted values, coerced, on top of the saved answers (locked fields ignored)."""
    ui, schema = draft.definition.ui, draft.definition.schema
    merged = dict(draft.answers)
    for name in engine.page_fields(ui, index, merged, visible_only=False):
        if draft.provenance.get(name, {}).get("locked"):
            continue
        widget = engine.field_ui(ui, name).get("widget", "text")
        raw = data.get(name, "")
        if widget == "checkbox":
            raw = "true" if raw else ""
        if not isinstance(raw, str) or len(raw) > 5000:
            raise FormError("Dữ liệu gửi lên không hợp lệ; hãy tải lại trang và nhập lại.")
        merged[name] = engine.coerce(schema["properties"][name], raw)
    return merged


#: The columns a saved page changes (a dependent prefill included) and those the submission sets.
PAGE_FIELDS = ("answers", "provenance", "touched", "current_page", "pages_seen", "updated_at")
SUBMITTED_FIELDS = (
    "state",
    "dossier",
    "submitted_at",
    "signed_in_at",
    "seconds_from_sign_in",
    "seconds_from_open",
    "fields_prefilled",
    "fields_typed",
    "pages_count",
    "updated_at",
)


def save_page(draft: Draft, index: int, data, *, acting: dict, require: bool = True) -> dict:
    """Validate page `index` and keep it; returns the errors (nothing is kept when there are any).

    `require=False` is "Lưu và tiếp tục sau": formats are checked, missing answers are allowed.
    """
    _ensure_open(draft)
    ui, schema = draft.definition.ui, draft.definition.schema
    if not 0 <= index < len(ui.get("pages", [])):
        raise FormError("Trang không tồn tại.")
    merged = posted_answers(draft, index, data)
    fields = engine.page_fields(ui, index, merged)
    errors = engine.validate(schema, ui, fields, merged, require=require)
    if errors:
        return errors
    with transaction.atomic():
        locked = Draft.objects.select_for_update().get(pk=draft.pk)
        _ensure_open(locked)
        changed = []
        for name in engine.page_fields(ui, index, merged, visible_only=False):
            before = locked.answers.get(name, "")
            after = merged.get(name, "")
            if after != before:
                changed.append(name)
                if name not in locked.touched and after not in ("", None, False):
                    locked.touched.append(name)
            if name in fields:
                locked.answers[name] = after
            else:  # hidden by a condition: not asked, not kept
                locked.answers.pop(name, None)
        # Answers that point at another person ("@field") bring in that person's data.
        dependent = [
            n
            for n, s in ui.get("fields", {}).items()
            if "@" in (s.get("prefill") or "") and s["prefill"].split("@", 1)[1] in changed
        ]
        if dependent:
            _prefill(locked, acting, dependent)
        pages = engine.visible_pages(ui, locked.answers)
        later = [p for p in pages if p > index]
        locked.current_page = later[0] if later else index
        locked.pages_seen = max(locked.pages_seen, pages.index(index) + 1 if index in pages else 0)
        # What a page changes: not the person acted for (encrypted again and indexed on every save).
        locked.save(update_fields=PAGE_FIELDS)
    _take_fields(draft, locked)
    return {}


def _take_fields(draft: Draft, saved: Draft) -> None:
    """`draft` as just saved (the row `saved` holds): what refresh_from_db() would read, without its
    query, and keeping the cached definition (refresh_from_db() drops it: one more query)."""
    for f in Draft._meta.concrete_fields:
        setattr(draft, f.attname, getattr(saved, f.attname))


def next_step(draft: Draft, index: int) -> int | None:
    """The next visible page after `index`, or None (then the papers or the check page)."""
    later = [p for p in engine.visible_pages(draft.definition.ui, draft.answers) if p > index]
    return later[0] if later else None


def papers_to_upload(draft: Draft) -> list[dict]:
    return [p for p in engine.visible_papers(draft.definition.ui, draft.answers) if not p.get("held_by")]


def reusable_items(draft: Draft, paper: dict) -> list:
    kinds = paper.get("datastore") or []
    if not kinds:
        return []
    return list(items_of(draft.acting_for).filter(kind__in=kinds).order_by("-issued_at")[:5])


def attach_paper(draft: Draft, key: str, *, upload=None, reuse_item_id: int | None = None) -> None:
    """Keep one paper of the draft: an upload checked by content and size, or an item of the data store."""
    _ensure_open(draft)
    paper = next((p for p in papers_to_upload(draft) if p["key"] == key), None)
    if paper is None:
        raise FormError("Giấy tờ này không thuộc tờ khai.")
    if reuse_item_id is not None:
        item = next((i for i in reusable_items(draft, paper) if i.pk == reuse_item_id), None)
        if item is None:
            raise FormError("Không tìm thấy giấy tờ trong kho dữ liệu của bạn.")
        entry = {"mode": "datastore", "item": item.pk, "title": item.title}
    elif upload is not None:
        try:
            checked = check_upload(upload, settings.MOTCUA_FORM_MAX_UPLOAD_BYTES)
        except UploadRejected as exc:
            raise FormError(exc.message, {key: exc.message}) from exc
        name = f"eforms/{draft.pk}/{key}-{checked.sha256[:16]}.{checked.extension}"
        if not default_storage.exists(name):
            name = default_storage.save(name, upload)
        entry = {
            "mode": "upload",
            "path": name,
            "filename": os.path.basename(upload.name or "")[:120],
            "content_type": checked.content_type,
            "sha256": checked.sha256,
            "size": checked.size,
        }
    else:
        raise FormError("Chọn tệp để tải lên.", {key: "Chọn tệp để tải lên."})
    with transaction.atomic():
        locked = Draft.objects.select_for_update().get(pk=draft.pk)
        _ensure_open(locked)
        locked.papers[key] = entry
        locked.save(update_fields=["papers", "updated_at"])
    _take_fields(draft, locked)


def missing(draft: Draft) -> tuple[int | None, dict]:
    """The first page with errors (or -1 for papers) and its errors; (None, {}) when complete."""
    ui, schema = draft.definition.ui, draft.definition.schema
    for index in engine.visible_pages(ui, draft.answers):
        errors = engine.validate(schema, ui, engine.page_fields(ui, index, draft.answers), draft.answers)
        if errors:
            return index, errors
    absent = {
        p["key"]: f"Tải lên {p['name'][0].lower()}{p['name'][1:]}."
        for p in papers_to_upload(draft)
        if p.get("required", True) and p["key"] not in draft.papers
    }
    return (-1, absent) if absent else (None, {})


# ---------------------------------------------------------------------------------------------
# Submission
# ---------------------------------------------------------------------------------------------


@dataclass
class Receipt:
    draft: Draft
    dossier: object
    created: bool
    answers: list = field(default_factory=list)

    @cached_property
    def due(self):
        """The expected appointment, computed when asked (the receipt page computes its own)."""
        return intake.expected_due(self.dossier)


def metrics_of(draft: Draft) -> dict:
    ui = draft.definition.ui
    visible = engine.all_visible_fields(ui, draft.answers)
    prefilled = [
        n
        for n in visible
        if "value" in draft.provenance.get(n, {}) and draft.answers.get(n) == draft.provenance[n]["value"]
    ]
    typed = [n for n in visible if n in draft.touched and draft.answers.get(n) not in ("", None, False)]
    pages = len(engine.visible_pages(ui, draft.answers)) + (1 if papers_to_upload(draft) else 0) + 1
    return {"fields_prefilled": len(prefilled), "fields_typed": len(typed), "pages_count": pages}


def _form_data(draft: Draft) -> dict:
    ui, schema = draft.definition.ui, draft.definition.schema
    visible = engine.all_visible_fields(ui, draft.answers)
    return {
        "form": {"code": draft.definition.procedure.code, "version": draft.definition.version},
        "answers": {n: draft.answers.get(n, "") for n in visible},
        "labels": {n: engine.label_of(ui, schema, n) for n in visible},
        "prefilled_from": {
            n: draft.provenance[n]["label"]
            for n in visible
            if draft.answers.get(n) == draft.provenance.get(n, {}).get("value", object())
        },
    }


def _papers(draft: Draft) -> list:
    papers = []
    for paper in engine.visible_papers(draft.definition.ui, draft.answers):
        if paper.get("held_by"):
            papers.append(Paper(name=f"{paper['name']} (tra cứu từ {paper['held_by']})", reused=True))
            continue
        entry = draft.papers.get(paper["key"])
        if entry is None:
            continue
        if entry["mode"] == "datastore":
            papers.append(Paper(name=f"{paper['name']} (kho dữ liệu: {entry['title']})", reused=True))
        else:
            handle = default_storage.open(entry["path"], "rb")
            papers.append(
                Paper(
                    name=paper["name"],
                    file=File(handle, name=os.path.basename(entry["path"])),
                    extra={"content_type": entry["content_type"], "sha256": entry["sha256"]},
                )
            )
    return papers


def _commune_of(draft: Draft, acting: dict) -> str:
    """The applicant's commune (for a commune procedure the dossier lands there); "" if unknown."""
    ctx = prefill.Context(id_number=draft.owner.personal_id or draft.acting_for, acting=acting, answers={})
    try:
        found = prefill.resolve("population:commune_code", ctx)
    except prefill.RegistryUnavailable:  # the province's centre receives it instead
        return ""
    return found.value if found else ""


def submit(draft: Draft, *, acting: dict, signed_in_at=None) -> Receipt:
    """Submit once: a second call (double click, retry, lost response) returns the same dossier.

    The applicant's commune is looked up in the population registry before the transaction: an
    outside call (seconds, with retries) never runs while the draft's row is locked, and its
    message-log row is committed whatever happens to the submission. `draft` is the caller's
    (its owner cached when the caller has it, as the views do): it is read again under the lock."""
    owner = draft.owner  # a draft never changes owner
    commune = _commune_of(draft, acting) if draft.dossier_id is None else ""
    with transaction.atomic():
        # The row lock serialises two submits of one draft; the key makes a retry return the first dossier.
        # of=("self",): lock the draft's row only, not the form definition and procedure rows every
        # submission of this procedure joins (PostgreSQL would otherwise queue them one behind another).
        locked = (
            Draft.objects.select_for_update(of=("self",))
            .select_related("definition__procedure__current_version")
            .get(pk=draft.pk)
        )
        locked.owner = owner  # the same account: no second query
        if locked.dossier_id is not None:
            return Receipt(locked, locked.dossier, False)
        _ensure_open(locked)
        page, errors = missing(locked)
        if page is not None:
            raise FormError("Tờ khai còn thiếu thông tin; hãy bổ sung trước khi nộp.", errors, page)
        procedure = locked.definition.procedure
        answers = locked.answers
        address_field = locked.definition.ui.get("applicant_address_field", "permanent_address")
        applicant = intake.Applicant(
            name=acting.get("name") or answers.get("full_name", ""),
            id_number=locked.acting_for,
            kind="organisation" if acting.get("kind") == "organisation" else "citizen",
            address=str(answers.get(address_field) or acting.get("address") or ""),
            phone=str(answers.get("phone") or acting.get("phone") or ""),
            email=str(answers.get("email") or acting.get("email") or ""),
            user=locked.owner,
        )
        links = intake.implementing_links(procedure)  # for the receiving and the handling agency
        receiving = intake.online_receiving_agency(procedure, commune, links)
        papers = _papers(locked)
        try:
            dossier, created = intake.submit_on_own_portal(
                procedure,
                applicant,
                receiving,
                submission_key=str(locked.submission_key),
                form_data=_form_data(locked),
                papers=papers,
                summary=f"{locked.definition.title} — {applicant.name}",
                result_by_post=answers.get("result_delivery") == "Bưu chính",
                links=links,
                # Locked above with no dossier: no dossier has its key (it is the draft's own).
                key_unused=True,
            )
        finally:
            for paper in papers:
                if paper.file is not None:
                    paper.file.close()
        now = timezone.now()
        signed_in = _parse_time(signed_in_at) or locked.signed_in_at
        locked.state, locked.dossier, locked.submitted_at = Draft.State.SUBMITTED, dossier, now
        locked.signed_in_at = signed_in
        locked.seconds_from_sign_in = (now - signed_in).total_seconds() if signed_in else None
        locked.seconds_from_open = (now - locked.opened_at).total_seconds()
        for key, value in metrics_of(locked).items():
            setattr(locked, key, value)
        locked.save(update_fields=SUBMITTED_FIELDS)
        events.publish(
            "eforms.submitted",
            "dossier",
            dossier.code,
            {
                "procedure": procedure.code,
                "form_version": locked.definition.version,
                "seconds_from_sign_in": locked.seconds_from_sign_in,
                "seconds_from_open": locked.seconds_from_open,
                "fields_prefilled": locked.fields_prefilled,
                "fields_typed": locked.fields_typed,
                "pages": locked.pages_count,
            },
            # The dossier as created (or found) here: payments assesses its fee without reading it again.
            held={"dossier": dossier, "created": created},
        )
    return Receipt(locked, dossier, created)


def mark_abandoned(now=None) -> int:
    """Open drafts untouched for MOTCUA_FORM_ABANDON_HOURS become abandoned (they stay readable)."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.MOTCUA_FORM_ABANDON_HOURS)
    count = 0
    with transaction.atomic():
        stale = list(
            Draft.objects.select_for_update()
            .filter(state=Draft.State.OPEN, updated_at__lt=cutoff)
            .select_related("definition__procedure")
        )
        for draft in stale:
            Draft.objects.filter(pk=draft.pk).update(state=Draft.State.ABANDONED, abandoned_at=now)
            events.publish(
                "eforms.abandoned",
                "form_draft",
                str(draft.pk),
                {
                    "procedure": draft.definition.procedure.code,
                    "page": draft.current_page,
                    "seconds_open": (draft.updated_at - draft.opened_at).total_seconds(),
                },
            )
            count += 1
    return count
