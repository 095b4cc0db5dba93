"""The `motcua` console command: the manage.py of an installed deployment.

`motcua search "..."`, `motcua duedate --received ... --days 5`, `motcua migrate`, ...
"""

import os
import sys
from pathlib import Path

#: Any of these means a configured deployment: the embedded default is never assumed then.
PRODUCTION_SETTINGS = ("MOTCUA_SECRET_KEY", "MOTCUA_DEBUG", "MOTCUA_EMBEDDED", "DATABASE_URL", "PGDATABASE")


def embedded_default(environ=os.environ) -> bool:
    """True when this is a clone that `make run` set up: no production settings are given and the
    embedded database is in var/ (MOTCUA_VAR_DIR). Then the commands `make run` and the README
    print work as printed, without the reader having to know MOTCUA_EMBEDDED=1."""
    if any(environ.get(name) for name in PRODUCTION_SETTINGS):
        return False
    var = Path(environ.get("MOTCUA_VAR_DIR") or Path(__file__).resolve().parent.parent / "var")
    return (var / "motcua.sqlite3").is_file()


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    if embedded_default():
        os.environ["MOTCUA_EMBEDDED"] = "1"
    from django.core.management import execute_from_command_line

    execute_from_command_line(["motcua", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
