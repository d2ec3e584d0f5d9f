"""nextjs-app's telemetry cost and memory: the standalone server off, ours, and stock.

On a throwaway PostgreSQL, the OTLP sink and fastapi-app with telemetry off (it is
measured on its own by bench/backend.py), the standalone Next.js server runs once
per mode, all at once, from the stack's own spec: with ``OTEL_SDK_DISABLED=true``,
as on ECS, ours, and Next.js's documented stock set-up (@vercel/otel's defaults,
frontend/lib/telemetry/stock.ts) on the same build. wrk drives the page render and
the API-route proxy in short turns between them (harness.wrk.take_turns), fresh
servers each round. Each server's RSS is read at the end of its round, after every
request it served.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ecsotel.exercise.bench.figures import Figures, run_figures
from ecsotel.exercise.bench.options import BenchOptions
from ecsotel.exercise.harness import wrk
from ecsotel.exercise.harness.procfs import rss_mib
from ecsotel.exercise.harness.servers import BenchServers, Server

SCENARIOS = (
    wrk.Scenario("page render", 'return wrk.format("GET", "/")'),
    wrk.Scenario("API-route proxy", 'return wrk.format("GET", "/api/todos")'),
)
SEED_TODOS = 20
MODES = {
    "off": {"OTEL_SDK_DISABLED": "true"},
    "on": {"OTEL_SDK_DISABLED": "false"},
    # The same build, switched to the stock set-up (frontend/instrumentation.ts).
    "stock": {"OTEL_SDK_DISABLED": "false", "BENCH_TELEMETRY_SETUP": "stock"},
}
# Figures keyed "<mode> / memory": RSS at the end of a round and the requests served.
MEMORY = "memory"


@contextmanager
def behind_the_frontend(servers: BenchServers) -> Iterator[str]:
    """fastapi-app (telemetry off) with a few todos, for the frontends; yields its URL."""
    backend = servers.start_backend(
        "frontend_bench", seed_todos=SEED_TODOS, env=MODES["off"], name="backend off"
    )
    try:
        yield backend.url
    finally:
        servers.stop(backend)


def measure_round(
    servers: BenchServers,
    backend: str,
    options: BenchOptions,
    folder: Path,
    rss: dict[str, list[float]],
) -> dict[str, dict[str, wrk.Result]]:
    """Every mode's server up at once, each scenario in turns (harness.wrk).

    Appends each server's RSS after its last request to `rss`[mode].
    """
    started: dict[str, Server] = {}
    try:
        for mode, env in MODES.items():
            started[mode] = servers.start_frontend(
                backend, env=env, cpu=options.server_cpu, name=f"frontend {mode}"
            )
        targets = {mode: (server.pid, server.url) for mode, server in started.items()}
        # A short warm-up each, not measured.
        for pid, base in targets.values():
            wrk.run_wrk(
                base, pid, SCENARIOS[0], wrk.WrkLoad(4, 3, 10**9, cpu=options.load_cpu), folder
            )
        load = wrk.WrkLoad(4, options.window, 10**9, cpu=options.load_cpu)
        results: dict[str, dict[str, wrk.Result]] = {mode: {} for mode in MODES}
        for scenario in SCENARIOS:
            measured = wrk.take_turns(targets, scenario, load, options.windows, folder)
            for mode, result in measured.items():
                results[mode][scenario.name] = result
        for mode, server in started.items():
            rss[mode].append(rss_mib(server.pid))
        return results
    finally:
        servers.stop(*started.values())


def memory(rounds: dict[str, list[dict[str, wrk.Result]]], rss: dict[str, list[float]]) -> Figures:
    """Per mode: the largest RSS at the end of a round, and the requests a round served."""
    return {
        f"{mode} / {MEMORY}": {
            "rss_mib": max(rss[mode]),
            "requests": max(sum(r.requests for r in result.values()) for result in rounds[mode]),
        }
        for mode in rounds
    }


def run(
    servers: BenchServers, backend: str, options: BenchOptions, number: int, folder: Path
) -> Figures:
    """One run: `rounds` rounds of fresh frontends in every mode; its figures."""
    rss: dict[str, list[float]] = {mode: [] for mode in MODES}
    rounds = wrk.in_rounds(
        f"frontend run {number + 1},",
        list(MODES),
        options.rounds,
        lambda _index: measure_round(servers, backend, options, folder, rss),
    )
    return {**run_figures(rounds, [s.name for s in SCENARIOS]), **memory(rounds, rss)}
