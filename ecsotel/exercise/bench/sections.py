"""docs/performance.md's sections that `ecsotel bench` writes; other tools' sections are kept.

`write_report` replaces only the bench's own sections of the report: sections written
by other tools (e.g. "## Data growth") stay as they are.
"""

from pathlib import Path

from ecsotel.exercise.bench.figures import Figures
from ecsotel.exercise.bench.options import BenchOptions
from ecsotel.exercise.bench.report import BACKEND_REQUESTS, FRONTEND_REQUESTS, Row, modes_table
from ecsotel.exercise.report import PERFORMANCE, write_sections

# Where the bench writes: the one performance report.
REPORT = PERFORMANCE
BUDGETS = "Budgets"
MODES = "Every mode against telemetry off and the stock instrumentation"
COMPONENTS = "Where fastapi-app's telemetry CPU goes"
METHOD = "Method"


# Sampling ratios whose cost the pieces predict, beside the bench's measured modes.
RATIOS = {"on": 1.0, "10%": 0.1, "1%": 0.01, "0%": 0.0}


def components_section(components: dict[str, float], backend: Figures) -> str:
    """backend/bench/components.py's pieces, what they add up to, and what the bench measured."""
    rows = "".join(f"| {name} | {value:.1f} |\n" for name, value in components.items())
    # A get by id: the middleware's span and point, one SQL statement, and (sampled)
    # the encoding of both spans in the export thread.
    sampled = (
        components["request middleware, sampled"]
        + components["SQL span (instrumentation)"]
        + components["OTLP encoding, server span"]
        + components["OTLP encoding, SQL span"]
    )
    unsampled = (
        components["request middleware, unsampled"] + components["SQL, unsampled (instrumentation)"]
    )
    lines = []
    for mode, ratio in RATIOS.items():
        expected = unsampled + ratio * (sampled - unsampled)
        found = backend.get(f"{mode} / get by id", {}).get("added_cpu_ms vs off")
        measured = "not measured" if found is None else f"{found * 1000:+.0f} µs"
        lines.append(f"| {ratio:.0%} | {expected:.0f} µs | {measured} |")
    return (
        "Each piece measured on its own, by the CPU time of the thread doing it "
        "(`backend/bench/components.py`, medians of 5 rounds; `--callgrind` counts "
        "instructions instead): what the throughput ratios above are made of, without "
        "the machine's noise.\n\n"
        "| piece | CPU per call (µs) |\n| --- | ---: |\n"
        + rows
        + f"\nA sampled get by id (the middleware's span and point, one SQL span, both "
        f"spans encoded) adds up to **{sampled:.0f} µs** of CPU; an unsampled one "
        f"(extract, a non-recording span, the histogram point, the SQL hook's check) "
        f"**{unsampled:.0f} µs**. At a sampling ratio r a request costs the unsampled "
        "path plus r times the difference; beside it, what the throughput bench "
        "measured (the server's CPU per request against telemetry off, median of the "
        "runs). The pieces leave out what only a whole server shows: the "
        "export thread's wake-ups and HTTP requests, and the caches a larger code path "
        "evicts.\n\n"
        "| sampled | added CPU, from the pieces | measured |\n| ---: | ---: | ---: |\n"
        + "\n".join(lines)
        + "\n"
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


def modes_section(backend: Figures, frontend: Figures) -> str:
    """Every mode's throughput against off and stock, per request, with the runs' spread."""
    return (
        "Throughput against telemetry off (`/off`) and against the stock instrumentation "
        "(`/stock`), median of the runs with the lowest and the highest run's in "
        "brackets, and the server CPU each mode adds per request.\n\n"
        "### fastapi-app\n\n"
        + modes_table(backend, BACKEND_REQUESTS)
        + "\n\n### nextjs-app\n\n"
        + modes_table(frontend, FRONTEND_REQUESTS)
        + "\n"
    )


def method_section(options: BenchOptions) -> str:
    """How the figures were taken, from the options of this run."""
    idle = options.idle
    return (
        f"Every ratio is the median of {options.runs} runs, each the median of its "
        f"{options.rounds} rounds' ratios; in brackets, the lowest and the highest run's "
        "(a verdict within them could go either way on the next run). In each round "
        "every mode's server runs at once, fresh, and wrk drives them in turns of "
        f"{options.window} s, {options.windows} turns each per request, in a rotating "
        "order, so that the machine's drifting speed falls on all alike; the backend's "
        "and the frontend's runs alternate. fastapi-app: one uvicorn worker per mode "
        "pinned by `taskset` to CPU 0, wrk (1 thread, 8 connections) and PostgreSQL on "
        "CPU 1, a fresh database of 100 todos per server; off is "
        "`OTEL_SDK_DISABLED=true`, ours exports everything or samples with "
        "`parentbased_traceidratio` (10 %, 1 %, 0 %), stock is `backend/bench/stock.py` "
        "(opentelemetry-instrumentation-fastapi without receive/send spans and "
        "-sqlalchemy on a plain SDK); the paced run is 2 connections each waiting 20 ms "
        f"(about 100 req/s) for {options.paced_seconds} s, off and ours only. nextjs-app: "
        "the standalone server pinned to CPU 0, fastapi-app (telemetry off) behind it, "
        "the page and the API-route proxy; stock is the same build with "
        "`BENCH_TELEMETRY_SETUP=stock`, @vercel/otel's `registerOTel()` with its "
        "defaults (`frontend/lib/telemetry/stock.ts`). Both apps get collector/app-env.json (as on "
        "ECS) and export to the real collector binary with a debug exporter. CPU is the "
        "server's own CPU time per request. Action to trace: the whole local stack (moto "
        "as X-Ray), one API-route create at a time with the ALB's Root-only header, X-Ray "
        "polled every 50 ms until the trace holds both apps and the SQL call. Collector: "
        "`telemetrygen traces` (4 workers) into the bench pipeline (OTLP/HTTP receiver, "
        "batch, debug exporter: the X-Ray translation is not included); its own counters "
        "give spans accepted, refused and sent on.\n\n"
        "The machine must be idle: a 1-minute load average of at most "
        f"{idle.load_average:.1f} before the bench (it waits up to {options.idle_wait:.0f} s "
        f"for it), other processes (all but the bench's own process tree) within "
        f"{idle.others_core:.2f} core before and on average during the bench and "
        f"{idle.others_peak_core:.2f} core in any 10 s, and at most {idle.steal:.0%} of "
        "the CPU time stolen by the hypervisor. Otherwise the bench prints its figures "
        "but its verdict is `not measured: machine busy` (exit status 3), never pass "
        "or fail.\n"
    )


def write_report(own: dict[str, str], path: Path = REPORT) -> None:
    """Replace the bench's sections of the report, keeping every other section in place."""
    # "Machine" was a section of its own; the machine line now sits under the verdict.
    write_sections(path, own, retired=("Machine",))
