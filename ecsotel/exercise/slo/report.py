"""`ecsotel slo`: each SLI, the error budget used and every alert's state, as lines.

Pure functions of the EMF documents, so a test can feed them recorded or broken ones;
ecsotel/exercise/commands.py reads the documents and prints.
"""

from collections.abc import Sequence
from typing import Any

from ecsotel.exercise.slo.alerts import AlertState, states
from ecsotel.exercise.slo.definitions import (
    LATENCY,
    SECONDS_PER_DAY,
    SECONDS_PER_HOUR,
    SECONDS_PER_MINUTE,
    Definitions,
)
from ecsotel.exercise.slo.sli import Sample, boundary_bucket, samples, sli, totals
from ecsotel.paths import REPO_ROOT, SLO_FILE


def _duration(seconds: float) -> str:
    if seconds < 2 * SECONDS_PER_MINUTE:
        return f"{seconds:.3g} s"
    if seconds < 2 * SECONDS_PER_HOUR:
        return f"{seconds / SECONDS_PER_MINUTE:.3g} min"
    if seconds < 2 * SECONDS_PER_DAY:
        return f"{seconds / SECONDS_PER_HOUR:.3g} h"
    return f"{seconds / SECONDS_PER_DAY:.3g} days"


def _percent(share: float | None) -> str:
    return "n/a" if share is None else f"{100 * share:.2f} %"


def _burn(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def slo_lines(
    definitions: Definitions, series: Sequence[Sample], end: float, scale: float = 1
) -> list[str]:
    """Each SLO's SLI and budget used over its window, as much of it as the data covers."""
    window = definitions.window_seconds(scale)
    found = totals(series, end, window)
    span = end - series[0].at if series else 0.0
    lines = [
        f"{_duration(min(span, window))} of data ({int(found.requests)} requests) in the"
        f" {_duration(window)} SLO window"
    ]
    for objective in definitions.objectives.values():
        bad = found.bad(objective.name)
        good = sli(bad, found.requests)
        used = None if good is None else (1 - good) / objective.budget
        what = objective.name
        if objective.threshold_seconds is not None:
            what += f" (within {objective.threshold_seconds} s)"
        lines.append(
            f"{what}: SLI {_percent(good)}, objective {_percent(objective.objective)},"
            f" error budget used {_percent(used)} ({int(bad)} bad events)"
        )
    return lines


def alert_rows(alerts: Sequence[AlertState]) -> list[list[str]]:
    """One table row per SLO and alert."""
    rows = []
    for state in alerts:
        long, short = state.long, state.short
        covered = "" if long.covered >= 1 else f" (data: {_duration(long.covered * long.seconds)})"
        rows.append(
            [
                state.slo,
                f"{state.alert.name} ({state.alert.severity}, > {state.alert.factor:g})",
                f"{_duration(long.seconds)}: {_burn(long.burn)}{covered}",
                f"{_duration(short.seconds)}: {_burn(short.burn)}",
                "FIRING" if state.firing else "ok",
            ]
        )
    return rows


ALERT_HEADER = ["SLO", "alert", "long window: burn", "short window: burn", "state"]


def report(
    definitions: Definitions, documents: list[dict[str, Any]], end: float, scale: float = 1
) -> list[str]:
    """The whole report: where the figures come from, the SLOs, the alerts' table."""
    threshold = definitions.objectives[LATENCY].threshold_seconds or 0.0
    series = samples(documents, threshold)
    if not series:
        return ["no EMF document of nextjs-app's requests yet: send it some traffic"]
    source = SLO_FILE.relative_to(REPO_ROOT)
    scaled = "" if scale == 1 else f", every window divided by {scale:g}"
    lines = [f"SLOs of {source}{scaled}, from nextjs-app's EMF documents", ""]
    lines += slo_lines(definitions, series, end, scale)
    bucket = boundary_bucket(documents, threshold)
    if bucket is not None:
        low, high = bucket
        exact = abs(high - threshold) <= 1e-9 * threshold
        lines.append(
            "latency buckets: the threshold is a bucket boundary, so the count is exact"
            if exact
            else f"latency buckets: requests of {low:.4g}-{high:.4g} s count on the side"
            " of the threshold their bucket's midpoint falls"
        )
    lines += ["", "| " + " | ".join(ALERT_HEADER) + " |", "|" + " --- |" * len(ALERT_HEADER)]
    for row in alert_rows(states(series, definitions, end, scale)):
        lines.append("| " + " | ".join(row) + " |")
    return lines
