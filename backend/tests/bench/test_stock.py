"""The bench's stock peer: contrib server and SQL spans, and a launcher that serves and exports.

A broken stock peer must fail here, not in the middle of a bench.
"""

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from devkit.polling import poll_until
from devkit.postgres import Cluster
from fastapi.testclient import TestClient
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from pydantic import SecretStr

from app.__main__ import migrate
from app.core.config import Settings
from app.core.db import create_db_engine
from app.main import create_app
from bench import stock
from tests.service import (
    OtlpReceiver,
    exported_spans,
    new_database,
    service_env,
    serving,
    terminate,
)

FASTAPI_SCOPE = "opentelemetry.instrumentation.fastapi"
SQL_SCOPE = "opentelemetry.instrumentation.sqlalchemy"


def scope(span: ReadableSpan) -> str | None:
    """The name of the instrumentation that made the span."""
    return span.instrumentation_scope.name if span.instrumentation_scope else None


@pytest.fixture
def stock_app(pg: Cluster) -> Iterator[tuple[TestClient, InMemorySpanExporter]]:
    """The app on a database of its own, instrumented as the stock peer does, into memory."""
    engine = create_db_engine(Settings(database_url=SecretStr(new_database(pg, "stock_peer"))))
    migrate(engine)
    spans = InMemorySpanExporter()
    tracer_provider = TracerProvider(shutdown_on_exit=False)
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    app = create_app(engine=engine, telemetry=None)
    stock.instrument(app, engine, tracer_provider, MeterProvider(shutdown_on_exit=False))
    try:
        # No `with`: the lifespan is not under test.
        yield TestClient(app), spans
    finally:
        # The contrib patches sqlalchemy.create_engine for the whole process.
        FastAPIInstrumentor.uninstrument_app(app)
        SQLAlchemyInstrumentor().uninstrument()
        engine.dispose()


def test_each_request_is_one_contrib_server_span_over_contrib_sql_spans(
    stock_app: tuple[TestClient, InMemorySpanExporter],
) -> None:
    client, spans = stock_app
    todo = client.post("/api/todos/", json={"title": "stock"}).json()
    spans.clear()

    assert client.get(f"/api/todos/{todo['id']}").status_code == 200

    recorded = spans.get_finished_spans()
    (server,) = [span for span in recorded if span.kind is SpanKind.SERVER]
    assert (server.name, scope(server)) == ("GET /api/todos/{todo_id}", FASTAPI_SCOPE)
    # No receive/send spans (INTERNAL), no FastAPI built-in spans: the two contribs only.
    assert {span.kind for span in recorded} == {SpanKind.SERVER, SpanKind.CLIENT}
    assert {scope(span) for span in recorded} == {FASTAPI_SCOPE, SQL_SCOPE}
    selects = [span for span in recorded if span.name == "SELECT stock_peer"]
    assert selects
    assert server.context is not None
    assert {span.parent.span_id for span in selects if span.parent} == {server.context.span_id}


def test_launcher_migrates_serves_and_exports_stock_spans(
    pg: Cluster, receiver: OtlpReceiver, tmp_path: Path
) -> None:
    env = service_env(
        new_database(pg, "stock_launcher"),
        OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
        OTEL_BSP_SCHEDULE_DELAY="100",
    )
    command = (sys.executable, "-m", "bench.stock")
    with (tmp_path / "stdout").open("wb") as out, serving(env, out, command) as (process, base):
        assert httpx.get(f"{base}/api/todos/").status_code == 200
        expected = {(FASTAPI_SCOPE, "GET /api/todos/"), (SQL_SCOPE, "SELECT stock_launcher")}
        # Before SIGTERM: uvicorn re-raises it at exit, so the SDK's atexit flush never runs.
        poll_until(
            lambda: expected <= set(exported_spans(receiver.received.get("/v1/traces", []))),
            f"bench.stock to export {expected}",
        )

        terminate(process)
