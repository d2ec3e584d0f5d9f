"""The "Load and capacity" section of docs/performance.md, from the ramp's steps."""

import statistics

from ecsotel.exercise.load.capacity import LEVELS, Measured, Plan, per_task, plan
from ecsotel.exercise.load.steps import Step
from ecsotel.exercise.report import measured_by, table

TITLE = "Load and capacity"
COMPONENTS = ("frontend", "backend", "collector", "postgres", "aws")


def measured(steps: list[Step], objective_ms: float) -> Measured:
    """Mean CPU per request and response size over the steps that met the objective.

    CPU per request hardly moves with queueing, so the steps agree; when none met
    the objective every step counts.
    """
    good = [step for step in steps if step.passes(objective_ms)] or steps

    def mean_ms(name: str) -> float:
        return statistics.fmean(step.cpu_ms.get(name, 0.0) for step in good)

    return Measured(
        frontend_ms=mean_ms("frontend"),
        backend_ms=mean_ms("backend"),
        collector_ms=mean_ms("collector"),
        response_bytes=statistics.fmean(step.mean_bytes for step in good),
    )


def _money(value: float) -> str:
    return f"{value:,.0f}"


def _level(rate: float) -> str:
    return "at rest" if rate == 0 else f"{rate:,.0f} req/s"


def section(steps: list[Step], objective_ms: float) -> str:
    """The steps, the knee, the CPU per request, and what rest and 100 to 10,000 req/s cost."""
    step_rows = [
        [
            str(step.users),
            f"{step.throughput:.1f}",
            f"{step.p50:.0f}",
            f"{step.p99:.0f}",
            str(step.failures),
            ", ".join(f"{step.cpu_ms.get(name, 0.0):.1f}" for name in COMPONENTS),
        ]
        for step in steps
    ]
    good = [step for step in steps if step.passes(objective_ms)]
    knee = (
        f"The {objective_ms:g} ms p99 objective held up to {good[-1].throughput:.1f} req/s"
        if good
        else f"No step met the {objective_ms:g} ms p99 objective"
    )
    inputs = measured(steps, objective_ms)
    plans = [plan(level, inputs) for level in LEVELS]
    return (
        "Locust through `nextjs-app` in steps of users (each about 1 req/s: the page 60 %, "
        "creates 20 %, toggles 15 %, deletes 5 %), telemetry on; CPU from `/proc` per "
        "component (`aws` is moto). The model and its assumptions: "
        "[capacity.md](capacity.md).\n\n"
        + table(
            [
                "users",
                "req/s",
                "p50 ms",
                "p99 ms",
                "errors",
                f"CPU ms per request: {', '.join(COMPONENTS)}",
            ],
            step_rows,
        )
        + f"\n{knee}. ![Latency against throughput](load-latency.png)\n\n"
        + _capacity(inputs)
        + _tasks(plans)
        + _costs(plans)
        + f"\n{measured_by('make load')}\n"
    )


def _capacity(inputs: Measured) -> str:
    frontend = per_task(inputs.frontend_ms, inputs.collector_ms)
    backend = per_task(inputs.backend_ms, inputs.collector_ms)
    return (
        f"CPU per request, mean over the steps within the objective: nextjs-app "
        f"{inputs.frontend_ms:.1f} ms, fastapi-app {inputs.backend_ms:.1f} ms, the collector "
        f"(both apps) {inputs.collector_ms:.1f} ms; mean response "
        f"{inputs.response_bytes / 1024:.0f} KiB. At 60 % of 0.5 vCPU a task serves about "
        f"**{frontend:.0f} req/s** (`nextjs-app`) and **{backend:.0f} req/s** (`fastapi-app`).\n\n"
    )


def _tasks(plans: list[Plan]) -> str:
    rows = [
        [
            _level(p.rate),
            str(p.frontend_tasks),
            str(p.backend_tasks),
            f"{p.connections:,}",
            f"{p.acu:g}",
        ]
        for p in plans
    ]
    header = ["traffic", "`nextjs-app` tasks", "`fastapi-app` tasks", "connections", "Aurora ACU"]
    return table(header, rows) + "\n"


def _costs(plans: list[Plan]) -> str:
    names = list(plans[0].cost)
    rows = [[name, *(_money(p.cost[name]) for p in plans)] for name in names]
    rows.append(["**total, the sampling rules**", *(f"**{_money(p.total)}**" for p in plans)])
    every = [
        p.total - p.cost["X-Ray, the sampling rules"] + p.cost["X-Ray, every request"]
        for p in plans
    ]
    rows.append(["**total, every request traced**", *(f"**{_money(v)}**" for v in every)])
    header = ["USD a month", *(_level(p.rate) for p in plans)]
    return "Monthly cost (prices and estimates: `ecsotel/exercise/load/capacity.py`):\n\n" + table(
        header, rows
    )
