"""Hand-written telemetry pieces against their stock packages: `python -m bench.pieces`.

The figures that app/telemetry/sql.py and resource.py cite come from here, in one
process, by the CPU time of the measuring thread (other processes do not count),
medians over rounds, or with ``--callgrind`` by instructions (bench.counting):
- a ``SELECT`` of one row on a throwaway PostgreSQL, under a recording span (sampled)
  and as an unsampled request runs it (checkout, transaction, statement, all under
  ``suppress_instrumentation``): without a SQL span, with the hook
  (app.telemetry.sql), with a no-op SQLAlchemy cursor-event listener, and with
  opentelemetry-instrumentation-sqlalchemy, one round of each in turn;
- one request to a FastAPI app with one route, answering at once: without telemetry,
  with the middleware (app.telemetry.http_server) and with
  opentelemetry-instrumentation-fastapi (``exclude_spans=["receive", "send"]``), on one
  meter provider and a sampled or an unsampled tracer provider;
- one hash of the resource, as the OTLP encoders take it per span: the SDK's
  ``Resource`` and the hashed-once one, with this service's attributes and with 22
  as on ECS.
Compare CPU figures of one run only: this machine's speed drifts from run to run.
"""

import argparse
import asyncio
import statistics
from collections.abc import Callable
from functools import partial

import sqlalchemy as sa
from fastapi import FastAPI
from opentelemetry import metrics
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.sdk.metrics import Histogram, MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.metrics.view import ExponentialBucketHistogramAggregation
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, ParentBased

from app.telemetry import BUILT_IN_TELEMETRY_OFF, Telemetry, instrument_app
from app.telemetry.resource import _HashedOnce
from app.telemetry.sql import instrument_engine
from bench import per_request
from bench.components import on_postgres, print_table
from bench.counting import per_call

# ECS's resource: cluster, task, container, log group and more (22 attributes in all).
ECS_ATTRIBUTES = 22
# The engines compared, and what each stands for.
ENGINES = {
    "plain": "no SQL span",
    "hook": "hook (app.telemetry.sql)",
    "cursor events": "a no-op SQLAlchemy cursor-event listener",
    "contrib": "contrib sqlalchemy",
}


def sql(url: str, calls: int, rounds: int, counted: bool = False) -> dict[str, float]:
    """What each way of tracing SQL adds to a statement, sampled and unsampled."""
    provider = TracerProvider(shutdown_on_exit=False)
    # Exported in the processor's own thread, which is not measured.
    provider.add_span_processor(BatchSpanProcessor(InMemorySpanExporter()))
    tracer = provider.get_tracer("bench")
    # All made before the contrib wraps sqlalchemy.create_engine; pre-ping as the app's.
    engines = {name: sa.create_engine(url, pool_pre_ping=True) for name in ENGINES}
    instrument_engine(engines["hook"], provider.get_tracer("app.sql"))
    # What any connection-event listener costs, whatever it does (the hook's first
    # version listened to the cursor events).
    sa.event.listen(engines["cursor events"], "before_cursor_execute", lambda *_: None)
    SQLAlchemyInstrumentor().instrument(engine=engines["contrib"], tracer_provider=provider)
    query = sa.text("SELECT id, title FROM bench_todo WHERE id = :id")
    with engines["plain"].begin() as connection:
        connection.execute(sa.text("CREATE TABLE bench_todo (id int PRIMARY KEY, title text)"))
        connection.execute(sa.text("INSERT INTO bench_todo VALUES (7, 'seven')"))
    connections = {name: engine.connect() for name, engine in engines.items()}
    sampled: dict[str, list[float]] = {name: [] for name in engines}
    unsampled: dict[str, list[float]] = {name: [] for name in engines}
    names = list(engines)
    # Round 0 warms every engine up and is not kept; each round starts with another.
    for turn in range(1 if counted else rounds + 1):
        shift = turn % len(names)
        for name in names[shift:] + names[:shift]:

            def statement(connection: sa.Connection = connections[name]) -> None:
                with tracer.start_as_current_span("request"):
                    connection.execute(query, {"id": 7}).all()

            def request(engine: sa.Engine = engines[name]) -> None:
                # An unsampled request's SQL: a pooled connection, a transaction, a statement.
                with suppress_instrumentation(), engine.begin() as connection:
                    connection.execute(query, {"id": 7}).all()

            if turn or counted:
                sampled[name].append(per_call(statement, calls, 1, counted))
                unsampled[name].append(per_call(request, calls, 1, counted))
    for connection in connections.values():
        connection.close()
    SQLAlchemyInstrumentor().uninstrument()
    provider.shutdown()
    alone = statistics.median(sampled["plain"])
    results = {"SQL statement under a span, no SQL span": alone}
    for name in names[1:]:
        results[f"SQL span added, {ENGINES[name]}"] = statistics.median(sampled[name]) - alone
    plain = statistics.median(unsampled["plain"])
    results["unsampled checkout and statement, untraced engine"] = plain
    for name in names[1:]:
        added = statistics.median(unsampled[name]) - plain
        results[f"unsampled statement added, {ENGINES[name]}"] = added
    return results


