"""Dependency audit: pip-audit on both Python projects, npm audit on the frontend's runtime.

Every finding must be fixed or listed in audit-allowlist.toml with a reason and a
date; anything else fails `make lint`. Run: `python -m tools.audit`.
"""

import json
import os
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ALLOWLIST = ROOT / "audit-allowlist.toml"


@dataclass(frozen=True)
class Finding:
    """One advisory against one installed package."""

    project: str
    package: str
    version: str
    advisory: str
    fix: str


@dataclass(frozen=True)
class Excuse:
    """An allow-list entry: an advisory accepted for a stated reason on a date."""

    advisory: str
    package: str
    reason: str
    judged: date


class AuditError(Exception):
    """The audit could not run, or its allow-list is malformed."""


def load_allowlist(text: str) -> dict[str, Excuse]:
    """The allow-list's entries by advisory id; each needs a package, a reason and a date."""
    entries = tomllib.loads(text).get("advisory", [])
    excuses: dict[str, Excuse] = {}
    for entry in entries:
        missing = [key for key in ("id", "package", "reason", "date") if not entry.get(key)]
        if missing:
            raise AuditError(f"allow-list entry {entry.get('id', '?')} lacks {', '.join(missing)}")
        if not isinstance(entry["date"], date):
            raise AuditError(f"allow-list entry {entry['id']}: date must be YYYY-MM-DD")
        excuses[entry["id"]] = Excuse(entry["id"], entry["package"], entry["reason"], entry["date"])
    return excuses


def pip_findings(project: str, report: dict[str, Any]) -> list[Finding]:
    """The findings in a `pip-audit -f json` report."""
    return [
        Finding(project, dep["name"], dep["version"], vuln["id"], ", ".join(vuln["fix_versions"]))
        for dep in report.get("dependencies", [])
        for vuln in dep.get("vulns", [])
    ]


def npm_findings(report: dict[str, Any]) -> list[Finding]:
    """The findings in an `npm audit --json` report: advisories, not their dependents."""
    # npm prints its own error document when the advisory service fails.
    if "statusCode" in report or "error" in report:
        message = report.get("message") or report.get("error")
        raise AuditError(f"the registry's advisory service failed: {message}")
    findings = []
    for name, vuln in report.get("vulnerabilities", {}).items():
        for via in vuln.get("via", []):
            if isinstance(via, dict):
                advisory = str(via.get("url", "")).rsplit("/", 1)[-1] or str(via.get("source"))
                fix = vuln.get("fixAvailable")
                findings.append(
                    Finding("frontend", name, str(via.get("range", "")), advisory, str(fix))
                )
    return findings


def unexcused(findings: list[Finding], excuses: dict[str, Excuse]) -> list[Finding]:
    """The findings no allow-list entry covers (same advisory and package)."""
    return [
        f for f in findings if f.advisory not in excuses or excuses[f.advisory].package != f.package
    ]


def stale(findings: list[Finding], excuses: dict[str, Excuse]) -> list[str]:
    """Allow-list ids that match no finding any more: delete them."""
    seen = {f.advisory for f in findings}
    return sorted(set(excuses) - seen)


def _json(argv: list[str], cwd: Path) -> dict[str, Any]:
    result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    try:
        parsed: dict[str, Any] = json.loads(result.stdout or "{}")
    except json.JSONDecodeError as error:
        raise AuditError(f"{argv[0]} printed no JSON: {result.stderr.strip()[-500:]}") from error
    return parsed


def run_pip_audit(project: str, directory: Path) -> list[Finding]:
    """pip-audit over a uv project's locked requirements, every group's (hashes, no resolver)."""
    uv = os.environ.get("UV", "uv")
    exported = subprocess.run(
        [
            uv,
            "export",
            "--frozen",
            "--all-groups",
            "--no-emit-project",
            "--format=requirements-txt",
        ],
        cwd=directory,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as requirements:
        requirements.write(exported)
        requirements.flush()
        argv = ["pip-audit", "--disable-pip", "-r", requirements.name, "-f", "json"]
        return pip_findings(project, _json([*argv, "--progress-spinner", "off"], ROOT))


def run_npm_audit() -> list[Finding]:
    """npm audit of the frontend's runtime dependencies (dev tools never ship)."""
    return npm_findings(_json(["npm", "audit", "--omit=dev", "--json"], ROOT / "frontend"))


def main() -> int:
    """Audit, print what was found, and fail on any finding that is not excused."""
    excuses = load_allowlist(ALLOWLIST.read_text())
    findings = run_pip_audit("root", ROOT) + run_pip_audit("backend", ROOT / "backend")
    print(f"pip-audit: {len(findings)} finding(s) in the root and backend projects")
    try:
        npm = run_npm_audit()
        print(f"npm audit --omit=dev: {len(npm)} finding(s) in the frontend")
        findings += npm
    except AuditError as error:
        # The registry mirror here answers the advisory endpoint with 405; failing
        # would make `make lint` unusable offline, so it is said, and strict mode fails.
        print(f"npm audit: NOT RUN: {error}")
        if os.environ.get("AUDIT_STRICT") == "1":
            return 1
    for finding in findings:
        excuse = excuses.get(finding.advisory)
        status = f"allowed: {excuse.reason} ({excuse.judged})" if excuse else "NOT ALLOWED"
        print(
            f"  {finding.project}: {finding.package} {finding.version} {finding.advisory} {status}"
        )
    for advisory in stale(findings, excuses):
        print(f"  audit-allowlist.toml: {advisory} matches no finding any more; delete it")
    return 1 if unexcused(findings, excuses) else 0


if __name__ == "__main__":
    sys.exit(main())
