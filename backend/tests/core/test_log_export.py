"""Log records over OTLP (OTEL_LOGS_EXPORTER=otlp): from logging, with trace and span ids."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from app.core.config import Settings
from app.core.log_export import install_log_export
from app.core.telemetry import Telemetry

RESOURCE = Resource({"service.name": "fastapi-app"})


@contextmanager
def exporting(settings: Settings) -> Iterator[InMemoryLogRecordExporter]:
    """Log export switched on for the block, into memory; flushed when the block ends."""
    exporter = InMemoryLogRecordExporter()  # type: ignore[no-untyped-call]
    otlp = settings.model_copy(update={"otel_logs_exporter": "otlp"})
    installed = install_log_export(otlp, RESOURCE, exporter=exporter)
    assert installed is not None
    logging.getLogger("app").setLevel(logging.INFO)
    try:
        yield exporter
    finally:
        installed.shutdown(timeout_millis=2000)


def test_log_of_a_request_carries_the_server_spans_trace_and_span(
    client: TestClient,
    telemetry: Telemetry,
    spans: InMemorySpanExporter,
    settings: Settings,
) -> None:
    with exporting(settings) as exporter:
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


def test_log_outside_any_span_has_no_trace_id(settings: Settings) -> None:
    with exporting(settings) as exporter:
        logging.getLogger("app.test").warning("no request here")
    (record,) = [r.log_record for r in exporter.get_finished_logs()]
    assert record.trace_id in (None, 0)
    assert record.severity_text == "WARN"


def test_records_of_the_sdk_itself_are_not_exported(settings: Settings) -> None:
    with exporting(settings) as exporter:
        logging.getLogger("opentelemetry.exporter.otlp").warning("collector unreachable")
        logging.getLogger("app.test").warning("kept")
    bodies = [r.log_record.body for r in exporter.get_finished_logs()]
    assert bodies == ["kept"]


def test_logs_exporter_none_installs_nothing(settings: Settings) -> None:
    handlers = list(logging.getLogger().handlers)
    assert settings.otel_logs_exporter == "none"
    assert install_log_export(settings, RESOURCE) is None
    assert logging.getLogger().handlers == handlers


def test_shutdown_detaches_the_handler(settings: Settings) -> None:
    otlp = settings.model_copy(update={"otel_logs_exporter": "otlp"})
    installed = install_log_export(otlp, RESOURCE, exporter=InMemoryLogRecordExporter())  # type: ignore[no-untyped-call]
    assert installed is not None
    assert installed.handler in logging.getLogger().handlers
    installed.shutdown(timeout_millis=2000)
    assert installed.handler not in logging.getLogger().handlers
