"""`make load`: start the local stack, ramp Locust in steps until p99 passes the objective.

Bounded in time and count: at most len(USERS) steps of --step-seconds, each user
offering about 1 request/s, so a full run sends at most sum(USERS) x step-seconds
requests. Loopback only: the stack it starts listens on 127.0.0.1, on free ports.
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

from ecsotel.local.ports import Ports
from ecsotel.local.process import file_sink
from ecsotel.local.stack import Stack, running_stack
from ecsotel.paths import CACHE_DIR
from loadtest.cpu import cpu_seconds
from loadtest.report import plot, show, write_csv
from loadtest.steps import Step, measure, run_locust

USERS = (5, 10, 20, 40, 60, 80, 120, 160, 240)
ROOT = Path(__file__).resolve().parents[1]
LOG_FILE = CACHE_DIR / "load" / "stack.log"


def arguments() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objective-ms", type=float, default=300, help="p99 objective")
    parser.add_argument("--step-seconds", type=int, default=30, help="length of each step")
    parser.add_argument(
        "--out", type=Path, help="where PNG and CSV go (default docs/, or a scratch folder)"
    )
    parser.add_argument(
        "--smoke", action="store_true", help="one short step into a scratch folder (make test)"
    )
    return parser.parse_args()


def ramp(stack: Stack, args: argparse.Namespace) -> list[Step]:
    """Steps of more users until one misses the objective or sees errors."""
    # Loopback by address, not "localhost" (which may resolve to ::1 first).
    urls = (f"http://127.0.0.1:{stack.ports.frontend}", f"http://127.0.0.1:{stack.ports.backend}")
    sessions = {service.spec.name: service.process.pid for service in stack.services}
    # Locust's run time includes its own start-up (a few seconds on a busy machine).
    plan = [(5, 8)] if args.smoke else [(users, args.step_seconds) for users in USERS]
    if not args.smoke:
        print("warming up (5 users, 10 s, not reported)", flush=True)
        run_locust(urls[0], 5, 10)
    steps: list[Step] = []
    for users, seconds in plan:
        step = measure(urls, users, seconds, lambda: cpu_seconds(sessions))
        steps.append(step)
        print(f"  {users} users: {step.throughput:.1f} req/s, p99 {step.p99:.0f} ms", flush=True)
        if not step.passes(args.objective_ms):
            break
    return steps


def machine_note() -> str:
    """Where it was measured, for the plot: cores and the load average before the run."""
    load = os.getloadavg()[0]
    return (
        f"{time.strftime('%Y-%m-%d')}: {os.cpu_count()} cores shared by the stack, Locust and "
        f"other work (load average {load:.1f} at start)"
    )


def main() -> None:
    """Run the ramp and report it."""
    args = arguments()
    note = machine_note()
    print(note)
    out = args.out or (
        Path(tempfile.mkdtemp(prefix="load-smoke-")) if args.smoke else ROOT / "docs"
    )
    out.mkdir(parents=True, exist_ok=True)
    with file_sink(LOG_FILE) as sink, running_stack(sink, Ports.free()) as stack:
        steps = ramp(stack, args)
    show(steps, args.objective_ms)
    write_csv(steps, out / "load-steps.csv")
    plot(steps, args.objective_ms, out / "load-latency.png", note)
    print(f"wrote {out / 'load-steps.csv'} and {out / 'load-latency.png'}")
    last_good = [step for step in steps if step.passes(args.objective_ms)]
    if last_good:
        print(f"knee: {last_good[-1].throughput:.1f} req/s within p99 {args.objective_ms:g} ms")
    else:
        print("no step met the objective")


if __name__ == "__main__":
    main()
