"""The bench's judgement: each budget met or not, the verdict, and the figures as tables.

A verdict needs an idle machine: when harness.machine found it busy, every row says
"not measured" and the verdict is `not measured: machine busy (...)`, whatever the
figures, with its own exit status (EXIT_BUSY), never pass or fail.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from ecsotel.exercise.bench.figures import Figures
from ecsotel.exercise.harness.machine import IdleLimits, MachineRecord

BACKEND_REQUESTS = ("get by id", "list (100)", "create")
FRONTEND_REQUESTS = ("page render", "API-route proxy")
# Ours against telemetry off at 100 % and 10 % sampling, and against the stock peer.
BACKEND_FULL, BACKEND_SAMPLED, BACKEND_STOCK = 0.80, 0.93, 1.20
BACKEND_ADDED_CPU_MS, PACED_ADDED_P99_MS = 0.5, 3.0
FRONTEND_FULL, FRONTEND_STOCK = 0.85, 1.00
EXIT_PASS, EXIT_FAIL, EXIT_BUSY = 0, 1, 3


@dataclass(frozen=True)
class Row:
    """One budget line: what, the budget, the measured value, and whether it holds."""

    what: str
    budget: str
    measured: str
    met: bool | None


@dataclass(frozen=True)
class Verdict:
    """The bench's one-line verdict and the exit status that goes with it."""

    text: str
    status: int


def spread(found: dict[str, float], name: str, unit: str = "") -> str:
    """A median over runs, with the lowest and the highest run's in brackets."""
    low, high = found[f"{name} low"], found[f"{name} high"]
    return f"{found[name]:.2f}{unit} ({low:.2f}-{high:.2f})"


def at_least(what: str, found: dict[str, float] | None, name: str, budget: float) -> Row:
    """A ratio that must reach `budget`; not measured when its modes did not run."""
    text = f">= {budget:.2f}"
    if found is None or name not in found:
        return Row(what, text, "-", None)
    return Row(what, text, spread(found, name), found[name] >= budget)


def at_most_ms(what: str, found: dict[str, float] | None, name: str, budget: float) -> Row:
    """Added milliseconds that must stay within `budget`."""
    text = f"<= {budget:g} ms"
    if found is None or name not in found:
        return Row(what, text, "-", None)
    low, high = found[f"{name} low"], found[f"{name} high"]
    measured = f"{found[name]:+.2f} ms ({low:+.2f} to {high:+.2f})"
    return Row(what, text, measured, found[name] <= budget)


def backend_rows(figures: Figures) -> list[Row]:
    """fastapi-app against its budgets: throughput against off and stock, CPU, paced p99."""
    rows = []
    for request in BACKEND_REQUESTS:
        on, sampled = figures.get(f"on / {request}"), figures.get(f"10% / {request}")
        rows += [
            at_least(f"{request}: ours/off at 100 %", on, "vs off", BACKEND_FULL),
            at_least(f"{request}: ours/off at 10 %", sampled, "vs off", BACKEND_SAMPLED),
            at_most_ms(
                f"{request}: added CPU at 100 %", on, "added_cpu_ms vs off", BACKEND_ADDED_CPU_MS
            ),
            at_least(f"{request}: ours/stock at 100 %", on, "vs stock", BACKEND_STOCK),
        ]
    paced = figures.get("on / paced get")
    rows.append(
        at_most_ms("paced ~100 req/s: added p99", paced, "added_p99_ms vs off", PACED_ADDED_P99_MS)
    )
    return rows


def frontend_rows(figures: Figures, rss_budget_mib: float) -> list[Row]:
    """nextjs-app against its budgets: throughput against off and stock, memory."""
    rows = []
    for request in FRONTEND_REQUESTS:
        on = figures.get(f"on / {request}")
        rows += [
            at_least(f"{request}: ours/off", on, "vs off", FRONTEND_FULL),
            at_least(f"{request}: ours/stock", on, "vs stock", FRONTEND_STOCK),
        ]
    memory = figures["on / memory"]
    rss, served = memory["rss_mib high"], memory["requests"]
    rows.append(
        Row(
            f"RSS after ~{served:.0f} requests (telemetry on, largest of all rounds)",
            f"< {rss_budget_mib:.0f} MiB",
            f"{rss:.0f} MiB (off: {figures['off / memory']['rss_mib high']:.0f})",
            rss < rss_budget_mib,
        )
    )
    return rows


def verdict(rows: Sequence[Row], machine: MachineRecord, limits: IdleLimits) -> Verdict:
    """Pass, fail, or not measured when the machine was busy (its reasons named)."""
    reasons = machine.busy_reasons(limits)
    if reasons:
        return Verdict(f"not measured: machine busy ({'; '.join(reasons)})", EXIT_BUSY)
    missed = [row.what for row in rows if row.met is False]
    if missed:
        return Verdict(f"fail: {len(missed)} budget(s) missed ({'; '.join(missed)})", EXIT_FAIL)
    return Verdict("pass: every budget measured is met", EXIT_PASS)


def table(rows: Sequence[Row], busy: bool = False) -> str:
    """A Markdown table of budget rows; on a busy machine no row passes or fails."""
    verdicts = {True: "pass", False: "**fail**", None: "not measured"}
    lines = ["| what | budget | measured | result |", "| --- | --- | ---: | --- |"]
    lines += [
        f"| {r.what} | {r.budget} | {r.measured} | {verdicts[None if busy else r.met]} |"
        for r in rows
    ]
    return "\n".join(lines)


def modes_table(figures: Figures, requests: Sequence[str]) -> str:
    """Every mode against off (and stock): median and spread of the runs, added CPU."""
    lines = [
        "| mode | " + " | ".join(requests) + " |",
        "| --- |" + " ---: |" * len(requests),
    ]
    modes = dict.fromkeys(key.split(" / ")[0] for key in figures)
    for mode in modes:
        for name, label in (("vs off", "/off"), ("vs stock", "/stock")):
            cells = []
            for request in requests:
                found = figures.get(f"{mode} / {request}", {})
                cost = found.get("added_cpu_ms vs off")
                cell = spread(found, name) if name in found else "-"
                if name == "vs off" and cost is not None:
                    cell += f", {cost:+.2f} ms CPU"
                cells.append(cell)
            if any(cell != "-" for cell in cells):
                lines.append(f"| {mode}{label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
