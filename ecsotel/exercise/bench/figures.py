"""From wrk's results to the report's figures: ratios per round, medians per run, then across runs.

A round runs every mode's server side by side, so a ratio between two modes is
taken within a round, before any median: steadier than a ratio of medians when
the machine's speed drifts. A run is a few rounds (its figure: their median); the
verdict is the median of several runs, printed with the lowest and the highest
run's figure as its spread.

Figures are keyed "<mode> / <request>" and named: "rps", "p50_ms", "p99_ms",
"cpu_ms" (the server's CPU per request), and against each baseline mode B that ran
"vs B" (throughput ratio), "added_cpu_ms vs B" and "added_p99_ms vs B": every mode
against off, ours at 100 % ("on", and any other mode but the sampled ones) against
stock.
"""

import statistics
from collections.abc import Iterable, Mapping, Sequence

from ecsotel.exercise.harness.wrk import Result

Figures = dict[str, dict[str, float]]
# Telemetry off, and the stock instrumentation: what the other modes are compared with.
BASELINES = ("off", "stock")
# Modes that sample less than everything: compared with off only.
SAMPLED = ("10%", "1%", "0%")


def run_figures(
    rounds: Mapping[str, Sequence[Mapping[str, Result]]], requests: Iterable[str]
) -> Figures:
    """One run's figures: per mode and request, medians over its rounds."""
    figures: Figures = {}
    ran = {
        request: {mode for mode, results in rounds.items() if all(request in r for r in results)}
        for request in requests
    }
    for request in requests:
        for mode, results in rounds.items():
            if mode not in ran[request]:
                continue
            mine = [result[request] for result in results]
            found = {
                "rps": statistics.median(r.rps for r in mine),
                "p50_ms": statistics.median(r.p50_ms for r in mine),
                "p99_ms": statistics.median(r.p99_ms for r in mine),
                "cpu_ms": statistics.median(r.cpu_ms for r in mine),
            }
            for baseline in BASELINES:
                # Ours at 100 % is what the stock peer (sampling everything) is for.
                peers = ("off",) if baseline == "off" else ("off", "stock", *SAMPLED)
                if mode in peers or baseline not in ran[request]:
                    continue
                pairs = list(zip(rounds[baseline], mine, strict=True))
                found[f"vs {baseline}"] = statistics.median(
                    b.rps / a[request].rps for a, b in pairs
                )
                found[f"added_cpu_ms vs {baseline}"] = statistics.median(
                    b.cpu_ms - a[request].cpu_ms for a, b in pairs
                )
                found[f"added_p99_ms vs {baseline}"] = statistics.median(
                    b.p99_ms - a[request].p99_ms for a, b in pairs
                )
            figures[f"{mode} / {request}"] = found
    return figures


def across_runs(runs: Sequence[Figures]) -> Figures:
    """The median of every figure over the runs, with the lowest and highest run's beside it.

    "<figure>" is the median, "<figure> low" and "<figure> high" the extremes, and
    "runs" how many runs had it.
    """
    combined: Figures = {}
    for key in runs[0]:
        present = [run[key] for run in runs if key in run]
        found: dict[str, float] = {"runs": len(present)}
        for name in present[0]:
            values = [figures[name] for figures in present]
            found[name] = statistics.median(values)
            found[f"{name} low"] = min(values)
            found[f"{name} high"] = max(values)
        combined[key] = found
    return combined


def table(figures: Figures, runs: int, rounds: int) -> str:
    """The figures as the console shows them: one line per mode and request."""
    lines = [
        f"median of {runs} run(s) of {rounds} round(s); latency and server CPU per request in ms",
        f"{'mode / request':<22} {'req/s':>7} {'p50':>5} {'p99':>6} {'cpu':>5}  "
        f"{'vs off':>6} {'+cpu':>6} {'vs stock':>8}",
    ]
    for key, row in figures.items():
        if "rps" not in row:
            continue
        vs_off = f"{row['vs off']:.2f}" if "vs off" in row else "-"
        added = f"{row['added_cpu_ms vs off']:.2f}" if "vs off" in row else "-"
        vs_stock = f"{row['vs stock']:.2f}" if "vs stock" in row else "-"
        lines.append(
            f"{key:<22} {row['rps']:>7.0f} {row['p50_ms']:>5.1f} {row['p99_ms']:>6.1f} "
            f"{row['cpu_ms']:>5.2f}  {vs_off:>6} {added:>6} {vs_stock:>8}"
        )
    return "\n".join(lines)
