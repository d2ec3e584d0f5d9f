"""Contract: the apps' metrics, sent to the real collector, reach CloudWatch Logs as EMF documents.

moto stores the EMF log events as sent (it does not turn them into metrics), so
the tests read the documents from the log group and check what CloudWatch would
extract: namespace, dimension sets, metric names, units and values.
"""

import json
from collections.abc import Callable
from typing import Any

import pytest
from devkit.polling import poll_until
from mypy_boto3_logs import CloudWatchLogsClient
from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
from opentelemetry.metrics import Meter
from opentelemetry.sdk.metrics import (
    Counter,
    Histogram,
    MeterProvider,
    ObservableCounter,
    ObservableGauge,
    ObservableUpDownCounter,
    UpDownCounter,
)
from opentelemetry.sdk.metrics.export import AggregationTemporality, PeriodicExportingMetricReader
from opentelemetry.sdk.metrics.view import ExponentialBucketHistogramAggregation
from opentelemetry.sdk.resources import Resource

from ecsotel.local.collector import CollectorPorts
from tests.infra.metric_references import alarm_refs, widget_refs
from tests.infra.terraform_model import load_infra
from tests.infra.test_metric_references import dashboard_widgets

NAMESPACE = "ECS/AWSOTel/Application"
LOG_GROUP = "/aws/ecs/application/metrics"
DURATION = "http.server.request.duration"

# What the apps should configure (OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta):
# the EMF exporter turns cumulative sums into deltas, but passes histograms on
# as they come, so cumulative histograms would report counts since start-up.
DELTA: dict[type, AggregationTemporality] = {
    instrument: AggregationTemporality.DELTA
    for instrument in (
        Counter,
        UpDownCounter,
        Histogram,
        ObservableCounter,
        ObservableUpDownCounter,
        ObservableGauge,
    )
}


def export_once(service: str, ports: CollectorPorts, record: Callable[[Meter], None]) -> None:
    """Record metrics as `service` and export them once over OTLP gRPC."""
    exporter = OTLPMetricExporter(
        endpoint=f"http://127.0.0.1:{ports.grpc}", insecure=True, preferred_temporality=DELTA
    )
    # A long interval: only the explicit flush below exports.
    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=3_600_000)
    resource = Resource({"service.name": service, "telemetry.sdk.language": "python"})
    provider = MeterProvider(resource=resource, metric_readers=[reader])
    record(provider.get_meter(f"{service}.contract"))
    provider.force_flush()
    provider.shutdown()


def record_backend(meter: Meter) -> None:
    """fastapi-app: request durations of two routes, the todo counters, one undeclared metric."""
    duration = meter.create_histogram(DURATION, unit="s")
    create = {
        "http.request.method": "POST",
        "http.route": "/api/todos",
        "http.response.status_class": "2xx",
    }
    duration.record(0.05, create)
    duration.record(0.2, create)
    duration.record(
        0.01,
        {
            "http.request.method": "GET",
            "http.route": "/api/todos/{todo_id}",
            "http.response.status_class": "4xx",
        },
    )
    meter.create_counter("app.todos.created", unit="{todo}").add(2)
    meter.create_counter("app.todos.completed", unit="{todo}").add(1)
    meter.create_counter("app.todos.deleted", unit="{todo}").add(1)
    # Instrumentation libraries emit more than the contract: not a CloudWatch metric.
    meter.create_up_down_counter("http.server.active_requests", unit="{request}").add(
        1, {"http.request.method": "GET"}
    )


def record_frontend(meter: Meter) -> None:
    """nextjs-app: Server Action invocations with two outcomes and one request duration."""
    invocations = meter.create_counter("app.server_action.invocations", unit="{invocation}")
    invocations.add(1, {"app.action": "create", "app.outcome": "ok"})
    invocations.add(2, {"app.action": "toggle", "app.outcome": "error"})
    meter.create_histogram(DURATION, unit="s").record(
        0.3, {"http.request.method": "POST", "http.route": "/", "http.response.status_class": "2xx"}
    )


# The EMF documents expected per (service, metric names), without the
# fields every document has (_aws.Timestamp, OTelLib, telemetry.sdk.language).
DIMENSIONS_BY_ROUTE = [
    ["service.name"],
    ["http.request.method", "http.response.status_class", "http.route", "service.name"],
]


def directive(metrics: list[tuple[str, str]], dimensions: list[list[str]]) -> dict[str, Any]:
    """One CloudWatchMetrics entry: the namespace, dimension sets and metrics it declares."""
    return {
        "Namespace": NAMESPACE,
        "Dimensions": dimensions,
        "Metrics": [
            {"Name": name, "Unit": unit, "StorageResolution": 60} for name, unit in metrics
        ],
    }


