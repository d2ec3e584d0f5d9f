"""The sampling drill's table, as its own section of docs/performance.md.

`ecsotel sampling-drill` replaces only this section; every other one (`make
bench`'s among them) stays as it is.
"""

from pathlib import Path

from ecsotel.exercise.bench.run import REPORT, sections

TITLE = "Sampling: what each mode keeps"
Figures = dict[str, float]


def section(tail: Figures, head: Figures, seconds: float, rate: float) -> str:
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


def write(text: str, path: Path = REPORT) -> None:
    """Replace this section of the report (append it the first time)."""
    head, found = sections(path.read_text(encoding="utf-8") if path.exists() else "")
    found[TITLE] = text
    body = "".join(f"## {title}\n{content.strip()}\n\n" for title, content in found.items())
    path.write_text(head + body.rstrip() + "\n", encoding="utf-8")
