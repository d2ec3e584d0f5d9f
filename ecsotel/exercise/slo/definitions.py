"""The SLO definitions (infra/slo.yaml, which Terraform reads too), as typed values.

Nothing in this package writes an objective, a window or a factor of its own: they
all come from here (tests/exercise/slo/test_one_definition.py holds that).
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ecsotel.paths import SLO_FILE

SECONDS_PER_MINUTE = 60
SECONDS_PER_HOUR = 60 * SECONDS_PER_MINUTE
SECONDS_PER_DAY = 24 * SECONDS_PER_HOUR
# The two SLIs this system has; slo.tf builds one alarm resource for each.
AVAILABILITY = "availability"
LATENCY = "latency"
SEVERITIES = ("page", "ticket")


@dataclass(frozen=True)
class Objective:
    """One SLO: the share of good events it promises (and, for latency, the threshold)."""

    name: str
    objective: float
    threshold_seconds: float | None = None

    @property
    def budget(self) -> float:
        """The error budget: the share of events that may be bad."""
        return 1 - self.objective


@dataclass(frozen=True)
class BurnRateAlert:
    """A multi-window alert: both windows must burn faster than the factor."""

    name: str
    long_window_minutes: float
    short_window_minutes: float
    factor: float
    severity: str

    def windows(self, scale: float = 1) -> tuple[float, float]:
        """The long and the short window in seconds, divided by `scale`."""
        return (
            self.long_window_minutes * SECONDS_PER_MINUTE / scale,
            self.short_window_minutes * SECONDS_PER_MINUTE / scale,
        )


@dataclass(frozen=True)
class Definitions:
    """Everything slo.yaml says."""

    window_days: float
    objectives: dict[str, Objective]
    alerts: tuple[BurnRateAlert, ...]

    def window_seconds(self, scale: float = 1) -> float:
        """The SLO window (over which the budget is counted) in seconds, divided by `scale`."""
        return self.window_days * SECONDS_PER_DAY / scale


def load(path: Path = SLO_FILE) -> Definitions:
    """Read and check the definitions file."""
    raw: dict[str, Any] = yaml.safe_load(path.read_text())
    objectives = {
        name: Objective(name, float(body["objective"]), body.get("threshold_seconds"))
        for name, body in raw["objectives"].items()
    }
    if set(objectives) != {AVAILABILITY, LATENCY}:
        raise ValueError(f"{path}: objectives must be {AVAILABILITY} and {LATENCY}")
    if objectives[LATENCY].threshold_seconds is None:
        raise ValueError(f"{path}: the latency objective needs threshold_seconds")
    alerts = tuple(BurnRateAlert(**alert) for alert in raw["burn_rate_alerts"])
    for alert in alerts:
        if alert.severity not in SEVERITIES:
            raise ValueError(f"{path}: {alert.name}: severity must be one of {SEVERITIES}")
        if alert.short_window_minutes >= alert.long_window_minutes:
            raise ValueError(f"{path}: {alert.name}: the short window must be the shorter")
    return Definitions(float(raw["window_days"]), objectives, alerts)
