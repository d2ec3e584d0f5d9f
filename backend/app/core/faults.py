"""FAULT_RATE: a share of the API's requests fail, to exercise the telemetry.

For drills and demonstrations only (tail sampling must keep every error trace;
alarms and SLOs must see errors): with ``FAULT_RATE=0.05`` about one API request in
twenty answers 500. Never on unless set: 0, the default, installs nothing.

A faulted request fails as a real bug would: the fault is raised inside the route,
after routing, so it takes the very path of an unhandled error (the handler answers
a JSON 500 and logs the exception with its trace id, the server span records the
exception and ERROR, X-Ray marks the segment a fault). Health probes never fail.
"""

import random
from collections.abc import Callable

from fastapi import Depends
from fastapi.params import Depends as Dependency


class InjectedFault(RuntimeError):
    """The failure FAULT_RATE injects; its message says so, wherever it is logged."""


def fault_dependencies(rate: float, draw: Callable[[], float] = random.random) -> list[Dependency]:
    """A router dependency that raises InjectedFault for `rate` (0-1) of requests; none for 0.

    `draw` returns a number in [0, 1) per request (tests pass a fixed one).
    """
    if rate <= 0:
        return []

    def inject_fault() -> None:
        if draw() < rate:
            raise InjectedFault(f"injected fault (FAULT_RATE={rate})")

    return [Depends(inject_fault)]