@pytest.fixture(scope="module")
def emf_events(collector: CollectorPorts, logs: CloudWatchLogsClient) -> list[dict[str, Any]]:
    """Every log event the collector wrote to the metrics log group, with its stream name."""
    export_once("fastapi-app", collector, record_backend)
    export_once("nextjs-app", collector, record_frontend)
    expected_events = 7  # 2 + 1 + 1 (backend durations, counters, undeclared), 2 + 1 (frontend)

    def found() -> list[dict[str, Any]] | None:
        events = logs.filter_log_events(logGroupName=LOG_GROUP)["events"]
        if len(events) < expected_events:
            return None
        return [
            {"stream": event["logStreamName"], "document": json.loads(event["message"])}
            for event in events
        ]

    return poll_until(found, f"{expected_events} EMF events in {LOG_GROUP}", timeout=30)


def documents_with(
    events: list[dict[str, Any]], service: str, field: str, value: Any = None
) -> list[dict[str, Any]]:
    """The documents of `service` that have `field` (equal to `value` when given)."""
    return [
        event["document"]
        for event in events
        if event["document"].get("service.name") == service
        and field in event["document"]
        and (value is None or event["document"][field] == value)
    ]


def the_one(documents: list[dict[str, Any]]) -> dict[str, Any]:
    """The single document of a selection."""
    assert len(documents) == 1, documents
    return documents[0]


def test_request_duration_is_a_histogram_in_seconds_with_route_dimensions(
    emf_events: list[dict[str, Any]],
) -> None:
    create = the_one(documents_with(emf_events, "fastapi-app", "http.route", "/api/todos"))

    assert create["_aws"]["CloudWatchMetrics"] == [
        directive([(DURATION, "Seconds")], DIMENSIONS_BY_ROUTE)
    ]
    assert create[DURATION] == {"Count": 2, "Sum": 0.25, "Min": 0.05, "Max": 0.2}
    assert create["http.request.method"] == "POST"
    assert create["http.response.status_class"] == "2xx"
    assert create["Version"] == "1"


def test_each_route_and_status_class_is_its_own_document(
    emf_events: list[dict[str, Any]],
) -> None:
    not_found = the_one(
        documents_with(emf_events, "fastapi-app", "http.route", "/api/todos/{todo_id}")
    )
    frontend = the_one(documents_with(emf_events, "nextjs-app", DURATION))

    assert not_found["http.response.status_class"] == "4xx"
    assert not_found[DURATION] == {"Count": 1, "Sum": 0.01, "Min": 0.01, "Max": 0.01}
    assert frontend["_aws"]["CloudWatchMetrics"] == [
        directive([(DURATION, "Seconds")], DIMENSIONS_BY_ROUTE)
    ]
    assert frontend["http.route"] == "/"


def test_todo_counters_count_per_service(emf_events: list[dict[str, Any]]) -> None:
    counters = the_one(documents_with(emf_events, "fastapi-app", "app.todos.created"))

    (entry,) = counters["_aws"]["CloudWatchMetrics"]
    assert entry["Namespace"] == NAMESPACE
    assert entry["Dimensions"] == [["service.name"]]
    assert sorted(entry["Metrics"], key=lambda metric: str(metric["Name"])) == [
        {"Name": name, "Unit": "Count", "StorageResolution": 60}
        for name in ("app.todos.completed", "app.todos.created", "app.todos.deleted")
    ]
    assert (
        counters["app.todos.created"],
        counters["app.todos.completed"],
        counters["app.todos.deleted"],
    ) == (2, 1, 1)


def test_server_action_invocations_by_action_and_outcome(
    emf_events: list[dict[str, Any]],
) -> None:
    invocations = documents_with(emf_events, "nextjs-app", "app.server_action.invocations")
    by_action = {(doc["app.action"], doc["app.outcome"]): doc for doc in invocations}

    assert set(by_action) == {("create", "ok"), ("toggle", "error")}
    for doc in by_action.values():
        assert doc["_aws"]["CloudWatchMetrics"] == [
            directive(
                [("app.server_action.invocations", "Count")],
                [["app.action", "app.outcome", "service.name"]],
            )
        ]
    assert by_action["create", "ok"]["app.server_action.invocations"] == 1
    assert by_action["toggle", "error"]["app.server_action.invocations"] == 2


def test_undeclared_metrics_are_no_cloudwatch_metrics(emf_events: list[dict[str, Any]]) -> None:
    declared = {
        metric["Name"]
        for event in emf_events
        for entry in event["document"].get("_aws", {}).get("CloudWatchMetrics", [])
        for metric in entry["Metrics"]
    }
    undeclared = the_one(documents_with(emf_events, "fastapi-app", "http.server.active_requests"))

    assert declared == {
        DURATION,
        "app.todos.created",
        "app.todos.completed",
        "app.todos.deleted",
        "app.server_action.invocations",
    }
    # The exporter still writes the values as a plain log event, without `_aws`.
    assert "_aws" not in undeclared


