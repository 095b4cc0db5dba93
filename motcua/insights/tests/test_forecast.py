"""Demand forecasts (issue 15): the legal calendar's shape, "not enough data", the backtest."""

import random
from datetime import date, timedelta

from motcua.insights import forecast as fc

# A synthetic calendar: weekdays work, Saturdays and Sundays do not; Tết 2026 is 16–22 February
# (days off), and 17 June 2026 (a Wednesday mid-month) is a holiday.
TET = [date(2026, 2, 16) + timedelta(days=i) for i in range(7)]
OFF = set(TET) | {date(2026, 6, 17)}


def working(d: date) -> bool:
    return d.weekday() < 5 and d not in OFF


CAL = fc.CalendarView(working, TET)
FIRST, LAST = date(2025, 10, 6), date(2026, 10, 4)


def world(level: float, seed: int = 1) -> dict[date, float]:
    """Daily dossiers with a Monday peak, the pre-Tết rush, the post-Tết lull and a month-end rush."""
    rng = random.Random(seed)
    out = {}
    d = FIRST
    while d <= LAST:
        if working(d):
            mean = level * (1.3 if d.weekday() == 0 else 1.0)
            phase = CAL.tet_phase(d)
            mean *= 1.5 if phase == "before" else 0.6 if phase == "after" else 1.0
            mean *= 1.4 if CAL.month_end(d) else 1.0
        else:
            mean = level * 0.05
        # Poisson by inversion (small means)
        k, p, u = 0, 2.718281828**-mean, rng.random()
        s = p
        while u > s:
            k += 1
            p *= mean / k
            s += p
        out[d] = float(k)
        d += timedelta(days=1)
    return out


def test_the_calendar_view():
    assert CAL.tet_phase(date(2026, 2, 10)) == "before" and CAL.tet_phase(date(2026, 2, 26)) == "after"
    assert CAL.tet_phase(date(2026, 3, 20)) == ""
    # the last three working days of September 2026 (30th is a Wednesday)
    assert [d.day for d in (date(2026, 9, i) for i in range(24, 31)) if CAL.month_end(d)] == [28, 29, 30]
    assert CAL.kind(date(2026, 9, 7)) == "wd0" and CAL.kind(date(2026, 9, 5)) == "sat"


def test_the_shape_is_learned_from_the_history():
    series = {("a", "g"): world(20.0)}
    shape = fc.learn_shape(series[("a", "g")], FIRST, LAST, CAL)
    assert 1.3 < shape.tet_before < 1.8  # true 1.5 (one Tết of Poisson noise)
    assert 0.45 < shape.tet_after < 0.75  # true 0.6
    assert 1.25 < shape.month_end < 1.55  # true 1.4
    assert shape.base["wd0"] > 1.15 * shape.base["wd2"]


def test_a_thin_series_gets_not_enough_data():
    shape = fc.learn_shape(world(20.0), FIRST, LAST, CAL)
    thin = {d: v for d, v in world(0.1).items()}
    assert fc.forecast_series(thin, FIRST, date(2026, 6, 1), shape) is None
    young = {d: v for d, v in world(20.0).items() if d >= date(2026, 4, 1)}
    assert fc.forecast_series(young, date(2026, 4, 1), date(2026, 6, 1), shape) is None
    assert fc.forecast_series(world(20.0), FIRST, date(2026, 6, 1), shape) is not None


def test_a_week_with_a_holiday_gets_fewer_dossiers():
    daily = world(20.0)
    shape = fc.learn_shape(daily, FIRST, date(2026, 6, 1), CAL)
    values = fc.forecast_series(daily, FIRST, date(2026, 6, 1), shape)
    plain_week, week_with_holiday = values[1], values[2]  # 8–14/6 has none; 15–21/6 holds 17/6
    assert week_with_holiday < 0.9 * plain_week


def test_the_backtest_beats_seasonal_naive_across_tet():
    series = {(f"a{i}", "g"): world(level, i) for i, level in enumerate([30.0, 20.0, 12.0, 8.0, 6.0, 4.0])}
    series[("thin", "g")] = world(0.1, 99)
    result = fc.backtest(series, FIRST, date(2026, 5, 31), CAL, n_cutoffs=10, every_weeks=2)
    assert result.thin == 1 and result.series == 6
    assert len(result.by_horizon) == 8 and all(
        row["n"] == 6 * len(result.cutoffs) for row in result.by_horizon.values()
    )
    rows = result.by_horizon.values()
    for i in (0, 1):  # MASE, sMAPE: ours below seasonal-naive on average over the 8 horizons
        ours = sum(r["ours"][i] for r in rows) / 8
        naive = sum(r["naive"][i] for r in rows) / 8
        assert ours < 0.9 * naive, (i, ours, naive)
