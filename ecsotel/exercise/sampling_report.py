"""The two sampling sections of docs/performance.md: what each mode keeps, what it costs.

`ecsotel sampling-drill` writes the first (drills/sampling.py); `ecsotel bench`
and `ecsotel sampling-cost` the second (bench/gateway.py, bench/latency.py and
the backend's `on` and `10%` modes). Each replaces only its own section.
"""

import math
from pathlib import Path

from ecsotel.exercise.load.capacity import (
    FARGATE_GB_HOUR,
    FARGATE_VCPU_HOUR,
    HOURS_PER_MONTH,
    SECONDS_PER_MONTH,
    XRAY_PER_MILLION_TRACES,
    traces_per_second,
)
from ecsotel.exercise.report import PERFORMANCE as REPORT
from ecsotel.exercise.report import machine, write_sections
from ecsotel.local.sampling import share_percent

KEEPS = "Sampling: what each mode keeps"
COSTS = "Sampling: what it costs"
Figures = dict[str, float]

# The unit prices are capacity.py's, the one price list.
# What the monthly table assumes beside the measured figures: a request's spans
# (nextjs-app's server, route and fetch spans, fastapi-app's server and SQL spans), the
# share of requests that fail, and the gateway task of infra/gateway.tf (0.5 vCPU,
# 1 GB, scaled to 60 % CPU and memory, at least 2 tasks, 500 spans/s of share each).
SPANS_PER_REQUEST = 6
ERROR_SHARE = 0.01
TASK_VCPU, TASK_MIB, TARGET, MIN_TASKS, SHARE_CAP = 0.5, 1024, 0.6, 2, 500


def gateway_tasks(rps: float, cost: Figures) -> int:
    """Tasks for `rps` requests a second at the autoscaling targets, by CPU or memory."""
    thousands = rps * SPANS_PER_REQUEST / 1000
    cpu = thousands * cost["cores_per_1000"] / (TASK_VCPU * TARGET)
    memory = (cost["idle_mib"] + thousands * cost["held_mib_per_1000"]) / (TASK_MIB * TARGET)
    return max(MIN_TASKS, math.ceil(cpu), math.ceil(memory))


def tail_traces_per_second(rps: float, tasks: int, share_percent: float) -> float:
    """Every error trace, and the share of the rest under the per-task cap."""
    share = min(
        share_percent / 100 * (1 - ERROR_SHARE) * rps, SHARE_CAP * tasks / SPANS_PER_REQUEST
    )
    return ERROR_SHARE * rps + share


def monthly_costs(cost: Figures, share_percent: float) -> list[str]:
    """Rows of the monthly table at 100, 1,000 and 10,000 requests a second."""
    rows = [
        "| req/s | spans/s | gateway tasks | gateway $/month | traces kept/s: head, tail "
        "| X-Ray $/month: head, tail |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    task_month = (
        TASK_VCPU * FARGATE_VCPU_HOUR + TASK_MIB / 1024 * FARGATE_GB_HOUR
    ) * HOURS_PER_MONTH
    for rps in (100, 1_000, 10_000):
        tasks = gateway_tasks(rps, cost)
        kept = (traces_per_second(rps), tail_traces_per_second(rps, tasks, share_percent))
        xray = [k * SECONDS_PER_MONTH / 1e6 * XRAY_PER_MILLION_TRACES for k in kept]
        rows.append(
            f"| {rps:,} | {rps * SPANS_PER_REQUEST:,} | {tasks} | {tasks * task_month:,.0f} "
            f"| {kept[0]:,.0f}, {kept[1]:,.0f} | {xray[0]:,.0f}, {xray[1]:,.0f} |"
        )
    return rows


