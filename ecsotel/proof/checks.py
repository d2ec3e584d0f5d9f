"""verify's telemetry checks: one trace across every tier in X-Ray, and EMF metrics in CloudWatch.

Each check polls AWS (or the local stand-in) until what it needs has arrived or
its timeout ends, then records its declared claims.
"""

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from devkit.polling import WaitTimeout, poll_until

from ecsotel import xray
from ecsotel.local.collector import emf_destination
from ecsotel.proof.report import Report

if TYPE_CHECKING:  # the stubs are a development dependency
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_xray import XRayClient

# What the collector's awsemf exporter declares: read from collector/config.yaml,
# the file the ECS sidecars run too, so verify checks what was really declared.
EMF_NAMESPACE, EMF_LOG_GROUP = emf_destination()
# Each service's metrics that one round of verify's actions must produce.
EXPECTED_METRICS = {
    "fastapi-app": {"http.server.request.duration", "app.todos.created"},
    "nextjs-app": {"http.server.request.duration", "app.server_action.invocations"},
}
SERVICES = ("nextjs-app", "fastapi-app")

EMF_ARRIVED = f"EMF metrics of both services in {EMF_LOG_GROUP}"
EMF_LIMITS = "EMF: at most 100 metrics a document, 30 dimensions a set"
EMF_DIMENSIONED = "EMF: every dimension set names the service"
EMF_CHECKS = [
    EMF_ARRIVED,
    *(f"EMF: {service} metrics in {EMF_NAMESPACE}" for service in EXPECTED_METRICS),
    EMF_LIMITS,
    EMF_DIMENSIONED,
]


def trace_checks(what: str) -> list[str]:
    """The checks of one trace, named after the action that made it."""
    return [
        f"{what}: trace complete in X-Ray",
        f"{what}: segments of nextjs-app and fastapi-app",
        f"{what}: fastapi-app is a child of nextjs-app",
        f"{what}: PostgreSQL SQL subsegment under fastapi-app",
        f"{what}: listed by GetTraceSummaries",
    ]


@dataclass(frozen=True)
class TraceFindings:
    """What one trace shows about the path nextjs-app -> fastapi-app -> PostgreSQL."""

    roots: list[xray.Span]

    def spans(self) -> list[xray.Span]:
        """Every segment and subsegment."""
        return [span for root in self.roots for span in root.walk()]

    def services(self) -> set[str]:
        """The services that sent segments."""
        return {span.service for span in self.spans()}

    def linked(self) -> bool:
        """Whether a fastapi-app segment is the child of a nextjs-app (sub)segment."""
        return any(
            parent.service == "nextjs-app" and child.service == "fastapi-app"
            for parent in self.spans()
            for child in parent.children
        )

    def sql_under_backend(self) -> xray.Span | None:
        """A PostgreSQL call recorded under fastapi-app."""
        for span in self.spans():
            database = json.dumps(span.sql or {}).lower()
            if span.service == "fastapi-app" and "postgres" in database:
                return span
        return None

    def complete(self) -> bool:
        """Whether everything the check needs has arrived."""
        return (
            set(SERVICES) <= self.services()
            and self.linked()
            and self.sql_under_backend() is not None
        )


def check_trace(
    client: "XRayClient", report: Report, trace: xray.TraceId, what: str, timeout: float
) -> None:
    """Poll X-Ray until the trace is complete; record each of its claims."""
    findings = TraceFindings([])

    def arrived() -> bool:
        nonlocal findings
        findings = TraceFindings(xray.build_tree(xray.trace_documents(client, trace.xray)))
        return findings.complete()

    complete, segments, linked, sql_check, listed = trace_checks(what)
    _wait(report, complete, f"trace {trace.xray} complete in X-Ray", arrived, timeout)
    services = findings.services()
    report.add(
        segments,
        set(SERVICES) <= services,
        ", ".join(sorted(services)) or "no segments",
    )
    report.add(linked, findings.linked())
    sql = findings.sql_under_backend()
    report.add(
        sql_check,
        sql is not None,
        (sql.sql or {}).get("sanitized_query", sql.name) if sql else "",
    )
    report.trees.append(xray.render(findings.roots, f"{what}: {trace.xray}"))
    summaries = xray.recent_trace_ids(client, minutes=15)
    report.add(
        listed,
        trace.xray in summaries,
        f"{len(summaries)} traces in the last 15 minutes",
    )


def emf_events(client: "CloudWatchLogsClient", since_ms: int) -> list[dict[str, Any]]:
    """Every EMF document written to the metrics log group since `since_ms`."""
    documents = []
    paginator = client.get_paginator("filter_log_events")
    for page in paginator.paginate(logGroupName=EMF_LOG_GROUP, startTime=since_ms):
        for event in page.get("events", []):
            try:
                document = json.loads(event.get("message", ""))
            except json.JSONDecodeError:
                continue
            if isinstance(document, dict) and "_aws" in document:
                documents.append(document)
    return documents


def metrics_by_service(documents: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Metric names per `service.name`, from the declared namespace only."""
    found: dict[str, set[str]] = {}
    for document in documents:
        for directive in document["_aws"].get("CloudWatchMetrics", []):
            if directive.get("Namespace") != EMF_NAMESPACE:
                continue
            service = str(document.get("service.name", "?"))
            names = {metric["Name"] for metric in directive.get("Metrics", [])}
            found.setdefault(service, set()).update(names)
    return found


def check_metrics(
    client: "CloudWatchLogsClient", report: Report, since_ms: int, timeout: float
) -> None:
    """Poll CloudWatch Logs until both services' EMF metrics arrived; check their shape."""
    documents: list[dict[str, Any]] = []

    def arrived() -> bool:
        nonlocal documents
        documents = emf_events(client, since_ms)
        found = metrics_by_service(documents)
        return all(
            names <= found.get(service, set()) for service, names in EXPECTED_METRICS.items()
        )

    _wait(report, EMF_ARRIVED, f"EMF metrics of both services in {EMF_LOG_GROUP}", arrived, timeout)
    found = metrics_by_service(documents)
    for service, names in EXPECTED_METRICS.items():
        report.add(
            f"EMF: {service} metrics in {EMF_NAMESPACE}",
            names <= found.get(service, set()),
            ", ".join(sorted(found.get(service, set()))),
        )
    directives = [d for doc in documents for d in doc["_aws"].get("CloudWatchMetrics", [])]
    limits = all(
        len(d.get("Metrics", [])) <= 100 and all(len(s) <= 30 for s in d.get("Dimensions", []))
        for d in directives
    )
    report.add(EMF_LIMITS, limits)
    dimensioned = all(
        "service.name" in dimension_set
        for d in directives
        for dimension_set in d.get("Dimensions", [])
    )
    report.add(EMF_DIMENSIONED, dimensioned)


def _wait(
    report: Report, name: str, what: str, arrived: Callable[[], bool], timeout: float
) -> bool:
    """Poll until `arrived`; record the wait as the check `name` and return whether it passed."""
    started = time.monotonic()
    try:
        poll_until(arrived, what, timeout=timeout, interval=1)
    except WaitTimeout as error:
        return report.add(name, False, str(error))
    return report.add(name, True, f"after {time.monotonic() - started:.1f}s")
