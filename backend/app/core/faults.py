"""FAULT_RATE: a share of the API's requests fail, to exercise the telemetry.

For drills and demonstrations only (tail sampling must keep every error trace;
alarms and SLOs must see errors): with ``FAULT_RATE=0.05`` about one API request in
twenty answers 500. Never on unless set: 0, the default, installs nothing.

A faulted request fails as a real bug would: the fault is raised inside the route,
after routing, so it takes the very path of an unhandled error (the handler answers
a JSON 500 and logs the exception with its trace id, the server span records the
exception and ERROR, X-Ray marks the segment a fault). Health probes never fail,
nor do requests in a probe's trace: with FAULT_SPARE_TAG set, a request whose
traceparent's trace id carries that tag right after its epoch (as verify's do: the
mark that makes a tail-sampling gateway keep the trace) is spared, so that a probe
proves the telemetry path while the traffic around it fails.
"""

import random
from collections.abc import Callable

from fastapi import Depends, Request
from fastapi.params import Depends as Dependency


class InjectedFault(RuntimeError):
    """The failure FAULT_RATE injects; its message says so, wherever it is logged."""


def in_probe_trace(traceparent: str | None, tag: str) -> bool:
    """Whether a traceparent's trace id carries `tag` (hex) after its 8-digit epoch."""
    if not tag or traceparent is None:
        return False
    parts = traceparent.split("-")
    return len(parts) == 4 and parts[1][8 : 8 + len(tag)] == tag.lower()


def fault_dependencies(
    rate: float, spare_tag: str = "", draw: Callable[[], float] = random.random
) -> list[Dependency]:
    """A router dependency that raises InjectedFault for `rate` (0-1) of requests; none for 0.

    Requests in a trace marked with `spare_tag` are never faulted. `draw` returns a
    number in [0, 1) per request (tests pass a fixed one).
    """
    if rate <= 0:
        return []

    def inject_fault(request: Request) -> None:
        if in_probe_trace(request.headers.get("traceparent"), spare_tag):
            return
        if draw() < rate:
            raise InjectedFault(f"injected fault (FAULT_RATE={rate})")

    return [Depends(inject_fault)]
