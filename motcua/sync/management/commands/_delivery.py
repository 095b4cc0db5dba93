"""The `deliver` sub-command shared by `motcua sync` (national portal) and `motcua webhooks`."""

import time

from django.db import close_old_connections


def deliver(stdout, deliver_all, deliver_due, every_seconds: float, sent_message: str) -> None:
    """`--once`: send until nothing is due and print `sent_message` (with {sent}); else run forever."""
    if sent_message:
        report = deliver_all()
        stdout.write(f"{sent_message.format(sent=report.sent)} {report}")
        return
    while True:  # pragma: no cover — the long-running worker
        close_old_connections()
        report = deliver_due()
        if report.sent or report.retried or report.dead:
            stdout.write(str(report))
        time.sleep(every_seconds)
