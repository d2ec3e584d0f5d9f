"""The sampling drill: does tail sampling keep every error trace whole, and what does head keep?

The same steady traffic (harness/traffic.py) goes through the frontend twice, each
time on a stack of its own with FAULT_RATE (5 %) of fastapi-app's API requests
failing. Every request carries the header an ALB adds to a new request (a Root, no
parent), so the trace starts in the apps as it does behind the load balancer.

- tail: the gateway tier (ecsotel.local.sampling). Halfway through, one gateway
  instance is restarted (SIGTERM, then started again), as ECS replaces a task.
- head: no gateway; the apps keep the gateway's share of new traces themselves
  (parentbased_traceidratio), as a head sampler must decide before the request ends.

Afterwards each trace id the client saw is looked up in X-Ray (moto). An error
trace (the client got a 5xx) is complete when it holds both services, fastapi-app's
segment under nextjs-app's, and fastapi-app's fault. Ordinary OK traces (answered
within the fastapi-app slowness threshold, so no slowness policy can have kept them)
give the kept share. In tail mode every error trace outside the restart's window
must be complete and the share within 5 points of the policy; the window's loss and
head mode's figures are recorded.

`make test-e2e` runs the short drill (tests/e2e/test_sampling_drill.py);
`ecsotel sampling-drill` (`make sampling-drill`) the full one, which writes its
table into docs/performance.md.
"""

import json
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
from devkit.polling import WaitTimeout, poll_until

from ecsotel import xray
from ecsotel.exercise.harness.traffic import Outcome, Traffic
from ecsotel.local.ports import Ports
from ecsotel.local.process import log_file
from ecsotel.local.sampling import (
    Sampling,
    decision_wait_seconds,
    gateway_default,
    share_percent,
)
from ecsotel.local.stack import Stack, running_stack
from ecsotel.paths import CACHE_DIR
from ecsotel.proof.checks import TraceFindings

if TYPE_CHECKING:  # the stubs are a development dependency
    from mypy_boto3_xray import XRayClient

RESULTS = CACHE_DIR / "sampling-drill"
FAULT_RATE = 0.05
RESTARTED = "gateway-1"
# The ±5 points the kept share of ordinary traces may stray from the policy.
SHARE_TOLERANCE = 5.0
Figures = dict[str, float]


@dataclass(frozen=True)
class Timeline:
    """Seconds of traffic at `rate` requests/s; the restart at `restart`; `settle` at most
    for the last decisions to reach X-Ray."""

    traffic: float
    rate: float
    restart: float
    settle: float


SHORT = Timeline(traffic=40, rate=12, restart=20, settle=60)
FULL = Timeline(traffic=180, rate=15, restart=90, settle=90)


def complete(roots: list[xray.Span], *, fault: bool) -> bool:
    """Both services, fastapi-app under nextjs-app, and (`fault`) fastapi-app's fault marked."""
    findings = TraceFindings(roots)
    whole = {"nextjs-app", "fastapi-app"} <= findings.services() and findings.linked()
    marked = any(s.service == "fastapi-app" and s.status == "fault" for s in findings.spans())
    return whole and (marked or not fault)


@dataclass(frozen=True)
class Seen:
    """One request as the client saw it, and its trace in X-Ray."""

    outcome: Outcome
    roots: list[xray.Span]

    @property
    def error(self) -> bool:
        """The client got a server error (an answer: unanswered requests are left out)."""
        return self.outcome.status >= 500

    @property
    def kept(self) -> bool:
        """X-Ray holds some of it."""
        return bool(self.roots)

    @property
    def whole(self) -> bool:
        """X-Ray holds all of it (see `complete`)."""
        return complete(self.roots, fault=self.error)


def look_up(client: "XRayClient", outcomes: list[Outcome]) -> list[Seen]:
    """Each answered request with what X-Ray holds of its trace."""
    answered = [outcome for outcome in outcomes if outcome.status > 0]
    documents = xray.documents_by_trace(client, (o.trace.xray for o in answered))
    return [Seen(o, xray.build_tree(documents[o.trace.xray])) for o in answered]


def settled(
    client: "XRayClient",
    outcomes: list[Outcome],
    wanted: Callable[[list[Seen]], bool],
    timeout: float,
) -> list[Seen]:
    """Look the traces up until `wanted` holds and nothing more arrives, or `timeout` passes."""
    # The gateway decides a trace decision_wait after its first span at the latest.
    quiet_after = max(o.ended for o in outcomes) + decision_wait_seconds() + 5
    last: list[Seen] = []

    def done() -> bool:
        nonlocal last
        kept_before = sum(seen.kept for seen in last)
        last = look_up(client, outcomes)
        quiet = time.monotonic() > quiet_after and sum(s.kept for s in last) == kept_before
        return quiet and wanted(last)

    # On a timeout the figures show what never arrived.
    with suppress(WaitTimeout):
        poll_until(done, "every error trace complete in X-Ray", timeout=timeout, interval=3)
    return last


