"""The fault drills: each breaks one part of a running stack under traffic, restores it, reports.

A drill never leaves the stack broken: the part is started again by the stack's own
supervisor (Stack.paused), and the drill waits until writes succeed once more.
"""

import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import boto3
import httpx
from devkit.polling import poll_until

from ecsotel.exercise.drills.checks import unflushed
from ecsotel.exercise.drills.table import Row, Timing, build_row
from ecsotel.exercise.harness.procfs import rss_mib
from ecsotel.exercise.harness.traffic import REFUSED, Outcome, Traffic
from ecsotel.local.stack import Stack
from ecsotel.xray import trace_documents


def wait_for_writes(stack: Stack) -> None:
    """Until a create through the frontend succeeds again."""

    def created() -> bool:
        response = httpx.post(
            f"{stack.frontend_url}/api/todos", json={"title": "probe"}, timeout=10
        )
        return response.status_code == 201

    poll_until(created, "a create through the frontend to succeed again", timeout=60)


@contextmanager
def under_traffic(stack: Stack) -> Iterator[tuple[Traffic, list[str]]]:
    """Steady traffic for the block, and the lines the frontend prints meanwhile."""
    with stack.output("frontend") as frontend, Traffic(stack.frontend_url) as traffic:
        yield traffic, frontend


def _run(
    stack: Stack, name: str, timing: Timing, *, kill: bool = False
) -> tuple[Traffic, list[str], float]:
    """Traffic, fault, restore, settle: the traffic, the frontend's lines, the time it returned."""
    with under_traffic(stack) as (traffic, frontend):
        # Fixed durations: these are the drill's phases, not waits for a condition.
        time.sleep(timing.warm)
        with stack.paused(name, kill=kill):
            time.sleep(timing.outage)
        restored = time.monotonic()
        wait_for_writes(stack)
        time.sleep(timing.settle)
    return traffic, frontend, restored


def _rss(stack: Stack, names: tuple[str, ...]) -> dict[str, float]:
    return {name: rss_mib(stack.service(name).pid) for name in names}


def spans_lost(
    stack: Stack, outcomes: list[Outcome], since: float, until: float
) -> tuple[int, int]:
    """Of up to 100 requests sent while the collector was down, how many traces never arrived."""
    xray = boto3.client("xray", **stack.aws.client_settings())
    # A request after the restart must arrive first: then the exporters are flushing again.
    later = next(o for o in outcomes if o.started > until + 2 and o.status < 500)
    poll_until(
        lambda: trace_documents(xray, later.trace.xray) != [], "spans after the restart", timeout=60
    )
    during = [o for o in outcomes if since <= o.started <= until][:100]
    missing = sum(1 for o in during if not trace_documents(xray, o.trace.xray))
    return missing, len(during)


def collector_drill(stack: Stack, timing: Timing) -> Row:
    """Collector stopped: users see nothing; the apps' memory stays flat; spans are dropped."""
    apps = ("backend", "frontend")
    before = _rss(stack, apps)
    with under_traffic(stack) as (traffic, frontend):
        time.sleep(timing.warm)
        since = time.monotonic()
        with stack.paused("collector"):
            time.sleep(timing.outage)
            during = _rss(stack, apps)
        restored = time.monotonic()
        time.sleep(timing.settle)
    missing, checked = spans_lost(stack, traffic.snapshot(), since, restored)
    memory = ", ".join(f"{n} {before[n]:.0f}→{during[n]:.0f} MiB" for n in before)
    notes = f"RSS {memory}; traces lost {missing}/{checked} sampled from the outage"
    drill = f"collector down {timing.outage:g} s"
    return build_row(stack, drill, traffic, frontend, restored, set(), notes)


def postgres_drill(stack: Stack, timing: Timing) -> Row:
    """PostgreSQL stopped: 503 + Retry-After, never 500; no acknowledged todo lost."""
    traffic, frontend, restored = _run(stack, "postgres", timing)
    outcomes = traffic.snapshot()
    unavailable = [o for o in outcomes if o.status == 503]
    with_retry = sum(1 for o in unavailable if o.retry_after)
    said = " | ".join(sorted({o.detail for o in unavailable}))[:120]
    notes = f"503 with Retry-After: {with_retry}/{len(unavailable)}; frontend said: {said}"
    drill = f"PostgreSQL down {timing.outage:g} s"
    return build_row(stack, drill, traffic, frontend, restored, {503}, notes)


def backend_drill(stack: Stack, timing: Timing) -> Row:
    """Backend SIGKILLed, then started: 502/504 with the designed message, then recovery."""
    traffic, frontend, restored = _run(stack, "backend", timing, kill=True)
    messages = {o.detail for o in traffic.snapshot() if o.status in {502, 504}}
    notes = "frontend said: " + " | ".join(sorted(messages))[:120]
    drill = f"backend killed, {timing.outage:g} s down"
    return build_row(stack, drill, traffic, frontend, restored, {502, 504}, notes)


# How long the finished requests' traces may take to reach X-Ray (moto) after the restart.
FLUSH_WAIT_S = 30.0


def rolling_drill(stack: Stack, timing: Timing) -> Row:
    """SIGTERM to the backend, then to the frontend, each started again: in-flight requests
    complete; new connections are refused cleanly while the frontend is down; every request
    answered 2xx around the signals has both apps' server spans in X-Ray (the SIGTERM flush)."""
    with under_traffic(stack) as (traffic, frontend):
        time.sleep(timing.warm)
        signalled = time.monotonic()
        for name in ("backend", "frontend"):
            with stack.paused(name):
                pass
        restored = time.monotonic()
        wait_for_writes(stack)
        time.sleep(timing.settle)
    outcomes = traffic.snapshot()
    # From one batch delay (OTEL_BSP_SCHEDULE_DELAY, 0.5 s) and more before the first signal
    # to the frontend's return: the spans that only the flush on SIGTERM can deliver.
    finished = [
        o for o in outcomes if signalled - 2 <= o.started <= restored and 200 <= o.status < 300
    ]
    xray = boto3.client("xray", **stack.aws.client_settings())
    flushed = unflushed(xray, finished, timeout=FLUSH_WAIT_S)
    dropped = Counter(o.detail for o in outcomes if o.status == 0)
    notes = f"{flushed.note()}; connections dropped without an answer: {dict(dropped) or 0}"
    drill = "rolling restart (SIGTERM)"
    designed = {502, REFUSED}
    return build_row(
        stack, drill, traffic, frontend, restored, designed, notes, problems=flushed.problems()
    )
