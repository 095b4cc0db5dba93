"""What the e-form templates show: rows of fields with their values, errors and provenance."""

from django.urls import reverse

from motcua.dossiers.intake import expected_due
from motcua.payments.services import unpaid_before_notice

from . import engine, services

_INPUT_TYPES = {"text": "text", "email": "email", "tel": "tel", "date": "date", "number": "text"}


def _options(schema_prop: dict, spec: dict) -> list[str]:
    return spec.get("options") or schema_prop.get("enum") or []


def _live(condition: dict) -> bool:
    """Conditions the static JS can re-evaluate in the page (one field, equals / not_equals)."""
    return bool(condition) and ("equals" in condition or "not_equals" in condition)


def _json_text(value) -> str:
    return "true" if value is True else "false" if value is False else str(value)


def field_row(draft, name: str, value, error: str = "") -> dict:
    ui, schema = draft.definition.ui, draft.definition.schema
    spec, prop = engine.field_ui(ui, name), schema["properties"][name]
    origin = draft.provenance.get(name, {})
    widget = spec.get("widget") or ("date" if prop.get("format") == "date" else "text")
    condition = spec.get("show_if") or {}
    row = {
        "name": name,
        "id": f"f-{name}",
        "label": engine.label_of(ui, schema, name),
        "hint": spec.get("hint", ""),
        "widget": widget,
        "input_type": _INPUT_TYPES.get(widget, "text"),
        "inputmode": "numeric" if widget == "number" or spec.get("numeric") else "",
        "autocomplete": spec.get("autocomplete", ""),
        "options": _options(prop, spec),
        "value": "" if value in (None, False) else value,  # dates stay ISO for <input type=date>
        "checked": value is True,
        "error": error,
        "required": name in schema.get("required", []) or bool(spec.get("required")),
        "maxlength": prop.get("maxLength", ""),
        "prefilled_from": origin.get("label", "") if "value" in origin and origin["value"] == value else "",
        "locked": bool(origin.get("locked")) and "value" in origin,
        "unavailable": origin.get("unavailable", ""),
        "show_if_field": condition.get("field", "") if _live(condition) else "",
        "show_if_op": "not_equals" if "not_equals" in condition else "equals",
        "show_if_value": _json_text(condition.get("equals", condition.get("not_equals", ""))),
    }
    row["display"] = _display(row)  # what a person reads (dd/mm/yyyy dates), for locked and check pages
    return row


def _steps(draft) -> list[dict]:
    ui = draft.definition.ui
    steps = [{"title": ui["pages"][i]["title"], "index": i} for i in engine.visible_pages(ui, draft.answers)]
    if services.papers_to_upload(draft):
        steps.append({"title": "Giấy tờ kèm theo", "index": "papers"})
    steps.append({"title": "Kiểm tra lại thông tin", "index": "check"})
    return steps


def page_context(draft, index: int, answers: dict, errors: dict) -> dict:
    ui = draft.definition.ui
    page = ui["pages"][index]
    # Conditional fields are all rendered (server decides what counts); the static JS hides the ones
    # whose condition does not hold, and without JS the person sees them with "(nếu …)" hints.
    names = engine.page_fields(ui, index, answers, visible_only=False)
    rows = []
    for name in names:
        visible = engine.is_visible(ui, name, answers)
        condition = engine.field_ui(ui, name).get("show_if") or {}
        if visible or (_live(condition) and condition.get("field") in names):
            row = field_row(draft, name, answers.get(name, ""), errors.get(name, ""))
            row["hidden"] = not visible
            rows.append(row)
    steps = _steps(draft)
    position = next((i for i, s in enumerate(steps) if s["index"] == index), 0)
    pages = engine.visible_pages(ui, answers)
    previous = [p for p in pages if p < index]
    return {
        "draft": draft,
        "definition": draft.definition,
        "page": page,
        "index": index,
        "rows": rows,
        "errors": [{"id": f"f-{n}", "message": m} for n, m in errors.items()],
        "step_number": position + 1,
        "step_total": len(steps),
        "back_url": reverse("eforms:page", args=[draft.pk, previous[-1]]) if previous else "",
        "prefilled_count": sum(1 for r in rows if r["prefilled_from"]),
    }


def papers_context(draft, errors: dict) -> dict:
    items = []
    for paper in services.papers_to_upload(draft):
        entry = draft.papers.get(paper["key"])
        items.append(
            {
                "key": paper["key"],
                "name": paper["name"],
                "hint": paper.get("hint", ""),
                "required": paper.get("required", True),
                "entry": entry,
                "reusable": services.reusable_items(draft, paper),
                "error": errors.get(paper["key"], ""),
            }
        )
    steps = _steps(draft)
    return {
        "draft": draft,
        "definition": draft.definition,
        "papers": items,
        "held": held_papers(draft),
        "errors": [{"id": f"p-{k}", "message": m} for k, m in errors.items()],
        "step_number": len(steps) - 1,
        "step_total": len(steps),
        "max_mb": services.settings.MOTCUA_FORM_MAX_UPLOAD_BYTES // (1024 * 1024),
    }


def held_papers(draft) -> list[dict]:
    return [p for p in engine.visible_papers(draft.definition.ui, draft.answers) if p.get("held_by")]


def _display(row: dict) -> str:
    value = row["value"]
    if row["widget"] == "checkbox":
        return "Có" if row["checked"] else "Không"
    if row["widget"] == "date" and isinstance(value, str) and len(value) == 10 and value[4] == "-":
        return f"{value[8:10]}/{value[5:7]}/{value[0:4]}"
    return str(value) if value not in ("", None) else "—"


def summary(draft) -> list[dict]:
    ui = draft.definition.ui
    sections = []
    for index in engine.visible_pages(ui, draft.answers):
        rows = []
        for name in engine.page_fields(ui, index, draft.answers):
            rows.append(field_row(draft, name, draft.answers.get(name, "")))
        sections.append({"title": ui["pages"][index]["title"], "index": index, "rows": rows})
    return sections


def uploaded(draft) -> list[dict]:
    return [
        {"name": p["name"], "entry": draft.papers.get(p["key"])}
        for p in services.papers_to_upload(draft)
        if draft.papers.get(p["key"])
    ]


def check_context(draft) -> dict:
    steps = _steps(draft)
    return {
        "draft": draft,
        "definition": draft.definition,
        "sections": summary(draft),
        "held": held_papers(draft),
        "uploaded": uploaded(draft),
        "has_uploads": bool(services.papers_to_upload(draft)),
        "step_number": len(steps),
        "step_total": len(steps),
    }


def receipt_context(draft) -> dict:
    dossier = draft.dossier
    return {
        "draft": draft,
        "definition": draft.definition,
        "dossier": dossier,
        "due": expected_due(dossier),
        "sections": summary(draft),
        "held": held_papers(draft),
        "uploaded": uploaded(draft),
        # A full-online procedure's fee, payable on the receipt without waiting for a notice.
        "fee_now": unpaid_before_notice([dossier.pk]).get(dossier.pk) if dossier else None,
    }
