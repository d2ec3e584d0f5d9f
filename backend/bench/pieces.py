"""Hand-written telemetry pieces against their stock packages: `python -m bench.pieces`.

The figures that app/telemetry/sql.py and resource.py cite come from here, in one
process, by the CPU time of the measuring thread (other processes do not count),
medians over rounds:
- a ``SELECT`` of one row under a recording span, on a throwaway PostgreSQL: without
  a SQL span, with the hook (app.telemetry.sql) and with
  opentelemetry-instrumentation-sqlalchemy, one round of each in turn;
- one hash of the resource, as the OTLP encoders take it per span: the SDK's
  ``Resource`` and the hashed-once one, with this service's attributes and with 22
  as on ECS.
Compare figures of one run only: this machine's speed drifts from run to run.
"""

import argparse
import statistics
from collections.abc import Callable
from functools import partial

import sqlalchemy as sa
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from app.telemetry.resource import _HashedOnce
from app.telemetry.sql import instrument_engine
from bench.components import cpu_us, on_postgres, print_table

# ECS's resource: cluster, task, container, log group and more (22 attributes in all).
ECS_ATTRIBUTES = 22


def sql(url: str, calls: int, rounds: int) -> dict[str, float]:
    """CPU per statement under a recording span: plain, and what each SQL span adds."""
    provider = TracerProvider(shutdown_on_exit=False)
    # Exported in the processor's own thread, which is not measured.
    provider.add_span_processor(BatchSpanProcessor(InMemorySpanExporter()))
    tracer = provider.get_tracer("bench")
    # All three made before the contrib wraps sqlalchemy.create_engine.
    plain, hooked, contrib = (sa.create_engine(url) for _ in range(3))
    instrument_engine(hooked, provider.get_tracer("app.sql"))
    SQLAlchemyInstrumentor().instrument(engine=contrib, tracer_provider=provider)
    query = sa.text("SELECT id, title FROM bench_todo WHERE id = :id")
    with plain.begin() as connection:
        connection.execute(sa.text("CREATE TABLE bench_todo (id int PRIMARY KEY, title text)"))
        connection.execute(sa.text("INSERT INTO bench_todo VALUES (7, 'seven')"))
    engines = {"plain": plain, "hook": hooked, "contrib": contrib}
    connections = {name: engine.connect() for name, engine in engines.items()}
    per_round: dict[str, list[float]] = {name: [] for name in engines}
    names = list(engines)
    # Round 0 warms every engine up and is not kept; each round starts with another.
    for turn in range(rounds + 1):
        for name in names[turn % 3 :] + names[: turn % 3]:

            def statement(connection: sa.Connection = connections[name]) -> None:
                with tracer.start_as_current_span("request"):
                    connection.execute(query, {"id": 7}).all()

            spent = cpu_us(statement, calls, 1)
            if turn:
                per_round[name].append(spent)
    for connection in connections.values():
        connection.close()
    SQLAlchemyInstrumentor().uninstrument()
    provider.shutdown()
    median = {name: statistics.median(found) for name, found in per_round.items()}
    return {
        "SQL statement under a span, no SQL span": median["plain"],
        "SQL span added, hook (app.telemetry.sql)": median["hook"] - median["plain"],
        "SQL span added, contrib sqlalchemy": median["contrib"] - median["plain"],
    }


def resource_hash(calls: int, rounds: int) -> dict[str, float]:
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
            results[f"resource hash, {label}, {kind}"] = cpu_us(call, calls, rounds)
    return results


def main() -> None:
    """Start a throwaway PostgreSQL, measure, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000, help="calls per round")
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    results = on_postgres("pieces", lambda url: sql(url, args.calls, args.rounds))
    results |= resource_hash(args.calls * 10, args.rounds)
    print_table(results, args.rounds, width=50)


if __name__ == "__main__":
    main()
