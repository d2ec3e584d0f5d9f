"""`ecsotel slo-drill`: the alerts proven on the local stack, with every window scaled down.

A stack of its own, its apps exporting metrics every 60 s / SCALE (so one export is
one of the ALB's 1-minute datapoints), runs steady traffic with no fault, then the
existing "PostgreSQL down" and "backend killed" drills (ecsotel/exercise/drills/).
Afterwards the SLIs and alerts are evaluated from the stack's EMF documents at every
export, with every window of infra/slo.yaml divided by SCALE: an hour is 15 s here.

What must hold (verdict.py): no alert fires without a fault; each outage sets off the
fast-burn page; and a single short outage does not set off the slow burn. That last
claim needs the slow burn's long window to hold enough good traffic to dilute the
outage: the error budget's share of it (1 / (factor x budget) times the seconds of
errors, 200 times with the defaults). No scale changes that ratio, so the full drill
spends its first minutes on good traffic; the short one, in `make test`, cannot, and
only reports the slow burn.
"""

import json
import time
from dataclasses import dataclass
from typing import Any

import boto3
import httpx
from devkit.polling import poll_until

from ecsotel.exercise.drills.faults import backend_drill, postgres_drill
from ecsotel.exercise.drills.table import Row, Timing
from ecsotel.exercise.harness.traffic import Traffic
from ecsotel.exercise.slo import definitions as slo_file
from ecsotel.exercise.slo.definitions import (
    AVAILABILITY,
    LATENCY,
    SECONDS_PER_MINUTE,
    Definitions,
)
from ecsotel.exercise.slo.sli import FRONTEND, samples
from ecsotel.exercise.slo.verdict import Moment, Phase, fired_lines, problems, timeline
from ecsotel.local.ports import Ports
from ecsotel.local.process import log_file
from ecsotel.local.stack import Stack, running_stack
from ecsotel.paths import CACHE_DIR
from ecsotel.proof.checks import emf_events

# Every window divided by this: 1 h is 15 s, 5 min 1.25 s, 3 days 18 min.
SCALE = 240
# One export per scaled minute, as the ALB publishes one datapoint a minute.
EXPORT_INTERVAL_MS = SECONDS_PER_MINUTE * 1000 // SCALE
RESULTS = CACHE_DIR / "slo-drill"
# A cold start's first requests are slow (Node.js compiling, pools connecting): in a
# 15-second window they weigh as much as a whole cold hour would in production, so the
# stack serves traffic this long before the evaluated timeline begins.
WARM_UP_S = 5.0


@dataclass(frozen=True)
class Plan:
    """Each fault drill's timing, and how many seconds of errors the quiet stretch dilutes
    below the slow burn's factor (None: a short stretch that dilutes nothing, unjudged)."""

    postgres: Timing
    backend: Timing
    diluted_error_seconds: float | None


# PostgreSQL down for 2 s costs a little more than two seconds of 503s (the backend's
# pool reconnects at once): the full drill's quiet stretch dilutes 3 s of errors. Not
# 1 s: the fast burn's long window (1 h, 15 s here) must hold over 14.4 x 0.5 % = 7.2 %
# errors, and one second of errors in fifteen is 6.7 %, so whether it fired depended
# on the traffic's jitter. A killed backend costs its whole restart, several seconds,
# which is why the slow burn is judged on the first outage alone (the drill prints
# what each outage cost).
FULL = Plan(postgres=Timing(5, 2, 20), backend=Timing(5, 0, 20), diluted_error_seconds=3)
SHORT = Plan(postgres=Timing(3, 2, 10), backend=Timing(3, 0, 10), diluted_error_seconds=None)
SHORT_QUIET_S = 20.0


def quiet_seconds(plan: Plan, definitions: Definitions) -> float:
    """Good traffic enough for every ticket alert's long window to dilute the plan's errors:
    errors / (factor x error budget), and no longer than that window."""
    if plan.diluted_error_seconds is None:
        return SHORT_QUIET_S
    budget = definitions.objectives[AVAILABILITY].budget
    slow = [a for a in definitions.alerts if a.severity == "ticket"]
    needed = max(plan.diluted_error_seconds / (a.factor * budget) for a in slow)
    longest = min(a.windows(SCALE)[0] for a in slow)
    if needed > longest:
        raise ValueError(f"{needed:.0f} s of good traffic do not fit the slow burn's window")
    return needed


@dataclass(frozen=True)
class DrillResult:
    """What the drill saw: the fault drills' rows, the phases, the alerts over time."""

    rows: list[Row]
    phases: list[Phase]
    moments: list[Moment]
    problems: list[str]

    def lines(self) -> list[str]:
        """The drill's report."""
        lines = [f"every window divided by {SCALE}; metrics every {EXPORT_INTERVAL_MS} ms"]
        lines += [f"{row.drill}: {' | '.join(row.cells()[1:])}" for row in self.rows]
        lines += fired_lines(self.moments, self.phases)
        return lines + [f"FAILED: {problem}" for problem in self.problems]


def frontend_documents(stack: Stack, since: float) -> list[dict[str, Any]]:
    """The stack's EMF documents from `since` on, once a request made now is among them.

    The apps export only what was recorded (delta temporality), so the last document is
    the last request's: one more request marks the end.
    """
    logs = boto3.client("logs", **stack.aws.client_settings())
    marker = time.time()
    httpx.get(f"{stack.frontend_url}/api/todos", timeout=10)
    documents: list[dict[str, Any]] = []

    def arrived() -> bool:
        nonlocal documents
        documents = emf_events(logs, int(since * 1000))
        stamps = [d["_aws"]["Timestamp"] for d in documents if d.get("service.name") == FRONTEND]
        return bool(stamps) and max(stamps) >= marker * 1000

    poll_until(arrived, "nextjs-app's EMF document of a last request", timeout=60, interval=1)
    return documents


def run(plan: Plan) -> DrillResult:
    """Start a stack, run the quiet stretch and both outages, evaluate, judge."""
    definitions = slo_file.load()
    scaled = {"OTEL_METRIC_EXPORT_INTERVAL": str(EXPORT_INTERVAL_MS)}
    with (
        log_file(RESULTS / "stack.log") as log,
        running_stack(log, Ports.free(), app_env=scaled) as stack,
    ):
        # Phases of the drill, not waits for a condition: the warm-up, then no fault.
        with Traffic(stack.frontend_url):
            time.sleep(WARM_UP_S)
            began = time.time()
            time.sleep(quiet_seconds(plan, definitions))
        phases = [Phase("no fault", began, time.time(), fault=False)]
        rows = []
        for drill, timing in ((postgres_drill, plan.postgres), (backend_drill, plan.backend)):
            started = time.time()
            rows.append(drill(stack, timing))
            phases.append(Phase(rows[-1].drill, started, time.time()))
        documents = frontend_documents(stack, began)
    (RESULTS / "emf-documents.json").write_text(json.dumps(documents))
    threshold = definitions.objectives[LATENCY].threshold_seconds or 0.0
    moments = timeline(samples(documents, threshold), definitions, SCALE)
    judge = plan.diluted_error_seconds is not None
    found = problems(moments, phases, definitions, judge_slow_burn=judge)
    found += [
        f"{row.drill}: {problem}"
        for row in rows
        if not row.passed
        for problem in (row.problems or ("its own checks failed: " + " | ".join(row.cells()),))
    ]
    return DrillResult(rows, phases, moments, found)
