"""One way to reach a dossier (issue 19 §4).

Views, API endpoints and management commands reach a dossier, one of its papers or a payment
reconciliation line only through the access functions (`dossiers.access.access_dossier_for_officer`,
`…_for_applicant`, `…_for_agencies`, `…_by_lookup`, `access_document`, the scoped querysets
`visible_dossiers` / `own_dossiers`, and `payments.access.access_reconciliation_line`), which load
and check in one call. This test reads their source (no import, no database) and fails when one of
them queries `Dossier.objects`, `DossierDocument.objects` or `ReconciliationLine.objects` itself,
or hands one of these models to `get_object_or_404`.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MOTCUA = ROOT / "motcua"

#: The models that are reached only through an access function, by the module that defines them.
GUARDED = {
    "motcua.dossiers.models": {"Dossier", "DossierDocument"},
    "motcua.payments.models": {"ReconciliationLine"},
}
MANAGERS = {"objects", "_default_manager", "_base_manager"}
SHORTCUTS = {"get_object_or_404", "get_list_or_404"}

#: file (relative to the repository) → why it may query a guarded model directly. Keep it short.
ALLOWED = {
    # `motcua demo --if-empty` asks whether the database holds any dossier at all before it
    # generates a year of them: a count of the whole table on a tool that never runs in production,
    # not a read of anyone's dossier.
    "motcua/demo/management/commands/demo.py": "demo --if-empty: does any dossier exist at all",
}


def scanned_files() -> list[Path]:
    """The views, API modules and management commands (tests and migrations are not)."""
    files: set[Path] = set()
    for app in ("portal", "backoffice", "api"):
        files.update((MOTCUA / app).rglob("*.py"))
    for app in ("eforms", "foryou", "privacy", "payments", "dossiers", "feedback", "guide", "insights"):
        files.update((MOTCUA / app).glob("views*.py"))
        files.update((MOTCUA / app).glob("views/**/*.py"))
    files.update(MOTCUA.glob("*/management/commands/**/*.py"))
    return sorted(
        f for f in files if "tests" not in f.relative_to(MOTCUA).parts and "migrations" not in f.parts
    )


def absolute(node: ast.ImportFrom, package: str) -> str:
    """The module an import names, relative imports (`from .models import …`) resolved."""
    if not node.level:
        return node.module or ""
    base = package.split(".")[: len(package.split(".")) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def guarded_names(tree: ast.Module, package: str) -> dict[str, str]:
    """Local name → model name, for each guarded model this module imports (aliases included)."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and absolute(node, package) in GUARDED:
            for alias in node.names:
                if alias.name in GUARDED[absolute(node, package)]:
                    names[alias.asname or alias.name] = alias.name
    return names


def direct_queries(source: str, package: str = "motcua") -> list[str]:
    """`line: what` for each direct query of a guarded model in this source (`package`: the
    package the file is in, for its relative imports)."""
    tree = ast.parse(source)
    names = guarded_names(tree, package)
    found = []
    for node in ast.walk(tree):
        # Dossier.objects…, models.Dossier.objects…
        if isinstance(node, ast.Attribute) and node.attr in MANAGERS:
            target = node.value
            name = target.id if isinstance(target, ast.Name) else getattr(target, "attr", None)
            model = names.get(name) if isinstance(target, ast.Name) else None
            if model is None and isinstance(target, ast.Attribute) and name in set().union(*GUARDED.values()):
                model = name
            if model:
                found.append(f"{node.lineno}: {model}.{node.attr}")
        # get_object_or_404(Dossier, …)
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            func_name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            first = node.args[0]
            if func_name in SHORTCUTS and isinstance(first, ast.Name) and first.id in names:
                found.append(f"{node.lineno}: {func_name}({names[first.id]}, …)")
    return found


def package_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).parent.parts)


def test_the_scan_covers_views_api_and_commands():
    relative = {str(f.relative_to(ROOT)) for f in scanned_files()}
    for expected in (
        "motcua/backoffice/views.py",
        "motcua/backoffice/payments.py",
        "motcua/portal/mine.py",
        "motcua/portal/tracking.py",
        "motcua/api/dossiers.py",
        "motcua/api/access.py",
        "motcua/dossiers/views.py",
        "motcua/payments/views.py",
        "motcua/payments/management/commands/payments.py",
    ):
        assert expected in relative, expected
    for allowed in ALLOWED:
        assert (ROOT / allowed).exists(), f"allow-list entry for a file that is gone: {allowed}"


def test_views_api_and_commands_reach_dossiers_only_through_access_functions():
    offences = {}
    for path in scanned_files():
        relative = str(path.relative_to(ROOT))
        found = direct_queries(path.read_text(encoding="utf-8"), package_of(path))
        if found and relative not in ALLOWED:
            offences[relative] = found
    assert not offences, (
        "Reach a dossier, a paper or a reconciliation line through dossiers.access / payments.access "
        f"(load and check in one call), not by querying the model: {offences}"
    )


def test_the_allow_list_is_still_needed():
    """An entry whose file no longer queries directly is taken out, so the list stays short."""
    for relative in ALLOWED:
        path = ROOT / relative
        assert direct_queries(path.read_text(encoding="utf-8"), package_of(path)), relative


@pytest.mark.parametrize(
    "source",
    [
        "from motcua.dossiers.models import Dossier\nd = Dossier.objects.filter(code=c).first()\n",
        "from motcua.dossiers.models import Dossier as D\nd = D._default_manager.get(code=c)\n",
        "from motcua.dossiers.models import DossierDocument\nd = DossierDocument.objects.get(pk=1)\n",
        "from motcua.payments.models import ReconciliationLine\nx = ReconciliationLine.objects.first()\n",
        "from django.shortcuts import get_object_or_404\nfrom motcua.dossiers.models import Dossier\n"
        "d = get_object_or_404(Dossier, code=c)\n",
        "from motcua.dossiers import models\nd = models.Dossier.objects.all()\n",
    ],
)
def test_the_scan_catches_a_direct_query(source):
    assert direct_queries(source)


def test_the_scan_resolves_relative_imports():
    source = "from .models import Dossier\nd = Dossier.objects.filter(code=c).first()\n"
    assert direct_queries(source, "motcua.dossiers")
    assert not direct_queries(source, "motcua.catalog")


@pytest.mark.parametrize(
    "source",
    [
        "from motcua.dossiers import access\nd = access.access_dossier_for_officer(u, c)\n",
        "from motcua.dossiers.models import DossierResult\nr = DossierResult.objects.first()\n",
        "from motcua.payments.models import ReconciliationLine\nk = ReconciliationLine.Kind.MATCHED\n",
    ],
)
def test_the_scan_leaves_access_functions_and_other_models_alone(source):
    assert not direct_queries(source)
