import argparse
import importlib
import inspect

#: name -> module in bench/ with a main(postgres=False[, dossiers=N]).
BENCHES = {
    "search": "search_bench",
    "backoffice": "backoffice_bench",
    "registries": "registries",
    "submissions": "submissions",
    "payments": "payments",
    "sync": "sync",
    "insights": "insights",
    "realtime": "realtime",
    "demo": "demo",
    "assistant": "assistant",
    "precheck": "precheck",
    "recommend": "recommend",
    "foryou": "foryou",
    "forecast": "forecast",
    "queue": "queue",
    "audit": "audit",
    "load": "load",
    "encryption": "encryption",
    "resilience": "resilience",
    "retention": "retention",
}

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="motcua benchmarks")
    parser.add_argument("names", nargs="*", choices=[*BENCHES, []], help="which (default: all)")
    parser.add_argument(
        "--postgres", action="store_true", help="run on PostgreSQL (DATABASE_URL or 127.0.0.1)"
    )
    parser.add_argument(
        "--dossiers",
        type=int,
        default=None,
        help="backoffice: demo dossiers (default 20000); payments: dossiers paid (default 200)",
    )
    args = parser.parse_args()
    failed = []
    for name in args.names or BENCHES:
        bench = importlib.import_module(f"bench.{BENCHES[name]}").main
        kwargs = {"postgres": args.postgres}
        if args.dossiers is not None and "dossiers" in inspect.signature(bench).parameters:
            kwargs["dossiers"] = args.dossiers
        # A bench that judges goals or thresholds returns False when one is broken: `make bench` fails.
        if bench(**kwargs) is False:
            failed.append(name)
    if failed:
        raise SystemExit(f"benches with broken thresholds: {', '.join(failed)}")
