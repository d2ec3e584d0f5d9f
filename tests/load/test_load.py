"""`make load`: the smoke run through make's own command, and the step reader fed bad CSVs."""

import csv
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from devkit.polling import poll_until

from loadtest.cpu import cpu_seconds
from loadtest.steps import Step, read_step
from tests.infra.terraform_model import ROOT


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


def test_smoke_run_prints_the_table_and_writes_the_plot(tmp_path: Path) -> None:
    """A few seconds of load through the frontend: no errors, a table, a PNG."""
    result = subprocess.run(
        [sys.executable, "-m", "loadtest.run", "--smoke", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    assert "p99 objective 300 ms" in result.stdout
    assert (tmp_path / "load-latency.png").read_bytes().startswith(b"\x89PNG")
    with (tmp_path / "load-steps.csv").open() as handle:
        (step,) = list(csv.DictReader(handle))
    assert int(step["requests"]) > 0
    assert int(step["failures"]) == 0


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


def test_cpu_is_counted_per_session_and_an_unknown_session_has_none() -> None:
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True)
    try:
        burned = poll_until(
            lambda: cpu_seconds({"burner": burner.pid})["burner"] >= 0.2 or None,
            "0.2 s of CPU in the burner's session",
            timeout=30,
        )
        assert burned
        assert cpu_seconds({"nobody": 2**22 + 1}) == {"nobody": 0.0}
    finally:
        burner.kill()
        burner.wait()
