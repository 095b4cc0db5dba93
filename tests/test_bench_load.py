"""The load bench's judgement: thresholds broken, kept, and nothing measured never passing."""

import json

from bench.load import THRESHOLDS, judge, read_stats

_HEADER = "Type,Name,Request Count,Failure Count,50%,95%\n"


def _stats(tmp_path, rows: str) -> dict:
    path = tmp_path / "locust_stats.csv"
    path.write_text(_HEADER + rows, encoding="utf-8")
    return read_stats(path)


def _thresholds(**over) -> dict:
    return {"max_error_ratio": 0.0, "must_measure": ["GET /"], "p95_ms": {"default": 500}, **over}


def test_figures_within_the_thresholds_keep_them(tmp_path):
    stats = _stats(tmp_path, "GET,GET /,120,0,40,180\n,Aggregated,120,0,40,180\n")
    assert "Aggregated" not in stats
    assert judge(stats, _thresholds()) == []


def test_a_slow_p95_a_failure_and_a_missing_endpoint_each_break_a_threshold(tmp_path):
    stats = _stats(tmp_path, "GET,GET /,100,1,40,900\n")
    broken = judge(stats, _thresholds(must_measure=["GET /", "GET /can-bo/"]))
    assert any("p95 900 ms > 500 ms" in line for line in broken)
    assert any("1 of 100 failed" in line for line in broken)
    assert any(line.startswith("GET /can-bo/: NOT MEASURED") for line in broken)


def test_nothing_measured_never_passes(tmp_path):
    assert judge({}, _thresholds()) == ["NOT MEASURED: no request was made"]
    assert judge(_stats(tmp_path, "GET,GET /,0,0,,\n"), _thresholds()) == [
        "NOT MEASURED: no request was made"
    ]


def test_the_shipped_thresholds_name_endpoints_of_the_locustfile():
    thresholds = json.loads(THRESHOLDS.read_text(encoding="utf-8"))
    locustfile = (THRESHOLDS.parent / "locustfile.py").read_text(encoding="utf-8")
    for name in [*thresholds["must_measure"], *thresholds["p95_ms"]]:
        assert name == "default" or f'"{name}"' in locustfile, name
