"""The floors of docs/DESIGN.md hold by themselves (issue 19 item 2, ADR 0043).

`.importlinter` holds the contracts: a layers contract for the floors (imports go down, never up;
apps on one floor may import each other) and "no app imports the demo app". `make test` runs
`lint-imports`; these tests run the same contracts from Python, so that a plain `pytest` fails on
an upward import too, and check that the contracts would catch one.
"""

from pathlib import Path

import pytest
from importlinter import configuration
from importlinter.application import use_cases
from importlinter.application.app_config import settings
from importlinter.cli import lint_imports

CONFIG = str(Path(__file__).resolve().parent.parent / ".importlinter")
FLOORS = "Floors (docs/DESIGN.md): imports go down, never up"
NO_DEMO = "No app imports the demo app"


def test_the_floors_hold():
    assert lint_imports(config_filename=CONFIG, no_cache=True, no_logo=True) == 0


class _WithExtraImport:
    """The real graph, plus one import that nobody wrote."""

    def __init__(self, builder, importer: str, imported: str):
        self.builder, self.importer, self.imported = builder, importer, imported

    def build(self, *args, **kwargs):
        graph = self.builder.build(*args, **kwargs)
        graph.add_import(importer=self.importer, imported=self.imported, line_number=1, line_contents="x")
        return graph


def _broken_contracts(importer: str, imported: str) -> list[str]:
    configuration.configure()
    real = settings.GRAPH_BUILDER
    settings.configure(GRAPH_BUILDER=_WithExtraImport(real, importer, imported))
    try:
        report = use_cases.create_report(use_cases.read_user_options(CONFIG), cache_dir=None)
    finally:
        settings.configure(GRAPH_BUILDER=real)
    return sorted(contract.name for contract, check in report.get_contracts_and_checks() if not check.kept)


@pytest.mark.parametrize(
    ("importer", "imported", "broken"),
    [
        # floor 1 → floor 4
        ("motcua.core.codes", "motcua.dossiers.models", [FLOORS]),
        # floor 3 → floor 5
        ("motcua.registries.prefill", "motcua.eforms.models", [FLOORS]),
        # a domain app → the demo tooling: both contracts
        (
            "motcua.dossiers.services",
            "motcua.demo.history",
            [FLOORS, NO_DEMO],
        ),
    ],
)
def test_an_upward_import_breaks_the_contracts(importer, imported, broken):
    assert _broken_contracts(importer, imported) == broken


def test_a_downward_or_same_floor_import_keeps_them():
    assert _broken_contracts("motcua.dossiers.services", "motcua.core.codes") == []  # floor 4 → 1
    assert _broken_contracts("motcua.payments.services", "motcua.feedback.models") == []  # floor 4 → 4
