"""`ecsotel bench`: every tier's telemetry cost against its budget, into docs/performance.md.

Under harness.machine's watch: backend/bench/components.py's per-piece CPU (in the
backend's environment), then `runs` runs of fastapi-app (bench/backend.py) and of
nextjs-app (frontend.py), alternating so that a noisy spell falls on one run of
each rather than on every run of one; then the time from a response to its complete
trace (latency.py) and the collector under a steady span load (collector.py). The
verdict (report.verdict) is pass, fail, or not measured on a busy machine.
"""

import contextlib
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

from devkit.ports import free_port

from ecsotel.exercise.bench import backend, frontend
from ecsotel.exercise.bench.chart import chart
from ecsotel.exercise.bench.collector import collector_cost
from ecsotel.exercise.bench.figures import Figures, across_runs, table
from ecsotel.exercise.bench.gateway import gateway_cost
from ecsotel.exercise.bench.latency import action_to_trace
from ecsotel.exercise.bench.options import BenchOptions
from ecsotel.exercise.bench.report import (
    EXIT_BUSY,
    Verdict,
    backend_rows,
    frontend_rows,
    verdict,
)
from ecsotel.exercise.bench.report import table as budget_table
from ecsotel.exercise.bench.sections import (
    BUDGETS,
    COMPONENTS,
    METHOD,
    MODES,
    REPORT,
    collector_row,
    components_section,
    latency_row,
    method_section,
    modes_section,
    write_report,
)
from ecsotel.exercise.harness.machine import MachineRecord, watching
from ecsotel.exercise.harness.servers import bench_servers
from ecsotel.exercise.report import hardware
from ecsotel.exercise.sampling_report import COSTS, cost_section
from ecsotel.local.apps import telemetry_env
from ecsotel.local.process import pinned
from ecsotel.paths import BACKEND_DIR


def say(stage: str) -> None:
    """Print a stage as it starts, with the time (the log then shows what took how long)."""
    print(f"{time.strftime('%H:%M:%S')} {stage}", flush=True)


def measure_components(options: BenchOptions, folder: Path) -> dict[str, float]:
    """backend/bench/components.py in the backend's environment, on the server's CPU."""
    out = folder / "components.json"
    python = str(BACKEND_DIR / ".venv" / "bin" / "python")
    say("fastapi-app's telemetry, piece by piece (bench.components)")
    # The apps' OTEL_* settings (the metric aggregation among them); it exports nothing.
    env = {**os.environ, **telemetry_env("fastapi-app", f"http://127.0.0.1:{free_port()}")}
    subprocess.run(
        pinned([python, "-m", "bench.components", "--json", str(out)], options.server_cpu),
        cwd=BACKEND_DIR,
        env=env,
        check=True,
        timeout=600,
    )
    found: dict[str, float] = json.loads(out.read_text())
    return found


def measure_apps(options: BenchOptions, folder: Path, *, front: bool) -> tuple[Figures, Figures]:
    """Both apps' runs, alternating (the frontend's only when `front`); figures across runs."""
    backend_runs: list[Figures] = []
    frontend_runs: list[Figures] = []
    with contextlib.ExitStack() as stack:
        servers = stack.enter_context(bench_servers(folder, options.otlp_endpoint))
        print(f"OTLP endpoint: {servers.otlp_endpoint}; wrk, {options.connections} connections")
        behind = stack.enter_context(frontend.behind_the_frontend(servers)) if front else ""
        for number in range(options.runs):
            backend_runs.append(backend.run(servers, options, number, folder))
            if front:
                frontend_runs.append(frontend.run(servers, behind, options, number, folder))
    return across_runs(backend_runs), across_runs(frontend_runs) if front else {}


def print_verdict(found: Verdict, machine: MachineRecord) -> None:
    """The verdict, and the machine beside it."""
    print(f"\nmachine: {machine.line()}\nverdict: {found.text}", flush=True)


def bench_backend(options: BenchOptions) -> tuple[Verdict, Figures]:
    """fastapi-app alone, under the machine's watch: its table, verdict and figures."""
    with (
        tempfile.TemporaryDirectory(prefix="ecsotel-bench-") as folder,
        watching(options.idle, idle_wait=options.idle_wait) as record,
    ):
        figures, _ = measure_apps(options, Path(folder), front=False)
    print(f"\n{table(figures, options.runs, options.rounds)}", flush=True)
    found = verdict(backend_rows(figures), record[0], options.idle)
    print_verdict(found, record[0])
    return found, figures


def bench(options: BenchOptions, report: Path = REPORT) -> Verdict:
    """Measure every tier, print and judge it, then write `report` and performance.png."""
    cost = gateway = None
    with (
        tempfile.TemporaryDirectory(prefix="ecsotel-bench-") as name,
        watching(options.idle, idle_wait=options.idle_wait) as record,
    ):
        folder = Path(name)
        components = measure_components(options, folder) if options.components else None
        back, front = measure_apps(options, folder, front=True)
        say(f"action to trace: {options.trace_samples} creates through the local stack")
        latency = action_to_trace(options.trace_samples, folder / "latency")
        tail_latency = action_to_trace(options.trace_samples, folder / "latency", sampling="tail")
        if options.telemetrygen is not None:
            rate, seconds = options.spans_per_second, options.collector_seconds
            say(f"collector and gateway: {rate} spans/s, {seconds} s each")
            costs = {}
            for name, measure in (("collector", collector_cost), ("gateway", gateway_cost)):
                (folder / name).mkdir()
                costs[name] = measure(
                    telemetrygen=options.telemetrygen,
                    spans_per_second=rate,
                    seconds=seconds,
                    folder=folder / name,
                )
            cost, gateway = costs["collector"], costs["gateway"]
    machine = record[0]
    print(f"\n{table({**back, **front}, options.runs, options.rounds)}", flush=True)
    tiers = {
        "fastapi-app": backend_rows(back),
        "nextjs-app": frontend_rows(front, options.rss_budget_mib),
        "Collector and end to end": [collector_row(cost), latency_row(latency)],
    }
    found = verdict([row for rows in tiers.values() for row in rows], machine, options.idle)
    busy = found.status == EXIT_BUSY
    budgets = (
        f"**Verdict: {found.text}.**\n\n"
        f"Machine: {hardware()}; {machine.line()}.\n\n"
        + "".join(f"### {tier}\n\n{budget_table(rows, busy)}\n\n" for tier, rows in tiers.items())
        + "![Throughput against telemetry off](performance.png)\n"
    )
    own = {BUDGETS: budgets, MODES: modes_section(back, front)}
    if components is not None:
        own[COMPONENTS] = components_section(components, back)
    own[METHOD] = method_section(options)
    own[COSTS] = cost_section(gateway, {"head": latency, "tail": tail_latency}, back)
    chart(back, front, report.with_name("performance.png"))
    write_report(own, report)
    print_verdict(found, machine)
    return found
