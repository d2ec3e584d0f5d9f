"""fastapi-app's throughput with telemetry off, ours at 100/10/1/0 %, and the stock peer.

On a throwaway PostgreSQL and the OTLP sink (harness.servers), each round starts the
real `fastapi-app` once per mode, all at once, from the stack's own spec plus the
mode's variables (MODES, data: a name, its environment and optionally another
launcher: `stock` is backend/bench/stock.py, the contrib instrumentations on a plain
SDK). Telemetry off and on each get one request paced at about 100 requests/s; then,
for each of three requests, wrk drives every server at full speed in turns of a few
seconds, in a rotating order (harness.wrk.take_turns). Fresh processes every round;
a run is a few rounds (bench.figures turns them into ratios).

Loopback only, and bounded: every wrk run stops after its seconds or its number
of responses, whichever comes first.
"""

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ecsotel.exercise.bench.figures import Figures, run_figures
from ecsotel.exercise.bench.options import BenchOptions
from ecsotel.exercise.harness.servers import BenchServers, Server
from ecsotel.exercise.harness.wrk import (
    Result,
    Scenario,
    WrkLoad,
    in_rounds,
    run_wrk,
    take_turns,
)
from ecsotel.paths import BACKEND_DIR


@dataclass(frozen=True)
class Mode:
    """One way to run fastapi-app: the variables it adds, and another launcher if any."""

    env: Mapping[str, str] = field(default_factory=dict)
    # Replaces the `fastapi-app` command (e.g. a stock-instrumentation launcher in
    # backend/.venv); None runs the container's command.
    argv: tuple[str, ...] | None = None


def sampled(ratio: str) -> Mode:
    """Our telemetry, head-sampled at `ratio` (the SDK's parent-based trace-id ratio)."""
    sampler = "parentbased_traceidratio"
    return Mode({"OTEL_TRACES_SAMPLER": sampler, "OTEL_TRACES_SAMPLER_ARG": ratio})


# Telemetry off; ours at 100 % and head-sampled (10 % is the usual production setting,
# 1 % and 0 % show what an unsampled request costs); the stock peer at 100 %.
MODES: dict[str, Mode] = {
    "off": Mode({"OTEL_SDK_DISABLED": "true"}),
    "on": Mode(),
    "stock": Mode(argv=(str(BACKEND_DIR / ".venv" / "bin" / "python"), "-m", "bench.stock")),
    "10%": sampled("0.1"),
    "1%": sampled("0.01"),
    "0%": sampled("0"),
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
REQUESTS = ("paced get", *(scenario.name for scenario in SCENARIOS))
# About 100 requests/s: two connections, each waiting 20 ms before each request; 10 s,
# so that its p99 is not the 4th-worst of 400 requests but the 8th-worst of 800.
PACED = WrkLoad(connections=2, duration=10, requests=10**9, pause_ms=20)
# Only these have a paced budget (added p99, on against off).
PACED_MODES = ("off", "on")


def mode_env(mode: str, app_env: Mapping[str, str]) -> dict[str, str]:
    """What a mode's server gets on top of the stack's spec; `app_env` (the option) last."""
    return {**BENCH_ENV, **MODES[mode].env, **app_env}


def measure_round(
    servers: BenchServers, options: BenchOptions, label: str, folder: Path
) -> dict[str, dict[str, Result]]:
    """One server per mode, all up at once; each scenario in short turns (harness.wrk)."""
    started: dict[str, Server] = {}
    try:
        for index, mode in enumerate(modes_of(options)):
            started[mode] = servers.start_backend(
                f"bench_{label}_{index}",
                seed_todos=SEED_TODOS,
                env=mode_env(mode, options.app_env),
                cpu=options.server_cpu,
                argv=MODES[mode].argv,
                name=f"backend {mode}",
            )
        load = WrkLoad(options.connections, options.window, options.requests, cpu=options.load_cpu)
        # Warm-up: pool connections, code paths, the exporter's first batches.
        warm = dataclasses.replace(load, duration=2, requests=10**9)
        paced = dataclasses.replace(PACED, duration=options.paced_seconds, cpu=load.cpu)
        results: dict[str, dict[str, Result]] = {mode: {} for mode in started}
        for server in started.values():
            run_wrk(server.url, server.pid, SCENARIOS[0], warm, folder)
        # Paced first and create last, so that both lists hold the 100 seeded todos.
        for mode in PACED_MODES:
            if mode in started:
                server = started[mode]
                results[mode]["paced get"] = run_wrk(
                    server.url, server.pid, SCENARIOS[0], paced, folder
                )
        targets = {mode: (server.pid, server.url) for mode, server in started.items()}
        for scenario in SCENARIOS:
            measured = take_turns(targets, scenario, load, options.windows, folder)
            for mode in started:
                results[mode][scenario.name] = measured[mode]
        return results
    finally:
        servers.stop(*started.values())


def modes_of(options: BenchOptions) -> list[str]:
    """The modes to measure: every mode unless the options name some (off among them)."""
    modes = list(options.modes or MODES)
    if "off" not in modes or not set(modes) <= set(MODES):
        raise ValueError(f"the modes must include off and name only {', '.join(MODES)}")
    return modes


def run(servers: BenchServers, options: BenchOptions, number: int, folder: Path) -> Figures:
    """One run: `rounds` rounds of fresh servers in every mode; its figures."""
    rounds = in_rounds(
        f"backend run {number + 1},",
        modes_of(options),
        options.rounds,
        lambda index: measure_round(servers, options, f"{number}_{index}", folder),
    )
    return run_figures(rounds, REQUESTS)
