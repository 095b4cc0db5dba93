"""`motcua sync pull [--count N] [--seed S]`: receive the dossiers submitted on the national portal."""

import random

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from motcua.sync.models import PullRun
from motcua.sync.portal import PortalUnavailable, configured_portal, pull_new_dossiers


class Command(BaseCommand):
    help = (
        "Đồng bộ với Cổng Dịch vụ công quốc gia: `pull` lấy hồ sơ mới nộp trực tuyến "
        "và tiếp nhận vào hệ thống."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["pull"], help="pull: lấy hồ sơ mới")
        parser.add_argument("--count", type=int, default=20, help="(sandbox) số hồ sơ mỗi lần lấy")
        parser.add_argument(
            "--seed",
            type=int,
            default=None,
            help="(sandbox) hạt giống: cùng hạt giống, cùng hồ sơ (mặc định: ngẫu nhiên)",
        )
        parser.add_argument(
            "--all", action="store_true", help="bỏ qua mốc lần lấy trước (lấy lại cả cửa sổ thời gian)"
        )

    def handle(self, *args, **options):
        from django.conf import settings

        adapter = getattr(settings, "MOTCUA_NATIONAL_PORTAL", "sandbox")
        seed = options["seed"] if options["seed"] is not None else random.SystemRandom().randrange(2**31)
        try:
            portal = (
                configured_portal(seed=seed, count=options["count"])
                if adapter == "sandbox"
                else configured_portal()
            )
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        last = PullRun.objects.order_by("-started_at").first()
        since = None if options["all"] or last is None else last.started_at
        started = timezone.now()
        try:
            report = pull_new_dossiers(portal, since=since)
        except PortalUnavailable as exc:
            raise CommandError(str(exc)) from exc
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        PullRun.objects.create(
            adapter=adapter if adapter != "sandbox" else f"sandbox (seed {seed})",
            started_at=started,
            finished_at=timezone.now(),
            since=since,
            fetched=report.fetched,
            created=len(report.created),
            duplicates=len(report.duplicates),
            rejected=len(report.rejected),
            rejections=[r.as_dict() for r in report.rejected],
        )
        for line in report.lines():
            self.stdout.write(line)
        created, duplicates, rejected = len(report.created), len(report.duplicates), len(report.rejected)
        self.stdout.write(f"created={created} duplicates={duplicates} rejected={rejected}")
