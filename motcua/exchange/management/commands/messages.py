"""`motcua messages`: find message-log entries by service, date and correlation id (audited)."""

import getpass
from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from motcua.audit import services as audit
from motcua.exchange.models import MessageLog


def _day(value: str, end: bool = False):
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise CommandError(f"Ngày {value!r} không đúng dạng YYYY-MM-DD.") from None
    return timezone.make_aware(datetime.combine(day, time.max if end else time.min))


class Command(BaseCommand):
    help = "Tra cứu nhật ký trao đổi dữ liệu với hệ thống ngoài (theo dịch vụ, ngày, mã tương quan)."

    def add_arguments(self, parser):
        parser.add_argument("--service", help="tên dịch vụ, ví dụ population")
        parser.add_argument("--since", help="từ ngày (YYYY-MM-DD)")
        parser.add_argument("--until", help="đến hết ngày (YYYY-MM-DD)")
        parser.add_argument("--correlation-id", dest="correlation_id", help="mã tương quan")
        parser.add_argument("--outcome", choices=MessageLog.Outcome.values)
        parser.add_argument("--limit", type=int, default=50)
        parser.add_argument("--bodies", action="store_true", help="in cả nội dung gửi và nhận")

    def handle(self, *args, **options):
        rows = MessageLog.objects.all()
        if options["service"]:
            rows = rows.filter(service=options["service"])
        if options["since"]:
            rows = rows.filter(created_at__gte=_day(options["since"]))
        if options["until"]:
            rows = rows.filter(created_at__lte=_day(options["until"], end=True))
        if options["correlation_id"]:
            rows = rows.filter(correlation_id=options["correlation_id"])
        if options["outcome"]:
            rows = rows.filter(outcome=options["outcome"])
        rows = list(rows[: max(1, options["limit"])])
        query = {k: options[k] for k in ("service", "since", "until", "correlation_id", "outcome", "bodies")}
        audit.record(
            "exchange.messagelog.cli_search",
            actor=f"cli:{getpass.getuser()}",
            object_type="exchange.messagelog",
            data={"query": query, "rows": len(rows)},
        )
        for row in rows:
            when = timezone.localtime(row.created_at).strftime("%Y-%m-%d %H:%M:%S")
            self.stdout.write(
                f"{when}  {row.service:<16} {row.method:<4} {row.response_status or '-':>3} "
                f"{row.outcome:<16} lần {row.attempt} {row.duration_ms:>6}ms {row.correlation_id} {row.url}"
            )
            if options["bodies"]:
                self.stdout.write(f"    gửi: {row.request_body}\n    nhận: {row.response_body}")
        if not rows:
            self.stdout.write("Không có bản ghi nào khớp điều kiện.")
