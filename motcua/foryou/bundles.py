"""Life-event bundles (liên thông TTHC): one application, then one linked dossier per procedure.

A bundle is data (data/foryou/bundles.json → Bundle rows). `start()` records the case with the
data asked once, and files every step that waits for nothing through the dossiers' own intake
service (`submit_on_own_portal`): each dossier has its own code, agency, deadline, officers and
national-portal sync, and carries {"bundle": …} in its form data so officers see "part of bundle".
When a step's result is signed, `on_event` (the event-log subscriber) copies the result fields
named in `carries` into the steps that wait for it and files them at once; a refusal stops only the
steps that depend on it. A step whose procedure is not in the catalog is shown as unavailable.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from .models import Bundle, BundleCase, BundleStep

_DONE = (9, 10)  # Đã xử lý xong, Đã trả kết quả
_STOPPED = (3, 8)  # Không được tiếp nhận, Dừng xử lý


class BundleError(ValueError):
    pass


def bundles_file() -> Path:
    return Path(settings.BASE_DIR) / "data" / "foryou" / "bundles.json"


def load_bundles(path: Path | None = None) -> int:
    """Create or update the bundles; a step without a code takes the catalog's procedure of that
    exact name when there is one (procedures added later are picked up on the next load)."""
    from motcua.catalog.models import Procedure

    data = json.loads((path or bundles_file()).read_text(encoding="utf-8"))
    with transaction.atomic():
        for row in data["bundles"]:
            steps = []
            for step in row["steps"]:
                step = dict(step)
                if not step.get("procedure") and step.get("name"):
                    found = Procedure.objects.filter(name__iexact=step["name"]).values_list("code", flat=True)
                    step["procedure"] = found.first() or ""
                steps.append(step)
            Bundle.objects.update_or_create(
                code=row["code"],
                defaults={
                    "name": row["name"],
                    "legal_total": row["legal_total"],
                    "legal_basis": row["legal_basis"],
                    "steps": steps,
                    "active": row.get("active", True),
                },
            )
    return len(data["bundles"])


def ensure_bundles() -> None:
    if not Bundle.objects.exists():
        load_bundles()


def _next_code(now) -> str:
    prefix = f"LT-{now:%y%m%d}-"
    count = BundleCase.objects.filter(code__startswith=prefix).count()
    return f"{prefix}{count + 1:04d}"


def start(user, bundle_code: str, answers: dict, chosen: list[str] | None = None, *, commune_code: str = ""):
    """File the bundle: the case, its steps, and the dossiers of the steps that wait for nothing."""
    ensure_bundles()
    bundle = Bundle.objects.filter(code=bundle_code, active=True).first()
    if bundle is None:
        raise BundleError("Nhóm thủ tục liên thông không tồn tại.")
    person_id = getattr(user, "personal_id", "") or ""
    if len(person_id) != 12:
        raise BundleError("Cần đăng nhập bằng tài khoản định danh điện tử của công dân.")
    choices = {s["key"] for s in bundle.steps if s.get("choice")}
    chosen = list(chosen or [])
    if set(chosen) - choices:
        raise BundleError("Lựa chọn không thuộc nhóm thủ tục này.")
    if choices and not chosen:
        raise BundleError("Hãy chọn ít nhất một chế độ đề nghị giải quyết.")
    with transaction.atomic():
        case = BundleCase.objects.create(
            code=_next_code(timezone.localtime()),
            bundle=bundle,
            person_number=person_id,
            user=user,
            answers={**answers, "commune_code": commune_code},
            chosen=chosen,
        )
        for position, spec in enumerate(bundle.steps):
            if spec.get("choice") and spec["key"] not in chosen:
                state = BundleStep.State.NOT_CHOSEN
            elif not spec.get("procedure"):
                state = BundleStep.State.UNAVAILABLE
            else:
                state = BundleStep.State.WAITING
            step = BundleStep.objects.create(
                case=case,
                key=spec["key"],
                position=position,
                procedure_code=spec.get("procedure", ""),
                name=spec.get("name", ""),
                agency=spec.get("agency", ""),
                after=spec.get("after", ""),
                state=state,
            )
            if state == BundleStep.State.WAITING and not step.after:
                _file(step)
    return case


def _file(step: BundleStep) -> None:
    """Submit this step's dossier through the dossiers' intake service (idempotent per step)."""
    from motcua.catalog.models import Procedure
    from motcua.dossiers import intake

    case = step.case
    procedure = Procedure.objects.filter(code=step.procedure_code).first()
    if procedure is None:
        step.state = BundleStep.State.UNAVAILABLE
        step.save(update_fields=["state"])
        return
    answers = case.answers
    steps = list(case.bundle.steps)
    applicant = intake.Applicant(
        name=str(answers.get("full_name") or getattr(case.user, "full_name", "") or ""),
        id_number=case.person_number,
        address=str(answers.get("permanent_address") or ""),
        phone=str(answers.get("phone") or ""),
        user=case.user,
    )
    receiving = intake.online_receiving_agency(procedure, answers.get("commune_code", ""))
    form_data = {
        **{k: v for k, v in answers.items() if k != "commune_code"},
        **step.carried,
        "bundle": {"code": case.code, "name": case.bundle.name, "step": step.position + 1, "of": len(steps)},
    }
    dossier, _ = intake.submit_on_own_portal(
        procedure,
        applicant,
        receiving,
        submission_key=f"bundle:{case.code}:{step.key}",
        form_data=form_data,
        papers=[],
        summary=f"{procedure.name[:200]} — {applicant.name} (liên thông {case.code})",
    )
    step.dossier, step.state = dossier, BundleStep.State.STARTED
    step.save(update_fields=["dossier", "state"])
    _assess(dossier)


def _assess(dossier) -> None:
    """The fee of a full-online step is assessed at submission, as for an e-form (ADR 0032), so
    the bundle's one fee view and one payment cover it."""
    from motcua.payments import services as payments

    payments.assess_at_submission(dossier)


