import argparse
import inspect

from bench import backoffice_bench, payments, registries, search_bench, submissions, sync

BENCHES = {
    "search": search_bench.main,
    "backoffice": backoffice_bench.main,
    "registries": registries.main,
    "submissions": submissions.main,
    "payments": payments.main,
    "sync": sync.main,
    "insights": __import__("bench.insights", fromlist=["main"]).main,
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
    for name in args.names or BENCHES:
        bench = BENCHES[name]
        kwargs = {"postgres": args.postgres}
        if args.dossiers is not None and "dossiers" in inspect.signature(bench).parameters:
            kwargs["dossiers"] = args.dossiers
        bench(**kwargs)
