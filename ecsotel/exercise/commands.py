"""The `ecsotel` commands that measure the system: options and printing only.

The commands that break it on purpose (drills, fuzzing) and check its SLOs are in
fault_commands.py; both are registered on the main app in ecsotel/cli.py.

Registered on the main app in ecsotel/cli.py; the work is in the modules of this
package, imported when a command runs (some pull in matplotlib, Locust or the
OpenTelemetry SDK).
"""

import shutil
from pathlib import Path
from typing import Annotated

import typer

from ecsotel.console import console

app = typer.Typer()

Cpu = Annotated[int | None, typer.Option(help="Pin to this CPU (taskset)")]


def require(tool: str, how: str) -> None:
    """Stop with a message when `tool` is not on the PATH."""
    if shutil.which(tool) is None:
        console.print(f"[bold red]error:[/] {tool} is missing: {how}")
        raise typer.Exit(2)


def verdict(passed: bool, what: str) -> None:
    """Print whether `what` passed; exit 1 when it did not."""
    if not passed:
        console.print(f"[bold red]{what} failed[/]")
        raise typer.Exit(1)
    console.print(f"[bold green]{what} passed[/]")


@app.command()
def bench(
    runs: Annotated[int, typer.Option(help="Runs; each verdict is their median")] = 3,
    rounds: Annotated[int, typer.Option(help="Rounds of fresh servers per run")] = 2,
    window: Annotated[int, typer.Option(help="Seconds per wrk turn (max)")] = 1,
    windows: Annotated[int, typer.Option(help="Turns per mode and request")] = 3,
    requests: Annotated[int, typer.Option(help="Backend: responses per turn (max)")] = 20_000,
    connections: Annotated[int, typer.Option(help="Backend: wrk's connections")] = 8,
    modes: Annotated[
        str | None, typer.Option(help="Backend: comma-separated modes, off among them (all)")
    ] = None,
    paced_seconds: Annotated[int, typer.Option(help="Backend: seconds of paced load")] = 10,
    server_cpu: Cpu = None,
    load_cpu: Annotated[int | None, typer.Option(help="Pin wrk to this CPU (taskset)")] = None,
    otlp_endpoint: Annotated[
        str | None, typer.Option(help="Export to this running collector, start none")
    ] = None,
    app_env: Annotated[
        list[str] | None,
        typer.Option(help="Backend: NAME=VALUE for fastapi-app (repeatable), applied last"),
    ] = None,
    telemetrygen: Annotated[
        Path | None, typer.Option(help="telemetrygen binary; without it the collector is skipped")
    ] = None,
    spans_per_second: Annotated[int, typer.Option(help="Collector: telemetrygen's rate")] = 3000,
    collector_seconds: Annotated[int, typer.Option(help="Collector: seconds of load")] = 60,
    trace_samples: Annotated[int, typer.Option(help="Creates timed to a complete trace")] = 20,
    rss_budget_mib: Annotated[float, typer.Option(help="nextjs-app's container memory")] = 768,
    components: Annotated[
        bool, typer.Option(help="Measure fastapi-app's telemetry piece by piece first")
    ] = True,
    idle_wait: Annotated[
        float, typer.Option(help="Seconds to wait for the load average to settle")
    ] = 120,
    report: Annotated[
        Path | None, typer.Option(help="Where the report goes (default docs/performance.md)")
    ] = None,
    backend_only: Annotated[
        bool, typer.Option("--backend-only", help="Measure fastapi-app only; write no report")
    ] = False,
    backend_json: Annotated[
        Path | None, typer.Option(help="Also write fastapi-app's figures here")
    ] = None,
) -> None:
    """Measure telemetry's cost in every tier against its budget; write the report and chart.

    Exit status: 0 every budget met, 1 a budget missed, 3 not measured (machine busy).
    """
    import dataclasses
    import json

    from ecsotel.exercise.bench.options import BenchOptions
    from ecsotel.exercise.bench.run import bench as run_bench
    from ecsotel.exercise.bench.run import bench_backend
    from ecsotel.exercise.bench.sections import REPORT

    require("wrk", "apt-get install wrk (or brew install wrk)")
    # Every option that BenchOptions has a field of the same name for, as given; the
    # two below it need parsing.
    fields = {field.name for field in dataclasses.fields(BenchOptions)} - {"modes", "app_env"}
    given = {name: value for name, value in locals().items() if name in fields}
    options = BenchOptions(
        **given,
        modes=tuple(modes.split(",")) if modes else (),
        app_env=dict(entry.split("=", 1) for entry in app_env or []),
    )
    if backend_only:
        found, figures = bench_backend(options)
        if backend_json is not None:
            backend_json.write_text(json.dumps(figures, indent=2) + "\n")
    else:
        path = report or REPORT
        found = run_bench(options, path)
        console.print(f"wrote {path} and {path.with_name('performance.png')}")
    raise typer.Exit(found.status)


