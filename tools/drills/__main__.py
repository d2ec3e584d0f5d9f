"""`make drills`: start a stack on free ports, run every drill under load, print the table.

Run: `python -m tools.drills` (full, a few minutes) or `python -m tools.drills --short`.
"""

import sys

from ecsotel.local.ports import Ports
from ecsotel.local.process import file_sink
from ecsotel.local.stack import running_stack
from ecsotel.paths import CACHE_DIR
from tools.drills.drills import (
    FULL,
    HEADER,
    SHORT,
    backend_drill,
    collector_drill,
    postgres_drill,
    rolling_drill,
)
from tools.drills.rotation import rotation_drill


def main(argv: list[str]) -> int:
    """Run the drills one after the other on one stack; print one row per drill."""
    timings = SHORT if "--short" in argv else FULL
    print("| " + " | ".join(HEADER) + " |")
    print("|" + " --- |" * len(HEADER))
    ok = True
    with (
        file_sink(CACHE_DIR / "drills" / "stack.log") as sink,
        running_stack(sink, Ports.free()) as stack,
    ):
        for drill, name in (
            (collector_drill, "collector"),
            (postgres_drill, "postgres"),
            (backend_drill, "backend"),
            (rolling_drill, "rolling"),
            (rotation_drill, "rotation"),
        ):
            row = drill(stack, timings[name])
            print("| " + " | ".join(row.cells()) + " |", flush=True)
            for problem in row.problems:
                print(f"  {row.drill}: {problem}", file=sys.stderr)
            ok = ok and row.passed
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
