"""docs/performance.md from the benchmarks' summaries: each budget, met or not, and a chart."""

from dataclasses import dataclass
from pathlib import Path

BACKEND_REQUESTS = ("get by id", "list (100)", "create")
FRONTEND_REQUESTS = ("page render", "API-route proxy")


@dataclass(frozen=True)
class Row:
    """One budget line: what, the budget, the measured value, and whether it holds."""

    what: str
    budget: str
    measured: str
    met: bool | None


def ratio_text(median: float, low: float, high: float) -> str:
    """A median ratio, with the lowest and the highest round's in brackets."""
    return f"{median:.2f} ({low:.2f}-{high:.2f})"


def backend_rows(summary: dict[str, dict[str, float]]) -> list[Row]:
    """fastapi-app against its budgets: throughput on/off, 10 %, CPU, paced p99."""
    rows = []
    for request in BACKEND_REQUESTS:
        on, sampled = summary[f"on / {request}"], summary[f"10% / {request}"]
        for mode, what, budget in ((on, "on/off", 0.80), (sampled, "10 % sampled/off", 0.90)):
            measured = ratio_text(mode["rps_ratio"], mode["rps_ratio_low"], mode["rps_ratio_high"])
            rows.append(
                Row(f"{request}: {what}", f">= {budget:.2f}", measured, mode["rps_ratio"] >= budget)
            )
        added = on["added_cpu_ms"]
        rows.append(Row(f"{request}: added CPU", "<= 0.5 ms", f"{added:+.2f} ms", added <= 0.5))
    paced = summary["on / paced get"]["added_p99_ms"]
    rows.append(Row("paced ~100 req/s: added p99", "<= +3 ms", f"{paced:+.1f} ms", paced <= 3))
    return rows


def frontend_rows(summary: dict[str, float], rss_budget_mib: float) -> list[Row]:
    """nextjs-app against its budgets: throughput on/off and memory after the runs."""
    rows = [
        Row(
            f"{request}: on/off",
            ">= 0.85",
            ratio_text(
                summary[f"{request} ratio"],
                summary[f"{request} ratio low"],
                summary[f"{request} ratio high"],
            ),
            summary[f"{request} ratio"] >= 0.85,
        )
        for request in FRONTEND_REQUESTS
    ]
    rss = summary["rss_mib on"]
    served = summary["requests per run"]
    rows.append(
        Row(
            f"RSS after ~{served:.0f} requests (telemetry on)",
            f"< {rss_budget_mib:.0f} MiB",
            f"{rss:.0f} MiB (off: {summary['rss_mib off']:.0f})",
            rss < rss_budget_mib,
        )
    )
    return rows


def table(rows: list[Row]) -> str:
    """A Markdown table of budget rows."""
    verdict = {True: "pass", False: "**fail**", None: "not measured"}
    lines = ["| what | budget | measured | result |", "| --- | --- | ---: | --- |"]
    lines += [f"| {r.what} | {r.budget} | {r.measured} | {verdict[r.met]} |" for r in rows]
    return "\n".join(lines)


def chart(backend: dict[str, dict[str, float]], frontend: dict[str, float], path: Path) -> None:
    """Bars of throughput with telemetry on / off per request, with the budget lines."""
    # Imported here: heavy, and only the chart needs it.
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    labels = [f"backend\n{r}" for r in BACKEND_REQUESTS] + [
        f"frontend\n{r}" for r in FRONTEND_REQUESTS
    ]
    full = [backend[f"on / {r}"]["rps_ratio"] for r in BACKEND_REQUESTS]
    full += [frontend[f"{r} ratio"] for r in FRONTEND_REQUESTS]
    sampled = [backend[f"10% / {r}"]["rps_ratio"] for r in BACKEND_REQUESTS]
    figure, axes = pyplot.subplots(figsize=(9, 4))
    positions = range(len(labels))
    axes.bar([p - 0.2 for p in positions], full, width=0.4, label="100 % sampled")
    axes.bar([p + 0.2 for p in range(len(sampled))], sampled, width=0.4, label="10 % sampled")
    axes.axhline(
        0.80, color="red", linestyle="--", linewidth=1, label="budget 0.80 (backend, 100 %)"
    )
    axes.axhline(
        0.90, color="purple", linestyle=":", linewidth=1, label="budget 0.90 (backend, 10 %)"
    )
    axes.set_xticks(list(positions), labels, fontsize=8)
    axes.set_ylabel("throughput, telemetry on / off")
    axes.set_ylim(0, max(1.3, *full, *sampled) + 0.1)
    axes.legend(fontsize=7, loc="upper right")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)
