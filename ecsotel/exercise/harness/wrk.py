"""The one wrk runner (a C load generator, Debian's `wrk`): one scenario, bounded, as numbers.

wrk rather than a Python client: a Python client would take a good share of the
same cores away from the server it measures. Used by the benchmarks of every tier.
"""

import json
import os
import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from devkit.polling import poll_until

from ecsotel.exercise.harness.procfs import cpu_seconds
from ecsotel.local.process import pinned

# A server has settled after a load when it used less CPU than this in one interval:
# more than timers and idle threads use, less than an exporter's batch.
QUIET_CPU_MS = 5.0
QUIET_INTERVAL = 0.1
T = TypeVar("T")


@dataclass(frozen=True)
class Scenario:
    """One kind of request, as a wrk Lua ``request`` function."""

    name: str
    lua_request: str


# Stops the thread after `limit` responses, waits `pause` ms before each request of
# a connection (0: as fast as possible), and prints the results as one JSON line
# (wrk's text report is for people; its Lua `done` hook gets the same numbers).
LUA_TEMPLATE = """
local limit = {limit}
local seen = 0
request = function()
  {request}
end
delay = function()
  return {pause}
end
response = function(status, headers, body)
  seen = seen + 1
  if seen >= limit then wrk.thread:stop() end
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{{"requests": %d, "micros": %d, "p50": %d, "p99": %d, "errors": %d, "status": %d}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


@dataclass(frozen=True)
class WrkLoad:
    """How hard wrk drives: connections, bounds, and a pause per request (paced runs)."""

    connections: int
    duration: int
    requests: int
    pause_ms: int = 0
    cpu: int | None = None


@dataclass(frozen=True)
class Result:
    """One wrk run: throughput and latency percentiles."""

    rps: float
    p50_ms: float
    p99_ms: float
    # The server's CPU time (all threads, export included) per response: unlike req/s,
    # it hardly moves when other processes compete for the cores.
    cpu_ms: float
    # Responses in this run.
    requests: int = 0


def settle(pid: int, *, timeout: float = 10.0) -> None:
    """Wait until the process goes quiet: under QUIET_CPU_MS in QUIET_INTERVAL seconds.

    A server is not done when its last response is: a telemetry exporter still
    encodes and sends the spans of the last requests. That work belongs to its turn;
    left running, it would be measured as the next server's slowness.
    """
    # The first reading only starts the first interval.
    previous: float | None = None

    def quiet() -> bool:
        nonlocal previous
        now, before = cpu_seconds(pid), previous
        previous = now
        return before is not None and (now - before) * 1000 < QUIET_CPU_MS

    poll_until(
        quiet, f"PID {pid} to go quiet after the load", timeout=timeout, interval=QUIET_INTERVAL
    )


def run_wrk(base: str, pid: int, scenario: Scenario, load: WrkLoad, folder: Path) -> Result:
    """Drive one scenario with wrk; fail on any error or non-2xx answer."""
    script = folder / "scenario.lua"
    script.write_text(
        LUA_TEMPLATE.format(limit=load.requests, request=scenario.lua_request, pause=load.pause_ms)
    )
    argv = ["wrk", "--threads", "1", "--connections", str(load.connections)]
    argv += ["--duration", f"{load.duration}s", "--timeout", "5s", "--script", str(script), base]
    cpu_before = cpu_seconds(pid)
    completed = subprocess.run(
        pinned(argv, load.cpu),
        capture_output=True,
        text=True,
        check=True,
        timeout=load.duration + 30,
    )
    settle(pid)
    cpu = cpu_seconds(pid) - cpu_before
    (line,) = [entry for entry in completed.stdout.splitlines() if entry.startswith('{"requests"')]
    numbers = json.loads(line)
    if not numbers["requests"]:
        raise SystemExit(f"{scenario.name}: no response within {load.duration} s")
    if numbers["errors"] or numbers["status"]:
        raise SystemExit(f"{scenario.name}: wrk saw failures: {numbers}")
    return Result(
        rps=numbers["requests"] / (numbers["micros"] / 1e6),
        p50_ms=numbers["p50"] / 1000,
        p99_ms=numbers["p99"] / 1000,
        cpu_ms=cpu * 1000 / numbers["requests"],
        requests=numbers["requests"],
    )


def combine(windows: list[Result]) -> Result:
    """One result from several runs: totals for throughput and CPU, median latencies."""
    requests = sum(window.requests for window in windows)
    seconds = sum(window.requests / window.rps for window in windows)
    return Result(
        rps=requests / seconds,
        p50_ms=statistics.median(window.p50_ms for window in windows),
        p99_ms=statistics.median(window.p99_ms for window in windows),
        cpu_ms=sum(window.cpu_ms * window.requests for window in windows) / requests,
        requests=requests,
    )


def take_turns(
    servers: dict[str, tuple[int, str]],
    scenario: Scenario,
    load: WrkLoad,
    turns: int,
    folder: Path,
) -> dict[str, Result]:
    """Drive each server (name: its PID and URL) ``turns`` times in a rotating order.

    Servers measured one after another, seconds apart, differed by as much as the
    telemetry under test costs: a shared machine's speed drifts. Short turns in a
    rotating order give every server the same share of each slow and fast moment.
    """
    names = list(servers)
    windows: dict[str, list[Result]] = {name: [] for name in names}
    for turn in range(turns):
        shift = turn % len(names)
        for name in names[shift:] + names[:shift]:
            pid, base = servers[name]
            windows[name].append(run_wrk(base, pid, scenario, load, folder))
    return {name: combine(results) for name, results in windows.items()}


def in_rounds(
    label: str, modes: Sequence[str], rounds: int, measure: Callable[[int], Mapping[str, T]]
) -> dict[str, list[T]]:
    """Call `measure(round)` `rounds` times (fresh servers each); each mode's results in order.

    Ratios are then taken per round (the modes ran side by side) before any median.
    """
    results: dict[str, list[T]] = {mode: [] for mode in modes}
    for number in range(rounds):
        average = os.getloadavg()[0]
        print(
            f"{time.strftime('%H:%M:%S')} {label} round {number + 1}: {', '.join(modes)} "
            f"(load average {average:.2f})",
            flush=True,
        )
        measured = measure(number)
        for mode in modes:
            results[mode].append(measured[mode])
    return results
