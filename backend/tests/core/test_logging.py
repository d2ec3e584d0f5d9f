"""Log lines: JSON, with the trace id in X-Ray form and the span id of the request."""

import io
import json
import logging
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from app.core.db import get_session
from app.core.logging import JsonFormatter, xray_trace_id
from app.core.telemetry import Telemetry


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Collect what the app logs, formatted as on stdout."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    app_logger = logging.getLogger("app")
    app_logger.addHandler(handler)
    app_logger.setLevel(logging.INFO)
    yield stream
    app_logger.removeHandler(handler)


def test_xray_trace_id_format() -> None:
    assert (
        xray_trace_id(0x5759E988BD862E3FE1BE46A994272793) == "1-5759e988-bd862e3fe1be46a994272793"
    )


def test_log_line_of_a_request_carries_its_trace_and_span(
    client: TestClient,
    telemetry: Telemetry,
    spans: InMemorySpanExporter,
    log_lines: io.StringIO,
) -> None:
    client.post("/api/todos/", json={"title": "secret plans"})

    entries = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    (created,) = [entry for entry in entries if entry["message"] == "todo created"]
    telemetry.tracer_provider.force_flush()
    (server,) = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER]
    assert server.context is not None
    assert created["trace_id"] == xray_trace_id(server.context.trace_id)
    assert len(created["span_id"]) == 16
    assert created["level"] == "INFO"
    assert isinstance(created["todo_id"], int)
    # Titles are user text: never logged.
    assert "secret plans" not in log_lines.getvalue()


def test_log_line_of_an_unhandled_error_carries_its_trace(
    app: FastAPI,
    client: TestClient,
    telemetry: Telemetry,
    spans: InMemorySpanExporter,
    log_lines: io.StringIO,
) -> None:
    def broken() -> None:
        raise RuntimeError("boom")

    app.dependency_overrides[get_session] = broken

    assert client.get("/api/todos/").status_code == 500

    entries = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    (error,) = [entry for entry in entries if entry["message"].startswith("unhandled error")]
    telemetry.tracer_provider.force_flush()
    (server,) = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER]
    assert server.context is not None
    # Logged by the 500 handler, outside the routes: still inside the server span.
    assert error["trace_id"] == xray_trace_id(server.context.trace_id)
    assert error["span_id"] == f"{server.context.span_id:016x}"
