"""Print the floors of motcua (tầng) as a text picture, read from the import-linter contract.

The layers contract in `.importlinter` is the one source of truth; docs/DESIGN.md carries this
script's output between `<!-- floors:begin -->` and `<!-- floors:end -->`, and
tests/test_design_map.py fails when the two differ.

    python scripts/floors_diagram.py            # print the block
    python scripts/floors_diagram.py --write    # replace the block in docs/DESIGN.md
"""

from __future__ import annotations

import configparser
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT / ".importlinter"
DESIGN = ROOT / "docs" / "DESIGN.md"
BEGIN = "<!-- floors:begin -->"
END = "<!-- floors:end -->"


def _contracts(path: Path = CONTRACT) -> list[configparser.SectionProxy]:
    parser = configparser.ConfigParser()
    parser.read(path, encoding="utf-8")
    return [parser[name] for name in parser.sections() if name.startswith("importlinter:contract:")]


def floors(path: Path = CONTRACT) -> list[tuple[int, list[str], bool]]:
    """(floor number, apps, independent) from the top floor down; floor 1 is the ground floor.

    In the contract "a : b" are apps on one floor that may import each other, "a | b" apps that
    may not (independent)."""
    layers = [c for c in _contracts(path) if c.get("type") == "layers"]
    if len(layers) != 1:
        raise SystemExit(f"{path}: expected one layers contract, found {len(layers)}")
    lines = [line.strip() for line in layers[0]["layers"].splitlines() if line.strip()]
    rows = [
        ([app.strip() for app in line.replace("|", ":").split(":") if app.strip()], "|" in line)
        for line in lines
    ]
    return [(len(rows) - i, apps, independent) for i, (apps, independent) in enumerate(rows)]


def forbidden(path: Path = CONTRACT) -> list[str]:
    """Modules no app may import (the forbidden contracts), e.g. motcua.demo."""
    found: list[str] = []
    for contract in _contracts(path):
        if contract.get("type") == "forbidden":
            found += [m.strip() for m in contract["forbidden_modules"].splitlines() if m.strip()]
    return found


def picture(path: Path = CONTRACT) -> str:
    rows = [(f"{n}", (" | " if independent else "  ").join(apps)) for n, apps, independent in floors(path)]
    width = max(len(apps) for _, apps in rows) + 2
    edge = "+----+" + "-" * width + "+"
    lines = ["imports go down, events go up", edge]
    for number, apps in rows:
        lines.append(f"| {number:>2} | {apps:<{width - 2}} |")
        lines.append(edge)
    if any(independent for _, _, independent in floors(path)):
        lines.append("a | b: apps on one floor that may not import each other")
    never = ", ".join(m.removeprefix("motcua.") for m in forbidden(path))
    if never:
        lines.append(f"no app imports: {never}")
    return "```text\n" + "\n".join(lines) + "\n```"


def block(path: Path = CONTRACT) -> str:
    return f"{BEGIN}\n{picture(path)}\n{END}"


def block_in(text: str) -> str | None:
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        return None
    return text[start : end + len(END)]


def main(argv: list[str]) -> int:
    new = block()
    if "--write" in argv:
        text = DESIGN.read_text(encoding="utf-8")
        old = block_in(text)
        if old is None:
            print(f"{DESIGN}: no {BEGIN} … {END} block", file=sys.stderr)
            return 1
        DESIGN.write_text(text.replace(old, new), encoding="utf-8")
        return 0
    print(new)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
