"""The form engine: pages, conditions (show_if), coercion and validation in Vietnamese. No state.

A definition is two JSON documents: `schema` (JSON Schema draft 2020-12: types, lengths, patterns,
formats, enums, `required`) and `ui` (pages, labels, hints, widgets, `show_if`, prefill sources,
papers). A field hidden by its `show_if` is neither validated nor kept.
"""

from __future__ import annotations

import re
from datetime import date

from jsonschema import Draft202012Validator, FormatChecker

_DMY = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")
_FORMATS = FormatChecker(["date", "email"])


def field_ui(ui: dict, name: str) -> dict:
    return ui.get("fields", {}).get(name, {})


def label_of(ui: dict, schema: dict, name: str) -> str:
    return field_ui(ui, name).get("label") or schema["properties"].get(name, {}).get("title") or name


def condition_holds(condition: dict | None, answers: dict) -> bool:
    """`show_if`: {"field": f, "equals": v} | {"field": f, "in": [...]} | {"field": f, "filled": true}."""
    if not condition:
        return True
    if "all" in condition:
        return all(condition_holds(c, answers) for c in condition["all"])
    value = answers.get(condition["field"])
    if "equals" in condition:
        return value == condition["equals"]
    if "in" in condition:
        return value in condition["in"]
    if "not_equals" in condition:
        return value != condition["not_equals"]
    if "filled" in condition:
        return bool(value) == bool(condition["filled"])
    raise ValueError(f"Unknown show_if condition {condition!r}")


def is_visible(ui: dict, name: str, answers: dict) -> bool:
    return condition_holds(field_ui(ui, name).get("show_if"), answers)


def visible_pages(ui: dict, answers: dict) -> list[int]:
    return [i for i, page in enumerate(ui.get("pages", [])) if condition_holds(page.get("show_if"), answers)]


def page_fields(ui: dict, index: int, answers: dict, *, visible_only: bool = True) -> list[str]:
    fields = ui["pages"][index]["fields"]
    return [f for f in fields if not visible_only or is_visible(ui, f, answers)]


def all_visible_fields(ui: dict, answers: dict) -> list[str]:
    return [f for i in visible_pages(ui, answers) for f in page_fields(ui, i, answers)]


def visible_papers(ui: dict, answers: dict) -> list[dict]:
    return [p for p in ui.get("papers", []) if condition_holds(p.get("show_if"), answers)]


def coerce(prop: dict, raw):
    """A posted string to the schema's type; what cannot be converted is left for validation to name."""
    if isinstance(raw, str):
        raw = raw.strip()
    if raw in (None, ""):
        return ""
    kind = prop.get("type")
    if kind == "boolean":
        return raw in (True, "true", "on", "1", "yes")
    if kind == "integer":
        try:
            return int(str(raw).replace(".", "").replace(" ", ""))
        except ValueError:
            return raw
    if prop.get("format") == "date" and isinstance(raw, str):
        match = _DMY.match(raw)
        if match:  # the Vietnamese way of writing a date: ngày/tháng/năm
            day, month, year = (int(g) for g in match.groups())
            return f"{year:04d}-{month:02d}-{day:02d}"
    return raw


def _message(error, label: str, custom: dict) -> str:
    kind = error.validator
    if kind in custom:
        return custom[kind]
    value = error.validator_value
    if kind == "maxLength":
        return f"{label} không được dài quá {value} ký tự."
    if kind == "minLength":
        return f"{label} phải có ít nhất {value} ký tự."
    if kind == "pattern":
        return f"{label} không đúng định dạng."
    if kind == "format" and value == "date":
        return f"{label} phải là một ngày có thật, ví dụ 25/03/2026."
    if kind == "format" and value == "email":
        return "Địa chỉ thư điện tử không đúng, ví dụ ten@example.vn."
    if kind in ("enum", "const"):
        return f"Chọn một trong các lựa chọn cho mục “{label}”."
    if kind == "type":
        return f"{label} phải là một số." if value in ("integer", "number") else f"{label} không hợp lệ."
    if kind == "minimum":
        return f"{label} phải từ {value} trở lên."
    if kind == "maximum":
        return f"{label} không được lớn hơn {value}."
    return f"{label} không hợp lệ."


def validate(schema: dict, ui: dict, fields: list[str], answers: dict, *, require: bool = True) -> dict:
    """Errors of `fields` as {field: Vietnamese message}, in the order of the fields."""
    errors: dict[str, str] = {}
    required = set(schema.get("required", []))
    for name in fields:
        spec = field_ui(ui, name)
        is_required = bool(spec["required"]) if spec.get("required") is not None else name in required
        if require and is_required and answers.get(name) in (None, "", False):
            label = label_of(ui, schema, name)
            widget = spec.get("widget", "text")
            verb = (
                "Chọn" if widget in ("radio", "select") else ("Đánh dấu" if widget == "checkbox" else "Nhập")
            )
            errors[name] = (
                spec.get("messages", {}).get("required") or f"{verb} {label[0].lower()}{label[1:]}."
            )
    present = {n: answers[n] for n in fields if n not in errors and answers.get(n) not in (None, "")}
    sub = {"type": "object", "properties": {n: schema["properties"][n] for n in present}}
    for error in Draft202012Validator(sub, format_checker=_FORMATS).iter_errors(present):
        name = error.path[0] if error.path else None
        if name is None or name in errors:
            continue
        errors[name] = _message(error, label_of(ui, schema, name), field_ui(ui, name).get("messages", {}))
    for name, value in present.items():
        spec = field_ui(ui, name)
        if name in errors or not isinstance(value, str):
            continue
        if spec.get("not_future") and schema["properties"][name].get("format") == "date":
            try:
                if date.fromisoformat(value) > date.today():
                    errors[name] = f"{label_of(ui, schema, name)} không được sau ngày hôm nay."
            except ValueError:
                pass
    return {n: errors[n] for n in fields if n in errors}


def check_definition(schema: dict, ui: dict) -> list[str]:
    """Problems in a definition (empty when it is sound): a bad schema, unknown fields, bad sources."""
    from jsonschema.exceptions import SchemaError

    problems = []
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        problems.append(f"JSON Schema không hợp lệ: {exc.message}")
        return problems
    properties = schema.get("properties", {})
    seen: set[str] = set()
    for page in ui.get("pages", []):
        for name in page.get("fields", []):
            if name not in properties:
                problems.append(f"trường {name} có trong trang nhưng không có trong schema")
            if name in seen:
                problems.append(f"trường {name} xuất hiện hai lần")
            seen.add(name)
    for name in properties:
        if name not in seen:
            problems.append(f"trường {name} không nằm trong trang nào")
    origins = (
        "population",
        "civil_status",
        "business",
        "social_insurance",
        "driving_licence",
        "datastore",
        "previous",
        "acting",
    )
    for name, spec in ui.get("fields", {}).items():
        source = spec.get("prefill")
        if source and source.split(":", 1)[0] not in origins:
            problems.append(f"trường {name}: nguồn điền sẵn {source} không biết")
        condition = spec.get("show_if")
        if condition and "field" in condition and condition["field"] not in properties:
            problems.append(
                f"trường {name}: điều kiện hiển thị dựa trên trường không có: {condition['field']}"
            )
    return problems
