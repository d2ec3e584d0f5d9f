"""The X-Ray remote sampler: rules fetched at run time, applied without a restart.

One daemon thread polls: GetSamplingRules every ``polling_interval`` seconds, and
SamplingTargets (reporting each rule's counts, receiving its quota and rate) at the
interval X-Ray returns, 10 s until it says otherwise. When SamplingTargets reports
a rule modification newer than the rules held, the rules are fetched at once.
Decisions never wait for the network: they read the rules the thread last stored.

Without usable rules (none fetched yet, or the last fetch more than an hour ago)
it samples as X-Ray's default rule does: 1 request a second, then 5 %. A failing
fetch keeps the rules held until then; it is logged once per outage.
"""

import logging
import random
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace.sampling import (
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
    _get_parent_trace_state,
)
from opentelemetry.trace import Link, SpanKind, TraceState
from opentelemetry.util.types import Attributes

from app.core.config import SamplerArg
from app.telemetry.sampling.client import SamplingApiError, SamplingClient
from app.telemetry.sampling.reservoir import RuleSampler
from app.telemetry.sampling.rules import SamplingRule, Service, parse_rules

logger = logging.getLogger(__name__)

# Rules older than this are not trusted (X-Ray's SDKs use the same hour).
RULES_TTL = 3600.0
# Seconds between SamplingTargets calls until X-Ray returns an Interval.
TARGETS_INTERVAL = 10.0
# Seconds any one call to the sidecar may take.
HTTP_TIMEOUT = 2.0
# X-Ray's documented default: a reservoir of 1 request a second, then 5 %.
FALLBACK_RULE = SamplingRule(name="fallback", priority=10000, fixed_rate=0.05, reservoir_size=1)


