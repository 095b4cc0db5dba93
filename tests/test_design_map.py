"""The map tells the truth (issue 19 item 8): docs/DESIGN.md's floors cannot drift from the contract.

`.importlinter`'s layers contract is the one source of truth. The picture between the floors markers
must be exactly what scripts/floors_diagram.py prints from it, the floors table must put each app on
the floor the contract puts it, and every motcua app installed must be on a floor.
"""

import importlib.util
import re
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("floors_diagram", ROOT / "scripts" / "floors_diagram.py")
floors_diagram = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(floors_diagram)

DESIGN = (ROOT / "docs" / "DESIGN.md").read_text(encoding="utf-8")


def contract_floor_of() -> dict[str, int]:
    return {app: number for number, apps, _ in floors_diagram.floors() for app in apps}


def test_the_picture_is_the_contract():
    found = floors_diagram.block_in(DESIGN)
    assert found is not None, "docs/DESIGN.md has no <!-- floors:begin --> … <!-- floors:end --> block"
    fix = "python scripts/floors_diagram.py --write"
    assert found == floors_diagram.block(), (
        f"docs/DESIGN.md's floors picture differs from .importlinter: {fix}"
    )


def test_the_picture_shows_every_floor_top_first():
    picture = floors_diagram.picture()
    numbers = [int(n) for n in re.findall(r"^\|\s+(\d+) \|", picture, re.M)]
    assert numbers == sorted(numbers, reverse=True) and numbers[-1] == 1
    assert len(numbers) == len(floors_diagram.floors())
    for app in contract_floor_of():
        assert re.search(rf"\b{app}\b", picture), app


def test_the_table_puts_each_app_on_its_contract_floor():
    rows = re.findall(r"^\| (\d+) \| ([^|]+) \|", DESIGN, re.M)
    table = {app: int(number) for number, apps in rows for app in re.findall(r"`(\w+)`", apps)}
    assert table == contract_floor_of()


def test_every_installed_motcua_app_is_on_a_floor():
    installed = {name.split(".")[1] for name in settings.INSTALLED_APPS if name.startswith("motcua.")}
    assert installed, "no motcua app in INSTALLED_APPS"
    assert installed - set(contract_floor_of()) == set()
    # and the contract names no app that is not installed
    assert set(contract_floor_of()) - installed == set()


def test_the_demo_app_is_forbidden_and_on_the_top_floor():
    assert "motcua.demo" in floors_diagram.forbidden()
    top_number, top_apps, _ = floors_diagram.floors()[0]
    assert top_apps == ["demo"] and top_number == len(floors_diagram.floors())
