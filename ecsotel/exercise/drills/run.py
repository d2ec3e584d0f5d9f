"""`ecsotel drills` and `ecsotel pipeline-drill`: run them, print their tables, report them.

The full runs write their sections of docs/resilience.md; the short ones (`--short`,
what `make test` runs) only print.
"""

import sys
from pathlib import Path

from ecsotel.exercise.drills import pipeline
from ecsotel.exercise.drills.faults import (
    backend_drill,
    collector_drill,
    postgres_drill,
    rolling_drill,
)
from ecsotel.exercise.drills.rotation import rotation_drill
from ecsotel.exercise.drills.table import FULL, HEADER, SHORT, Row
from ecsotel.exercise.report import RESILIENCE, measured_by, table, write_sections
from ecsotel.local.collector import Pipeline
from ecsotel.local.ports import Ports
from ecsotel.local.process import log_file
from ecsotel.local.stack import running_stack
from ecsotel.paths import CACHE_DIR

DRILLS = (
    (collector_drill, "collector"),
    (postgres_drill, "postgres"),
    (backend_drill, "backend"),
    (rolling_drill, "rolling"),
    (rotation_drill, "rotation"),
)
FAULT_SECTION = "Fault drills"
PIPELINE_SECTION = "Pipeline outage drill"


def run_drills(*, short: bool, report: Path | None = RESILIENCE) -> bool:
    """Run the drills one after the other on one stack; print the table; whether all passed.

    A full run writes its section of `report` (None: none).
    """
    timings = SHORT if short else FULL
    print(table(HEADER, []), end="", flush=True)
    rows: list[Row] = []
    with (
        log_file(CACHE_DIR / "drills" / "stack.log") as log,
        running_stack(log, Ports.free()) as stack,
    ):
        for drill, name in DRILLS:
            row = drill(stack, timings[name])
            rows.append(row)
            print("| " + " | ".join(row.cells()) + " |", flush=True)
            for problem in row.problems:
                print(f"  {row.drill}: {problem}", file=sys.stderr)
    passed = all(row.passed for row in rows)
    if not short and report is not None:
        write_sections(report, {FAULT_SECTION: drills_section(rows, passed)})
    return passed


def drills_section(rows: list[Row], passed: bool) -> str:
    """The fault drills' table, their verdict and where it was measured."""
    verdict = (
        "every drill passed"
        if passed
        else "FAILED: " + ", ".join(row.drill for row in rows if not row.passed)
    )
    return (
        "Steady traffic of 15 requests/s through the frontend's `/api/todos`; one part "
        "stopped, kept down, started again ([hardening.md](hardening.md#fault-drills) says "
        "what each drill requires).\n\n"
        + table(HEADER, [row.cells() for row in rows])
        + f"\nVerdict: {verdict}. {measured_by('make drills')}\n"
    )


def run_pipeline_drill(*, short: bool, report: Path | None = RESILIENCE) -> list[str]:
    """Both pipelines' outage drills; print their figures; every problem found.

    A full run writes its section of `report` (None: none).
    """
    timeline = pipeline.SHORT if short else pipeline.FULL
    results = pipeline.pipeline_drill(timeline)
    found = []
    for name, figures in results.items():
        print(f"{name} pipeline: {figures}", flush=True)
        found += [f"{name}: {problem}" for problem in pipeline.problems(name, figures, timeline)]
    if not short and report is not None:
        write_sections(report, {PIPELINE_SECTION: pipeline_section(results, timeline, found)})
    return found


def pipeline_section(
    results: dict[Pipeline, pipeline.Figures], timeline: pipeline.Timeline, found: list[str]
) -> str:
    """The outage drill's table: what the SDK exported and what reached X-Ray, per pipeline."""
    rows = []
    for name, figures in results.items():
        exported, arrived, lost = (
            int(figures["exported_by_app"]),
            int(figures["arrived"]),
            int(figures["lost"]),
        )
        share = f" ({lost / exported:.0%})" if exported else ""
        rows.append([f"`{name}`", f"{exported:,}", f"{arrived:,}", f"**{lost:,}**{share}"])
    verdict = "passed" if not found else "FAILED: " + "; ".join(found)
    return (
        f"{timeline.traffic:g} s of {timeline.rate:g} traces/s into the sidecar; the endpoint "
        f"unreachable from second {timeline.outage_start:g} to {timeline.outage_end:g}, the "
        f"sidecar restarted at second {timeline.restart:g} ([pipelines.md](pipelines.md#the-"
        "outage-drill)). Zero loss is required of the OTLP pipeline only.\n\n"
        + table(["pipeline", "traces the SDK exported", "arrived in X-Ray", "lost"], rows)
        + f"\nVerdict: {verdict}. {measured_by('make pipeline-drill')}\n"
    )
