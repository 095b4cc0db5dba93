"""A mixed day under load, with locust (loopback only, bounded), against thresholds kept in bench/.

    python -m bench load                  # SQLite file (WAL), 5 minutes
    python -m bench load --postgres       # PostgreSQL at 127.0.0.1 (database motcua_bench_load)
    BENCH_LOAD_SECONDS=60 BENCH_LOAD_USERS=30 python -m bench load   # shorter, fewer people

Method: a fresh database with the reference data, the demo province (BENCH_LOAD_DOSSIERS dossiers,
seed 1) and its accounts; sessions written into the session store for signed-in residents (eID),
officers (second factor verified) and a monitor; an API client with client credentials. The
product is served by gunicorn with `deploy/gunicorn.conf.py` (BENCH_LOAD_WORKERS processes) behind
nothing: the bench plays the reverse proxy's part by sending X-Forwarded-For, one address per
simulated person, so rate limits count per person as in production. locust then runs the day of
`bench/locustfile.py` headless for BENCH_LOAD_SECONDS. Printed per endpoint: requests, failures,
p50 and p95, and each p95 beside the p95 of /healthz measured in the same run (a ratio: this
machine is shared). The run fails (exit 1) when any threshold of `bench/load_thresholds.json` is
broken — an error ratio, a p95 ceiling, or nothing measured — so `make bench` fails with it.
"""

import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import server
from bench.database import (
    MIGRATE,
    REFERENCE_DATA,
    ROOT,
    bench_env,
    database_url,
    recreate_postgres_database,
    seed,
)

DB_NAME = "motcua_bench_load"
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "300"))
USERS = int(os.environ.get("BENCH_LOAD_USERS", "40"))
WORKERS = int(os.environ.get("BENCH_LOAD_WORKERS", "4"))
DOSSIERS = int(os.environ.get("BENCH_LOAD_DOSSIERS", "2000"))
THRESHOLDS = Path(__file__).with_name("load_thresholds.json")
REFERENCE = "GET /healthz (reference)"


def _env(postgres: bool, folder: Path) -> dict:
    return bench_env(
        database_url(postgres, DB_NAME, folder / "load.sqlite3"),
        MOTCUA_WEB_ACCESS_LOG="0",  # gunicorn: no access log line per request (nginx keeps one)
        # The bench is the reverse proxy: one X-Forwarded-For address per simulated person.
        MOTCUA_PROXY_CLIENT_HEADER="X-Forwarded-For",
        MOTCUA_PROXY_COUNT="1",
        MOTCUA_VAR_DIR=str(folder / "var"),
    )


def _prepare(env, postgres: bool, inputs: Path) -> None:
    if postgres:
        recreate_postgres_database(DB_NAME)
    seed(
        env,
        [
            MIGRATE,
            ["createcachetable"],
            *REFERENCE_DATA,
            ["demo_accounts"],
            ["signing", "init"],
            ["demo", "--dossiers", str(DOSSIERS), "--seed", "1", "--if-empty"],
            ["foryou", "load"],
        ],
    )
    subprocess.run([sys.executable, "-m", "bench.load_inputs", str(inputs)], cwd=ROOT, env=env, check=True)


def _serve(env, port: int) -> subprocess.Popen:
    gunicorn = server.gunicorn(env, port, WORKERS, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if server.answers(f"http://127.0.0.1:{port}/healthz"):
        return gunicorn
    gunicorn.kill()
    raise RuntimeError("gunicorn did not answer /healthz within 120 s")


def read_stats(path: Path) -> dict[str, dict]:
    """locust's `<prefix>_stats.csv` → {name: {requests, failures, p50, p95}} (ms), without the total."""
    rows = {}
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["Name"] == "Aggregated":
                continue
            rows[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "p50": float(row["50%"] or "nan"),
                "p95": float(row["95%"] or "nan"),
            }
    return rows


def judge(stats: dict[str, dict], thresholds: dict) -> list[str]:
    """The thresholds broken by these figures (empty: all kept). Nothing measured is a breach."""
    broken = []
    if not stats or not sum(row["requests"] for row in stats.values()):
        return ["NOT MEASURED: no request was made"]
    ceilings = thresholds["p95_ms"]
    for name in thresholds["must_measure"]:
        if stats.get(name, {}).get("requests", 0) == 0:
            broken.append(f"{name}: NOT MEASURED (no request)")
    for name, row in stats.items():
        ratio = row["failures"] / row["requests"] if row["requests"] else 0.0
        if ratio > thresholds["max_error_ratio"]:
            broken.append(f"{name}: {row['failures']} of {row['requests']} failed ({ratio:.1%})")
        ceiling = ceilings.get(name, ceilings["default"])
        if row["requests"] and row["p95"] > ceiling:
            broken.append(f"{name}: p95 {row['p95']:.0f} ms > {ceiling} ms")
    return broken


def main(postgres: bool = False) -> bool:
    folder = Path(tempfile.mkdtemp(prefix="motcua-load-"))
    env = _env(postgres, folder)
    inputs = folder / "inputs.json"
    label = "PostgreSQL" if postgres else "SQLite (WAL)"
    started = time.monotonic()
    _prepare(env, postgres, inputs)
    print(
        f"load bench on {label}: setup {time.monotonic() - started:.0f} s, {DOSSIERS} demo dossiers; "
        f"gunicorn {WORKERS} workers; locust {USERS} people for {SECONDS} s (loopback)"
    )
    port = server.free_port()
    gunicorn = _serve(env, port)
    prefix = folder / "locust"
    try:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "--users",
                str(USERS),
                "--spawn-rate",
                str(max(1, USERS // 10)),
                "--run-time",
                f"{SECONDS}s",
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
                "--stop-timeout",
                "10",
            ],  # fmt: skip
            cwd=ROOT,
            env={**env, "MOTCUA_LOAD_INPUTS": str(inputs)},
            check=False,
            stdout=subprocess.DEVNULL,
        )
    finally:
        server.stop([gunicorn])
    stats_file = prefix.with_name(prefix.name + "_stats.csv")
    stats = read_stats(stats_file) if stats_file.exists() else {}
    reference = stats.get(REFERENCE, {}).get("p95")
    print(f"  {'endpoint':<42} {'requests':>8} {'failed':>6} {'p50 ms':>7} {'p95 ms':>7} {'p95/ref':>7}")
    for name, row in sorted(stats.items()):
        ratio = f"{row['p95'] / reference:.1f}×" if reference else "—"
        print(
            f"  {name:<42} {row['requests']:>8} {row['failures']:>6} {row['p50']:>7.0f} {row['p95']:>7.0f} "
            f"{ratio:>7}"
        )
    broken = judge(stats, json.loads(THRESHOLDS.read_text(encoding="utf-8")))
    if broken:
        print("  thresholds (bench/load_thresholds.json): BROKEN")
        for line in broken:
            print(f"    {line}")
        return False
    print("  thresholds (bench/load_thresholds.json): all kept")
    return True


if __name__ == "__main__":
    sys.exit(0 if main("--postgres" in sys.argv) else 1)
