"""`ecsotel drills`: a stack on free ports, every fault drill under traffic, one row each."""

import sys

from ecsotel.exercise.drills.faults import (
    backend_drill,
    collector_drill,
    postgres_drill,
    rolling_drill,
)
from ecsotel.exercise.drills.rotation import rotation_drill
from ecsotel.exercise.drills.table import FULL, HEADER, SHORT
from ecsotel.local.ports import Ports
from ecsotel.local.process import log_file
from ecsotel.local.stack import running_stack
from ecsotel.paths import CACHE_DIR

DRILLS = (
    (collector_drill, "collector"),
    (postgres_drill, "postgres"),
    (backend_drill, "backend"),
    (rolling_drill, "rolling"),
    (rotation_drill, "rotation"),
)


def run_drills(*, short: bool) -> bool:
    """Run the drills one after the other on one stack; print the table; whether all passed."""
    timings = SHORT if short else FULL
    print("| " + " | ".join(HEADER) + " |")
    print("|" + " --- |" * len(HEADER))
    ok = True
    with (
        log_file(CACHE_DIR / "drills" / "stack.log") as log,
        running_stack(log, Ports.free()) as stack,
    ):
        for drill, name in DRILLS:
            row = drill(stack, timings[name])
            print("| " + " | ".join(row.cells()) + " |", flush=True)
            for problem in row.problems:
                print(f"  {row.drill}: {problem}", file=sys.stderr)
            ok = ok and row.passed
    return ok
