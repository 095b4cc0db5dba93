"""A fresh database for one bench: a new PostgreSQL database on 127.0.0.1, or a temporary SQLite file."""

import os
import tempfile
from pathlib import Path


def use_database(url: str) -> None:
    """Set Django up (once per process) on the database at `url`, embedded settings."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    os.environ["MOTCUA_EMBEDDED"] = "1"
    os.environ["DATABASE_URL"] = url
    django.setup()


def fresh_database(name: str, postgres: bool) -> str:
    """Point Django at a new, empty database called `motcua_bench_<name>`, set it up, return its label."""
    if postgres:
        db_name = f"motcua_bench_{name}"
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}"')
            conn.execute(f'CREATE DATABASE "{db_name}"')
        use_database(f"postgres://postgres@127.0.0.1:5432/{db_name}")
        return "PostgreSQL"
    path = Path(tempfile.mkdtemp(prefix="motcua-bench-")) / f"{name}.sqlite3"
    os.environ["MOTCUA_VAR_DIR"] = str(path.parent)
    use_database(f"sqlite:///{path}")
    return "SQLite"


def run_per_database(module: str, postgres: bool, dossiers: int, function: str = "run") -> None:
    """Run `bench.<module>.<function>(pg, dossiers)` on SQLite and PostgreSQL (or PostgreSQL only),
    each in its own process: Django is set up once per process, for one database."""
    import subprocess
    import sys
    from pathlib import Path

    for pg in (True,) if postgres else (False, True):
        code = f"from bench.{module} import {function}; {function}({pg}, {int(dossiers)})"
        subprocess.run(
            [sys.executable, "-u", "-c", code], check=True, cwd=Path(__file__).resolve().parent.parent
        )
