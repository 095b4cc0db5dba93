"""`motcua criteria --period 2026-09 --unit <mã cơ quan> [--json]`: QĐ 1565 criteria, NĐ 224 measures."""

import json

from django.core.management.base import BaseCommand, CommandError

from motcua.insights import criteria
from motcua.insights.periods import PeriodError, parse_period
from motcua.insights.queries import UnitError, resolve_unit

STATUS_TEXT = {"na": "không áp dụng", "not_enough_data": "chưa đủ dữ liệu"}


def _show(value, code: str) -> str:
    if value is None:
        return "—"
    if code == "c2_sign_in_to_submission":
        return f"{value / 60:.1f} phút"
    return f"{value:.1%}"


class Command(BaseCommand):
    help = "Tính các tiêu chí QĐ 1565 và chỉ số đo theo NĐ 224 Điều 19 cho một đơn vị trong một kỳ."

    def add_arguments(self, parser):
        parser.add_argument(
            "--period", required=True, help="2026-09, 2026-Q3, 2026 hoặc 2026-09-01..2026-09-15"
        )
        parser.add_argument(
            "--unit",
            default="province",
            help="mã định danh cơ quan, province, commune:<mã xã>, procedure:<mã TTHC>, "
            "officer:<tên đăng nhập>",
        )
        parser.add_argument("--json", action="store_true", help="in JSON")

    def handle(self, *args, **options):
        try:
            document = criteria.measures(parse_period(options["period"]), resolve_unit(options["unit"]))
        except (PeriodError, UnitError) as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(document, ensure_ascii=False, indent=2, default=str))
            return
        self.stdout.write(
            f"Tiêu chí QĐ 1565 / NĐ 224 — {document['unit']['label']} — {document['period']['label']} "
            f"(mẫu tối thiểu {document['min_sample']})"
        )
        for code, m in document["measures"].items():
            value = STATUS_TEXT.get(m["status"]) or _show(m["value"], code)
            counts = ""
            if m["denominator"] is not None:
                counts = f"  ({m['numerator']}/{m['denominator']})"
            elif m["sample"] is not None:
                counts = f"  (mẫu {m['sample']})"
            target = ""
            if m["target"] is not None:
                mark = {True: "đạt", False: "chưa đạt", None: ""}[m["meets_target"]]
                target = f"  chỉ tiêu {_show(m['target'], code)} [{m['target_basis']}] {mark}".rstrip()
            self.stdout.write(f"  {m['name'][:64]:64} {value:>16}{counts}{target}")
            if m["reason"]:
                self.stdout.write(f"      {m['reason']}")
