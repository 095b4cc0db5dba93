"""`motcua foryou <subcommand> …`: the proactive services' commands, one module each in
motcua/foryou/subcommands/ (the module's name is the subcommand; see that package's docstring)."""

from django.core.management.base import BaseCommand

from motcua.foryou.subcommands import demo, load, nightly, recommend, suggestions

#: Listed plainly (issue 19: modules are imported by name only where a setting names a plugin).
SUBCOMMANDS = {
    module.__name__.rsplit(".", 1)[-1]: module for module in (demo, load, nightly, recommend, suggestions)
}


class Command(BaseCommand):
    help = "Dịch vụ công chủ động: gợi ý, lượt chạy hằng đêm, khuyến nghị."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        for name, module in sorted(SUBCOMMANDS.items()):
            module.add_arguments(sub.add_parser(name, help=module.HELP, description=module.HELP))

    def handle(self, *args, subcommand, **options):
        SUBCOMMANDS[subcommand].handle(self, options)
