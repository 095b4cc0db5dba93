"""Dependency audit (SCA): pip-audit over requirements.lock against a public advisory database.

    make audit                                   # or: .venv/bin/python scripts/audit_dependencies.py

Exit 1 when a locked package has a known vulnerability; exit 0 when none is known. When no advisory
database answers (no network, a proxy, PyPI's JSON API or OSV unreachable), it prints
"NOT CHECKED: advisory database unreachable" and exits 0: the step cannot fail a build for the
network, but it never passes silently either. It runs wherever the advisory databases are reachable
(a developer's machine, a CI runner with Internet access, the release job); `make test` does not call
it, as CI machines here have no Internet (docs/security/asvs-l2.md, V14).
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Advisory services pip-audit can ask, tried in order until one answers.
SERVICES = ("pypi", "osv")


def classify(report: dict) -> tuple[int, list[str], list[str]]:
    """pip-audit's JSON -> (packages audited, vulnerabilities as text, skip reasons)."""
    audited, found, skipped = 0, [], []
    for dep in report.get("dependencies", []):
        if dep.get("skip_reason"):
            skipped.append(f"{dep['name']}: {dep['skip_reason']}")
            continue
        audited += 1
        for vuln in dep.get("vulns", []):
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fixed version"
            found.append(f"{dep['name']} {dep.get('version', '')}: {vuln.get('id')} (fixed in {fixes})")
    return audited, found, skipped


def run(service: str) -> dict | None:
    """One pip-audit run; None when the service could not be reached at all."""
    command = [
        sys.executable,
        "-m",
        "pip_audit",
        "-r",
        str(ROOT / "requirements.lock"),
        "--no-deps",  # the lock pins every package with hashes: audit exactly those
        "--disable-pip",
        "--progress-spinner=off",
        "-f",
        "json",
        "-s",
        service,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    try:
        return json.loads(done.stdout)
    except ValueError:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"  {service}: no answer ({last[:200]})")
        return None


def main() -> int:
    for service in SERVICES:
        report = run(service)
        if report is None:
            continue
        audited, found, skipped = classify(report)
        if audited == 0:
            first = skipped[0] if skipped else "no package listed"
            print(f"  {service}: {len(skipped)} of {len(skipped)} packages skipped ({first[:160]})")
            continue
        print(f"dependency audit ({service}): {audited} packages checked, {len(skipped)} skipped")
        for reason in skipped:
            print(f"  skipped: {reason}")
        if found:
            print(f"VULNERABLE: {len(found)} known vulnerabilities")
            for line in found:
                print(f"  {line}")
            return 1
        print("OK: no known vulnerabilities in requirements.lock")
        return 0
    print(
        "NOT CHECKED: advisory database unreachable (tried: " + ", ".join(SERVICES) + "); "
        "run `make audit` where PyPI or OSV can be reached"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
