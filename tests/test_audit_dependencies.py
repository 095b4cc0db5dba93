"""The dependency audit step: fails on a known vulnerability, says NOT CHECKED when it cannot ask."""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "audit_dependencies", Path(__file__).resolve().parent.parent / "scripts" / "audit_dependencies.py"
)
audit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(audit)

CLEAN = {"dependencies": [{"name": "django", "version": "5.2.9", "vulns": []}]}
VULNERABLE = {
    "dependencies": [
        {"name": "django", "version": "5.2.0", "vulns": [{"id": "PYSEC-2099-1", "fix_versions": ["5.2.1"]}]},
        {"name": "local-thing", "skip_reason": "Dependency not found on PyPI"},
    ]
}
ALL_SKIPPED = {"dependencies": [{"name": "django", "skip_reason": "Dependency not found on PyPI"}]}


def test_a_known_vulnerability_fails_the_step(monkeypatch, capsys):
    monkeypatch.setattr(audit, "run", lambda service: VULNERABLE)
    assert audit.main() == 1
    out = capsys.readouterr().out
    assert "VULNERABLE: 1" in out and "PYSEC-2099-1" in out and "5.2.1" in out


def test_clean_passes(monkeypatch, capsys):
    monkeypatch.setattr(audit, "run", lambda service: CLEAN)
    assert audit.main() == 0
    assert "OK: no known vulnerabilities" in capsys.readouterr().out


def test_unreachable_says_not_checked(monkeypatch, capsys):
    answers = {"pypi": ALL_SKIPPED, "osv": None}
    monkeypatch.setattr(audit, "run", lambda service: answers[service])
    assert audit.main() == 0
    assert "NOT CHECKED: advisory database unreachable" in capsys.readouterr().out


def test_second_service_used_when_the_first_skips_everything(monkeypatch, capsys):
    answers = {"pypi": ALL_SKIPPED, "osv": VULNERABLE}
    monkeypatch.setattr(audit, "run", lambda service: answers[service])
    assert audit.main() == 1
    assert "dependency audit (osv)" in capsys.readouterr().out
