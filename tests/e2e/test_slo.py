"""The SLOs locally: `make slo` on the shared stack, the synthetic check, the short SLO drill.

`make slo-drill` runs the full drill (about 9 minutes), which also holds that a single
short outage does not set off the slow burn.
"""

import os
import re
import subprocess
import sys

import httpx
import pytest
from devkit.polling import poll_until

from ecsotel.exercise.slo.canary import check
from ecsotel.exercise.slo.drill import SHORT, run
from ecsotel.local.stack import Stack
from ecsotel.paths import REPO_ROOT

pytestmark = pytest.mark.e2e


def run_slo(stack: Stack) -> str:
    """`ecsotel slo` as `make slo` runs it: the local stack found through STACK_*_PORT."""
    env = {name: value for name, value in os.environ.items() if name != "AWS_ENDPOINT_URL"}
    result = subprocess.run(
        [sys.executable, "-m", "ecsotel", "slo"],
        cwd=REPO_ROOT,
        env={**env, **stack.ports.env(), "COLUMNS": "250"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout


def test_make_slo_prints_each_sli_the_budget_and_every_alert(stack: Stack) -> None:
    for _ in range(20):
        httpx.get(f"{stack.frontend_url}/api/todos", timeout=10).raise_for_status()

    def reported() -> str | None:
        output = run_slo(stack)
        return output if "availability: SLI" in output else None

    output = poll_until(
        reported,
        "`ecsotel slo` to find nextjs-app's EMF documents",
        timeout=60,
        interval=2,
    )

    print(output)
    # Other e2e tests (the drills) break this stack on purpose: any SLI, but a figure.
    assert re.search(r"^availability: SLI \d+\.\d\d %, .*error budget used", output, re.M)
    assert re.search(r"^latency \(within .* s\): SLI \d+\.\d\d %", output, re.M)
    assert output.count("| availability |") == output.count("| latency |") >= 3


def test_the_synthetic_check_passes_against_the_stack(stack: Stack) -> None:
    passed, output = check(stack.frontend_url)

    print(output)
    assert passed
    assert "API deletes it" in output


def test_short_slo_drill_pages_on_each_outage_and_on_nothing_else() -> None:
    """A stack of its own (its metrics every 250 ms): no fault, PostgreSQL down, backend killed."""
    result = run(SHORT)

    print("\n".join(result.lines()))
    assert result.problems == []
    assert [phase.name.split(" ")[0] for phase in result.phases] == ["no", "PostgreSQL", "backend"]
