"""`motcua report --period 2026-09 [--unit <mã cơ quan>] --format xlsx|pdf --out FILE [--sign-as USER]`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from motcua.insights import reports
from motcua.insights.periods import PeriodError, parse_period
from motcua.insights.queries import UnitError, resolve_unit


class Command(BaseCommand):
    help = "Lập báo cáo Bộ chỉ số QĐ 766 của một đơn vị trong một kỳ, dạng Excel hoặc PDF."

    def add_arguments(self, parser):
        parser.add_argument(
            "--period", required=True, help="2026-09, 2026-Q3, 2026 hoặc 2026-09-01..2026-09-15"
        )
        parser.add_argument(
            "--unit",
            default="province",
            help="mã định danh cơ quan, province, commune:<mã xã> (mặc định: toàn tỉnh)",
        )
        parser.add_argument("--format", choices=("xlsx", "pdf"), default="xlsx", dest="fmt")
        parser.add_argument("--out", help="tệp kết quả (mặc định: tên chuẩn trong thư mục hiện tại)")
        parser.add_argument(
            "--sign-as",
            metavar="USERNAME",
            help="ký số tệp PDF bằng chứng thư của cán bộ này (bộ ký số cấu hình trong MOTCUA_SIGNER)",
        )

    def handle(self, *args, **options):
        try:
            period = parse_period(options["period"])
            unit = resolve_unit(options["unit"])
        except (PeriodError, UnitError) as exc:
            raise CommandError(str(exc)) from exc
        fmt = options["fmt"]
        if options["sign_as"] and fmt != "pdf":
            raise CommandError("Chỉ ký số được báo cáo dạng PDF (--format pdf).")
        report = reports.build(period, unit)
        if fmt == "xlsx":
            data = reports.to_xlsx(report)
        else:
            data = reports.to_pdf(report, **self._signer(options["sign_as"]))
        out = Path(options["out"] or reports.filename(report, fmt))
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        index = report["index"]
        self.stdout.write(
            f"Đã lập báo cáo {index['unit']['label']} — {index['period']['label']}: tổng điểm "
            f"{index['total']:.2f} ({index['grade']}) → {out} ({len(data):,} byte)"
        )

    def _signer(self, username: str | None) -> dict:
        if not username:
            return {}
        from django.contrib.auth import get_user_model

        from motcua.core.signing import get_signer
        from motcua.people.models import OfficerRole

        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Không tìm thấy cán bộ có tên đăng nhập “{username}”.")
        role = OfficerRole.objects.filter(user=user).select_related("agency").order_by("pk").first()
        agency = role.agency.name if role else ""
        name = user.full_name or user.username
        return {"signer": get_signer(name, agency), "signer_name": name, "agency_name": agency}
