"""`motcua foryou recommend --histories IN.jsonl --as-of YYYY-MM-DD --k K [--out FILE]`.

Learns from the histories in the file (and what ships: the catalog, the life-event rules) and
writes one line per person, in the input's order:
`{"person": "p1", "recommendations": [{"procedure": "1.004222", "because": "…"}, …]}`.
The whole file is read and checked before anything is written: a malformed line, an unknown
procedure code or a date out of range stops it with an error naming the line (exit status 1).
"""

import json
import sys
import time
from datetime import date

from django.conf import settings
from django.core.management.base import CommandError

from motcua.foryou import recommend as rec

HELP = "Đề xuất thủ tục tiếp theo cho từng người, học từ lịch sử hồ sơ (JSON lines)."


def add_arguments(parser):
    parser.add_argument("--histories", required=True, help="tệp JSON lines: mỗi dòng một người")
    parser.add_argument("--as-of", required=True, help="ngày tính đề xuất, YYYY-MM-DD")
    parser.add_argument("--k", type=int, required=True, help="số đề xuất mỗi người (1–50)")
    parser.add_argument("--out", default=None, help="tệp kết quả (mặc định: in ra màn hình)")
    parser.add_argument(
        "--min-people",
        type=int,
        default=None,
        help="ngưỡng ẩn số liệu nhỏ (mặc định MOTCUA_RECOMMEND_MIN_PEOPLE)",
    )


def handle(command, options):
    try:
        as_of = date.fromisoformat(options["as_of"])
    except ValueError:
        raise CommandError(f"--as-of «{options['as_of']}» không phải ngày YYYY-MM-DD.") from None
    if not rec.EARLIEST <= as_of <= rec.LATEST:
        raise CommandError(f"--as-of {as_of} ngoài khoảng {rec.EARLIEST}…{rec.LATEST}.")
    k = options["k"]
    if not 1 <= k <= 50:
        raise CommandError("--k phải từ 1 đến 50.")
    min_people = options["min_people"] or getattr(settings, "MOTCUA_RECOMMEND_MIN_PEOPLE", 10)
    if min_people < 2:
        raise CommandError("--min-people phải từ 2 trở lên (ẩn số liệu của từng người).")
    started = time.perf_counter()
    catalog = rec.load_catalog(extra=rec.database_catalog_rows())
    try:
        with open(options["histories"], encoding="utf-8") as fh:
            histories = list(rec.parse_histories(fh, as_of, catalog))
    except OSError as exc:
        raise CommandError(f"Không đọc được {options['histories']}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise CommandError(f"{options['histories']}: không phải văn bản UTF-8.") from None
    except rec.HistoryError as exc:
        raise CommandError(f"{options['histories']}: {exc}") from None
    model = rec.fit(histories, as_of, catalog, min_people=min_people)
    recommender = rec.Recommender(model, catalog)
    out = open(options["out"], "w", encoding="utf-8") if options["out"] else None  # noqa: SIM115
    try:
        write = (out or command.stdout).write
        for history in histories:
            items = recommender.recommend(history, as_of, k)
            row = {
                "person": history.person,
                "recommendations": [{"procedure": r.procedure, "because": r.because} for r in items],
            }
            if out:
                write(json.dumps(row, ensure_ascii=False) + "\n")
            else:
                write(json.dumps(row, ensure_ascii=False))
    finally:
        if out:
            out.close()
    # The summary goes to stderr so stdout stays pure JSON lines.
    print(
        f"{len(histories)} người, mô hình {model.version}, {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
