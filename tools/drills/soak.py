"""`make soak`: moderate load through the frontend for a fixed time, telemetry on.

Every create is followed by a delete, so the data set stays small. Prints the RSS
of the backend, the frontend and the collector after the warm-up and at the end,
their growth, and every failed request. Growth must stay under 10 % and no request
may fail. Run: `python -m tools.drills.soak [minutes]`.
"""

import sys
import time
from collections import Counter

from ecsotel.local.ports import Ports
from ecsotel.local.process import file_sink
from ecsotel.local.stack import running_stack
from ecsotel.paths import CACHE_DIR
from tools.drills.drills import rss_mib
from tools.drills.load import Load

COMPONENTS = ("backend", "frontend", "collector")
WARM_UP_S = 60.0
RATE = 20.0
MAX_GROWTH = 0.10


def main(argv: list[str]) -> int:
    """Soak for the given minutes (default 10); exit 1 on growth past 10 % or any failure."""
    minutes = float(argv[0]) if argv else 10.0
    with (
        file_sink(CACHE_DIR / "soak" / "stack.log") as sink,
        running_stack(sink, Ports.free()) as stack,
        Load(stack.frontend_url, rate=RATE, mix=("list", "create", "toggle", "delete")) as load,
    ):
        # Fixed phases of the soak, not waits for a condition.
        time.sleep(WARM_UP_S)
        start = {name: rss_mib(stack, name) for name in COMPONENTS}
        time.sleep(minutes * 60 - WARM_UP_S)
        end = {name: rss_mib(stack, name) for name in COMPONENTS}
    outcomes = load.snapshot()
    failed = Counter(o.status for o in outcomes if o.failed)
    print(
        f"soak: {minutes:g} min at {RATE:g} req/s, {len(outcomes)} requests, failed: {dict(failed)}"
    )
    print("| component | RSS after warm-up | RSS at end | growth |")
    print("| --- | --- | --- | --- |")
    ok = not failed
    for name in COMPONENTS:
        growth = (end[name] - start[name]) / start[name]
        ok = ok and growth < MAX_GROWTH
        print(f"| {name} | {start[name]:.0f} MiB | {end[name]:.0f} MiB | {growth:+.1%} |")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
