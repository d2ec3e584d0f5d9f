"""One rule's decisions: its reservoir, then its fixed rate, and the counts X-Ray asks for.

The reservoir is a number of requests per second taken before the fixed rate: the
quota X-Ray assigned this client (SamplingTargets) while it has not expired, else 1
request per second "borrowed" from a rule whose ReservoirSize is above 0. The fixed
rate is decided on the trace id, as the SDK's TraceIdRatioBased does (the low 64
bits), so every service of a trace that applies the same rate agrees.
"""

import threading
from collections.abc import Mapping
from typing import Any

from opentelemetry.sdk.trace.sampling import TraceIdRatioBased

from app.telemetry.sampling.rules import SamplingRule


class PerSecond:
    """Up to ``quota`` takes per second of the clock (not thread-safe on its own)."""

    def __init__(self, quota: int) -> None:
        self.quota = quota
        self._second = -1
        self._taken = 0

    def take(self, now: float) -> bool:
        """Take one from this second's quota; False when it is used up."""
        second = int(now)
        if second != self._second:
            self._second, self._taken = second, 0
        if self._taken >= self.quota:
            return False
        self._taken += 1
        return True


class RuleSampler:
    """Decides for the requests one rule matched; safe to call from any thread."""

    def __init__(self, rule: SamplingRule) -> None:
        self.rule = rule
        self._lock = threading.Lock()
        self._bound = TraceIdRatioBased.get_bound_for_rate(rule.fixed_rate)
        # Borrowing: 1 a second, only from a rule that has a reservoir at all.
        self._borrow = PerSecond(1 if rule.reservoir_size > 0 else 0)
        self._quota: PerSecond | None = None
        self._quota_expires = 0.0
        self._requests = self._sampled = self._borrowed = 0

    def decide(self, trace_id: int, now: float) -> bool:
        """Sample or not; ``now`` is the wall clock in epoch seconds."""
        with self._lock:
            self._requests += 1
            if self._quota is not None and now < self._quota_expires:
                taken = self._quota.take(now)
            else:
                taken = self._borrow.take(now)
                self._borrowed += taken
            if taken or trace_id & TraceIdRatioBased.TRACE_ID_LIMIT < self._bound:
                self._sampled += 1
                return True
            return False

    def apply_target(self, target: Mapping[str, Any]) -> None:
        """Take a SamplingTargetDocument: its FixedRate, and its quota until its TTL."""
        rate = target.get("FixedRate")
        quota = target.get("ReservoirQuota")
        expires = target.get("ReservoirQuotaTTL")
        with self._lock:
            if isinstance(rate, int | float) and 0 <= rate <= 1:
                self._bound = TraceIdRatioBased.get_bound_for_rate(rate)
            if isinstance(quota, int) and isinstance(expires, int | float):
                # A new limiter only for a new quota: this second's takes still count.
                if self._quota is None or self._quota.quota != quota:
                    self._quota = PerSecond(quota)
                self._quota_expires = float(expires)

    def take_statistics(self) -> dict[str, int]:
        """The counts since the last call, as a SamplingStatisticsDocument names them.

        The next period starts at zero.
        """
        with self._lock:
            taken = {
                "RequestCount": self._requests,
                "SampledCount": self._sampled,
                "BorrowCount": self._borrowed,
            }
            self._requests = self._sampled = self._borrowed = 0
            return taken
