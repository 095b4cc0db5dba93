"""`motcua worker`: the scheduler and a task worker in one process (ADR 0041).

Embedded (`make run`): one process does everything. Production: start N of them on M machines
(systemd), all on the same PostgreSQL; each takes tasks with SELECT … FOR UPDATE SKIP LOCKED and
every scheduled run is claimed once. `--no-scheduler` / `--no-tasks` split the two roles if wanted.

Shutdown: SIGTERM or SIGINT lets the task in progress finish, then the process exits (db_worker's
handler); a second signal stops at once. A task runs under its timeout (SIGALRM in this main thread).
"""

import threading

from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string

from motcua.core import jobs, tasks


class Command(BaseCommand):
    help = "Chạy các việc định kỳ và hàng đợi việc nền (thông báo, đồng bộ…): --once để chạy một lượt."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="một lượt rồi dừng")
        parser.add_argument("--tick", type=float, default=1.0, help="giây giữa hai lượt lập lịch")
        parser.add_argument("--interval", type=float, default=0.5, help="giây chờ khi hàng đợi trống")
        parser.add_argument("--list", action="store_true", help="liệt kê các việc đã đăng ký")
        parser.add_argument("--no-scheduler", action="store_true", help="chỉ chạy việc trong hàng đợi")
        parser.add_argument("--no-tasks", action="store_true", help="chỉ lập lịch")
        parser.add_argument("--max-tasks", type=int, default=None, help="dừng sau bấy nhiêu việc")
        parser.add_argument("--worker-id", default="", help="tên duy nhất của tiến trình")

    def handle(self, *args, once=False, tick=1.0, interval=0.5, list=False, **options):  # noqa: A002
        if list:
            for job in jobs.registered():
                self.stdout.write(f"{job.name}: {job.period}")
            return
        if once:
            for name, outcome in jobs.run_due().items():
                self.stdout.write(f"{name}: {outcome}")
            self.stdout.write(f"việc nền đã chạy: {tasks.run_ready()}")
            return
        worker_id = options["worker_id"] or get_random_string(16)
        tasks.IN_WORKER.on = True
        if not options["no_scheduler"]:
            thread = threading.Thread(target=jobs.run_scheduler, args=(tick,), name="scheduler", daemon=True)
            thread.start()
        self.stdout.write(
            f"motcua worker {worker_id}: {len(jobs.registered())} việc định kỳ; Ctrl-C để dừng."
        )
        if options["no_tasks"]:
            try:
                threading.Event().wait()
            except KeyboardInterrupt:
                self.stdout.write("Đã dừng.")
            return
        from django_tasks_db.management.commands.db_worker import Worker

        worker = Worker(
            queue_names=["*"],
            interval=interval,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=options["max_tasks"],
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        worker.configure_signals()
        worker.run()
        self.stdout.write("Đã dừng.")
