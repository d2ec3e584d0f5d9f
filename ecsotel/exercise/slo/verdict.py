"""The SLO drill's verdict: which alerts fired when, judged against what must hold.

Kept apart from the drill that runs the stack, so that a test can feed it a timeline
in which the wrong alert fires, or the right one stays quiet.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from ecsotel.exercise.slo.alerts import states
from ecsotel.exercise.slo.definitions import AVAILABILITY, BurnRateAlert, Definitions
from ecsotel.exercise.slo.sli import Sample


@dataclass(frozen=True)
class Phase:
    """A stretch of the drill: no fault, or one fault from its start until it settled."""

    name: str
    began: float
    ended: float
    fault: bool = True


@dataclass(frozen=True)
class Moment:
    """The alerts firing at one evaluation (every sample's timestamp is one)."""

    at: float
    firing: frozenset[tuple[str, str]]  # (SLO, alert name)


def timeline(series: Sequence[Sample], definitions: Definitions, scale: float) -> list[Moment]:
    """The firing alerts at every distinct sample timestamp, as the alarms evaluate."""
    moments = []
    for at in sorted({sample.at for sample in series}):
        found = states(series, definitions, at, scale)
        moments.append(Moment(at, frozenset((s.slo, s.alert.name) for s in found if s.firing)))
    return moments


def fastest_page(definitions: Definitions) -> BurnRateAlert:
    """The page alert with the highest factor: the one a short outage must set off."""
    pages = [alert for alert in definitions.alerts if alert.severity == "page"]
    return max(pages, key=lambda alert: alert.factor)


def tickets(definitions: Definitions) -> set[str]:
    """The names of the ticket alerts: the slow burn."""
    return {alert.name for alert in definitions.alerts if alert.severity == "ticket"}


def _during(moments: Sequence[Moment], began: float, ended: float) -> list[Moment]:
    return [moment for moment in moments if began <= moment.at <= ended]


def problems(
    moments: Sequence[Moment],
    phases: Sequence[Phase],
    definitions: Definitions,
    *,
    judge_slow_burn: bool,
) -> list[str]:
    """What must hold and did not, each in a sentence.

    - no fault: no availability alert fires;
    - each fault: the availability SLO's fastest page alert fires before it settled;
    - the first fault alone (`judge_slow_burn`: the drill's quiet stretch was long
      enough for the slow burn's long window to dilute it): no ticket alert fires.

    The faults are outages, so the availability SLO is judged; the latency SLO's alerts
    are reported only (fired_lines): on a shared build machine a slow answer comes
    from the machine's load as often as from the stack.
    """
    found = []
    fast = (AVAILABILITY, fastest_page(definitions).name)
    slow = tickets(definitions)
    faults = [phase for phase in phases if phase.fault]
    for phase in phases:
        during = _during(moments, phase.began, phase.ended)
        if not during:
            found.append(f"{phase.name}: no EMF document covers it, nothing was evaluated")
        elif not phase.fault:
            fired = sorted({a for m in during for a in m.firing if a[0] == AVAILABILITY})
            if fired:
                found.append(f"{phase.name}: alerts fired without a fault: {fired}")
        elif not any(fast in moment.firing for moment in during):
            found.append(f"{phase.name}: the {fast[1]} page of {fast[0]} never fired")
    if judge_slow_burn and faults:
        ends = faults[1].began if len(faults) > 1 else faults[0].ended
        after_first = _during(moments, faults[0].began, ends)
        fired = sorted(
            {a for m in after_first for a in m.firing if a[0] == AVAILABILITY and a[1] in slow}
        )
        if fired:
            found.append(f"{faults[0].name} alone set off the slow burn: {fired}")
    return found


def fired_lines(moments: Sequence[Moment], phases: Sequence[Phase]) -> list[str]:
    """Per phase, each alert that fired and when it first did, from the phase's start."""
    lines = []
    for phase in phases:
        first: dict[tuple[str, str], float] = {}
        for moment in _during(moments, phase.began, phase.ended):
            for alert in moment.firing:
                first.setdefault(alert, moment.at - phase.began)
        fired = ", ".join(f"{slo} {name} at +{at:.1f} s" for (slo, name), at in first.items())
        lines.append(
            f"{phase.name} ({phase.ended - phase.began:.0f} s): {fired or 'nothing fired'}"
        )
    return lines
