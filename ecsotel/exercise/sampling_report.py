"""The two sampling sections of docs/performance.md: what each mode keeps, what it costs.

`ecsotel sampling-drill` writes the first (drills/sampling.py); `ecsotel bench`
and `ecsotel sampling-cost` the second (bench/gateway.py, bench/latency.py and
the backend's `on` and `10%` modes). Each replaces only its own section.
"""

from pathlib import Path

from ecsotel.exercise.bench.report import machine
from ecsotel.exercise.bench.run import REPORT, sections

KEEPS = "Sampling: what each mode keeps"
COSTS = "Sampling: what it costs"
Figures = dict[str, float]


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
    head, found = sections(path.read_text(encoding="utf-8") if path.exists() else "")
    found[title] = text
    body = "".join(f"## {title}\n{content.strip()}\n\n" for title, content in found.items())
    path.write_text(head + body.rstrip() + "\n", encoding="utf-8")


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
            f" | {sampled['rps_ratio']:.2f} | {on['rps_ratio']:.2f} |"
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
    return "\n".join(lines) + "\n"
