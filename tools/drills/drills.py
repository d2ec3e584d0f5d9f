"""The drills: each breaks one part of a running stack under load, restores it and reports.

A drill never leaves the stack broken: the part is started again by the stack's own
supervisor (ecsotel.local), and the drill waits until writes succeed once more.
"""

import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import boto3
import httpx
from devkit.polling import poll_until

from ecsotel.local.process import start
from ecsotel.local.stack import Stack
from ecsotel.xray import trace_documents
from tools.drills.load import REFUSED, Load, Outcome


@dataclass(frozen=True)
class Timing:
    """How long each stage of a drill lasts, in seconds."""

    warm: float
    outage: float
    settle: float


FULL = {
    "collector": Timing(5, 30, 10),
    "postgres": Timing(5, 15, 10),
    "backend": Timing(5, 10, 10),
    "rolling": Timing(5, 0, 10),
}
SHORT = {name: Timing(2, min(timing.outage, 3), 3) for name, timing in FULL.items()}


@dataclass(frozen=True)
class Row:
    """One drill's line of the table."""

    drill: str
    sent: int
    failed: Counter[int]
    designed: Counter[int]
    lost_todos: int
    recovery_s: float | None
    notes: str

    def cells(self) -> list[str]:
        """The row as table cells."""
        failed = ", ".join(f"{n} x {_status(s)}" for s, n in sorted(self.failed.items()))
        designed = ", ".join(f"{n} x {_status(s)}" for s, n in sorted(self.designed.items()))
        recovery = "never" if self.recovery_s is None else f"{self.recovery_s:.1f} s"
        return [
            self.drill,
            str(self.sent),
            failed or "0",
            designed or "-",
            str(self.lost_todos),
            recovery,
            self.notes,
        ]


def _status(status: int) -> str:
    return {REFUSED: "refused", 0: "no answer"}.get(status, str(status))


HEADER = ["drill", "sent", "failed", "designed errors", "acked todos lost", "recovery", "notes"]


def recovery_seconds(outcomes: list[Outcome], since: float) -> float | None:
    """From `since` to the first request after which every request succeeded (None: never)."""
    after = [o for o in outcomes if o.started >= since]
    bad = [o.started for o in after if o.failed]
    if not bad:
        return 0.0
    good = [o for o in after if o.started > max(bad)]
    return good[0].started - since if good else None


def lost_todos(stack: Stack, acknowledged: list[int]) -> int:
    """Todos answered 201 that the backend no longer has (every page of the list)."""
    listed: set[int] = set()
    url: str | None = f"{stack.backend_url}/api/todos/?limit=500"
    while url:
        page = httpx.get(url, timeout=30)
        listed |= {todo["id"] for todo in page.json()}
        following = page.links.get("next", {}).get("url")
        url = str(page.url.join(following)) if following else None
    return len(set(acknowledged) - listed)


def rss_mib(stack: Stack, name: str) -> float:
    """Resident memory of one component's main process."""
    status = open(f"/proc/{stack.service(name).pid}/status").read()  # noqa: SIM115
    kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
    return kib / 1024


@contextmanager
def down(stack: Stack, name: str, *, kill: bool = False) -> Iterator[None]:
    """One component stopped (SIGTERM, or SIGKILL) for the block, then started again."""
    index = stack.services.index(stack.service(name))
    service = stack.services[index]
    if kill:
        os.killpg(service.pid, signal.SIGKILL)
    service.stop()
    try:
        yield
    finally:
        stack.services[index] = start(service.spec, stack.sink)


def wait_for_writes(stack: Stack) -> None:
    """Until a create through the frontend succeeds again."""

    def created() -> bool:
        response = httpx.post(
            f"{stack.frontend_url}/api/todos", json={"title": "probe"}, timeout=10
        )
        return response.status_code == 201

    poll_until(created, "a create through the frontend to succeed again", timeout=60)


def _run(stack: Stack, name: str, timing: Timing, *, kill: bool = False) -> tuple[Load, float]:
    """Load, fault, restore, settle; the load and the moment the part came back."""
    with Load(stack.frontend_url) as load:
        # Fixed durations: these are the drill's phases, not waits for a condition.
        time.sleep(timing.warm)
        with down(stack, name, kill=kill):
            time.sleep(timing.outage)
        restored = time.monotonic()
        wait_for_writes(stack)
        time.sleep(timing.settle)
    return load, restored


def _row(
    stack: Stack, drill: str, load: Load, restored: float, designed: set[int], notes: str
) -> Row:
    outcomes = load.snapshot()
    statuses = Counter(o.status for o in outcomes)
    return Row(
        drill=drill,
        sent=len(outcomes),
        failed=Counter(
            {s: n for s, n in statuses.items() if (s == 0 or s >= 500) and s not in designed}
        ),
        designed=Counter({s: n for s, n in statuses.items() if s in designed}),
        lost_todos=lost_todos(stack, load.acknowledged),
        recovery_s=recovery_seconds(outcomes, restored),
        notes=notes,
    )


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
    before = {name: rss_mib(stack, name) for name in ("backend", "frontend")}
    with Load(stack.frontend_url) as load:
        time.sleep(timing.warm)
        since = time.monotonic()
        with down(stack, "collector"):
            time.sleep(timing.outage)
            during = {name: rss_mib(stack, name) for name in ("backend", "frontend")}
        restored = time.monotonic()
        time.sleep(timing.settle)
    missing, checked = spans_lost(stack, load.snapshot(), since, restored)
    memory = ", ".join(f"{n} {before[n]:.0f}→{during[n]:.0f} MiB" for n in before)
    notes = f"RSS {memory}; traces lost {missing}/{checked} sampled from the outage"
    return _row(stack, f"collector down {timing.outage:g} s", load, restored, set(), notes)


def postgres_drill(stack: Stack, timing: Timing) -> Row:
    """PostgreSQL stopped: 503 + Retry-After, never 500; no acknowledged todo lost."""
    load, restored = _run(stack, "postgres", timing)
    outcomes = load.snapshot()
    unavailable = [o for o in outcomes if o.status == 503]
    with_retry = sum(1 for o in unavailable if o.retry_after)
    said = " | ".join(sorted({o.detail for o in unavailable}))[:120]
    notes = f"503 with Retry-After: {with_retry}/{len(unavailable)}; frontend said: {said}"
    return _row(stack, f"PostgreSQL down {timing.outage:g} s", load, restored, {503}, notes)


def backend_drill(stack: Stack, timing: Timing) -> Row:
    """Backend SIGKILLed, then started: 502/504 with the designed message, then recovery."""
    load, restored = _run(stack, "backend", timing, kill=True)
    messages = {o.detail for o in load.snapshot() if o.status in {502, 504}}
    notes = "frontend said: " + " | ".join(sorted(messages))[:120]
    return _row(
        stack, f"backend killed, {timing.outage:g} s down", load, restored, {502, 504}, notes
    )


def rolling_drill(stack: Stack, timing: Timing) -> Row:
    """SIGTERM to the backend, then to the frontend, each started again: in-flight requests
    complete; new connections are refused cleanly while the frontend is down."""
    with Load(stack.frontend_url) as load:
        time.sleep(timing.warm)
        for name in ("backend", "frontend"):
            with down(stack, name):
                pass
        restored = time.monotonic()
        wait_for_writes(stack)
        time.sleep(timing.settle)
    dropped = Counter(o.detail for o in load.snapshot() if o.status == 0)
    notes = f"connections dropped without an answer: {dict(dropped) or 0}"
    return _row(stack, "rolling restart (SIGTERM)", load, restored, {502, REFUSED}, notes)
