"""`ecsotel load`: start the local stack, ramp Locust in steps until p99 passes the objective.

Bounded in time and count: at most len(USERS) steps of --step-seconds, each user
offering about 1 request/s, so a full run sends at most sum(USERS) x step-seconds
requests. Loopback only: the stack it starts listens on 127.0.0.1, on free ports.
"""

import os
import tempfile
import time
from pathlib import Path

from ecsotel.exercise.harness.procfs import session_cpu_seconds
from ecsotel.exercise.load.report import plot, show, write_csv
from ecsotel.exercise.load.section import TITLE, section
from ecsotel.exercise.load.steps import Step, measure, run_locust
from ecsotel.exercise.report import PERFORMANCE, write_sections
from ecsotel.local.ports import Ports
from ecsotel.local.process import log_file
from ecsotel.local.stack import Stack, running_stack
from ecsotel.paths import CACHE_DIR, REPO_ROOT

USERS = (5, 10, 20, 40, 60, 80, 120, 160, 240)
LOG_FILE = CACHE_DIR / "load" / "stack.log"


def ramp(stack: Stack, *, objective_ms: float, step_seconds: int, smoke: bool) -> list[Step]:
    """Steps of more users until one misses the objective or sees errors."""
    # Loopback by address, not "localhost" (which may resolve to ::1 first).
    urls = (f"http://127.0.0.1:{stack.ports.frontend}", f"http://127.0.0.1:{stack.ports.backend}")
    sessions = {service.spec.name: service.process.pid for service in stack.services}
    # Locust's run time includes its own start-up (a few seconds on a busy machine).
    plan = [(5, 8)] if smoke else [(users, step_seconds) for users in USERS]
    if not smoke:
        print("warming up (5 users, 10 s, not reported)", flush=True)
        run_locust(urls[0], 5, 10)
    steps: list[Step] = []
    for users, seconds in plan:
        step = measure(urls, users, seconds, lambda: session_cpu_seconds(sessions))
        steps.append(step)
        print(f"  {users} users: {step.throughput:.1f} req/s, p99 {step.p99:.0f} ms", flush=True)
        if not step.passes(objective_ms):
            break
    return steps


def machine_note() -> str:
    """Where it was measured, for the plot: cores and the load average before the run."""
    average = os.getloadavg()[0]
    return (
        f"{time.strftime('%Y-%m-%d')}: {os.cpu_count()} cores shared by the stack, Locust and "
        f"other work (load average {average:.1f} at start)"
    )


def run(*, objective_ms: float, step_seconds: int, out: Path | None, smoke: bool) -> None:
    """Run the ramp on a stack of its own; print the table, write the CSV and the plot."""
    note = machine_note()
    print(note)
    out = out or (Path(tempfile.mkdtemp(prefix="load-smoke-")) if smoke else REPO_ROOT / "docs")
    out.mkdir(parents=True, exist_ok=True)
    with log_file(LOG_FILE) as log, running_stack(log, Ports.free()) as stack:
        steps = ramp(stack, objective_ms=objective_ms, step_seconds=step_seconds, smoke=smoke)
    show(steps, objective_ms)
    write_csv(steps, out / "load-steps.csv")
    plot(steps, objective_ms, out / "load-latency.png", note)
    print(f"wrote {out / 'load-steps.csv'} and {out / 'load-latency.png'}")
    if not smoke and out == REPO_ROOT / "docs":
        write_sections(PERFORMANCE, {TITLE: section(steps, objective_ms)})
        print(f"wrote the {TITLE!r} section of {PERFORMANCE.relative_to(REPO_ROOT)}")
    last_good = [step for step in steps if step.passes(objective_ms)]
    if last_good:
        print(f"knee: {last_good[-1].throughput:.1f} req/s within p99 {objective_ms:g} ms")
    else:
        print("no step met the objective")
