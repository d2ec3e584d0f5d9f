"""docs/performance.png: throughput against telemetry off per request and mode, and the budgets."""

from pathlib import Path

from ecsotel.exercise.bench.figures import Figures
from ecsotel.exercise.bench.report import (
    BACKEND_FULL,
    BACKEND_REQUESTS,
    BACKEND_SAMPLED,
    FRONTEND_REQUESTS,
)

# Bars per request: ours at 100 % and 10 %, and the stock peer, each against off.
BARS = (("on", "ours, 100 %"), ("10%", "ours, 10 %"), ("stock", "stock, 100 %"))


def chart(backend: Figures, frontend: Figures, path: Path) -> None:
    """Bars of throughput against telemetry off per request and mode, with the budget lines."""
    # Imported here: heavy, and only the chart needs it.
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    requests = [("backend", r, backend) for r in BACKEND_REQUESTS]
    requests += [("frontend", r, frontend) for r in FRONTEND_REQUESTS]
    figure, axes = pyplot.subplots(figsize=(9, 4))
    width = 0.8 / len(BARS)
    highest = 1.0
    for index, (mode, label) in enumerate(BARS):
        heights = [
            figures.get(f"{mode} / {request}", {}).get("vs off", 0.0)
            for _, request, figures in requests
        ]
        highest = max(highest, *heights)
        offset = (index - (len(BARS) - 1) / 2) * width
        axes.bar([p + offset for p in range(len(requests))], heights, width=width, label=label)
    axes.axhline(
        BACKEND_FULL, color="red", linestyle="--", linewidth=1, label="budget, backend 100 %"
    )
    axes.axhline(
        BACKEND_SAMPLED, color="purple", linestyle=":", linewidth=1, label="budget, backend 10 %"
    )
    axes.set_xticks(
        list(range(len(requests))), [f"{tier}\n{request}" for tier, request, _ in requests]
    )
    axes.tick_params(axis="x", labelsize=8)
    axes.set_ylabel("throughput / telemetry off")
    axes.set_ylim(0, highest + 0.3)
    axes.legend(fontsize=7, loc="upper right", ncol=2)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)
