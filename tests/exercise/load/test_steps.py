"""`make load`'s step reader fed Locust's statistics, bad ones included."""

from typing import Any

import pytest

from ecsotel.exercise.load.steps import Step, read_step


def entry(name: str, requests: int, failures: int, times: dict[str, int]) -> dict[str, Any]:
    """One request name's statistics as Locust's --json prints them, over 10 s."""
    return {
        "name": name,
        "num_requests": requests,
        "num_failures": failures,
        "start_time": 1000.0,
        "last_request_timestamp": 1010.0,
        "response_times": times,
        "total_content_length": 1000 * requests,
    }


def test_step_merges_every_request_name() -> None:
    stats = [
        entry("list (page)", 98, 0, {"20": 50, "30": 48}),
        entry("create", 2, 1, {"900": 2}),
    ]

    step = read_step(stats, users=20, seconds=12)

    assert step == Step(20, 12, 100, failures=1, throughput=10.0, p50=20, p99=900, mean_bytes=1000)
    assert not step.passes(objective_ms=1000)  # one failure ends the ramp


def test_a_run_without_requests_is_an_error_not_a_fast_step() -> None:
    with pytest.raises(RuntimeError, match="no requests"):
        read_step([entry("list (page)", 0, 0, {})], users=5, seconds=3)
    with pytest.raises(RuntimeError, match="no requests"):
        read_step([], users=5, seconds=3)


def test_a_slow_step_misses_the_objective() -> None:
    assert Step(5, 3, 15, 0, 5.0, 40, 300).passes(300)
    assert not Step(5, 3, 15, 0, 5.0, 40, 301).passes(300)
