"""The burn-rate alerts' state at a moment: each SLO's every alert, both windows.

The same rule as the composite alarms in infra/slo.tf: an alert fires when the burn
rate over its long window and over its short window both exceed its factor (the
alarms compare with GreaterThanThreshold). A window with no events has no burn rate
(the alarms' notBreaching), so it never fires.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from ecsotel.exercise.slo.definitions import BurnRateAlert, Definitions, Objective
from ecsotel.exercise.slo.sli import Sample, burn_rate, totals


@dataclass(frozen=True)
class Window:
    """One window of an alert: its length, the burn rate over it, how much data covers it."""

    seconds: float
    burn: float | None
    # The share of the window after the first sample (1: the data covers all of it).
    covered: float

    def exceeds(self, factor: float) -> bool:
        """Whether this window burns faster than `factor`."""
        return self.burn is not None and self.burn > factor


@dataclass(frozen=True)
class AlertState:
    """One alert of one SLO at one moment."""

    slo: str
    alert: BurnRateAlert
    long: Window
    short: Window

    @property
    def firing(self) -> bool:
        """Both windows burn faster than the factor: the composite alarm's ALARM."""
        return self.long.exceeds(self.alert.factor) and self.short.exceeds(self.alert.factor)


def window(series: Sequence[Sample], objective: Objective, end: float, seconds: float) -> Window:
    """The burn rate of `objective` over (end - seconds, end]."""
    found = totals(series, end, seconds)
    first = series[0].at if series else end
    covered = min(1.0, max(0.0, (end - first) / seconds))
    return Window(seconds, burn_rate(found.bad(objective.name), found.requests, objective), covered)


def states(
    series: Sequence[Sample], definitions: Definitions, end: float, scale: float = 1
) -> list[AlertState]:
    """Every alert of every SLO at `end`, its windows divided by `scale`."""
    found = []
    for objective in definitions.objectives.values():
        for alert in definitions.alerts:
            long_seconds, short_seconds = alert.windows(scale)
            found.append(
                AlertState(
                    objective.name,
                    alert,
                    window(series, objective, end, long_seconds),
                    window(series, objective, end, short_seconds),
                )
            )
    return found