def test_documents_respect_emf_limits(emf_events: list[dict[str, Any]]) -> None:
    for event in emf_events:
        for entry in event["document"].get("_aws", {}).get("CloudWatchMetrics", []):
            assert len(entry["Metrics"]) <= 100
            assert all(len(dimension_set) <= 30 for dimension_set in entry["Dimensions"])
            # Every dimension must be a field of the document, or CloudWatch rejects it.
            for dimension_set in entry["Dimensions"]:
                assert all(name in event["document"] for name in dimension_set)


def test_one_log_stream_per_service(emf_events: list[dict[str, Any]]) -> None:
    streams = {(event["document"]["service.name"], event["stream"]) for event in emf_events}

    # {ServiceName}/{TaskId}; outside ECS there is no task id.
    assert streams == {
        ("fastapi-app", "fastapi-app/undefined"),
        ("nextjs-app", "nextjs-app/undefined"),
    }


def test_cumulative_counters_become_deltas_keeping_the_first_value(
    collector: CollectorPorts, logs: CloudWatchLogsClient
) -> None:
    # The SDKs' default temporality: the exporter turns running totals into
    # deltas, and (retain_initial_value_of_delta_metric) keeps the first total.
    exporter = OTLPMetricExporter(endpoint=f"http://127.0.0.1:{collector.grpc}", insecure=True)
    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=3_600_000)
    provider = MeterProvider(
        resource=Resource({"service.name": "cumulative-app"}), metric_readers=[reader]
    )
    created = provider.get_meter("contract").create_counter("app.todos.created", unit="{todo}")

    def values(count: int) -> list[Any] | None:
        events = logs.filter_log_events(
            logGroupName=LOG_GROUP, logStreamNames=["cumulative-app/undefined"]
        )["events"]
        found = [json.loads(event["message"])["app.todos.created"] for event in events]
        return found if len(found) >= count else None

    # Each export waits for the one before to arrive, so no two share a batch.
    created.add(3)
    provider.force_flush()
    poll_until(lambda: values(1), "1 EMF event of cumulative-app", timeout=30)
    created.add(2)
    provider.force_flush()
    poll_until(lambda: values(2), "2 EMF events of cumulative-app", timeout=30)
    provider.shutdown()  # exports once more: nothing new, a delta of 0

    assert poll_until(lambda: values(3), "3 EMF events of cumulative-app", timeout=30) == [3, 2, 0]


def test_dashboard_and_alarms_name_metrics_the_documents_declare(
    emf_events: list[dict[str, Any]],
) -> None:
    """Each EMF metric of the dashboard and alarms, with its dimension set, is in a document."""
    infra = load_infra()
    refs = widget_refs(dashboard_widgets(infra)) + alarm_refs(
        infra.resolve(infra.resources.get("aws_cloudwatch_metric_alarm", {}))
    )
    declared = {
        (metric["Name"], frozenset(dimensions))
        for event in emf_events
        for entry in event["document"].get("_aws", {}).get("CloudWatchMetrics", [])
        for metric in entry["Metrics"]
        for dimensions in entry["Dimensions"]
    }
    emf_refs = [ref for ref in refs if ref.namespace == NAMESPACE]

    assert len(emf_refs) > 10
    assert [ref for ref in emf_refs if (ref.name, ref.dimensions) not in declared] == []


def test_exponential_histograms_arrive_as_values_and_counts_for_percentiles(
    collector: CollectorPorts, logs: CloudWatchLogsClient
) -> None:
    """CloudWatch computes p99 from values and counts only, not from count/sum/min/max."""
    exporter = OTLPMetricExporter(
        endpoint=f"http://127.0.0.1:{collector.grpc}",
        insecure=True,
        preferred_temporality=DELTA,
        preferred_aggregation={Histogram: ExponentialBucketHistogramAggregation()},
    )
    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=3_600_000)
    provider = MeterProvider(
        resource=Resource({"service.name": "exponential-app"}), metric_readers=[reader]
    )
    duration = provider.get_meter("contract").create_histogram(DURATION, unit="s")
    for seconds in (0.01, 0.01, 0.02, 0.5):
        duration.record(seconds, {"http.route": "/api/todos"})
    provider.shutdown()

    def document() -> dict[str, Any] | None:
        events = logs.filter_log_events(
            logGroupName=LOG_GROUP, logStreamNames=["exponential-app/undefined"]
        )["events"]
        return json.loads(events[0]["message"]) if events else None

    value = poll_until(document, "the EMF event of exponential-app", timeout=30)[DURATION]
    assert value["Count"] == 4
    assert sum(value["Counts"]) == 4
    assert len(value["Values"]) == len(value["Counts"]) >= 2
