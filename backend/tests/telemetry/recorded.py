"""What the session's telemetry recorded: finished spans and metric points, read from memory."""

from typing import Any

from opentelemetry.sdk.metrics.export import InMemoryMetricReader, NumberDataPoint
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from app.telemetry import Telemetry


def finished(telemetry: Telemetry, spans: InMemorySpanExporter) -> list[ReadableSpan]:
    """Flush the batch processor and return the spans finished so far."""
    assert telemetry.tracer_provider.force_flush()
    return list(spans.get_finished_spans())


def server_spans(telemetry: Telemetry, spans: InMemorySpanExporter) -> list[ReadableSpan]:
    """The finished SERVER spans."""
    return [span for span in finished(telemetry, spans) if span.kind is SpanKind.SERVER]


def data_points(reader: InMemoryMetricReader, name: str) -> list[Any]:
    """Return the data points of one metric (cumulative, so totals since start)."""
    data = reader.get_metrics_data()
    assert data is not None
    return [
        point
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
        if metric.name == name
        for point in metric.data.data_points
    ]


def counter_total(reader: InMemoryMetricReader, name: str) -> int:
    """Sum of a counter's points (0 before it was first used)."""
    points: list[NumberDataPoint] = data_points(reader, name)
    return sum(int(point.value) for point in points)
