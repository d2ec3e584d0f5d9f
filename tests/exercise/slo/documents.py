"""EMF documents as the collector's awsemf exporter writes them, for the SLO tests.

The shapes are those of .cache/slo-drill/emf-documents.json (and tests/collector's
contract): an exponential histogram as Values (bucket midpoints) and Counts.
"""

from typing import Any

DURATION = "http.server.request.duration"
NAMESPACE = "ECS/AWSOTel/Application"


def duration(
    at: float,
    values: dict[float, int],
    *,
    route: str = "/api/todos",
    status: str = "2xx",
    service: str = "nextjs-app",
) -> dict[str, Any]:
    """One request-duration document stamped `at` (seconds) with these midpoints and counts."""
    return {
        "_aws": {"Timestamp": int(at * 1000), "CloudWatchMetrics": [{"Namespace": NAMESPACE}]},
        "service.name": service,
        "http.route": route,
        "http.request.method": "GET",
        "http.response.status_class": status,
        DURATION: {
            "Values": list(values),
            "Counts": list(values.values()),
            "Count": sum(values.values()),
            "Sum": sum(value * count for value, count in values.items()),
            "Min": min(values),
            "Max": max(values),
        },
    }


def actions(at: float, outcome: str, count: int, action: str = "create") -> dict[str, Any]:
    """One Server Action counter document."""
    return {
        "_aws": {"Timestamp": int(at * 1000), "CloudWatchMetrics": [{"Namespace": NAMESPACE}]},
        "service.name": "nextjs-app",
        "app.action": action,
        "app.outcome": outcome,
        "app.server_action.invocations": count,
    }