class XRayRemoteSampler(Sampler):
    """Samples root spans by the X-Ray sampling rules; wrap it in ParentBased."""

    def __init__(
        self,
        arg: SamplerArg,
        resource: Resource,
        *,
        clock: Callable[[], float] = time.time,
        targets_interval: float = TARGETS_INTERVAL,
    ) -> None:
        self._client = SamplingClient(arg.endpoint, HTTP_TIMEOUT)
        self._polling_interval = arg.polling_interval
        self._targets_interval = targets_interval
        self._service = Service.from_resource(resource)
        self._clock = clock
        # A random 24-hex-digit id: X-Ray shares quotas out by client.
        self._client_id = secrets.token_hex(12)
        self._fallback = RuleSampler(FALLBACK_RULE)
        # (fetched at, the states of the rules that apply to this service, by priority):
        # replaced as one tuple, so a decision never sees half an update.
        self._rules: tuple[float, tuple[RuleSampler, ...]] | None = None
        self._outage = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="xray-sampling", daemon=True)

    def start(self) -> None:
        """Start the polling thread (the first rules fetch happens at once)."""
        self._thread.start()

    def shutdown(self, timeout: float) -> None:
        """Stop the polling thread, waiting for it at most ``timeout`` seconds."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def rule_names(self) -> tuple[str, ...]:
        """The rules held that apply to this service, by priority (empty before any)."""
        held = self._rules
        return () if held is None else tuple(state.rule.name for state in held[1])

    @property
    def running(self) -> bool:
        """Whether the polling thread is alive."""
        return self._thread.is_alive()

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        """Decide by the first rule (by priority) that matches the start attributes."""
        now = self._clock()
        if self._rule_for(attributes, now).decide(trace_id, now):
            # The SDK builds the span's attributes from the result: pass them on.
            return SamplingResult(
                Decision.RECORD_AND_SAMPLE, attributes, _get_parent_trace_state(parent_context)
            )
        return SamplingResult(Decision.DROP)

    def get_description(self) -> str:
        """Name the sampler and where it reads its rules."""
        return f"XRayRemoteSampler{{endpoint={self._client.endpoint}}}"

    def _rule_for(self, attributes: Attributes, now: float) -> RuleSampler:
        held = self._rules
        if held is None or now - held[0] > RULES_TTL:
            return self._fallback
        for state in held[1]:
            if state.rule.matches(attributes):
                return state
        # X-Ray's Default rule matches everything, so this is a rule set without it.
        return self._fallback

    def _poll(self) -> None:
        next_rules = time.monotonic()
        next_targets = next_rules + self._targets_interval
        while not self._stop.is_set():
            if time.monotonic() >= next_rules:
                self._fetch_rules()
                # Jitter, so that the tasks of a service do not call X-Ray in step.
                jitter = random.uniform(0, min(5.0, self._polling_interval / 10))  # noqa: S311
                next_rules = time.monotonic() + self._polling_interval + jitter
            if time.monotonic() >= next_targets:
                interval, modified = self._report()
                next_targets = time.monotonic() + interval + random.uniform(0, 0.1)  # noqa: S311
                if modified and not self._stop.is_set():
                    self._fetch_rules()
                    next_rules = time.monotonic() + self._polling_interval
            self._stop.wait(max(0.0, min(next_rules, next_targets) - time.monotonic()))

    def _fetch_rules(self) -> None:
        try:
            rules = parse_rules(self._client.sampling_rules())
        except (SamplingApiError, KeyError, TypeError, ValueError) as error:
            self._failed(error)
            return
        self._reached()
        # An unchanged rule keeps its state: its counts and the quota X-Ray gave it.
        held = {state.rule: state for state in (self._rules or (0.0, ()))[1]}
        states = tuple(
            held.get(rule) or RuleSampler(rule) for rule in rules if rule.applies_to(self._service)
        )
        self._rules = (self._clock(), states)
        # Said at the first fetch and after each change, not at every poll.
        if tuple(held) != tuple(state.rule for state in states):
            logger.info(
                "X-Ray sampling rules in force: %s",
                ", ".join(f"{s.rule.name} ({s.rule.fixed_rate:g})" for s in states),
            )

    def _report(self) -> tuple[float, bool]:
        """Send the counts; return the next interval and whether rules changed since."""
        held = self._rules
        if held is None:
            return self._targets_interval, False
        fetched_at, states = held
        now = self._clock()
        documents = [
            {
                "RuleName": state.rule.name,
                "ClientID": self._client_id,
                "Timestamp": now,
                **state.take_statistics(),
            }
            for state in states
        ]
        try:
            answer = self._client.sampling_targets(documents)
            by_name = {state.rule.name: state for state in states}
            intervals = [
                self._apply_target(target, by_name) for target in answer["SamplingTargetDocuments"]
            ]
        except (SamplingApiError, KeyError, TypeError, ValueError) as error:
            self._failed(error)
            return self._targets_interval, False
        self._reached()
        if answer.get("UnprocessedStatistics"):
            logger.debug("X-Ray left statistics unprocessed: %s", answer["UnprocessedStatistics"])
        given = [interval for interval in intervals if interval is not None]
        modified = answer.get("LastRuleModification")
        changed = isinstance(modified, int | float) and modified > fetched_at
        return (min(given) if given else self._targets_interval), changed

    @staticmethod
    def _apply_target(target: dict[str, Any], by_name: dict[str, RuleSampler]) -> float | None:
        state = by_name.get(target["RuleName"])
        if state is not None:
            state.apply_target(target)
        interval = target.get("Interval")
        return float(interval) if isinstance(interval, int | float) and interval > 0 else None

    def _failed(self, error: Exception) -> None:
        # Only this thread reads and writes _outage.
        if not self._outage:
            self._outage = True
            logger.warning(
                "X-Ray sampling API at %s failed (%s): keeping the rules held for up to an "
                "hour, else 1 request/s then 5 %%; no further warning until it answers",
                self._client.endpoint,
                error,
            )

    def _reached(self) -> None:
        if self._outage:
            self._outage = False
            logger.info("X-Ray sampling API at %s answers again", self._client.endpoint)


def xray_sampler(arg: SamplerArg, resource: Resource) -> tuple[Sampler, XRayRemoteSampler]:
    """ParentBased(root = a started X-Ray sampler), and that root (to shut it down)."""
    root = XRayRemoteSampler(arg, resource)
    root.start()
    return ParentBased(root=root), root
