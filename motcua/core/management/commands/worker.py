"""`motcua worker`: run the periodic jobs the apps registered (see motcua.core.jobs)."""

from django.core.management.base import BaseCommand

from motcua.core import jobs


class Command(BaseCommand):
    help = "Chạy các việc định kỳ (thanh toán, hồ sơ bỏ dở, đồng bộ…): --once để chạy một lượt."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="một lượt rồi dừng")
        parser.add_argument("--tick", type=float, default=5.0, help="giây giữa hai lượt kiểm tra")
        parser.add_argument("--list", action="store_true", help="liệt kê các việc đã đăng ký")

    def handle(self, *args, once=False, tick=5.0, list=False, **options):  # noqa: A002
        if list:
            for job in jobs.registered():
                self.stdout.write(f"{job.name}: mỗi {job.every_seconds} giây")
            return
        if once:
            for name, outcome in jobs.run_due().items():
                self.stdout.write(f"{name}: {outcome}")
            return
        self.stdout.write(f"motcua worker: {len(jobs.registered())} việc định kỳ; Ctrl-C để dừng.")
        try:
            jobs.run_forever(tick)
        except KeyboardInterrupt:
            self.stdout.write("Đã dừng.")
