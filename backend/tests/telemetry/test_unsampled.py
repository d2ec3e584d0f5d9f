"""Telemetry costs in proportion to what is kept: an unsampled request builds no spans."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import Tracer
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Span

from app.telemetry import Telemetry

# The caller decided not to sample (trace flags 00).
UNSAMPLED = "00-6a1b2c3d4e5f60718293a4b5c6d7e8f9-1122334455667788-00"


def duration_count(reader: InMemoryMetricReader) -> int:
    """Requests counted by http.server.request.duration so far."""
    data = reader.get_metrics_data()
    if data is None:
        return 0
    return sum(
        int(getattr(point, "count", 0))
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
        if metric.name == "http.server.request.duration"
        for point in metric.data.data_points
    )


def count_sql_spans_started(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A list that grows with each span the SQL hook starts, recorded or not."""
    started: list[str] = []
    original = Tracer.start_span

    def spy(self: Tracer, name: str, *args: Any, **kwargs: Any) -> Span:
        if self.instrumentation_info.name == "app.sql":
            started.append(name)
        return original(self, name, *args, **kwargs)

    monkeypatch.setattr(Tracer, "start_span", spy)
    return started


def test_unsampled_request_skips_the_sql_hooks_but_is_still_measured(
    client: TestClient,
    telemetry: Telemetry,
    spans: InMemorySpanExporter,
    metric_reader: InMemoryMetricReader,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    named = count_sql_spans_started(monkeypatch)
    before = duration_count(metric_reader)

    assert client.get("/api/todos/", headers={"traceparent": UNSAMPLED}).status_code == 200

    assert telemetry.tracer_provider.force_flush()
    assert list(spans.get_finished_spans()) == []
    assert named == []
    assert duration_count(metric_reader) >= before + 1


def test_sampled_request_still_runs_the_sql_hooks(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    named = count_sql_spans_started(monkeypatch)

    assert client.get("/api/todos/").status_code == 200

    assert named
