"""The SQL spans: one CLIENT span per statement, with what X-Ray's sql block reads."""

from collections.abc import Iterator

import pytest
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from sqlalchemy import Engine, text
from sqlalchemy.exc import ProgrammingError

from app.core.config import Settings
from app.core.db import create_db_engine
from app.telemetry.sql import instrument_engine


@pytest.fixture
def provider() -> TracerProvider:
    """A provider of the test's own, exporting each span as it ends."""
    tracer_provider = TracerProvider(shutdown_on_exit=False)
    tracer_provider.add_span_processor(SimpleSpanProcessor(InMemorySpanExporter()))
    return tracer_provider


@pytest.fixture
def exported(provider: TracerProvider) -> InMemorySpanExporter:
    """The spans the provider exported."""
    (processor,) = provider._active_span_processor._span_processors
    assert isinstance(processor, SimpleSpanProcessor)
    exporter = processor.span_exporter
    assert isinstance(exporter, InMemorySpanExporter)
    return exporter


@pytest.fixture
def traced_engine(settings: Settings, provider: TracerProvider) -> Iterator[Engine]:
    """A fresh engine on the test database, its statements traced into ``provider``."""
    engine = create_db_engine(settings)
    instrument_engine(engine, provider.get_tracer("app.sql"))
    yield engine
    engine.dispose()


def only_span(exporter: InMemorySpanExporter) -> ReadableSpan:
    """The one span exported, or a failure listing them all."""
    finished = exporter.get_finished_spans()
    assert len(finished) == 1, [span.name for span in finished]
    return finished[0]


def test_statement_span_carries_the_connection_and_the_statement(
    traced_engine: Engine, provider: TracerProvider, exported: InMemorySpanExporter
) -> None:
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("request") as parent, traced_engine.connect() as connection:
        connection.execute(text("SELECT 1"))

    statements = [span for span in exported.get_finished_spans() if span.name != "request"]
    assert len(statements) == 1, [span.name for span in statements]
    (span,) = statements
    url = traced_engine.url
    assert span.name == f"SELECT {url.database}"
    assert span.kind is SpanKind.CLIENT
    assert span.parent is not None
    assert span.parent.span_id == parent.get_span_context().span_id
    assert dict(span.attributes or {}) == {
        "db.system": "postgresql",
        "db.name": url.database,
        "db.user": url.username,
        "db.statement": "SELECT 1",
        "net.peer.name": url.host,
        "net.peer.port": url.port,
    }


def test_failed_statement_is_an_error_named_by_type_only(
    traced_engine: Engine, exported: InMemorySpanExporter
) -> None:
    with traced_engine.connect() as connection, pytest.raises(ProgrammingError):
        connection.execute(text("SELECT * FROM no_such_table_secret_name"))

    span = only_span(exported)
    assert span.status.status_code is StatusCode.ERROR
    # The database's message quotes the statement's names (and can quote values).
    assert span.status.description == "UndefinedTable"
    assert span.end_time is not None


def test_suppressed_statements_start_no_span(
    traced_engine: Engine, exported: InMemorySpanExporter
) -> None:
    with suppress_instrumentation(), traced_engine.connect() as connection:
        connection.execute(text("SELECT 1"))

    assert exported.get_finished_spans() == ()


def test_the_pools_pre_ping_is_not_a_span(
    traced_engine: Engine, provider: TracerProvider, exported: InMemorySpanExporter
) -> None:
    assert traced_engine.pool._pre_ping  # else this test would prove nothing
    with traced_engine.connect() as connection:  # a fresh connection is not pinged
        connection.execute(text("SELECT 2"))
    exported.clear()

    # The pooled connection is pinged at checkout, then runs the statement.
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("request"), traced_engine.connect() as connection:
        connection.execute(text("SELECT 3"))

    statements = [
        (span.attributes or {}).get("db.statement")
        for span in exported.get_finished_spans()
        if span.name != "request"
    ]
    assert statements == ["SELECT 3"]


def test_executemany_is_one_span(traced_engine: Engine, exported: InMemorySpanExporter) -> None:
    with traced_engine.begin() as connection:
        connection.execute(text("CREATE TEMPORARY TABLE many (n int)"))
        exported.clear()
        connection.execute(text("INSERT INTO many VALUES (:n)"), [{"n": 1}, {"n": 2}, {"n": 3}])

    span = only_span(exported)
    assert span.name == f"INSERT {traced_engine.url.database}"
    assert (span.attributes or {})["db.statement"] == "INSERT INTO many VALUES (%(n)s)"