def on_event(event) -> None:
    """A step's dossier changed: on its result, carry the data on and file what waited for it."""
    if not event.topic.startswith("dossier.") or event.aggregate_type != "dossier":
        return
    status = (event.payload or {}).get("status")
    if status is not None and status not in _STOPPED + _DONE:
        return  # the dossier's status as it was saved with the event: no step of a bundle moves on
    step = (
        BundleStep.objects.select_related("case__bundle", "dossier")
        .filter(dossier__code=event.aggregate_id)
        .first()
    )
    if step is None or step.state != BundleStep.State.STARTED:
        return
    dossier = step.dossier
    if dossier.status in _STOPPED:
        step.state = BundleStep.State.STOPPED
        step.save(update_fields=["state"])
        _block_after(step)
        return
    if dossier.status not in _DONE:
        return
    result = getattr(dossier, "result", None)
    if result is None:
        return  # the chain runs on the signed result, not on the status alone
    step.state = BundleStep.State.DONE
    step.save(update_fields=["state"])
    specs = {s["key"]: s for s in step.case.bundle.steps}
    for waiting in step.case.steps.filter(after=step.key, state=BundleStep.State.WAITING):
        carries = specs.get(waiting.key, {}).get("carries", {})
        waiting.carried = {field: result.data.get(source, "") for field, source in carries.items()}
        waiting.save(update_fields=["carried"])
        _file(waiting)


def _block_after(step: BundleStep) -> None:
    for waiting in step.case.steps.filter(after=step.key, state=BundleStep.State.WAITING):
        waiting.state = BundleStep.State.BLOCKED
        waiting.save(update_fields=["state"])
        _block_after(waiting)


def status(case: BundleCase) -> dict:
    """The combined status: every step with its agency, dossier code and state, and the legal total."""
    rows = []
    for step in case.steps.select_related("dossier", "dossier__handling_agency"):
        dossier = step.dossier
        rows.append(
            {
                "key": step.key,
                "procedure": step.procedure_code,
                "name": step.name,
                "agency": dossier.handling_agency.name if dossier else step.agency,
                "dossier": dossier.code if dossier else "",
                "dossier_status": dossier.get_status_display() if dossier else "",
                "state": step.state,
                "state_label": step.get_state_display(),
            }
        )
    return {
        "code": case.code,
        "bundle": case.bundle.name,
        "legal_total": case.bundle.legal_total,
        "steps": rows,
    }


def cases_of(person_id: str):
    return BundleCase.objects.filter(person_id=person_id).select_related("bundle").order_by("-created_at")


# ---- the one form of a bundle -------------------------------------------------------------------

#: What each bundle asks beyond what the registries hold: (field, label, required).
ASKS = {
    "birth": [("child_full_name", gettext_lazy("Họ, chữ đệm và tên của trẻ"), True)],
    "death": [],
    "household_business": [
        ("business_name", gettext_lazy("Tên hộ kinh doanh"), True),
        ("business_trade", gettext_lazy("Ngành, nghề kinh doanh"), True),
        ("business_address", gettext_lazy("Địa điểm kinh doanh"), True),
    ],
}


def prefill(bundle: Bundle, person_id: str) -> tuple[dict, dict]:
    from motcua.registries.ports import RegistryUnavailable

    from . import engine

    try:
        return _prefill(bundle, person_id)
    except (RegistryUnavailable, engine._Delayed):
        raise BundleError("Cơ sở dữ liệu chưa trả lời, vui lòng thử lại sau.") from None