@app.command("bench-list")
def bench_list(
    rounds: Annotated[int, typer.Option(help="Timed page renders per level")] = 15,
) -> None:
    """Measure the list at 100, 1,000 and 10,000 todos (API, page render, HTML size)."""
    from ecsotel.exercise.list_growth import bench_list as measure

    broken = measure(rounds)
    for sentence in broken:
        console.print(f"FAILED: {sentence}")
    verdict(not broken, "bench-list")


@app.command()
def load(
    objective_ms: Annotated[float, typer.Option(help="p99 objective")] = 300,
    step_seconds: Annotated[int, typer.Option(help="Length of each step")] = 30,
    out: Annotated[Path | None, typer.Option(help="PNG and CSV folder (default docs/)")] = None,
    smoke: Annotated[
        bool, typer.Option("--smoke", help="One 8 s step, into a scratch folder")
    ] = False,
) -> None:
    """Ramp Locust through a local stack until p99 passes the objective (table, CSV, plot)."""
    from ecsotel.exercise.load.run import run

    run(objective_ms=objective_ms, step_seconds=step_seconds, out=out, smoke=smoke)


@app.command("sampling-cost")
def sampling_cost(
    telemetrygen: Annotated[Path, typer.Option(help="telemetrygen binary")],
    backend_json: Annotated[
        Path | None,
        typer.Option(help="`bench --backend-only --modes off,on,10% --backend-json`'s figures"),
    ] = None,
) -> None:
    """What tail sampling costs: the gateway per 1,000 spans/s, the delay to a complete trace."""
    from ecsotel.exercise.bench.gateway import sampling_cost as measure

    report = measure(telemetrygen=telemetrygen, backend_json=backend_json)
    console.print(f"wrote the sampling cost into {report}")


@app.command()
def soak(
    minutes: Annotated[float, typer.Argument(help="How long, at least 5")] = 10,
) -> None:
    """20 req/s through the frontend for MINUTES; RSS growth and failures."""
    from ecsotel.exercise.soak import soak as run_soak

    verdict(run_soak(minutes), "soak")


@app.command("soak-renders")
def soak_renders(
    renders: Annotated[int, typer.Argument(help="Page renders, at least")] = 40_000,
    seconds: Annotated[int, typer.Option(help="Length of each wrk run")] = 60,
    server_cpu: Cpu = None,
    load_cpu: Annotated[int | None, typer.Option(help="Pin wrk to this CPU (taskset)")] = None,
    limit_mib: Annotated[float, typer.Option(help="The container's memory")] = 768.0,
) -> None:
    """Render the page RENDERS times; nextjs-app's RSS must stay under its container's memory."""
    from ecsotel.exercise.renders import section, verdict
    from ecsotel.exercise.renders import soak as run_soak
    from ecsotel.exercise.report import PERFORMANCE, write_sections

    require("wrk", "apt-get install wrk (or brew install wrk)")
    readings = run_soak(renders, seconds, server_cpu, load_cpu)
    ok, line = verdict(readings, limit_mib)
    console.print(line)
    write_sections(PERFORMANCE, {"Frontend memory over many renders": section(readings, limit_mib)})
    if not ok:
        raise typer.Exit(1)


@app.command("bundle-size")
def bundle_size() -> None:
    """Print the first-load JS of / and the lazily loaded browser telemetry (gzip)."""
    from ecsotel.exercise.bundle import figures, measure

    for line in figures(measure()):
        console.print(line)
