"""`motcua index --period 2026-09 --unit <mã cơ quan> [--json] [--source live|facts|recompute]`, or
`--rank department`; `--rebuild` rebuilds the maintained aggregates (ADR 0022) first."""

import json
import time

from django.core.management.base import BaseCommand, CommandError

from motcua.insights import realtime, services
from motcua.insights.periods import PeriodError, parse_period
from motcua.insights.queries import RANK_KINDS, UnitError, resolve_unit


class Command(BaseCommand):
    help = "Tính Bộ chỉ số QĐ 766 cho một đơn vị trong một kỳ, hoặc xếp hạng các đơn vị."

    def add_arguments(self, parser):
        parser.add_argument("--period", help="2026-09, 2026-Q3, 2026 hoặc 2026-09-01..2026-09-15")
        parser.add_argument(
            "--unit",
            default="province",
            help="mã định danh cơ quan, province, commune:<mã xã>, procedure:<mã TTHC>, "
            "officer:<tên đăng nhập>",
        )
        parser.add_argument("--rank", choices=RANK_KINDS, help="xếp hạng mọi đơn vị cùng loại theo tổng điểm")
        parser.add_argument("--json", action="store_true", help="in JSON")
        parser.add_argument(
            "--source",
            choices=realtime.SOURCES,
            default="auto",
            help="số liệu tổng hợp duy trì liên tục (live), tính lại từ dữ kiện từng hồ sơ (facts), "
            "tính lại từ hồ sơ và giấy tờ (recompute) hoặc tự chọn (auto, mặc định)",
        )
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="dựng lại số liệu tổng hợp từ toàn bộ hồ sơ trước khi tính",
        )

    def handle(self, *args, **options):
        if options["rebuild"]:
            started = time.monotonic()
            count = realtime.rebuild()
            self.stderr.write(
                f"Đã dựng lại số liệu tổng hợp từ {count} hồ sơ ({time.monotonic() - started:.1f} giây)."
            )
            if not options["period"]:
                return
        if not options["period"]:
            raise CommandError("Thiếu --period (ví dụ 2026-09).")
        source = options["source"]
        try:
            period = parse_period(options["period"])
            if options["rank"]:
                rows = services.ranking(period, options["rank"], source=source)
                return self._print_ranking(period, options["rank"], rows, options["json"])
            document = services.report(period, resolve_unit(options["unit"]), source=source)
        except (PeriodError, UnitError, realtime.LiveUnavailable) as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(document, ensure_ascii=False, indent=2, default=str))
            return
        self.stdout.write(f"Chỉ số QĐ 766 — {document['unit']['label']} — {document['period']['label']}")
        for group in document["groups"]:
            self.stdout.write(
                f"  {group['code']:6} {group['name']:32} {group['points']:6.2f} / {group['max_points']}"
            )
            for ind in group["indicators"]:
                points = ind["points"] if ind["points"] == "N/A" else f"{ind['points']:.2f}"
                ratio = "" if ind["ratio"] is None else f"  tỷ lệ {ind['ratio']:.2%}"
                if ind["code"] == "2.2" and ind["numerator"] is not None:
                    ratio = f"  {ind['numerator']} ngày"
                mark = " [inferred]" if ind["inferred"] else ""
                self.stdout.write(
                    f"   {ind['code']:4} {ind['name'][:58]:58} {points:>6}/{ind['max_points']}{ratio}{mark}"
                )
        self.stdout.write(
            f"  TỔNG {document['total']:.2f} / 100 (tối đa có dữ liệu: {document['max_available']}) — "
            f"{document['grade']} [inferred]"
        )

    def _print_ranking(self, period, kind, rows, as_json):
        if as_json:
            doc = {"period": period.as_dict(), "kind": kind, "ranking": rows}
            self.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"Xếp hạng QĐ 766 ({kind}) — {period.label}")
        for row in rows:
            self.stdout.write(
                f"  {row['rank']:4}. {row['total']:6.2f}  {row['grade']:10} {row['key']:24} {row['label']}"
            )
