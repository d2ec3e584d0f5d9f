"""`ecsotel soak`: moderate traffic through the frontend for a fixed time, telemetry on.

Every create is followed by a delete, so the data set stays small. The RSS of the
backend, the frontend and the collector is read every 10 s. Growth compares the
lowest reading of the first two minutes after the warm-up with the lowest of the
last two: the floor a garbage-collected runtime returns to, which a leak raises.
A single reading shows mostly where V8's or Python's collector stood at that
moment (one earlier soak read +54.6 % for the frontend, another -14.5 %). Growth
must stay under 10 %, no request may fail, and the peak is printed too (the ECS
containers' limits: 768 MiB for an app, 256 MiB for the collector).
At least 5 minutes: a warm-up and two windows.
"""

import time
from collections import Counter

from ecsotel.exercise.harness.procfs import rss_mib
from ecsotel.exercise.harness.traffic import Traffic
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


def soak(minutes: float) -> bool:
    """Soak for `minutes`, print the table; False on growth past 10 % or any failure."""
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
    print(
        f"soak: {minutes:g} min at {RATE:g} req/s, {len(outcomes)} requests, failed: {dict(failed)}"
    )
    print("| component | lowest RSS, first 2 min | lowest RSS, last 2 min | growth | peak |")
    print("| --- | --- | --- | --- | --- |")
    ok = not failed
    per_window = int(WINDOW_S // EVERY_S)
    for name in COMPONENTS:
        first, last, growth = floor_growth(readings[name], per_window)
        ok = ok and growth < MAX_GROWTH
        peak = max(readings[name])
        print(f"| {name} | {first:.0f} MiB | {last:.0f} MiB | {growth:+.1%} | {peak:.0f} MiB |")
    return ok
