"""`motcua foryou suggestions --person <ID> [--as-of YYYY-MM-DD] [--json]`: what that person would
see on "Dành cho bạn" on that day, from the registries and the database (read-only)."""

import json
from datetime import date

from django.core.management.base import CommandError

HELP = "gợi ý chủ động mà một người sẽ thấy trên trang Dành cho bạn vào một ngày"


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Ngày không hợp lệ: {value!r} (định dạng YYYY-MM-DD).") from None


def add_arguments(parser):
    parser.add_argument("--person", required=True, help="số định danh cá nhân (12 chữ số)")
    parser.add_argument("--as-of", dest="as_of", help="ngày xem, YYYY-MM-DD (mặc định: hôm nay)")
    parser.add_argument("--json", action="store_true", help="in một đối tượng JSON")


def handle(command, options):
    from motcua.foryou import engine, services

    person = options["person"].strip()
    as_of = _day(options["as_of"]) if options.get("as_of") else None
    try:
        evaluation = services.visible(person, as_of)
    except engine.UnknownPerson as exc:
        raise CommandError(str(exc)) from None
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    if evaluation.delayed:
        # A registry that did not answer: say so and print nothing that could be wrong.
        raise CommandError(
            "Cơ sở dữ liệu chưa trả lời ("
            + ", ".join(evaluation.delayed)
            + "): gợi ý tạm hoãn, hãy thử lại sau."
        )
    out = {
        "person": person,
        "refused": evaluation.refused,
        "suggestions": [c.as_json() for c in evaluation.suggestions],
    }
    if options.get("json"):
        command.stdout.write(json.dumps(out, ensure_ascii=False))
        return
    if evaluation.refused:
        command.stdout.write("Người này đã từ chối dịch vụ công chủ động: không có gợi ý.")
        return
    if not out["suggestions"]:
        command.stdout.write("Không có gợi ý nào vào ngày này.")
    for s in out["suggestions"]:
        command.stdout.write(f"{s['due']}  {s['kind']} → {s['procedure']} (mức {s['level']}): {s['because']}")
