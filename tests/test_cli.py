"""The installed `motcua` command (the manage.py of a deployment), run as a real process."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

MOTCUA = Path(sys.executable).with_name("motcua")


def run(*args, env):
    return subprocess.run([str(MOTCUA), *args], capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('cli') / 'cli.sqlite3'}",
        "MOTCUA_EMBEDDED": "1",
    }
    env.pop("MOTCUA_TESTING", None)
    assert run("migrate", "-v", "0", env=env).returncode == 0
    assert run("load_calendar", env=env).returncode == 0
    return env


def test_duedate_prints_the_date_on_its_first_line(env):
    result = run("duedate", "--received", "2026-03-02T10:00", "--days", "5", env=env)
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert first == "2026-03-09"  # Civil Code: day 1 is Tue 3/3, day 5 is Mon 9/3


@pytest.mark.parametrize(
    "args",
    [
        ["--received", "2026-13-45T10:00", "--days", "5"],
        ["--received", "hôm qua", "--days", "5"],
        ["--received", "2026-03-02T10:00", "--days", "-3"],
    ],
)
def test_duedate_rejects_bad_input_with_a_message_not_a_traceback(env, args):
    result = run("duedate", *args, env=env)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and result.stderr.strip()


def test_search_on_an_empty_catalog_says_so(env):
    result = run("search", "dang ky ket hon", "--limit", "3", env=env)
    assert result.returncode == 0 and result.stdout == ""
    assert "Không tìm thấy" in result.stderr


def test_an_unknown_command_is_a_clear_error(env):
    result = run("khong-co-lenh-nay", env=env)
    assert result.returncode != 0 and "Unknown command" in result.stderr


# --- The commands as `make run` and the README print them (issue 13 item 16) -------------------

#: Settings a reader's shell does not have after `make run` in a fresh clone.
_NOT_IN_A_READERS_SHELL = (
    "MOTCUA_EMBEDDED",
    "MOTCUA_TESTING",
    "MOTCUA_SECRET_KEY",
    "MOTCUA_DEBUG",
    "DATABASE_URL",
    "PGDATABASE",
    "DJANGO_SETTINGS_MODULE",
)


def _reader_env(var_dir) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in _NOT_IN_A_READERS_SHELL}
    env["MOTCUA_VAR_DIR"] = str(var_dir)  # stands for the clone's var/
    return env


@pytest.fixture(scope="module")
def after_make_run(tmp_path_factory):
    """A var/ as `make run` leaves it (the embedded SQLite database with the reference data and the
    demo accounts); the commands below then run in a shell without MOTCUA_EMBEDDED."""
    var = tmp_path_factory.mktemp("clone-var")
    make_run = {**_reader_env(var), "MOTCUA_EMBEDDED": "1"}
    for command in (["migrate", "-v", "0"], ["load_calendar"], ["load_places"], ["import_catalog"]):
        result = run(*command, env=make_run)
        assert result.returncode == 0, result.stderr
    result = run("demo_accounts", env=make_run)
    assert result.returncode == 0, result.stderr
    return _reader_env(var), result.stdout


def test_the_commands_printed_by_make_run_and_the_readme_work_as_printed(after_make_run):
    env, printed = after_make_run
    assert "MOTCUA_EMBEDDED" not in env
    assert ".venv/bin/motcua eid code <tên đăng nhập>" in printed
    code = run("eid", "code", "tiepnhan", env=env)
    assert code.returncode == 0, code.stderr
    assert code.stdout.strip().isdigit() and len(code.stdout.strip()) == 6
    due = run("duedate", "--received", "2026-03-02T10:00", "--days", "5", env=env)
    assert due.returncode == 0, due.stderr
    assert due.stdout.splitlines()[0] == "2026-03-09"
    found = run("search", "xin giay phep an ninh trat tu", "--limit", "3", env=env)
    assert found.returncode == 0, found.stderr
    assert len(found.stdout.splitlines()) == 3 and "MOTCUA_SECRET_KEY" not in found.stderr
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for printed_command in (
        '`motcua search "xin giay phep an ninh trat tu" --limit 3`',
        "`motcua duedate --received 2026-03-02T10:00 --days 5`",
    ):
        assert printed_command in readme  # the commands run above are the README's own


def test_without_the_embedded_database_or_with_production_settings_a_secret_key_is_required(tmp_path):
    empty = _reader_env(tmp_path)  # a clone before `make run`: nothing in var/
    result = run("duedate", "--received", "2026-03-02T10:00", "--days", "5", env=empty)
    assert result.returncode != 0 and "MOTCUA_SECRET_KEY must be set" in result.stderr
    from motcua.cli import embedded_default

    (tmp_path / "motcua.sqlite3").write_bytes(b"")
    assert embedded_default(_reader_env(tmp_path))
    production = {**_reader_env(tmp_path), "DATABASE_URL": "postgres://db.example/motcua"}
    assert not embedded_default(production)
