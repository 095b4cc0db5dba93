"""The form engine: conditions, coercion and Vietnamese validation messages (no database)."""

from motcua.eforms import engine

SCHEMA = {
    "type": "object",
    "properties": {
        "purpose": {"type": "string", "enum": ["Để kết hôn", "Mục đích khác"]},
        "spouse": {"type": "string", "maxLength": 10},
        "phone": {"type": "string", "pattern": "^0[0-9]{9}$"},
        "born": {"type": "string", "format": "date"},
        "copies": {"type": "integer", "minimum": 1, "maximum": 10},
        "email": {"type": "string", "format": "email"},
    },
    "required": ["purpose", "copies"],
}
UI = {
    "pages": [{"title": "Trang", "fields": ["purpose", "spouse", "phone", "born", "copies", "email"]}],
    "fields": {
        "purpose": {"label": "Mục đích", "widget": "radio"},
        "spouse": {
            "label": "Họ tên người dự định kết hôn",
            "required": True,
            "show_if": {"field": "purpose", "equals": "Để kết hôn"},
        },
        "phone": {"label": "Số điện thoại", "messages": {"pattern": "Số điện thoại gồm 10 chữ số."}},
        "born": {"label": "Ngày sinh", "not_future": True},
        "copies": {"label": "Số bản"},
        "email": {"label": "Thư điện tử"},
    },
}


def errors_for(answers):
    fields = engine.page_fields(UI, 0, answers)
    return engine.validate(SCHEMA, UI, fields, answers)


def test_missing_answers_get_a_vietnamese_message_naming_the_field():
    errors = errors_for({})
    assert errors == {"purpose": "Chọn mục đích.", "copies": "Nhập số bản."}


def test_a_conditional_question_is_asked_and_required_only_when_its_condition_holds():
    assert "spouse" not in engine.page_fields(UI, 0, {"purpose": "Mục đích khác"})
    assert "spouse" not in errors_for({"purpose": "Mục đích khác", "copies": 1})
    assert errors_for({"purpose": "Để kết hôn", "copies": 1}) == {
        "spouse": "Nhập họ tên người dự định kết hôn."
    }


def test_format_errors_are_explained_in_vietnamese():
    errors = errors_for(
        {
            "purpose": "Khác hẳn",
            "copies": 11,
            "phone": "12345",
            "born": "2026-02-30",
            "email": "khong-phai-thu",
            "spouse": "x" * 11,
        }
    )
    assert errors["purpose"] == "Chọn một trong các lựa chọn cho mục “Mục đích”."
    assert errors["copies"] == "Số bản không được lớn hơn 10."
    assert errors["phone"] == "Số điện thoại gồm 10 chữ số."
    assert errors["born"].startswith("Ngày sinh phải là một ngày có thật")
    assert errors["email"].startswith("Địa chỉ thư điện tử không đúng")
    assert "spouse" not in errors  # hidden: not validated


def test_a_date_in_the_future_is_refused_where_the_form_says_so():
    assert errors_for({"purpose": "Mục đích khác", "copies": 1, "born": "2999-01-01"}) == {
        "born": "Ngày sinh không được sau ngày hôm nay."
    }


def test_posted_text_is_coerced_to_the_schema_type_and_vietnamese_dates_are_understood():
    assert engine.coerce({"type": "integer"}, " 2 ") == 2
    assert engine.coerce({"type": "integer"}, "hai") == "hai"
    assert engine.coerce({"type": "string", "format": "date"}, "5/3/2026") == "2026-03-05"
    assert engine.coerce({"type": "boolean"}, "true") is True
    assert errors_for({"purpose": "Mục đích khác", "copies": engine.coerce({"type": "integer"}, "hai")}) == {
        "copies": "Số bản phải là một số."
    }


def test_a_definition_with_unknown_fields_or_sources_is_reported():
    ui = {"pages": [{"title": "T", "fields": ["a", "b"]}], "fields": {"a": {"prefill": "nowhere:x"}}}
    problems = engine.check_definition({"type": "object", "properties": {"a": {"type": "string"}}}, ui)
    assert any("trường b" in p for p in problems)
    assert any("nowhere:x" in p for p in problems)
