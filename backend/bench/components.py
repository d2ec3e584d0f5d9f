"""Where fastapi-app's telemetry CPU goes, per piece: `python -m bench.components`.

The throughput bench (`make bench`) says what telemetry costs a request in all; on
a shared machine its ratios move by more than the pieces weigh. This measures each
piece on its own, in one process, by the CPU time of the thread that does it (so
other processes on the machine do not count), or with ``--callgrind`` by the
instructions it executes (bench.counting): the request middleware
(app.telemetry.http_server) around an app that answers at once, sampled and
unsampled, with the service's own set-up (propagators, X-Ray ids, the metric
aggregation collector/app-env.json asks for); one point of the request histogram
alone; one SQL statement on a real PostgreSQL with and without its span
(app.telemetry.sql), and a request's checkout, transaction and statement when
unsampled; and the OTLP encoding of each kind of span, which the export thread does.
Each CPU figure is the median of several rounds of many calls.
"""

import argparse
import contextlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from devkit.postgres import Cluster
from opentelemetry import propagate
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased
from opentelemetry.trace import SpanKind
from pydantic import SecretStr
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.config import Settings
from app.telemetry import Telemetry, setup_telemetry
from app.telemetry.http_server import HEADERS, TelemetryMiddleware
from app.telemetry.sql import instrument_engine
from app.telemetry.trace_header import AlbRootIdGenerator
from bench.counting import per_call

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
# Never reached: a point is aggregated when recorded; its export every 10 s is not
# a request's.
NEVER_MS = 10**9
# Kept per kind of span for encoding: the batch processor's largest batch.
BATCH = 512
Cost = Callable[[Callable[[], object], int], float]


class _Keep(SpanExporter):
    """Keeps finished spans, to encode them afterwards."""

    def __init__(self) -> None:
        self.spans: list[ReadableSpan] = []

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.spans.extend(spans)
        return SpanExportResult.SUCCESS


