import argparse

from bench import search_bench

BENCHES = {"search": search_bench.main}

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="motcua benchmarks")
    parser.add_argument("names", nargs="*", choices=[*BENCHES, []], help="which (default: all)")
    parser.add_argument(
        "--postgres", action="store_true", help="run on PostgreSQL (DATABASE_URL or 127.0.0.1)"
    )
    args = parser.parse_args()
    for name in args.names or BENCHES:
        BENCHES[name](postgres=args.postgres)
