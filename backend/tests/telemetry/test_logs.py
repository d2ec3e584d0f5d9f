"""Logs: JSON lines with the trace id in X-Ray form, and OTLP records with trace and span ids."""

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from app.core.db import get_session
from app.telemetry import Telemetry
from app.telemetry.logs import JsonFormatter, install_log_export, xray_trace_id

RESOURCE = Resource({"service.name": "fastapi-app"})


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


# With OTEL_LOGS_EXPORTER=otlp: the same records over OTLP.


@contextmanager
def exporting() -> Iterator[InMemoryLogRecordExporter]:
    """Log export switched on for the block, into memory; flushed when the block ends."""
    exporter = InMemoryLogRecordExporter()  # type: ignore[no-untyped-call]
    installed = install_log_export(RESOURCE, exporter)
    logging.getLogger("app").setLevel(logging.INFO)
    try:
        yield exporter
    finally:
        installed.shutdown(timeout_millis=2000)


def test_log_of_a_request_carries_the_server_spans_trace_and_span(
    client: TestClient,
    telemetry: Telemetry,
    spans: InMemorySpanExporter,
) -> None:
    with exporting() as exporter:
        assert client.post("/api/todos/", json={"title": "secret plans"}).status_code == 201

    (readable,) = [r for r in exporter.get_finished_logs() if r.log_record.body == "todo created"]
    created = readable.log_record
    telemetry.tracer_provider.force_flush()
    (server,) = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER]
    assert server.context is not None
    assert created.trace_id == server.context.trace_id
    # Logged by the service inside the route: the server span is the active one.
    assert created.span_id == server.context.span_id
    assert created.severity_text == "INFO"
    assert created.attributes is not None
    assert isinstance(created.attributes["todo_id"], int)
    assert readable.resource.attributes["service.name"] == "fastapi-app"


def test_log_outside_any_span_has_no_trace_id() -> None:
    with exporting() as exporter:
        logging.getLogger("app.test").warning("no request here")
    (record,) = [r.log_record for r in exporter.get_finished_logs()]
    assert record.trace_id in (None, 0)
    assert record.severity_text == "WARN"


def test_records_of_the_sdk_itself_are_not_exported() -> None:
    with exporting() as exporter:
        logging.getLogger("opentelemetry.exporter.otlp").warning("collector unreachable")
        logging.getLogger("app.test").warning("kept")
    bodies = [r.log_record.body for r in exporter.get_finished_logs()]
    assert bodies == ["kept"]


def test_shutdown_detaches_the_handler() -> None:
    installed = install_log_export(RESOURCE, InMemoryLogRecordExporter())  # type: ignore[no-untyped-call]
    assert installed.handler in logging.getLogger().handlers
    installed.shutdown(timeout_millis=2000)
    assert installed.handler not in logging.getLogger().handlers
