"""`ecsotel soak`: moderate traffic through the frontend for a fixed time, telemetry on.

Every create is followed by a delete, so the data set stays small. The RSS of the
backend, the frontend and the collector is read every 10 s. Growth compares the
lowest reading of the first two minutes after the warm-up with the lowest of the
last two: the floor a garbage-collected runtime returns to, which a leak raises.
A single reading shows mostly where V8's or Python's collector stood at that
moment. Growth must stay under 10 %, no request may fail, and the peak is printed
too (the ECS containers' limits: 768 MiB for an app, 256 MiB for the collector).
At least 5 minutes: a warm-up and two windows.
"""

import time
from collections import Counter
from pathlib import Path

from ecsotel.exercise.harness.procfs import rss_mib
from ecsotel.exercise.harness.traffic import Traffic
from ecsotel.exercise.report import RESILIENCE, measured_by, table, write_sections
from ecsotel.local.ports import Ports
from ecsotel.local.process import log_file
from ecsotel.local.stack import running_stack
from ecsotel.paths import CACHE_DIR

COMPONENTS = ("backend", "frontend", "collector")
WARM_UP_S = 60.0
RATE = 20.0
MAX_GROWTH = 0.10
EVERY_S = 10.0
WINDOW_S = 120.0


def floor_growth(readings: list[float], per_window: int) -> tuple[float, float, float]:
    """The lowest reading of the first and of the last window, and the growth between."""
    if len(readings) < 2 * per_window:
        raise ValueError(f"{len(readings)} readings: too few for two windows of {per_window}")
    first, last = min(readings[:per_window]), min(readings[-per_window:])
    return first, last, (last - first) / first


def soak(minutes: float, report: Path | None = RESILIENCE) -> bool:
    """Soak for `minutes`, print the table; False on growth past 10 % or any failure.

    The table is also the "Soak" section of `report` (None: printed only).
    """
    with (
        log_file(CACHE_DIR / "soak" / "stack.log") as log,
        running_stack(log, Ports.free()) as stack,
        Traffic(
            stack.frontend_url, rate=RATE, mix=("list", "create", "toggle", "delete")
        ) as traffic,
    ):
        # Fixed phases and a fixed reading schedule, not waits for a condition.
        time.sleep(WARM_UP_S)
        readings: dict[str, list[float]] = {name: [] for name in COMPONENTS}
        deadline = time.monotonic() + minutes * 60 - WARM_UP_S
        while time.monotonic() < deadline:
            for name in COMPONENTS:
                readings[name].append(rss_mib(stack.service(name).pid))
            time.sleep(EVERY_S)
    outcomes = traffic.snapshot()
    failed = Counter(o.status for o in outcomes if o.failed)
    rows, ok = growth_rows(readings), not failed
    ok = ok and all(growth < MAX_GROWTH for growth in rows.values())
    text = (
        f"{minutes:g} minutes at {RATE:g} requests/s through the frontend (list, create, "
        f"toggle, delete), telemetry on: {len(outcomes):,} requests, failed: "
        f"{dict(failed) or 0}. RSS every {EVERY_S:g} s after a {WARM_UP_S:g} s warm-up; growth "
        "compares the lowest reading of the first two minutes with the lowest of the last "
        f"two, and must stay under {MAX_GROWTH:.0%}.\n\n"
        + table(
            ["component", "lowest RSS, first 2 min", "lowest RSS, last 2 min", "growth", "peak"],
            [_cells(name, readings[name]) for name in COMPONENTS],
        )
    )
    print(text, flush=True)
    if report is not None:
        verdict = "passed" if ok else "FAILED"
        write_sections(
            report, {"Soak": f"{text}\nVerdict: {verdict}. {measured_by('make soak')}\n"}
        )
    return ok


def growth_rows(readings: dict[str, list[float]]) -> dict[str, float]:
    """Each component's floor growth over the soak."""
    per_window = int(WINDOW_S // EVERY_S)
    return {name: floor_growth(values, per_window)[2] for name, values in readings.items()}


def _cells(name: str, readings: list[float]) -> list[str]:
    first, last, growth = floor_growth(readings, int(WINDOW_S // EVERY_S))
    return [
        name,
        f"{first:.0f} MiB",
        f"{last:.0f} MiB",
        f"{growth:+.1%}",
        f"{max(readings):.0f} MiB",
    ]