def one_route() -> FastAPI:
    """A FastAPI app with the service's get-by-id route, answering without a database."""
    app = FastAPI(telemetry=BUILT_IN_TELEMETRY_OFF)

    @app.get("/api/todos/{todo_id}")
    async def get(todo_id: int) -> dict[str, int]:
        return {"id": todo_id}

    return app


def server(calls: int, rounds: int, counted: bool = False) -> dict[str, float]:
    """What each server instrumentation adds to a request, sampled and unsampled."""
    reader = InMemoryMetricReader(
        preferred_aggregation={Histogram: ExponentialBucketHistogramAggregation()}
    )
    meters = MeterProvider(metric_readers=[reader], shutdown_on_exit=False)
    # The middleware takes its meter from the global provider, as in the service.
    metrics.set_meter_provider(meters)
    loop = asyncio.new_event_loop()
    scope, body = per_request.request("get", 7)
    results = {}
    for label, sampler in (("sampled", ALWAYS_ON), ("unsampled", ParentBased(ALWAYS_OFF))):
        provider = TracerProvider(sampler=sampler, shutdown_on_exit=False)
        # Exported in the processor's own thread, which is not measured.
        provider.add_span_processor(BatchSpanProcessor(InMemorySpanExporter()))
        apps = {name: one_route() for name in ("plain", "middleware", "contrib")}
        instrument_app(apps["middleware"], Telemetry(provider, meters))
        FastAPIInstrumentor.instrument_app(
            apps["contrib"],
            tracer_provider=provider,
            meter_provider=meters,
            exclude_spans=["receive", "send"],
        )
        spent = {}
        for name, app in apps.items():

            def one(app: FastAPI = app) -> None:
                assert loop.run_until_complete(per_request.call(app, scope, body)) == 200

            spent[name] = per_call(one, calls, rounds, counted)
        for name in ("middleware", "contrib"):
            results[f"request added, {label}, {name}"] = spent[name] - spent["plain"]
        provider.shutdown()
    loop.close()
    return results


def resource_hash(calls: int, rounds: int, counted: bool = False) -> dict[str, float]:
    """CPU per hash of the resource, the SDK's and hashed once, local and ECS-sized."""
    local = Resource.create({"service.name": "fastapi-app"})
    task = "arn:aws:ecs:us-east-1:123456789012:task/todo/0123456789abcdef0123456789abcdef"
    extra = {f"aws.ecs.example.{i}": task for i in range(ECS_ATTRIBUTES - len(local.attributes))}
    ecs = Resource({**local.attributes, **extra})
    results = {}
    for label, resource in (("local", local), (f"{ECS_ATTRIBUTES} attributes", ecs)):
        kinds: dict[str, Callable[[], object]] = {
            "SDK Resource": partial(hash, resource),
            "hashed once": partial(hash, _HashedOnce(resource)),
        }
        for kind, call in kinds.items():
            results[f"resource hash, {label}, {kind}"] = per_call(call, calls, rounds, counted)
    return results


def main() -> None:
    """Start a throwaway PostgreSQL, measure, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000, help="calls per round")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--callgrind", action="store_true", help="count instructions instead")
    args = parser.parse_args()
    counted = args.callgrind
    results = on_postgres("pieces", lambda url: sql(url, args.calls, args.rounds, counted))
    results |= server(args.calls, args.rounds, counted)
    results |= resource_hash(args.calls * 10, args.rounds, counted)
    unit = "instructions" if counted else f"CPU microseconds, median of {args.rounds}"
    print_table(results, f"per call ({unit})", width=70)


if __name__ == "__main__":
    main()
