"""`motcua foryou <subcommand> …`: the proactive services' commands, one module each in
motcua/foryou/subcommands/ (the module's name is the subcommand; see that package's docstring)."""

import importlib
import pkgutil

from django.core.management.base import BaseCommand

from motcua.foryou import subcommands


def _modules() -> dict:
    found = {}
    for info in pkgutil.iter_modules(subcommands.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{subcommands.__name__}.{info.name}")
        if all(hasattr(module, attr) for attr in ("HELP", "add_arguments", "handle")):
            found[info.name] = module
    return found


class Command(BaseCommand):
    help = "Dịch vụ công chủ động: gợi ý, lượt chạy hằng đêm, khuyến nghị."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        for name, module in sorted(_modules().items()):
            module.add_arguments(sub.add_parser(name, help=module.HELP, description=module.HELP))

    def handle(self, *args, subcommand, **options):
        _modules()[subcommand].handle(self, options)
