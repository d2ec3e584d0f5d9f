"""`ecsotel bench`: every tier's telemetry cost against its budget, into docs/performance.md.

Measures fastapi-app (bench/backend.py), nextjs-app (frontend.py), the time from a
response to its complete trace (latency.py) and the collector under a steady span
load (collector.py), then writes the report; backend/bench/components.py (run by
`make bench` in the backend's environment first) leaves the per-piece CPU figures.
Only this module's sections of docs/performance.md are replaced: sections written by
other tools (e.g. "## Data growth") stay as they are.
"""

import json
import tempfile
from pathlib import Path

from ecsotel.exercise.bench import backend, frontend
from ecsotel.exercise.bench.collector import collector_cost
from ecsotel.exercise.bench.gateway import gateway_cost
from ecsotel.exercise.bench.latency import action_to_trace
from ecsotel.exercise.bench.options import BenchOptions
from ecsotel.exercise.bench.report import (
    Row,
    backend_rows,
    chart,
    frontend_rows,
    table,
)
from ecsotel.exercise.report import PERFORMANCE as REPORT
from ecsotel.exercise.report import machine, write_sections
from ecsotel.exercise.sampling_report import COSTS, cost_section

OWN_SECTIONS = ("Budgets", "Where fastapi-app's telemetry CPU goes", "Method", "Machine")
COMPONENTS = "Where fastapi-app's telemetry CPU goes"


def components_section(components: dict[str, float]) -> str:
    """backend/bench/components.py's figures: each piece's CPU, and their sum per request."""
    rows = "".join(f"| {name} | {value:.1f} |\n" for name, value in components.items())
    # A sampled get by id: its server span, one SQL span, one histogram point, and the
    # encoding of both spans (in the export thread).
    request = (
        components["server span"]
        + components["SQL span (instrumentation)"]
        + components["histogram point"]
        + components["OTLP encoding, server span"]
        + components["OTLP encoding, SQL span"]
    )
    return (
        "Each piece measured on its own, by the CPU time of the thread doing it "
        "(`backend/bench/components.py`, medians of 5 rounds): what the throughput "
        "ratios above are made of, without the machine's noise.\n\n"
        "| piece | CPU per call (µs) |\n| --- | ---: |\n"
        + rows
        + f"\nA sampled get by id (server span, one SQL span, one histogram point, both "
        f"spans encoded) adds up to **{request:.0f} µs** of CPU; an unsampled request "
        f"pays the unsampled span ({components['server span, unsampled']:.0f} µs) and "
        f"the histogram point.\n"
    )


def collector_row(cost: dict[str, float] | None) -> Row:
    """The collector under steady load: enough spans a second, none refused or lost."""
    if cost is None:
        return Row("collector: >= 2,000 spans/s for 60 s", "0 lost", "-", None)
    rate = cost["spans_per_second"]
    return Row(
        f"collector: {rate:.0f} spans/s for {cost['seconds']:.0f} s",
        ">= 2,000 spans/s, 0 lost",
        f"{cost['cores_per_1000']:.3f} core and {cost['rss_mib'] / rate * 1000:.0f} MiB RSS "
        f"per 1,000 spans/s ({cost['rss_mib']:.0f} MiB); refused {cost['refused']:.0f}, "
        f"lost {cost['lost']:.0f}",
        rate >= 2000 and cost["refused"] == 0 and cost["lost"] == 0,
    )


def latency_row(latency: dict[str, float]) -> Row:
    """Action to complete trace against its budget (p95 <= 3 s)."""
    return Row(
        f"response to complete trace in X-Ray ({latency['samples']:.0f} creates)",
        "p95 <= 3 s",
        f"p50 {latency['p50_s']:.2f} s, p95 {latency['p95_s']:.2f} s",
        latency["p95_s"] <= 3,
    )


