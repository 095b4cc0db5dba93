"""`motcua foryou load [--file PATH]`: create or update the trigger kinds (data/foryou/triggers.json)
and the life-event bundles (data/foryou/bundles.json)."""

from pathlib import Path

from django.core.management.base import CommandError

HELP = "nạp các loại gợi ý chủ động từ tệp dữ liệu (data/foryou/triggers.json)"


def add_arguments(parser):
    parser.add_argument("--file", type=Path, help="tệp JSON khác với tệp đi kèm")


def handle(command, options):
    from motcua.foryou import services

    try:
        created, updated = services.load_kinds(options.get("file"))
    except (OSError, ValueError, KeyError) as exc:
        raise CommandError(f"Không nạp được các loại gợi ý: {exc}") from None
    from motcua.foryou import bundles

    command.stdout.write(f"Loại gợi ý: {created} mới, {updated} cập nhật.")
    command.stdout.write(f"Nhóm thủ tục liên thông: {bundles.load_bundles()}.")
