"""The ramp's results: a table on the terminal, a CSV and a latency-throughput plot."""

import csv
from dataclasses import asdict
from pathlib import Path

# Figure directly, not pyplot: no display backend, no global state.
from matplotlib.figure import Figure
from rich.console import Console
from rich.table import Table

from ecsotel.exercise.load.steps import Step


def table(steps: list[Step], objective_ms: float) -> Table:
    """One row per step: users, throughput, p50, p99, errors and the verdict."""
    result = Table(title=f"make load: p99 objective {objective_ms:g} ms")
    components = sorted(steps[0].cpu_ms) if steps else []
    columns = ["users", "req/s", "p50 ms", "p99 ms", "requests", "errors", "verdict"]
    for column in [*columns, f"CPU ms per request: {', '.join(components)}"]:
        result.add_column(column, justify="right")
    for step in steps:
        verdict = "ok" if step.passes(objective_ms) else "over"
        result.add_row(
            str(step.users),
            f"{step.throughput:.1f}",
            f"{step.p50:.0f}",
            f"{step.p99:.0f}",
            str(step.requests),
            str(step.failures),
            verdict,
            " / ".join(f"{step.cpu_ms[name]:.1f}" for name in components),
        )
    return result


def write_csv(steps: list[Step], path: Path) -> None:
    """The steps as CSV, for the README's capacity model."""
    rows = []
    for step in steps:
        row = asdict(step)
        row.update({f"{name}_cpu_ms": round(ms, 3) for name, ms in row.pop("cpu_ms").items()})
        rows.append(row)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def plot(steps: list[Step], objective_ms: float, path: Path, note: str) -> None:
    """Latency (p50, p99) against throughput, with the objective as a line."""
    figure = Figure(figsize=(7, 4.2), dpi=110)
    axes = figure.subplots()
    throughput = [step.throughput for step in steps]
    axes.plot(throughput, [step.p99 for step in steps], "o-", label="p99")
    axes.plot(throughput, [step.p50 for step in steps], "s--", label="p50")
    axes.axhline(objective_ms, color="red", linewidth=1, label=f"objective {objective_ms:g} ms")
    for step in steps:
        axes.annotate(
            f"{step.users}u",
            (step.throughput, step.p99),
            fontsize=7,
            xytext=(3, 3),
            textcoords="offset points",
        )
    axes.set_xlabel("throughput through nextjs-app (requests/s)")
    axes.set_ylabel("latency (ms)")
    axes.set_yscale("log")
    axes.set_xlim(left=0, right=max(throughput) * 1.2)
    axes.set_title("Local stack, telemetry on: latency against throughput", fontsize=10)
    axes.text(0.01, -0.2, note, transform=axes.transAxes, fontsize=7, color="dimgray")
    axes.legend(fontsize=8)
    axes.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)


def show(steps: list[Step], objective_ms: float) -> None:
    """Print the table."""
    # Wide enough for every column even when stdout is not a terminal (make, CI logs).
    Console(width=150).print(table(steps, objective_ms))
