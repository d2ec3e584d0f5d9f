"""fastapi-app's throughput with telemetry off, on and 10 % sampled (`ecsotel bench`, first).

On a throwaway PostgreSQL and the OTLP sink (harness.servers), each round starts the
real `fastapi-app` once per mode, all at once, from the stack's own spec plus the
mode's variables (MODES, data: a name, its environment and optionally another
launcher). Each server gets one request paced at about 100 requests/s; then, for
each of three requests, wrk drives the servers at full speed in turns of a few
seconds, in a rotating order (harness.wrk.take_turns). It prints req/s, p50, p99
and the server's CPU time per request. Fresh processes every round; the ratios
are medians over rounds.

Loopback only, and bounded: every wrk run stops after its seconds or its number
of responses, whichever comes first.
"""

import contextlib
import dataclasses
import shutil
import statistics
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ecsotel.exercise.bench.options import BenchOptions
from ecsotel.exercise.harness.servers import BenchServers, Server, bench_servers
from ecsotel.exercise.harness.wrk import (
    Result,
    Scenario,
    WrkLoad,
    in_rounds,
    run_wrk,
    take_turns,
)


@dataclass(frozen=True)
class Mode:
    """One way to run fastapi-app: the variables it adds, and another launcher if any."""

    env: Mapping[str, str] = field(default_factory=dict)
    # Replaces the `fastapi-app` command (e.g. a stock-instrumentation launcher in
    # backend/.venv); None runs the container's command.
    argv: tuple[str, ...] | None = None


# Telemetry off, on, and head-sampled at 10 % (the usual production setting).
MODES: dict[str, Mode] = {
    "off": Mode({"OTEL_SDK_DISABLED": "true"}),
    "on": Mode(),
    "10%": Mode(
        {"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.1"}
    ),
}
# Every mode's server: the same string hashing in each (one less way for two processes
# running the same code to differ), and the SDK on unless the mode turns it off.
BENCH_ENV = {"PYTHONHASHSEED": "0", "OTEL_SDK_DISABLED": "false"}
SEED_TODOS = 100
SCENARIOS = (
    Scenario(
        "get by id",
        f'return wrk.format("GET", "/api/todos/" .. math.random(1, {SEED_TODOS}))',
    ),
    Scenario("list (100)", 'return wrk.format("GET", "/api/todos/")'),
    Scenario(
        "create",
        'return wrk.format("POST", "/api/todos/", '
        '{["Content-Type"] = "application/json"}, \'{"title": "bench"}\')',
    ),
)
# About 100 requests/s: two connections, each waiting 20 ms before each request; 10 s,
# so that its p99 is not the 4th-worst of 400 requests but the 8th-worst of 800.
PACED = WrkLoad(connections=2, duration=10, requests=10**9, pause_ms=20)


def mode_env(mode: str, app_env: Mapping[str, str]) -> dict[str, str]:
    """What a mode's server gets on top of the stack's spec; `app_env` (the option) last."""
    return {**BENCH_ENV, **MODES[mode].env, **app_env}


def measure_round(
    servers: BenchServers, options: BenchOptions, number: int, folder: Path
) -> dict[str, dict[str, Result]]:
    """One server per mode, all up at once; each scenario in short turns (harness.wrk)."""
    started: dict[str, Server] = {}
    try:
        for index, mode in enumerate(modes_of(options)):
            started[mode] = servers.start_backend(
                f"bench_{number}_{index}",
                seed_todos=SEED_TODOS,
                env=mode_env(mode, options.app_env),
                cpu=options.server_cpu,
                argv=MODES[mode].argv,
                name=f"backend {mode}",
            )
        load = WrkLoad(options.connections, options.window, options.requests, cpu=options.load_cpu)
        # Warm-up: pool connections, code paths, the exporter's first batches.
        warm = dataclasses.replace(load, duration=2, requests=10**9)
        paced = dataclasses.replace(PACED, cpu=load.cpu)
        results: dict[str, dict[str, Result]] = {mode: {} for mode in started}
        for server in started.values():
            run_wrk(server.url, server.pid, SCENARIOS[0], warm, folder)
        # Paced first and create last, so that both lists hold the 100 seeded todos.
        for mode, server in started.items():
            paced_get = run_wrk(server.url, server.pid, SCENARIOS[0], paced, folder)
            results[mode]["paced get"] = paced_get
        targets = {mode: (server.pid, server.url) for mode, server in started.items()}
        for scenario in SCENARIOS:
            measured = take_turns(targets, scenario, load, options.windows, folder)
            for mode in started:
                results[mode][scenario.name] = measured[mode]
        return results
    finally:
        servers.stop(*started.values())


