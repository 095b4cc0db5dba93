"""`motcua foryou demo`: what the sandbox personas need to meet a suggestion of every source.

The business-owner persona gets the household-business registration certificate in their data
store (as if issued earlier this year), so the yearly tax reminder reaches them; the parent of the
newborn (hospital birth notice) and the person whose ID card has expired need nothing more: the
registries' sandbox holds their data. Embedded and development modes only; idempotent.
"""

from django.conf import settings
from django.core.management.base import CommandError

HELP = "dữ liệu minh họa cho dịch vụ công chủ động (chỉ chế độ nhúng / phát triển)"


def add_arguments(parser):
    pass


def handle(command, options):
    if not (settings.EMBEDDED or settings.DEBUG or settings.TESTING):
        raise CommandError("Chỉ dùng trong chế độ nhúng (make run) hoặc phát triển.")
    from motcua.foryou import feed, services

    # The sandbox's birth and death notices reach the event log as a registry feed would send them;
    # the worker's job foryou.registry_events turns them into suggestions within a minute.
    feed.sandbox_events()
    for role, person_id, kinds in services.demo_personas():
        command.stdout.write(f"{role}: {person_id} — {', '.join(kinds) or 'không có gợi ý hôm nay'}")
