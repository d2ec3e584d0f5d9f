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
from tools.drills.checks import LogErrors, frontend_log_errors, unflushed
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
    "rotation": Timing(5, 0, 10),
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
    frontend: LogErrors
    notes: str
    # Required outcomes of this drill alone that did not hold, each in a sentence.
    problems: tuple[str, ...] = ()

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
            f"{len(self.frontend.unexpected)} (designed: {self.frontend.designed})",
            self.notes,
        ]

    @property
    def passed(self) -> bool:
        """The outcomes every drill requires: no failure, no loss, recovery, a clean log."""
        return (
            not self.failed
            and self.lost_todos == 0
            and self.recovery_s is not None
            and not self.frontend.unexpected
            and not self.problems
        )


def _status(status: int) -> str:
    return {REFUSED: "refused", 0: "no answer"}.get(status, str(status))


HEADER = [
    "drill",
    "sent",
    "failed",
    "designed errors",
    "acked todos lost",
    "recovery",
    "frontend log errors",
    "notes",
]


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


@contextmanager
def loaded(stack: Stack) -> Iterator[tuple[Load, list[str]]]:
    """Steady load for the block, and the lines the frontend prints meanwhile."""
    with stack.output("frontend") as frontend, Load(stack.frontend_url) as load:
        yield load, frontend


def _run(
    stack: Stack, name: str, timing: Timing, *, kill: bool = False
) -> tuple[Load, list[str], float]:
    """Load, fault, restore, settle; the load, the frontend's lines, when the part came back."""
    with loaded(stack) as (load, frontend):
        # Fixed durations: these are the drill's phases, not waits for a condition.
        time.sleep(timing.warm)
        with down(stack, name, kill=kill):
            time.sleep(timing.outage)
        restored = time.monotonic()
        wait_for_writes(stack)
        time.sleep(timing.settle)
    return load, frontend, restored


def build_row(
    stack: Stack,
    drill: str,
    load: Load,
    frontend: list[str],
    restored: float,
    designed: set[int],
    notes: str,
    excused: frozenset[Outcome] = frozenset(),
    problems: tuple[str, ...] = (),
) -> Row:
    """The row; `excused`: requests whose failure the drill accounts for in its notes."""
    sent = load.snapshot()
    outcomes = [o for o in sent if o not in excused]
    statuses = Counter(o.status for o in outcomes)
    return Row(
        drill=drill,
        sent=len(sent),
        failed=Counter(
            {s: n for s, n in statuses.items() if (s == 0 or s >= 500) and s not in designed}
        ),
        designed=Counter({s: n for s, n in statuses.items() if s in designed}),
        lost_todos=lost_todos(stack, load.acknowledged),
        recovery_s=recovery_seconds(outcomes, restored),
        frontend=frontend_log_errors(frontend),
        notes=notes,
        problems=problems,
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
    with loaded(stack) as (load, frontend):
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
    drill = f"collector down {timing.outage:g} s"
    return build_row(stack, drill, load, frontend, restored, set(), notes)


def postgres_drill(stack: Stack, timing: Timing) -> Row:
    """PostgreSQL stopped: 503 + Retry-After, never 500; no acknowledged todo lost."""
    load, frontend, restored = _run(stack, "postgres", timing)
    outcomes = load.snapshot()
    unavailable = [o for o in outcomes if o.status == 503]
    with_retry = sum(1 for o in unavailable if o.retry_after)
    said = " | ".join(sorted({o.detail for o in unavailable}))[:120]
    notes = f"503 with Retry-After: {with_retry}/{len(unavailable)}; frontend said: {said}"
    drill = f"PostgreSQL down {timing.outage:g} s"
    return build_row(stack, drill, load, frontend, restored, {503}, notes)


def backend_drill(stack: Stack, timing: Timing) -> Row:
    """Backend SIGKILLed, then started: 502/504 with the designed message, then recovery."""
    load, frontend, restored = _run(stack, "backend", timing, kill=True)
    messages = {o.detail for o in load.snapshot() if o.status in {502, 504}}
    notes = "frontend said: " + " | ".join(sorted(messages))[:120]
    drill = f"backend killed, {timing.outage:g} s down"
    return build_row(stack, drill, load, frontend, restored, {502, 504}, notes)


# How long the finished requests' traces may take to reach X-Ray (moto) after the restart.
FLUSH_WAIT_S = 30.0


def rolling_drill(stack: Stack, timing: Timing) -> Row:
    """SIGTERM to the backend, then to the frontend, each started again: in-flight requests
    complete; new connections are refused cleanly while the frontend is down; every request
    answered 2xx around the signals has both apps' server spans in X-Ray (the SIGTERM flush)."""
    with loaded(stack) as (load, frontend):
        time.sleep(timing.warm)
        signalled = time.monotonic()
        for name in ("backend", "frontend"):
            with down(stack, name):
                pass
        restored = time.monotonic()
        wait_for_writes(stack)
        time.sleep(timing.settle)
    outcomes = load.snapshot()
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
        stack, drill, load, frontend, restored, designed, notes, problems=flushed.problems()
    )
