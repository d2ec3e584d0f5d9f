"""nextjs-app's telemetry cost and memory: the standalone server, telemetry on and off.

On a throwaway PostgreSQL, the OTLP sink and fastapi-app with telemetry off (it is
measured on its own by bench/backend.py), the standalone Next.js server runs twice
at once, from the stack's own spec: with ``OTEL_SDK_DISABLED=true`` and as on ECS.
wrk drives the page render and the API-route proxy in short turns between them
(harness.wrk.take_turns), fresh servers each round. Each server's RSS is read at
the end of its round, after every request it served.
"""

import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

from ecsotel.exercise.bench.options import BenchOptions
from ecsotel.exercise.harness import wrk
from ecsotel.exercise.harness.procfs import rss_mib
from ecsotel.exercise.harness.servers import BenchServers, Server, bench_servers

SCENARIOS = (
    wrk.Scenario("page render", 'return wrk.format("GET", "/")'),
    wrk.Scenario("API-route proxy", 'return wrk.format("GET", "/api/todos")'),
)
SEED_TODOS = 20
MODES = {"off": {"OTEL_SDK_DISABLED": "true"}, "on": {"OTEL_SDK_DISABLED": "false"}}


@contextmanager
def behind_the_frontend(folder: Path) -> Iterator[tuple[BenchServers, str]]:
    """A throwaway PostgreSQL, the OTLP sink and fastapi-app (telemetry off) with a few todos.

    Yields the servers (to start frontends with) and the backend's URL.
    """
    with bench_servers(folder) as servers:
        backend = servers.start_backend(
            "frontend_bench", seed_todos=SEED_TODOS, env=MODES["off"], name="backend off"
        )
        yield servers, backend.url


def measure_round(
    servers: BenchServers, backend: str, options: BenchOptions, folder: Path
) -> dict[str, dict[str, float | dict[str, float]]]:
    """Both servers up at once, each scenario in turns (harness.wrk); then RSS and requests."""
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
        results: dict[str, dict[str, float | dict[str, float]]] = {mode: {} for mode in MODES}
        served = dict.fromkeys(MODES, 0)
        for scenario in SCENARIOS:
            measured = wrk.take_turns(targets, scenario, load, options.windows, folder)
            for mode, result in measured.items():
                results[mode][scenario.name] = asdict(result)
                served[mode] += result.requests
        for mode, server in started.items():
            results[mode]["rss_mib"] = rss_mib(server.pid)
            results[mode]["requests"] = served[mode]
        return results
    finally:
        servers.stop(*started.values())


def ratios(runs: dict[str, list[dict[str, float | dict[str, float]]]]) -> dict[str, float]:
    """Median per-round on/off throughput ratio and added CPU per request, per scenario."""
    summary: dict[str, float] = {}
    for scenario in SCENARIOS:
        pairs = list(zip(runs["off"], runs["on"], strict=True))
        off = [wrk.Result(**p[0][scenario.name]) for p in pairs]  # type: ignore[arg-type]
        on = [wrk.Result(**p[1][scenario.name]) for p in pairs]  # type: ignore[arg-type]
        per_round = [b.rps / a.rps for a, b in zip(off, on, strict=True)]
        summary[f"{scenario.name} ratio"] = statistics.median(per_round)
        summary[f"{scenario.name} ratio low"] = min(per_round)
        summary[f"{scenario.name} ratio high"] = max(per_round)
        summary[f"{scenario.name} added cpu ms"] = statistics.median(
            b.cpu_ms - a.cpu_ms for a, b in zip(off, on, strict=True)
        )
    summary["rss_mib on"] = max(float(r["rss_mib"]) for r in runs["on"])  # type: ignore[arg-type]
    summary["rss_mib off"] = max(float(r["rss_mib"]) for r in runs["off"])  # type: ignore[arg-type]
    summary["requests per run"] = statistics.median(float(r["requests"]) for r in runs["on"])  # type: ignore[arg-type]
    return summary


def run(options: BenchOptions) -> dict[str, float]:
    """Measure the frontend on and off, fresh servers each round; return the summary."""
    folder = Path(tempfile.mkdtemp(prefix="nextjs-app-bench-"))
    with behind_the_frontend(folder) as (servers, backend):
        runs = wrk.in_rounds(
            "frontend",
            list(MODES),
            options.rounds,
            lambda _number: measure_round(servers, backend, options, folder),
        )
    return ratios(runs)
