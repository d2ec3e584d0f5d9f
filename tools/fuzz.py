"""Schemathesis runs against an OpenAPI document, read back from its JSON report.

The e2e fuzz tests (tests/e2e/test_fuzz.py) call `fuzz` for the backend's own
document and the frontend's openapi.yaml; `make fuzz` runs them with a larger budget.
"""

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class FuzzResult:
    """What one run generated and found."""

    operations: int
    generated: int
    failures: list[str]
    errors: list[str]
    stateful: str

    def summary(self) -> str:
        """One line for the run's output and the README's table."""
        return (
            f"{self.operations} operations, {self.generated} cases, "
            f"{len(self.failures)} failures, {len(self.errors)} errors, stateful {self.stateful}"
        )


def read_report(report: dict[str, Any]) -> FuzzResult:
    """The result in a `schemathesis run --report json` document."""
    failures = [
        f"{failure['code']} {failure['title']}: {', '.join(failure['operations'])}"
        for failure in report.get("failures", [])
    ]
    errors = [json.dumps(error)[:300] for error in report.get("errors", [])]
    if report.get("stop_reason") != "completed":
        errors.append(f"the run stopped early: {report.get('stop_reason')}")
    return FuzzResult(
        operations=int(report["operations"]["tested"]),
        generated=int(report["test_cases"]["generated"]),
        failures=failures,
        errors=errors,
        stateful=str(report["phases"]["stateful"]["status"]),
    )


def _schemathesis() -> str:
    # The console script beside this interpreter: the package has no __main__.
    found = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    if found is None:
        raise RuntimeError("schemathesis is not installed: run `make setup`")
    return found


def fuzz(
    schema: str,
    base_url: str,
    *,
    examples: int,
    seed: int,
    report: Path,
    exclude_checks: tuple[str, ...] = (),
) -> FuzzResult:
    """Run every phase (coverage, fuzzing, stateful) with all checks; its result."""
    report.parent.mkdir(parents=True, exist_ok=True)
    argv = [
        _schemathesis(),
        "run",
        schema,
        "--url",
        base_url,
        "--checks",
        "all",
        "--max-examples",
        str(examples),
        "--seed",
        str(seed),
        # One worker: the stack shares two cores with everything else.
        "--workers",
        "1",
        "--request-timeout",
        "10",
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    if exclude_checks:
        argv += ["--exclude-checks", ",".join(exclude_checks)]
    # Exit status 1 means "failures found": the report says which, so it is read either
    # way; the console output (reproduction commands) goes beside it.
    with report.with_suffix(".log").open("w") as log:
        subprocess.run(argv, check=False, stdout=log, stderr=subprocess.STDOUT)
    return read_report(json.loads(report.read_text()))