def summarise(results: dict[str, list[dict[str, Result]]]) -> dict[str, dict[str, float]]:
    """Per mode and request: medians over rounds, and on/off ratios per round, then medians."""
    summary: dict[str, dict[str, float]] = {}
    names = ["paced get", *(scenario.name for scenario in SCENARIOS)]
    for mode, rounds in results.items():
        for name in names:
            runs = [entry[name] for entry in rounds]
            # Ratios per round (modes ran back to back), then their median: steadier
            # than a ratio of medians when other processes load the machine unevenly.
            pairs = list(zip(results["off"], rounds, strict=True))
            ratios = [b[name].rps / a[name].rps for a, b in pairs]
            summary[f"{mode} / {name}"] = {
                "rps": statistics.median(r.rps for r in runs),
                "p50_ms": statistics.median(r.p50_ms for r in runs),
                "p99_ms": statistics.median(r.p99_ms for r in runs),
                "cpu_ms": statistics.median(r.cpu_ms for r in runs),
                "rps_ratio": statistics.median(ratios),
                # The lowest and highest round, printed beside the median in the report.
                "rps_ratio_low": min(ratios),
                "rps_ratio_high": max(ratios),
                "added_cpu_ms": statistics.median(
                    b[name].cpu_ms - a[name].cpu_ms for a, b in pairs
                ),
                "added_p99_ms": statistics.median(
                    b[name].p99_ms - a[name].p99_ms for a, b in pairs
                ),
            }
    return summary


def table(summary: dict[str, dict[str, float]], rounds: int) -> str:
    """One line per mode and request: medians, and the ratios against telemetry off."""
    lines = [
        f"median of {rounds} round(s); latency and server CPU time per request in ms",
        f"{'mode / request':<20} {'req/s':>7} {'p50':>5} {'p99':>6} {'cpu':>5}  "
        f"{'req/s vs off':>12} {'+cpu':>6} {'+p99':>6}",
    ]
    lines += [
        f"{key:<20} {row['rps']:>7.0f} {row['p50_ms']:>5.1f} {row['p99_ms']:>6.1f} "
        f"{row['cpu_ms']:>5.2f}  {row['rps_ratio']:>12.2f} {row['added_cpu_ms']:>6.2f} "
        f"{row['added_p99_ms']:>6.1f}"
        for key, row in summary.items()
    ]
    return "\n".join(lines)


def modes_of(options: BenchOptions) -> list[str]:
    """The modes to measure: every mode unless the options name some (off among them)."""
    modes = list(options.modes or MODES)
    if "off" not in modes or not set(modes) <= set(MODES):
        raise ValueError(f"the modes must include off and name only {', '.join(MODES)}")
    return modes


def run(options: BenchOptions) -> dict[str, dict[str, float]]:
    """Measure every mode over `rounds` rounds of fresh servers; return the summary."""
    modes = modes_of(options)
    folder = Path(tempfile.mkdtemp(prefix="fastapi-app-bench-"))
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, folder, ignore_errors=True)
        servers = cleanup.enter_context(bench_servers(folder, options.otlp_endpoint))
        print(f"OTLP endpoint: {servers.otlp_endpoint}; wrk, {options.connections} connections")
        results = in_rounds(
            "backend",
            modes,
            options.rounds,
            lambda number: measure_round(servers, options, number, folder),
        )
    return summarise(results)
