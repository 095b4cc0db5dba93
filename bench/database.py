"""A fresh database for one bench: a new PostgreSQL database on 127.0.0.1, or a temporary SQLite file.

In this process (`fresh_database`, `run_per_database`), or for benches that run the product in
subprocesses (`bench_env`, `manage`, `seed`, `signed_in_residents`: bench/submissions.py,
bench/load.py, bench/resilience.py).
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The machine's PostgreSQL server (trust on loopback), its maintenance database.
POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
MIGRATE = ["migrate", "--no-input", "-v", "0"]
#: The reference data every bench starts from: calendar, places, the province's catalogue, e-forms.
REFERENCE_DATA = (["load_calendar"], ["load_places"], ["import_catalog"], ["load_forms"])


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
        recreate_postgres_database(db_name)
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


def recreate_postgres_database(db_name: str) -> None:
    """Drop and create `db_name` on the machine's PostgreSQL server: an empty database."""
    import psycopg

    with psycopg.connect(POSTGRES_SERVER, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db_name}"')
        conn.execute(f'CREATE DATABASE "{db_name}"')


def bench_env(database_url: str, **extra: str) -> dict:
    """The environment of the product's subprocesses: embedded settings over plain HTTP on `database_url`."""
    return {
        **os.environ,
        "MOTCUA_EMBEDDED": "1",
        "MOTCUA_INSECURE_HTTP": "1",
        "DJANGO_SETTINGS_MODULE": "motcua.settings",
        "DATABASE_URL": database_url,
        **extra,
    }


def database_url(postgres: bool, db_name: str, sqlite_file: Path | None) -> str:
    """BENCH_DATABASE_URL or `db_name` on the machine's PostgreSQL server; else the SQLite file."""
    if postgres:
        return os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{db_name}")
    return f"sqlite:///{sqlite_file}"


def manage(env: dict, *args: str) -> None:
    """`manage.py <args>` in a subprocess with `env`, its output dropped; fails the bench on failure."""
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


def seed(env: dict, commands) -> None:
    """Run these management commands in order (each a list of arguments)."""
    for command in commands:
        manage(env, *command)


RESIDENTS = """
import django; django.setup()
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from motcua.people.models import User
from motcua.registries.sandbox import person_at
for i in range(100, 100 + {users}):
    p = person_at(i)
    if p.deceased_on: continue
    u, _ = User.objects.get_or_create(username='bench-'+p.id_number, defaults={{'kind': 'citizen',
        'personal_id': p.id_number, 'full_name': p.full_name}})
    s = SessionStore(); s['_auth_user_id'] = str(u.pk)
    s['_auth_user_backend'] = 'django.contrib.auth.backends.ModelBackend'
    s['_auth_user_hash'] = u.get_session_auth_hash(); s['eid_sub'] = p.id_number
    s['signed_in_at'] = timezone.now().isoformat(); s.create(); print(s.session_key)
"""


def signed_in_residents(env: dict, users: int) -> list[str]:
    """Session keys of up to `users` living residents of the registries' sandbox (persons 100…),
    each signed in with the eID: accounts and sessions written straight into the database (the
    sign-in itself is the eID's bench)."""
    out = subprocess.run(
        [sys.executable, "-c", RESIDENTS.format(users=int(users))],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.split()
