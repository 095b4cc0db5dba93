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
