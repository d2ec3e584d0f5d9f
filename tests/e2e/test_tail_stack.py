"""Tail sampling end to end: `up --sampling tail` on the OTLP pipeline, then `verify`.

A stack of its own (free ports). The xray-exporter pipeline's tail stack runs in the
sampling drill (test_sampling_drill.py); together they cover both bases.
"""

from collections.abc import Iterator

import pytest

from ecsotel.local.ports import Ports
from ecsotel.local.process import log_file
from ecsotel.local.stack import Stack, running_stack
from ecsotel.paths import CACHE_DIR
from tests.e2e.test_stack import run_verify

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def tail_stack() -> Iterator[Stack]:
    """The whole stack with tail sampling on the OTLP pipeline, healthy."""
    path = CACHE_DIR / "e2e" / "tail-stack.log"
    with (
        log_file(path) as log,
        running_stack(log, Ports.free(), pipeline="otlp", sampling="tail") as running,
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


def test_verify_finds_its_marked_traces_through_the_gateways(tail_stack: Stack) -> None:
    result = run_verify(tail_stack.ports)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "pipeline checked: otlp, tail sampling" in result.stdout
    assert "FAILED" not in result.stdout
