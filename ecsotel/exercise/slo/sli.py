"""The SLIs of the local stack, from the EMF documents the collector writes, with the
arithmetic of the CloudWatch alarms in infra/slo.tf.

On AWS the SLIs come from the load balancer; locally there is none, and the nearest
thing to the edge is nextjs-app's own `http.server.request.duration` histogram, one
EMF document per route, method and status class every export interval:

- availability: bad = the 5xx count plus the Server Actions that ended in the "error"
  outcome (answered 200 with an error message, as on AWS); all = every request;
- latency: good = the histogram's counts at or below the threshold; all = every
  request. The awsemf exporter writes an exponential histogram as its buckets'
  midpoints (Values) and counts (Counts), so a bucket is counted whole on the side of
  the threshold its midpoint falls: `boundary_bucket` says which requests that can
  misplace. CloudWatch's PR(:threshold) would read the same documents the same way.

How the local SLI differs from the ALB's: it cannot see a request the frontend never
answered (the frontend down, a refused connection), which the ALB counts as an ELB
5xx; it leaves out the health checks (as the ALB's metrics do) and static assets
(which the ALB's TargetResponseTime includes); and its latency is measured inside
nextjs-app, without the network between the ALB and the task.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ecsotel.exercise.slo.definitions import AVAILABILITY, Objective

DURATION = "http.server.request.duration"
ACTIONS = "app.server_action.invocations"
FRONTEND = "nextjs-app"
# The load balancer's health checks: not in the ALB's metrics, so not in the SLIs.
HEALTH_ROUTE = "/api/health"


@dataclass(frozen=True)
class Sample:
    """One EMF document's contribution, at its timestamp (seconds since the epoch)."""

    at: float
    requests: float = 0
    errors: float = 0
    within: float = 0


@dataclass
class Totals:
    """The events of a stretch of time: the inputs of every SLI and burn rate."""

    requests: float = 0
    errors: float = 0
    within: float = 0
    samples: list[Sample] = field(default_factory=list)

    def add(self, sample: Sample) -> None:
        """Count one sample in."""
        self.requests += sample.requests
        self.errors += sample.errors
        self.within += sample.within
        self.samples.append(sample)

    def bad(self, slo: str) -> float:
        """The bad events of the SLO called `slo`."""
        return self.errors if slo == AVAILABILITY else self.requests - self.within


def burn_rate(bad: float, total: float, objective: Objective) -> float | None:
    """bad / all / (1 - objective), as infra/slo.tf's expressions; None without events."""
    if total <= 0:
        return None
    return bad / total / objective.budget


def sli(bad: float, total: float) -> float | None:
    """The share of good events; None without events."""
    return None if total <= 0 else 1 - bad / total


def sample(document: dict[str, Any], threshold_seconds: float) -> Sample | None:
    """What one EMF document adds to the SLIs, or None if it adds nothing."""
    if document.get("service.name") != FRONTEND:
        return None
    at = document["_aws"]["Timestamp"] / 1000
    if document.get("app.outcome") == "error" and ACTIONS in document:
        return Sample(at, errors=float(document[ACTIONS]))
    histogram = document.get(DURATION)
    route = document.get("http.route")
    if not isinstance(histogram, dict) or route is None or route == HEALTH_ROUTE:
        return None
    count = float(histogram["Count"])
    within = sum(
        n
        for value, n in zip(histogram["Values"], histogram["Counts"], strict=True)
        if value <= threshold_seconds
    )
    failed = count if document.get("http.response.status_class") == "5xx" else 0
    return Sample(at, requests=count, errors=failed, within=within)


def samples(documents: Iterable[dict[str, Any]], threshold_seconds: float) -> list[Sample]:
    """Every document's sample, oldest first."""
    found = [sample(document, threshold_seconds) for document in documents]
    return sorted((s for s in found if s is not None), key=lambda s: s.at)


def totals(series: Sequence[Sample], end: float, seconds: float) -> Totals:
    """The samples stamped within (end - seconds, end], as an alarm's period sums them."""
    window = Totals()
    for item in series:
        if end - seconds < item.at <= end:
            window.add(item)
    return window


# Exponential histograms' scales, from 20 (the SDKs' start) down to -9 (OpenTelemetry
# allows -10, whose base 2^1024 no double holds, nor the exporter's math).
SCALES = range(20, -10, -1)
# How far from a whole bucket index a midpoint may compute (the exporter's math.Pow of
# an index near a million at scale 20 is off by about 1e-4 of a bucket).
INDEX_TOLERANCE = 1e-3


def _is_midpoint(value: float, scale: int) -> bool:
    """Whether `value` is the midpoint b^i (1 + b) / 2 of a bucket at `scale`."""
    base = 2.0 ** (2.0**-scale)
    index = math.log(2 * value / (1 + base)) / math.log(base)
    return abs(index - round(index)) < INDEX_TOLERANCE


def scale_of(values: Sequence[float]) -> int | None:
    """The finest scale at which every value is a bucket's midpoint: the datapoint's scale."""
    positive = [value for value in values if value > 0]
    for scale in SCALES:
        if positive and all(_is_midpoint(value, scale) for value in positive):
            return scale
    return None


def boundary_bucket(
    documents: Iterable[dict[str, Any]], threshold_seconds: float
) -> tuple[float, float] | None:
    """The bucket (b^i, b^(i+1)] around the threshold at the coarsest scale the documents
    show, with b = 2^(2^-scale): the requests a midpoint can put on the wrong side.
    None when no document's scale can be told."""
    scales = []
    for document in documents:
        histogram = document.get(DURATION)
        if isinstance(histogram, dict) and len(histogram.get("Values", [])) > 1:
            scale = scale_of(histogram["Values"])
            if scale is not None:
                scales.append(scale)
    if not scales:
        return None
    base: float = 2.0 ** (2.0 ** -min(scales))
    # The tolerance keeps a threshold that is itself a boundary (a power of two is one at
    # every scale from 0 up) at the top of its bucket.
    top = math.ceil(math.log(threshold_seconds, base) - 1e-9)
    return base ** (top - 1), base**top