def ordinary_share(seen: list[Seen]) -> tuple[int, float]:
    """How many OK requests no slowness policy can have kept, and the percentage kept."""
    fastest_threshold_s = float(gateway_default("OTELCOL_TAIL_SLOW_FASTAPI_APP_MS")) / 1000
    ordinary = [
        s for s in seen if not s.error and s.outcome.ended - s.outcome.started < fastest_threshold_s
    ]
    kept = sum(s.kept for s in ordinary)
    return len(ordinary), 100 * kept / len(ordinary) if ordinary else 0.0


def figures(seen: list[Seen], window: tuple[float, float] | None = None) -> Figures:
    """Error traces kept whole, the ordinary share; inside `window` (the restart), its loss."""
    inside = [s for s in seen if window and window[0] <= s.outcome.started <= window[1]]
    outside = [s for s in seen if s not in inside]
    errors = [s for s in outside if s.error]
    ordinary, share = ordinary_share(outside)
    found: Figures = {
        "requests": len(seen),
        "error_traces": len(errors),
        "error_traces_complete": sum(s.whole for s in errors),
        "error_traces_incomplete": sum(s.kept and not s.whole for s in errors),
        "ordinary_ok_traces": ordinary,
        "ordinary_ok_kept_percent": share,
    }
    if window is not None:
        window_errors = [s for s in inside if s.error]
        found |= {
            "restart_window_seconds": window[1] - window[0],
            "restart_window_requests": len(inside),
            "restart_window_error_traces": len(window_errors),
            "restart_window_error_traces_lost": sum(not s.whole for s in window_errors),
            "restart_window_kept_but_split": sum(s.kept and not s.whole for s in inside),
        }
    return found


def run(sampling: Sampling, timeline: Timeline, log_path: Path) -> Figures:
    """One run of the traffic on a stack of its own; tail mode restarts a gateway halfway."""
    share = share_percent()
    head_share = share / 100 if sampling == "head" else None
    with (
        log_file(log_path) as log,
        running_stack(
            log, Ports.free(), sampling=sampling, fault_rate=FAULT_RATE, head_share=head_share
        ) as stack,
    ):
        client = boto3.client("xray", **stack.aws.client_settings())
        traffic = Traffic(stack.frontend_url, rate=timeline.rate, trace_headers=_alb_form)
        window = None
        with traffic:
            began = time.monotonic()
            if sampling == "tail":
                window = _restart_at(stack, began + timeline.restart)
            # Pacing: the traffic runs for its length while this thread waits.
            time.sleep(max(0.0, began + timeline.traffic - time.monotonic()))
        outcomes = traffic.snapshot()

        def all_errors_whole(seen: list[Seen]) -> bool:
            errors = [s for s in seen if s.error and not (window and _inside(s, window))]
            return all(s.whole for s in errors)

        seen = settled(client, outcomes, all_errors_whole, timeline.settle)
    return figures(seen, window) | {"kept_share_policy_percent": share}


def _alb_form(trace: xray.TraceId) -> dict[str, str]:
    return trace.alb_headers()


def _inside(seen: Seen, window: tuple[float, float]) -> bool:
    return window[0] <= seen.outcome.started <= window[1]


def _restart_at(stack: Stack, moment: float) -> tuple[float, float]:
    """Restart RESTARTED at `moment`; the window of requests whose traces it may split."""
    time.sleep(max(0.0, moment - time.monotonic()))
    stopped = time.monotonic()
    with stack.paused(RESTARTED):
        pass
    # Traces it held were decided on shutdown with what it had (up to decision_wait
    # of them); those whose spans came in while it was away were queued by the sidecars.
    return stopped - decision_wait_seconds(), time.monotonic() + 5


def problems(tail: Figures, head: Figures) -> list[str]:
    """What the drill fails for: too few faults to tell, an error trace not kept whole
    outside the restart, or an ordinary share off the policy."""
    found = []
    for name, measured in (("tail", tail), ("head", head)):
        if measured["error_traces"] < 5:
            found.append(f"{name}: only {measured['error_traces']:.0f} error traces")
    missing = tail["error_traces"] - tail["error_traces_complete"]
    if missing:
        found.append(f"tail: {missing:.0f} of {tail['error_traces']:.0f} error traces not whole")
    off = tail["ordinary_ok_kept_percent"] - tail["kept_share_policy_percent"]
    if abs(off) > SHARE_TOLERANCE:
        found.append(f"tail: ordinary share {tail['ordinary_ok_kept_percent']:.1f} % is off")
    return found


def sampling_drill(timeline: Timeline) -> dict[Sampling, Figures]:
    """Both runs, each one's figures recorded in RESULTS."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    measured: dict[Sampling, Figures] = {}
    suffix = "-full" if timeline is FULL else ""
    for sampling in ("tail", "head"):
        measured[sampling] = run(sampling, timeline, RESULTS / f"{sampling}{suffix}.log")
        path = RESULTS / f"{sampling}{suffix}.json"
        path.write_text(json.dumps(measured[sampling], indent=2) + "\n", encoding="utf-8")
    return measured
