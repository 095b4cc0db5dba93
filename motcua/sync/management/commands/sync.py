"""`motcua sync …`: the national portal.

* `pull [--count N] [--seed S]` — receive the dossiers submitted on the national portal;
* `deliver [--once]` — send the outbox (once: until nothing is due; else forever, every few seconds);
* `dead-letters [--replay ID …|--all]` — list the messages that could not be delivered, or queue them again;
* `reconcile [--repair]` — compare every dossier with the portal (TraCuuHoSo), print and repair mismatches;
* `catalog [--since DATE] [--full] [--dry-run]` — bring the procedure catalog up to the national TTHC
  database (new procedures, new versions of changed ones, abolitions) and print what changed.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from motcua.core import adapters
from motcua.sync.portal import PortalUnavailable


class Command(BaseCommand):
    help = (
        "Đồng bộ với Cổng Dịch vụ công quốc gia: `pull` lấy hồ sơ mới nộp trực tuyến; `deliver` gửi "
        "hàng đợi đồng bộ; `dead-letters` xem, gửi lại tin lỗi; `reconcile` đối soát (TraCuuHoSo); "
        "`catalog` đồng bộ danh mục TTHC từ CSDL quốc gia."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "action",
            choices=["pull", "deliver", "dead-letters", "reconcile", "catalog"],
            help="pull: lấy hồ sơ mới; deliver: gửi hàng đợi; dead-letters: tin lỗi; reconcile: đối soát; "
            "catalog: đồng bộ danh mục TTHC",
        )
        parser.add_argument(
            "--since",
            default=None,
            help="(catalog) lấy thủ tục thay đổi từ ngày này (YYYY-MM-DD hoặc YYYY-MM-DDTHH:MM); "
            "mặc định: từ lần đồng bộ trước",
        )
        parser.add_argument("--full", action="store_true", help="(catalog) lấy toàn bộ danh mục")
        parser.add_argument("--dry-run", action="store_true", help="(catalog) chỉ báo cáo, không ghi gì")
        parser.add_argument("--once", action="store_true", help="(deliver) gửi hết tin đến hạn rồi dừng")
        parser.add_argument(
            "--replay", type=int, nargs="+", default=None, help="(dead-letters) gửi lại các tin này"
        )
        parser.add_argument(
            "--repair", action="store_true", help="(reconcile) đưa các hồ sơ sai lệch vào hàng đợi"
        )
        parser.add_argument("--count", type=int, default=20, help="(sandbox) số hồ sơ mỗi lần lấy")
        parser.add_argument(
            "--seed",
            type=int,
            default=None,
            help="(sandbox) hạt giống: cùng hạt giống, cùng hồ sơ (mặc định: ngẫu nhiên)",
        )
        parser.add_argument(
            "--all",
            action="store_true",
            help="pull: bỏ qua mốc lần lấy trước; dead-letters: gửi lại mọi tin lỗi",
        )

    def handle(self, *args, **options):
        action = options["action"]
        if action == "deliver":
            return self._deliver(options["once"])
        if action == "dead-letters":
            return self._dead_letters(options["replay"], options["all"])
        if action == "reconcile":
            return self._reconcile(options["repair"])
        if action == "catalog":
            return self._catalog(options)
        return self._pull(options)

    def _catalog(self, options):
        from datetime import datetime, time

        from django.utils.dateparse import parse_date, parse_datetime

        from motcua.catalog.models import CatalogSyncRun
        from motcua.sync.catalog_sync import sync_catalog

        since = None
        if options["since"]:
            text = options["since"].strip()
            day = parse_date(text) if len(text) == 10 else None
            moment = datetime.combine(day, time.min) if day else parse_datetime(text)
            if moment is None:
                raise CommandError(f"--since {text!r}: không đúng dạng YYYY-MM-DD hoặc YYYY-MM-DDTHH:MM.")
            since = timezone.make_aware(moment) if timezone.is_naive(moment) else moment
        run = sync_catalog(since, full=options["full"], dry_run=options["dry_run"])
        for line in run.lines():
            self.stdout.write(line)
        if run.outcome == CatalogSyncRun.Outcome.FAILED:
            raise CommandError(f"Không đồng bộ được danh mục TTHC: {run.message}")

    def _deliver(self, once: bool):
        from django.conf import settings

        from motcua.sync.outbox import deliver_all, deliver_due

        from ._delivery import deliver

        deliver(
            self.stdout,
            deliver_all,
            deliver_due,
            settings.MOTCUA_SYNC_DELIVER_EVERY,
            "Đã gửi {sent} tin lên Cổng DVC quốc gia." if once else "",
        )

    def _dead_letters(self, replay_ids, replay_all: bool):
        from motcua.sync.outbox import dead_letters, replay

        if replay_ids or replay_all:
            count = replay(None if replay_all else replay_ids)
            self.stdout.write(f"Đã đưa {count} tin lỗi trở lại hàng đợi.")
            return
        rows = list(dead_letters())
        self.stdout.write(f"{len(rows)} tin không gửi được lên Cổng DVC quốc gia.")
        for m in rows:
            self.stdout.write(f"  #{m.pk} {m.dossier_code} {m.topic} (thử {m.attempts} lần): {m.last_error}")

    def _reconcile(self, repair: bool):
        from motcua.exchange.client import ExchangeError
        from motcua.sync.client import MalformedAnswer, PortalRefused
        from motcua.sync.reconcile import reconcile

        try:
            report = reconcile(repair=repair)
        except (ExchangeError, MalformedAnswer, PortalRefused) as exc:
            raise CommandError(f"Không đối soát được với Cổng DVC quốc gia: {exc}") from exc
        for line in report.lines():
            self.stdout.write(line)
        counts = f"checked={report.checked} mismatches={len(report.mismatches)} repaired={report.repaired}"
        self.stdout.write(counts)

    def _pull(self, options):
        from motcua.sync.inbound import pull

        try:
            report, _ = pull(seed=options["seed"], count=options["count"], from_start=options["all"])
        except PortalUnavailable as exc:
            raise CommandError(str(exc)) from exc
        except (LookupError, adapters.UnknownAdapter) as exc:
            raise CommandError(str(exc)) from exc
        for line in report.lines():
            self.stdout.write(line)
        created, duplicates, rejected = len(report.created), len(report.duplicates), len(report.rejected)
        self.stdout.write(f"created={created} duplicates={duplicates} rejected={rejected}")