async def _answer(_scope: Scope, _receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def _receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send(_message: Message) -> None:
    return None


def serve_once(app: ASGIApp) -> Callable[[], None]:
    """One request through `app`, which never waits (so no event loop is needed)."""

    def call() -> None:
        with contextlib.suppress(StopIteration):
            app(SCOPE, _receive, _send).send(None)  # type: ignore[attr-defined]

    return call


def middleware(telemetry: Telemetry, cost: Cost, calls: int) -> dict[str, float]:
    """The request middleware's own cost, sampled and unsampled (the app itself left out)."""
    unsampled = TracerProvider(
        resource=telemetry.tracer_provider.resource,
        sampler=ParentBased(ALWAYS_OFF),
        id_generator=AlbRootIdGenerator(),
        shutdown_on_exit=False,
    )
    alone = cost(serve_once(_answer), calls)
    results = {}
    for name, provider in (("sampled", telemetry.tracer_provider), ("unsampled", unsampled)):
        wrapped = TelemetryMiddleware(_answer, tracer=provider.get_tracer("app.http"))
        results[f"request middleware, {name}"] = cost(serve_once(wrapped), calls) - alone
    histogram = TelemetryMiddleware(_answer, tracer=unsampled.get_tracer("x"))._duration
    point = {
        "http.request.method": "GET",
        "http.route": "/api/todos/{todo_id}",
        "http.response.status_class": "2xx",
    }
    results["histogram point (in the middleware)"] = cost(
        lambda: histogram.record(0.004, point), calls
    )
    # The unsampled path's other two parts from the SDK and the propagators.
    tracer, parent = unsampled.get_tracer("app.http"), Context()
    results["non-recording span (in the middleware)"] = cost(
        lambda: tracer.start_span("GET", context=parent, kind=SpanKind.SERVER), calls
    )
    headers = {"host": "127.0.0.1:8000"}
    results["extract, three propagators (in the middleware)"] = cost(
        lambda: propagate.extract(headers, getter=HEADERS), calls
    )
    return results


def sql(url: str, telemetry: Telemetry, cost: Cost, calls: int) -> dict[str, float]:
    """One statement with and without its span; a request's SQL work, unsampled."""
    plain = sa.create_engine(url, pool_pre_ping=True)
    traced = sa.create_engine(url, pool_pre_ping=True)
    instrument_engine(traced, telemetry.tracer_provider.get_tracer("app.sql"))
    query = sa.text("SELECT id, title FROM bench_todo WHERE id = :id")
    with plain.begin() as connection:
        connection.execute(sa.text("CREATE TABLE bench_todo (id int PRIMARY KEY, title text)"))
        connection.execute(sa.text("INSERT INTO bench_todo VALUES (7, 'seven')"))
    tracer = telemetry.tracer_provider.get_tracer("bench")
    results = {}
    for name, engine in (("plain", plain), ("instrumented", traced)):

        def request(engine: sa.Engine = engine) -> None:
            # As an unsampled request: a pooled connection, a transaction, a statement.
            with suppress_instrumentation(), engine.begin() as connection:
                connection.execute(query, {"id": 7}).all()

        results[f"unsampled checkout and statement, {name}"] = cost(request, calls // 4)
        with engine.connect() as connection:

            def statement(connection: sa.Connection = connection) -> None:
                # Under a recording parent, as in a sampled request.
                with tracer.start_as_current_span("request"):
                    connection.execute(query, {"id": 7}).all()

            results[f"SQL statement under a span, {name}"] = cost(statement, calls // 4)
    results["SQL span (instrumentation)"] = (
        results["SQL statement under a span, instrumented"]
        - results["SQL statement under a span, plain"]
    )
    results["SQL, unsampled (instrumentation)"] = (
        results["unsampled checkout and statement, instrumented"]
        - results["unsampled checkout and statement, plain"]
    )
    return results


def encoding(kept: list[ReadableSpan], cost: Cost) -> dict[str, float]:
    """The OTLP protobuf encoding of each kind of span, per span (the export thread's work)."""
    results = {}
    for kind, pick in (("server", SpanKind.SERVER), ("SQL", SpanKind.CLIENT)):
        batch = [span for span in kept if span.kind == pick][-BATCH:]

        def encode(batch: list[ReadableSpan] = batch) -> None:
            encode_spans(batch).SerializeToString()

        results[f"OTLP encoding, {kind} span"] = cost(encode, 20) / len(batch)
    return results


def measure(url: str, calls: int, rounds: int, counted: bool) -> dict[str, float]:
    """Every piece's cost per call: CPU microseconds, or instructions under callgrind."""

    def cost(call: Callable[[], object], times: int) -> float:
        return per_call(call, times, rounds, counted)

    kept = _Keep()
    reader = PeriodicExportingMetricReader(OTLPMetricExporter(), export_interval_millis=NEVER_MS)
    # The service's own set-up, from the environment: it exports everything.
    telemetry = setup_telemetry(
        Settings(database_url=SecretStr(url), otel_traces_sampler="parentbased_always_on"),
        span_exporter=kept,
        metric_reader=reader,
    )
    assert telemetry is not None, "OTEL_SDK_DISABLED is set: nothing to measure"
    results = middleware(telemetry, cost, calls)
    results |= sql(url, telemetry, cost, calls)
    telemetry.tracer_provider.force_flush()
    results |= encoding(kept.spans, cost)
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


def print_table(results: dict[str, float], title: str, width: int = 50) -> None:
    """The figures, one a line."""
    print(f"\n{title}")
    for name, value in results.items():
        print(f"{name:<{width}} {value:10.1f}")


def main() -> None:
    """Start a throwaway PostgreSQL, measure, print (and write) the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=4000, help="calls per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--callgrind", action="store_true", help="count instructions instead")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    results = on_postgres(
        "components", lambda url: measure(url, args.calls, args.rounds, args.callgrind)
    )
    unit = "instructions" if args.callgrind else f"CPU microseconds, median of {args.rounds}"
    print_table(results, f"per call ({unit})")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
