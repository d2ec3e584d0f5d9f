"""The benches' turn-taking (harness.wrk): turns combine into one result per server."""

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from devkit.polling import WaitTimeout

from ecsotel.exercise.harness import wrk
from ecsotel.exercise.harness.procfs import cpu_seconds
from ecsotel.exercise.harness.wrk import Result, Scenario, WrkLoad, combine, take_turns


def test_turns_add_up_by_requests_and_time_not_by_averaging_rates() -> None:
    fast = Result(rps=1000, p50_ms=1, p99_ms=5, cpu_ms=1.0, requests=1000)
    slow = Result(rps=250, p50_ms=3, p99_ms=9, cpu_ms=2.0, requests=250)

    combined = combine([fast, slow, fast])

    # 2,250 responses in 3 s; CPU weighted by responses, not by turn.
    assert combined.requests == 2250
    assert combined.rps == pytest.approx(750)
    assert combined.cpu_ms == pytest.approx((1000 + 500 + 1000) / 2250)
    assert (combined.p50_ms, combined.p99_ms) == (1, 5)


def test_each_server_gets_every_turn_in_a_rotating_order(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    order: list[str] = []

    def fake_run(base: str, pid: int, scenario: Scenario, load: WrkLoad, folder: Path) -> Result:
        order.append(base)
        return Result(rps=100.0 * pid, p50_ms=1, p99_ms=2, cpu_ms=1.0, requests=100 * pid)

    monkeypatch.setattr(wrk, "run_wrk", fake_run)
    servers = {"off": (1, "a"), "on": (2, "b"), "10%": (3, "c")}

    results = take_turns(servers, Scenario("x", "return"), WrkLoad(1, 1, 1), 3, tmp_path)

    assert order == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]
    assert {name: result.requests for name, result in results.items()} == {
        "off": 300,
        "on": 600,
        "10%": 900,
    }


# Burns CPU for about `seconds` of its own CPU time, then idles until killed.
BURST_THEN_IDLE = """
import sys, time
start = time.process_time()
while time.process_time() - start < float(sys.argv[1]):
    pass
print("idle", flush=True)
time.sleep(120)
"""


@pytest.fixture
def burst() -> Iterator[Callable[[float], subprocess.Popen[str]]]:
    """Start a process that burns CPU for a while (forever with inf), then idles."""
    started: list[subprocess.Popen[str]] = []

    def start(seconds: float) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-c", BURST_THEN_IDLE, str(seconds)],
            stdout=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()
        process.wait()


def test_settle_waits_for_the_work_left_after_the_load(
    burst: Callable[[float], subprocess.Popen[str]],
) -> None:
    process = burst(0.5)

    wrk.settle(process.pid)

    # The burst is over (and counted), not cut off at its first quiet-looking moment.
    assert cpu_seconds(process.pid) >= 0.45
    assert process.stdout is not None
    assert process.stdout.readline() == "idle\n"


def test_settle_fails_on_a_process_that_never_goes_quiet(
    burst: Callable[[float], subprocess.Popen[str]],
) -> None:
    process = burst(float("inf"))

    with pytest.raises(WaitTimeout, match=f"PID {process.pid} to go quiet"):
        wrk.settle(process.pid, timeout=1)
