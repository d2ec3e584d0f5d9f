"""Where fastapi-app's telemetry CPU goes, per piece: `python -m bench.components`.

The throughput bench (bench.bench) says what telemetry costs a request in all; on a
shared machine its ratios move by more than the pieces weigh. This measures each
piece on its own, in one process, by the CPU time of the thread that does it (so
other processes on the machine do not count): the server span as
app.telemetry.http_server.TelemetryMiddleware makes it, the same span unsampled, one SQL
statement on a real PostgreSQL with and without its span (app.telemetry.sql), one
point of the request histogram, and the OTLP encoding of each span, which the
export thread does. Each figure is the median of several rounds of many calls.
"""

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from devkit.postgres import Cluster
from opentelemetry import context, propagate, trace
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.metrics import Histogram, MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.metrics.view import ExponentialBucketHistogramAggregation
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased
from opentelemetry.trace import SpanKind

from app.telemetry import http_server
from app.telemetry.resource import _HashedOnce
from app.telemetry.sql import instrument_engine
from app.telemetry.trace_header import AlbRootIdGenerator

# A request as uvicorn hands it over: the wrk bench's get by id.
SCOPE: dict[str, Any] = {
    "type": "http",
    "method": "GET",
    "path": "/api/todos/7",
    "scheme": "http",
    "server": ("127.0.0.1", 8000),
    "client": ("127.0.0.1", 50000),
    "headers": [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"wrk/4.2"), (b"accept", b"*/*")],
}
ROUTE = "/api/todos/{todo_id}"


class _Keep(SpanExporter):
    """Keeps finished spans, to encode them afterwards."""

    def __init__(self) -> None:
        self.spans: list[ReadableSpan] = []

    def export(self, spans: Any) -> SpanExportResult:
        self.spans.extend(spans)
        return SpanExportResult.SUCCESS


def cpu_us(call: Callable[[], object], calls: int, rounds: int) -> float:
    """Median over rounds of the thread's CPU time per call, in microseconds."""
    for _ in range(calls // 10):
        call()
    per_round = []
    for _ in range(rounds):
        start = time.thread_time()
        for _ in range(calls):
            call()
        per_round.append((time.thread_time() - start) / calls * 1e6)
    return statistics.median(per_round)


def server_span(tracer: trace.Tracer) -> Callable[[], None]:
    """The middleware's work for one request's span, the app itself left out."""

    def call() -> None:
        headers = {n.decode("latin-1"): v.decode("latin-1") for n, v in SCOPE["headers"]}
        method = http_server.request_method(SCOPE["method"])
        parent = propagate.extract(headers, getter=http_server.HEADERS)
        span = tracer.start_span(method, context=parent, kind=SpanKind.SERVER)
        current = trace.set_span_in_context(span, parent)
        if span.is_recording():
            span.set_attributes(http_server.request_attributes(SCOPE, headers, method))
        token = context.attach(current)
        if span.is_recording():
            span.update_name(f"{method} {ROUTE}")
            span.set_attribute("http.route", ROUTE)
            span.set_attribute("http.response.status_code", 200)
        span.end()
        context.detach(token)

    return call


def measure(url: str, calls: int, rounds: int) -> dict[str, float]:
    """Every piece's CPU per call, in microseconds."""
    # As the service makes it: hashed once (app.telemetry.resource).
    resource = _HashedOnce(Resource.create({"service.name": "fastapi-app"}))
    kept = _Keep()
    provider = TracerProvider(
        resource=resource, id_generator=AlbRootIdGenerator(), shutdown_on_exit=False
    )
    provider.add_span_processor(SimpleSpanProcessor(kept))
    unsampled = TracerProvider(
        resource=resource, sampler=ParentBased(ALWAYS_OFF), shutdown_on_exit=False
    )
    results = {
        "server span": cpu_us(server_span(provider.get_tracer("app.http")), calls, rounds),
        "server span, unsampled": cpu_us(
            server_span(unsampled.get_tracer("app.http")), calls, rounds
        ),
    }

    plain = sa.create_engine(url)
    instrumented = sa.create_engine(url)
    instrument_engine(instrumented, provider.get_tracer("app.sql"))
    query = sa.text("SELECT id, title FROM bench_todo WHERE id = :id")
    with plain.begin() as connection:
        connection.execute(sa.text("CREATE TABLE bench_todo (id int PRIMARY KEY, title text)"))
        connection.execute(sa.text("INSERT INTO bench_todo VALUES (7, 'seven')"))
    tracer = provider.get_tracer("bench")
    for name, engine in (("plain", plain), ("instrumented", instrumented)):
        with engine.connect() as connection:

            def statement(connection: sa.Connection = connection) -> None:
                # Under a recording parent, as in a sampled request.
                with tracer.start_as_current_span("request"):
                    connection.execute(query, {"id": 7}).all()

            results[f"SQL statement under a span, {name}"] = cpu_us(statement, calls // 4, rounds)
    results["SQL span (instrumentation)"] = (
        results["SQL statement under a span, instrumented"]
        - results["SQL statement under a span, plain"]
    )

    reader = InMemoryMetricReader(
        preferred_aggregation={Histogram: ExponentialBucketHistogramAggregation()}
    )
    histogram = (
        MeterProvider(metric_readers=[reader], shutdown_on_exit=False)
        .get_meter("app.http")
        .create_histogram("http.server.request.duration", unit="s")
    )
    point = {
        "http.request.method": "GET",
        "http.route": ROUTE,
        "http.response.status_class": "2xx",
    }
    results["histogram point"] = cpu_us(lambda: histogram.record(0.004, point), calls, rounds)

    for kind, pick in (("server", SpanKind.SERVER), ("SQL", SpanKind.CLIENT)):
        batch = [s for s in kept.spans if s.kind == pick][-512:]

        def encode(batch: list[ReadableSpan] = batch) -> None:
            encode_spans(batch).SerializeToString()

        results[f"OTLP encoding, {kind} span"] = cpu_us(encode, 20, rounds) / len(batch)
    provider.shutdown()
    unsampled.shutdown()
    return results


def on_postgres(database: str, measure: Callable[[str], dict[str, float]]) -> dict[str, float]:
    """Measure against a database on a throwaway PostgreSQL, removed afterwards."""
    pg = Cluster()
    try:
        pg.start()
        pg.psql(f"CREATE DATABASE {database}")
        return measure(pg.url(database))
    finally:
        pg.remove()


def print_table(results: dict[str, float], rounds: int, width: int = 45) -> None:
    """The figures, one a line: CPU microseconds per call."""
    print(f"\nCPU per call, median of {rounds} rounds (microseconds)")
    for name, value in results.items():
        print(f"{name:<{width}} {value:8.1f}")


def main() -> None:
    """Start a throwaway PostgreSQL, measure, print (and write) the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=4000, help="calls per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    results = on_postgres("components", lambda url: measure(url, args.calls, args.rounds))
    print_table(results, args.rounds)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
