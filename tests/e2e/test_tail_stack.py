"""Tail sampling end to end: `up --sampling tail` on the OTLP pipeline, `verify` and `traces`.

A stack of its own (free ports), with FAULT_RATE 1: every API request fails except
those in a trace marked as a probe's, and verify, which marks all of its own, must
still pass. The xray-exporter pipeline's tail stack runs in the
sampling drill (test_sampling_drill.py); together they cover both bases.
"""

import os
import re
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from ecsotel.local.ports import Ports
from ecsotel.local.process import log_file
from ecsotel.local.stack import Stack, running_stack
from ecsotel.paths import CACHE_DIR, REPO_ROOT
from tests.e2e.test_stack import passed_verify

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def tail_stack() -> Iterator[Stack]:
    """The whole stack with tail sampling on the OTLP pipeline and FAULT_RATE 1, healthy."""
    path = CACHE_DIR / "e2e" / "tail-stack.log"
    with (
        log_file(path) as log,
        running_stack(
            log, Ports.free(), pipeline="otlp", sampling="tail", fault_rate=1.0
        ) as running,
    ):
        yield running


def test_tail_sampling_runs_a_sidecar_per_app_and_two_gateways(tail_stack: Stack) -> None:
    names = [service.spec.name for service in tail_stack.services]

    assert names[names.index("standin") + 1 :][:4] == [
        "gateway-1",
        "gateway-2",
        "api-sidecar",
        "web-sidecar",
    ]
    assert "collector" not in names


@pytest.fixture(scope="module")
def verified(tail_stack: Stack) -> str:
    """What `ecsotel verify` printed against it (it must pass)."""
    return passed_verify(tail_stack.ports)


def test_a_request_outside_a_probe_trace_draws_the_fault(tail_stack: Stack) -> None:
    response = httpx.get(f"{tail_stack.ports.frontend_url}/api/todos", timeout=15)

    assert response.status_code >= 500


def test_verify_finds_its_marked_traces_through_the_gateways(verified: str) -> None:
    assert "pipeline checked: otlp, tail sampling" in verified
    assert "FAILED" not in verified


def test_traces_prints_the_kept_traces_unchanged(tail_stack: Stack, verified: str) -> None:
    env = {name: value for name, value in os.environ.items() if name != "AWS_ENDPOINT_URL"}
    result = subprocess.run(
        [sys.executable, "-m", "ecsotel", "traces", "--last", "20"],
        cwd=REPO_ROOT,
        env={**env, **tail_stack.ports.env(), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    # verify's API-route trace, marked for keeping: its id is in verify's output.
    (api_trace,) = re.findall(r"ALB-form trace (1-[0-9a-f]{8}-[0-9a-f]{24})", verified)
    assert api_trace in result.stdout
    assert "fastapi-app" in result.stdout
