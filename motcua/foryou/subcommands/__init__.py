"""Subcommands of `motcua foryou …`, one module each (shared by issues 14 and 15).

`management/commands/foryou.py` lists every module of this package (`SUBCOMMANDS`); each defines:

* `HELP: str` — one line for `motcua foryou --help`;
* `add_arguments(parser)` — the subcommand's own arguments (an argparse sub-parser);
* `handle(command, options) -> None` — runs it (`command` is the BaseCommand: `command.stdout`,
  raise `CommandError` for bad input so the exit status is non-zero).

The module's name is the subcommand's name (`recommend.py` → `motcua foryou recommend`). Adding a
subcommand is adding a module here and naming it in the dispatcher's `SUBCOMMANDS`.
"""