def drill_section(tail: Figures, head: Figures, seconds: float, rate: float) -> str:
    """The drill's figures side by side, and the restart's loss."""

    def kept(figures: Figures) -> str:
        errors, whole = figures["error_traces"], figures["error_traces_complete"]
        share = 100 * whole / errors if errors else 0.0
        return f"{whole:.0f} of {errors:.0f} ({share:.0f} %)"

    rows = [
        "| | tail (gateway) | head (the apps) |",
        "| --- | ---: | ---: |",
        f"| requests answered | {tail['requests']:.0f} | {head['requests']:.0f} |",
        f"| error traces kept complete | {kept(tail)} | {kept(head)} |",
        f"| error traces kept but incomplete | {tail['error_traces_incomplete']:.0f} "
        f"| {head['error_traces_incomplete']:.0f} |",
        f"| ordinary OK traces kept (policy {tail['kept_share_policy_percent']:.0f} %) "
        f"| {tail['ordinary_ok_kept_percent']:.1f} % of {tail['ordinary_ok_traces']:.0f} "
        f"| {head['ordinary_ok_kept_percent']:.1f} % of {head['ordinary_ok_traces']:.0f} |",
    ]
    restart = (
        f"Restart of one gateway instance (SIGTERM, started again) at mid-run: of the "
        f"{tail['restart_window_requests']:.0f} requests in the "
        f"{tail['restart_window_seconds']:.0f} s around it (left out above), "
        f"{tail['restart_window_error_traces']:.0f} were error traces, "
        f"{tail['restart_window_error_traces_lost']:.0f} of them not kept complete; "
        f"{tail['restart_window_kept_but_split']:.0f} kept traces were split."
    )
    return (
        f"`make sampling-drill`: {seconds:.0f} s of {rate:.0f} requests/s through the "
        "frontend, each a new trace as behind the load balancer, with FAULT_RATE 5 %, "
        "once per mode (ecsotel/exercise/drills/sampling.py says how it counts).\n\n"
        + "\n".join(rows)
        + f"\n\n{restart}\n"
    )


def write(title: str, text: str, path: Path = REPORT) -> None:
    """Replace the section `title` of the report (append it the first time)."""
    write_sections(path, {title: text})


def cost_section(
    cost: Figures | None,
    latency: dict[str, Figures],
    backend: dict[str, Figures] | None,
) -> str:
    """The gateway's cost, the delay to a complete trace and (`backend`) the apps' throughput."""
    lines = [
        "What tail sampling costs against head sampling ([sampling.md](sampling.md)), "
        f"measured by `make bench` or `make sampling-cost` on: {machine()}.\n",
        "| what | head | tail |",
        "| --- | ---: | ---: |",
    ]
    for request in ("get by id", "list (100)", "create"):
        if backend is None:
            break
        on, sampled = backend[f"on / {request}"], backend[f"10% / {request}"]
        lines.append(
            f"| fastapi-app {request}: throughput against telemetry off (records 10 % / 100 %)"
            f" | {sampled['vs off']:.2f} | {on['vs off']:.2f} |"
        )
    head, tail = latency["head"], latency["tail"]
    lines.append(
        f"| response to complete trace, p50 / p95 (s; {tail['samples']:.0f} creates, "
        f"a root span each) | {head['p50_s']:.2f} / {head['p95_s']:.2f} "
        f"| {tail['p50_s']:.2f} / {tail['p95_s']:.2f} |"
    )
    if cost is not None:
        lines += [
            f"| gateway at {cost['spans_per_second']:.0f} spans/s for {cost['seconds']:.0f} s:"
            f" CPU per 1,000 spans/s | - | {cost['cores_per_1000']:.3f} core |",
            f"| gateway: memory held per 1,000 spans/s (decision_wait "
            f"{cost['decision_wait_s']:.0f} s; idle {cost['idle_mib']:.0f} MiB) | - "
            f"| {cost['held_mib_per_1000']:.0f} MiB |",
            f"| gateway: share of spans kept (no errors in the load; refused "
            f"{cost['refused']:.0f}) | - | {cost['kept_percent']:.1f} % |",
        ]
    if backend is not None:
        ratios = [
            backend[f"on / {r}"]["vs off"] / backend[f"10% / {r}"]["vs off"]
            for r in ("get by id", "list (100)", "create")
        ]
        slower = sum(ratios) / len(ratios)
        lines.append(
            f"\nRecording every trace leaves fastapi-app {slower:.2f} of its throughput at "
            f"10 % (mean of the three requests): about {100 / slower - 100:.0f} % more app "
            "tasks for the same load, before the gateway."
        )
    if cost is not None:
        lines += [
            f"\nA month at the quoted unit prices (ecsotel/exercise/load/capacity.py), "
            f"with the measured gateway figures above, {SPANS_PER_REQUEST} spans a request and "
            f"{ERROR_SHARE:.0%} of requests failing (assumed):\n",
            *monthly_costs(cost, share_percent()),
        ]
    return "\n".join(lines) + "\n"
