"""The hygiene rules every GitHub workflow of this repository follows, as a checker.

`problems(text)` returns one message per broken rule (an empty list means the
workflow passes): third-party actions pinned by full commit SHA with the release
in a comment, `permissions` at the top (none) and on every job, a `concurrency`
group, a timeout on every job, checkouts that keep no token, and `run:` steps
that call the Makefile's own targets (not a second copy of the build logic) and
paste no `${{ }}` expression into a script.
"""

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"

# `uses: owner/repo[/path]@<40 hex> # vX.Y.Z`; local (./) and docker:// actions aside.
USES = re.compile(r"^\s*(?:-\s*)?uses:\s*(?P<ref>[^\s#]+)\s*(?:#\s*(?P<comment>.*))?$")
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
RELEASE = re.compile(r"^v\d+\.\d+\.\d+$")
MAKE_TARGET = re.compile(r"^([a-zA-Z0-9][a-zA-Z0-9_-]*):", re.MULTILINE)
VARIABLE = re.compile(r"^[A-Z_][A-Z0-9_]*=\S*$")

# The only shell lines allowed besides `make`: each says something the Makefile
# cannot, and its step's comment says why.
ALLOWED_COMMANDS = frozenset({"touch .cache/collector/otelcol-ecs", "exit 1"})
# Lines that only report (a workflow command) or hand a make target's output to a later step.
REPORT = re.compile(r'^echo "::(?:error|warning|notice)::[^"$`]*"$')
OUTPUT_OF_MAKE = re.compile(r'^echo "\w+=\$\(make -s ([a-z0-9-]+)\)" >> "\$GITHUB_OUTPUT"$')


def make_targets(makefile: Path = ROOT / "Makefile") -> set[str]:
    """The targets the Makefile defines (rules and .PHONY names alike)."""
    return set(MAKE_TARGET.findall(makefile.read_text(encoding="utf-8")))


def pin_problems(text: str) -> list[str]:
    """Actions not pinned to a full commit SHA with its release (`# vX.Y.Z`) beside it."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = USES.match(line)
        if not match or match["ref"].startswith(("./", "docker://")):
            continue
        if not PINNED.match(match["ref"]):
            found.append(f"line {number}: {match['ref']} is not pinned to a full commit SHA")
        elif not RELEASE.match((match["comment"] or "").strip()):
            found.append(f"line {number}: {match['ref']} has no `# vX.Y.Z` comment")
    return found


def _steps(job: dict[str, Any]) -> Iterable[dict[str, Any]]:
    return [step for step in job.get("steps", []) if isinstance(step, dict)]


def run_problems(job_id: str, job: dict[str, Any], targets: set[str]) -> list[str]:
    """`run:` lines that are neither `make <known target> [VAR=value]` nor allowed."""
    found = []
    for step in _steps(job):
        if "${{" in str(step.get("run", "")):
            # An expression is pasted into the script before the shell parses it.
            found.append(f"job {job_id}: `${{{{ }}}}` in a run script: pass it through `env:`")
        for line in str(step.get("run", "")).splitlines():
            command = line.strip()
            if not command or command in ALLOWED_COMMANDS or REPORT.match(command):
                continue
            if output := OUTPUT_OF_MAKE.match(command):
                if output[1] not in targets:
                    found.append(f"job {job_id}: `{command}`: no Makefile target {output[1]!r}")
                continue
            words = command.split()
            if words[0] != "make":
                found.append(f"job {job_id}: `{command}` does not call make")
                continue
            for word in words[1:]:
                if not VARIABLE.match(word) and word not in targets:
                    found.append(f"job {job_id}: `{command}`: no Makefile target {word!r}")
    return found


def job_problems(job_id: str, job: dict[str, Any], targets: set[str]) -> list[str]:
    """A job's missing permissions or timeout, checkouts that keep a token, and its run lines."""
    found = []
    if "permissions" not in job:
        found.append(f"job {job_id}: no `permissions`")
    if not isinstance(job.get("timeout-minutes"), int):
        found.append(f"job {job_id}: no `timeout-minutes`")
    for step in _steps(job):
        uses = str(step.get("uses", ""))
        keeps_token = (step.get("with") or {}).get("persist-credentials") is not False
        if uses.startswith("actions/checkout@") and keeps_token:
            found.append(f"job {job_id}: checkout without `persist-credentials: false`")
    return found + run_problems(job_id, job, targets)


def problems(text: str, targets: set[str] | None = None) -> list[str]:
    """Every hygiene rule the workflow document `text` breaks."""
    targets = make_targets() if targets is None else targets
    document = yaml.safe_load(text)
    if not isinstance(document, dict) or not isinstance(document.get("jobs"), dict):
        return ["not a workflow: no `jobs` mapping"]
    found = pin_problems(text)
    if document.get("permissions") != {}:
        found.append("top level: `permissions: {}` missing (jobs grant what they need)")
    if "concurrency" not in document:
        found.append("top level: no `concurrency` group")
    for job_id, job in document["jobs"].items():
        found += job_problems(job_id, job, targets)
    return found


def workflow_files() -> list[Path]:
    """The repository's workflows."""
    return sorted(WORKFLOWS.glob("*.yml")) + sorted(WORKFLOWS.glob("*.yaml"))


def local_action_files() -> list[Path]:
    """The repository's own composite actions (their steps pin actions too)."""
    return sorted((ROOT / ".github" / "actions").glob("*/action.yml"))