def own_sections(
    backend: dict[str, dict[str, float]],
    front: dict[str, float],
    latency: dict[str, float],
    cost: dict[str, float] | None,
    rss_budget_mib: float,
    components: dict[str, float] | None = None,
) -> dict[str, str]:
    """The report's Budgets, telemetry CPU, Method and Machine sections."""
    budgets = (
        "### fastapi-app\n\n"
        + table(backend_rows(backend))
        + "\n\n### nextjs-app\n\n"
        + table(frontend_rows(front, rss_budget_mib))
        + "\n\n### Collector and end to end\n\n"
        + table([collector_row(cost), latency_row(latency)])
        + "\n\n![Throughput with telemetry on / off](performance.png)\n"
    )
    method = (
        "Telemetry on against off in the same run, medians of the per-round ratios; "
        "in brackets, the lowest and the highest round's ratio (a verdict within them "
        "could go either way on the next run). In "
        "each round every mode's server runs at once, fresh, and wrk drives them in "
        "turns of 1 s, 5 turns each per request, in a rotating order, so that the "
        "machine's drifting speed falls on all alike. fastapi-app: one uvicorn worker per "
        "mode pinned by `taskset` to CPU 0, wrk (1 thread, 8 connections) and PostgreSQL "
        "on CPU 1, a fresh database of 100 todos per server; off is "
        "`OTEL_SDK_DISABLED=true`, on exports everything, 10 % is "
        "`parentbased_traceidratio` 0.1; the paced run is 2 connections each waiting "
        "20 ms (about 100 req/s) for 10 s. nextjs-app: the standalone server pinned to CPU 0, "
        "fastapi-app (telemetry off) behind it, the page and the API-route proxy. Both "
        "apps get collector/app-env.json (as on ECS) and export to the real collector "
        "binary with a debug exporter. CPU is the server's own CPU time per request. "
        "Action to trace: the whole local stack (moto as X-Ray), one API-route create "
        "at a time with the ALB's Root-only header, X-Ray polled every 50 ms until the "
        "trace holds both apps and the SQL call. Collector: `telemetrygen traces` (4 "
        "workers) into the bench pipeline (OTLP/HTTP receiver, batch, debug exporter: "
        "the X-Ray translation is not included); its own counters give spans accepted, "
        "refused and sent on.\n"
    )
    own = {"Budgets": budgets}
    if components is not None:
        own[COMPONENTS] = components_section(components)
    return {**own, "Method": method, "Machine": machine() + "\n"}


def measure_backend(options: BenchOptions) -> dict[str, dict[str, float]]:
    """fastapi-app in every mode; prints its table and returns the summary."""
    summary = backend.run(options)
    print(f"\n{backend.table(summary, options.rounds)}", flush=True)
    return summary


def bench(options: BenchOptions, report: Path = REPORT) -> None:
    """Measure every tier, then write `report` and its chart (performance.png beside it)."""
    backend_summary = measure_backend(options)
    front = frontend.run(options)
    print(f"action to trace: {options.trace_samples} creates through the local stack", flush=True)
    latency_folder = Path(tempfile.mkdtemp(prefix="ecsotel-latency-"))
    latency = action_to_trace(options.trace_samples, latency_folder)
    tail_latency = action_to_trace(options.trace_samples, latency_folder, sampling="tail")
    cost = gateway = None
    if options.telemetrygen is not None:
        rate, seconds = options.spans_per_second, options.collector_seconds
        print(f"collector: {rate} spans/s, {seconds} s", flush=True)
        cost = collector_cost(
            telemetrygen=options.telemetrygen,
            spans_per_second=rate,
            seconds=seconds,
            folder=Path(tempfile.mkdtemp(prefix="ecsotel-collector-")),
        )
        gateway = gateway_cost(
            telemetrygen=options.telemetrygen,
            spans_per_second=rate,
            seconds=seconds,
            folder=Path(tempfile.mkdtemp(prefix="ecsotel-gateway-")),
        )
    chart(backend_summary, front, report.with_name("performance.png"))
    components = None
    if options.components_json is not None:
        components = json.loads(options.components_json.read_text())
    own = own_sections(backend_summary, front, latency, cost, options.rss_budget_mib, components)
    latencies = {"head": latency, "tail": tail_latency}
    own[COSTS] = cost_section(gateway, latencies, backend_summary)
    write_sections(report, own)
