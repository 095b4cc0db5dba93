"""`motcua foryou nightly [--as-of YYYY-MM-DD]`: run the nightly pass now (the worker runs it daily)."""

from datetime import date

from django.core.management.base import CommandError

HELP = "chạy ngay lượt tạo gợi ý hằng đêm (bình thường do tiến trình nền chạy mỗi ngày)"


def add_arguments(parser):
    parser.add_argument("--as-of", dest="as_of", help="ngày chạy, YYYY-MM-DD (mặc định: hôm nay)")


def handle(command, options):
    from motcua.foryou import nightly

    try:
        day = date.fromisoformat(options["as_of"]) if options.get("as_of") else None
    except ValueError:
        raise CommandError(f"Ngày không hợp lệ: {options['as_of']!r} (định dạng YYYY-MM-DD).") from None
    created = nightly.run(day)
    command.stdout.write(
        f"Gợi ý mới: {sum(created.values())} ({', '.join(f'{k} {v}' for k, v in created.items())})."
    )
