"""The `ecsotel` commands that break the system on purpose or judge it by its SLOs.

Drills, fuzzing, the SLO commands and the synthetic check: options and printing only,
the work imported from this package's modules when a command runs. The commands that
measure are in commands.py, whose `require`, `verdict` and `Cpu` these share.
"""

from typing import Annotated

import typer

from ecsotel.console import console
from ecsotel.exercise.commands import require, verdict

app = typer.Typer()


@app.command()
def drills(
    short: Annotated[bool, typer.Option("--short", help="A few seconds of each drill")] = False,
) -> None:
    """Fault drills under traffic: collector, PostgreSQL, backend, restart, rotation; a row each."""
    from ecsotel.exercise.drills.run import run_drills

    verdict(run_drills(short=short), "drills")


@app.command("pipeline-drill")
def pipeline_drill(
    short: Annotated[bool, typer.Option("--short", help="The test's 24 s timeline")] = False,
) -> None:
    """Collector outage drill on both pipelines: steady spans, the endpoint down, a restart."""
    from ecsotel.exercise.drills.pipeline import RESULTS
    from ecsotel.exercise.drills.run import run_pipeline_drill

    found = run_pipeline_drill(short=short)
    for problem in found:
        console.print(f"FAILED: {problem}")
    console.print(f"figures in {RESULTS}")
    verdict(not found, "pipeline-drill")


@app.command("sampling-drill")
def sampling_drill(
    short: Annotated[bool, typer.Option("--short", help="The test's 40 s timeline")] = False,
) -> None:
    """Tail against head sampling under FAULT_RATE 5 %: error traces kept whole, a restart."""
    from ecsotel.exercise import sampling_report
    from ecsotel.exercise.drills import sampling

    timeline = sampling.SHORT if short else sampling.FULL
    measured = sampling.sampling_drill(timeline)
    for name, figures in measured.items():
        console.print(f"{name} sampling: {figures}")
    found = sampling.problems(measured["tail"], measured["head"])
    for problem in found:
        console.print(f"FAILED: {problem}")
    if not short:
        tail, head = measured["tail"], measured["head"]
        table = sampling_report.drill_section(tail, head, timeline.traffic, timeline.rate)
        sampling_report.write(sampling_report.KEEPS, table)
        console.print(f"figures in {sampling.RESULTS}; table in docs/performance.md")
    verdict(not found, "sampling-drill")


@app.command()
def fuzz(
    examples: Annotated[int, typer.Option(help="Cases per operation")] = 200,
    seed: Annotated[int | None, typer.Option(help="Schemathesis' seed (default 11)")] = None,
) -> None:
    """Fuzz the backend's and the frontend's APIs with Schemathesis on a local stack."""
    from ecsotel.exercise.fuzz import SEED, fuzz_stack, section
    from ecsotel.exercise.report import RESILIENCE, write_sections

    chosen = SEED if seed is None else seed
    results = fuzz_stack(examples=examples, seed=chosen)
    write_sections(RESILIENCE, {"Fuzzing": section(results, examples=examples, seed=chosen)})
    for name, result in results.items():
        console.print(f"{name}: {result.summary()}")
        for failure in [*result.failures, *result.errors]:
            console.print(f"  {failure}")
    verdict(all(result.passed(examples) for result in results.values()), "fuzz")


@app.command()
def slo(
    scale: Annotated[float, typer.Option(help="Divide every window by this (a drill's)")] = 1,
) -> None:
    """Each SLI, the error budget used and every burn-rate alert's state, from the local stack."""
    import time

    from ecsotel.aws import telemetry_clients
    from ecsotel.exercise.slo.definitions import load
    from ecsotel.exercise.slo.report import report
    from ecsotel.proof.checks import EMF_LOG_GROUP, emf_events

    definitions = load()
    _, logs, where = telemetry_clients(local=True)
    now = time.time()
    documents = emf_events(logs, int(1000 * (now - definitions.window_seconds(scale))))
    console.print(f"{len(documents)} EMF documents in {EMF_LOG_GROUP} at {where}", soft_wrap=True)
    for line in report(definitions, documents, now, scale):
        console.print(line, markup=False, soft_wrap=True)


@app.command("slo-drill")
def slo_drill(
    short: Annotated[
        bool, typer.Option("--short", help="The test's version: about 1 minute")
    ] = False,
) -> None:
    """Outages under traffic with scaled windows: the fast burn pages, nothing else fires."""
    from ecsotel.exercise.slo.drill import FULL, RESULTS, SHORT, run

    result = run(SHORT if short else FULL)
    for line in result.lines():
        console.print(line, markup=False, soft_wrap=True)
    console.print(f"EMF documents in {RESULTS}")
    verdict(not result.problems, "slo-drill")


@app.command()
def canary(
    base_url: Annotated[
        str | None, typer.Option(help="The app (default: the local stack, STACK_FRONTEND_PORT)")
    ] = None,
    package: Annotated[
        bool, typer.Option("--package", help="Rebuild infra/canary/todo-canary.zip instead")
    ] = False,
) -> None:
    """Run the synthetic check's script against the app, or rebuild the zip Terraform uploads."""
    from ecsotel.exercise.slo.canary import check, write_zip
    from ecsotel.local.ports import Ports

    if package:
        console.print(f"wrote {write_zip()}")
        return
    require("node", "install Node.js 20 (https://nodejs.org)")
    passed, output = check(base_url or Ports.from_env().frontend_url)
    console.print(output, markup=False)
    verdict(passed, "canary")
