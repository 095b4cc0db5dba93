"""Demand forecasts, backtested on the demo history: `python -m bench forecast`.

    python -m bench forecast                    # 30,000 demo dossiers (one year), SQLite
    python -m bench forecast --dossiers 100000

Method: a fresh database with the reference data (calendar, places, catalogue, e-forms) and the
demo history (`motcua.demo.history.generate`, seed 1: a year of dossiers over the province's
agencies, with weekdays, months and Tết in its daily volumes). The series are the dossiers
received per day per (handling agency, procedure group). Rolling origin: 8 cut-offs, every 2
weeks, the last one 8 weeks before the end of the history; from each cut-off both forecasts run
8 weeks ahead on what came before it only:

* **ours** (`motcua.insights.forecast`): the legal calendar's shape (weekdays, days off, before and
  after Tết, month-end) learned from the province's total before the cut-off, times each series'
  level over the last 8 weeks;
* **the reference, seasonal-naive**: every future week equals the last full week.

Printed per horizon (weeks 1–8): MASE (scaled by each series' in-sample one-week naive error) and
sMAPE of both, and by how much ours is better. Goal: ours beats seasonal-naive at every horizon.
Series with too little history ("not enough data") are counted and left out of both.
"""

import io
import time

from bench.database import fresh_database

DEFAULT_DOSSIERS = 30_000


def main(postgres: bool = False, dossiers: int = DEFAULT_DOSSIERS) -> bool:
    label = fresh_database("forecast", postgres)
    from django.core.management import call_command

    from motcua.demo import history as demo
    from motcua.insights import forecast

    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    for command in ("load_calendar", "load_places", "import_catalog", "load_forms"):
        call_command(command, **quiet)
    report = demo.generate(dossiers, seed=1, force=True)
    print(
        f"[forecast, {label}] reference data and {dossiers:,} demo dossiers "
        f"in {time.perf_counter() - t0:.0f} s"
    )
    del report

    t1 = time.perf_counter()
    series, first, last = forecast.daily_series()
    if not series:
        print("forecast: NOT MEASURED (no dossiers)")
        return False
    from datetime import timedelta

    cal = forecast.CalendarView.from_core(first - timedelta(days=40), last + timedelta(days=70))
    result = forecast.backtest(series, first, last, cal)
    seconds = time.perf_counter() - t1
    if not result.by_horizon:
        print("forecast: NOT MEASURED (no series with enough history)")
        return False
    print(
        f"{len(series)} chuỗi (cơ quan × nhóm thủ tục), {result.series} đủ dữ liệu, "
        f"{result.thin} chưa đủ dữ liệu; "
        f"mốc dự báo {', '.join(c.isoformat() for c in result.cutoffs)}; {seconds:.1f} s"
    )
    print(
        f"{'tuần':>5}{'MASE ours':>11}{'MASE naive':>12}{'tốt hơn':>9}"
        f"{'sMAPE ours':>12}{'sMAPE naive':>13}{'tốt hơn':>9}{'n':>7}"
    )
    ok = True
    for h, row in result.by_horizon.items():
        (m_o, s_o), (m_n, s_n) = row["ours"], row["naive"]
        better_m = (1 - m_o / m_n) * 100 if m_n else float("nan")
        better_s = (1 - s_o / s_n) * 100 if s_n else float("nan")
        ok &= m_o < m_n and s_o < s_n
        print(
            f"{h:>5}{m_o:11.3f}{m_n:12.3f}{better_m:8.1f}%{s_o:12.3f}{s_n:13.3f}{better_s:8.1f}%{row['n']:7d}"
        )
    print(
        f"forecast: {'PASS' if ok else 'FAIL'} — ours beats seasonal-naive at every horizon (MASE and sMAPE)"
    )
    return ok


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="forecast backtest on the demo history")
    parser.add_argument("--dossiers", type=int, default=DEFAULT_DOSSIERS)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    main(postgres=args.postgres, dossiers=args.dossiers)