def _prefill(bundle: Bundle, person_id: str) -> tuple[dict, dict]:
    """(known, defaults): what the registries already hold for this bundle (shown, never asked) and
    the default answers of the fields still asked. Reads only the person's own records."""
    from motcua import registries

    from . import engine

    person = registries.get("population").person(person_id)
    if person is None:
        raise BundleError("Không tìm thấy thông tin của bạn trong Cơ sở dữ liệu quốc gia về dân cư.")
    known = {
        "full_name": person.full_name,
        "id_number": person.id_number,
        "permanent_address": person.permanent_address,
        "commune_code": person.commune_code,
    }
    defaults = {}
    ctx = engine._Context(person_id, timezone.localdate())
    if bundle.code == "birth":
        notices = engine._notices(ctx, "birth")
        if not notices:
            raise BundleError("Chưa có giấy chứng sinh điện tử nào gửi tới bạn.")
        notice = notices[0]
        known.update(
            {
                "relation": "Cha" if notice.get("father_id") == person_id else "Mẹ",
                "child_birth_date": str(notice.get("birth_date") or ""),
                "child_gender": {"male": "Nam", "female": "Nữ"}.get(
                    notice.get("gender"), notice.get("gender", "")
                ),
                "child_birth_place": notice.get("birth_place", ""),
                "mother_id": notice.get("mother_id", ""),
                "father_id": notice.get("father_id", ""),
            }
        )
        defaults["child_full_name"] = notice.get("child_name") or notice.get("full_name") or ""
    elif bundle.code == "death":
        notices = [n for n in engine._notices(ctx, "death") if n.get("deceased_id") != person_id]
        if not notices:
            raise BundleError("Chưa có giấy báo tử nào gửi tới bạn.")
        known.update(
            {"deceased_id": notices[0].get("deceased_id", ""), "died_on": str(notices[0].get("died_on"))}
        )
    elif bundle.code == "household_business":
        defaults["business_address"] = person.permanent_address
    return known, defaults


# ---- one fee view, one payment ------------------------------------------------------------------


def fees(case: BundleCase) -> dict:
    """The bundle's one fee view: every open fee line of every filed step, and what is left to pay."""
    from motcua.payments.models import Charge

    dossier_ids = [s.dossier_id for s in case.steps.all() if s.dossier_id]
    lines = []
    for charge in (
        Charge.objects.filter(dossier_id__in=dossier_ids, cancelled=False)
        .select_related("dossier__procedure")
        .prefetch_related("payments")
        .order_by("dossier__bundle_step__position", "id")
    ):
        paid = any(p.refunded_at is None for p in charge.payments.all())
        lines.append({"charge": charge, "dossier": charge.dossier.code, "paid": paid})
    return {
        "lines": lines,
        "later": _later(case),
        "total": sum(line["charge"].amount for line in lines),
        "due": sum(line["charge"].amount for line in lines if not line["paid"]),
        "open": [line["charge"] for line in lines if not line["paid"]],
    }


def _later(case: BundleCase) -> list[dict]:
    """Steps not filed yet (waiting for an earlier step's result), with the catalog's fee text.

    A fee (lệ phí) is owed for a dossier and assessed when it is filed (Luật Phí và lệ phí 2015;
    ADR 0032): nothing can be collected for a step before its dossier exists. Its fee, if any, is
    paid when it is filed, on this same page with the same one button (ADR 0044)."""
    from motcua.catalog.models import Procedure

    from .presenters import channel_options

    waiting = [s for s in case.steps.all() if s.state == BundleStep.State.WAITING]
    procedures = {p.code: p for p in Procedure.objects.filter(code__in=[s.procedure_code for s in waiting])}
    out = []
    for step in waiting:
        procedure = procedures.get(step.procedure_code)
        options = channel_options(procedure) if procedure else []
        out.append(
            {
                "name": step.name or (procedure.name if procedure else step.procedure_code),
                "agency": step.agency,
                "fee_text": options[0]["fee"] if options else "—",
            }
        )
    return out


def pay(case: BundleCase, gateway: str, *, idempotency_key: str, return_url: str = ""):
    """Pay every open charge of the bundle with one gateway transaction (payments' grouped intent)."""
    from motcua.payments import services as payments

    open_charges = fees(case)["open"]
    if not open_charges:
        raise BundleError(gettext("Hồ sơ liên thông không còn khoản nào phải nộp."))
    try:
        return payments.start_group_payment(
            open_charges,
            gateway,
            idempotency_key=f"bundle:{case.code}:{idempotency_key}"[:60],
            return_url=return_url,
            label=case.code,
        )
    except payments.PaymentError as exc:
        raise BundleError(str(exc)) from None
