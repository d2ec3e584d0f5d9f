"""OTLP span encoding, protobuf against JSON: CPU (or instructions) and bytes per span.

The choice lives in app/telemetry/setup.py, which cites these figures. The JSON
exporter (opentelemetry-exporter-otlp-json-http 0.66b1) needs
opentelemetry-exporter-otlp-common 0.66b1 where the protobuf exporters 1.45.2 need
0.66b2, so the two cannot share the service's environment; this script imports
nothing of the app and runs in one of its own:

    uv run --no-project --python 3.11 --with opentelemetry-sdk==1.45.2 \\
        --with opentelemetry-exporter-otlp-proto-common==1.45.2 \\
        --with opentelemetry-exporter-otlp-json-http==0.66b1 python -m bench.encodings

(from backend/; under valgrind's callgrind add ``--callgrind``, see bench.counting).
"""

import argparse
from collections.abc import Callable

from opentelemetry.exporter.otlp.json.common.trace_encoder import (
    encode_spans as json_spans,
)
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans as proto_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from opentelemetry.util.types import AnyValue

from bench.counting import per_call

# A batch as the batch processor sends it under load: 256 requests of a get by id.
REQUESTS = 256
STATEMENT = (
    "SELECT todo.id, todo.title, todo.completed, todo.created_at, todo.updated_at "
    "FROM todo WHERE todo.id = %(pk_1)s"
)


def batch() -> list[ReadableSpan]:
    """The spans of REQUESTS get-by-id requests, with the service's attributes."""
    kept = InMemorySpanExporter()
    provider = TracerProvider(
        resource=Resource.create({"service.name": "fastapi-app"}), shutdown_on_exit=False
    )
    provider.add_span_processor(SimpleSpanProcessor(kept))
    server, sql = provider.get_tracer("app.http"), provider.get_tracer("app.sql")
    for number in range(REQUESTS):
        request: dict[str, AnyValue] = {
            "http.request.method": "GET",
            "url.scheme": "http",
            "url.path": f"/api/todos/{number}",
            "server.address": "127.0.0.1",
            "server.port": 8000,
            "client.address": "127.0.0.1",
            "user_agent.original": "wrk/4.2",
            "http.route": "/api/todos/{todo_id}",
            "http.response.status_code": 200,
        }
        with server.start_as_current_span(
            "GET /api/todos/{todo_id}", kind=SpanKind.SERVER, attributes=request
        ):
            statement: dict[str, AnyValue] = {
                "db.system": "postgresql",
                "db.name": "todos",
                "db.user": "postgres",
                "net.peer.name": "127.0.0.1",
                "net.peer.port": 5432,
                "db.statement": STATEMENT,
            }
            sql.start_span("SELECT todos", kind=SpanKind.CLIENT, attributes=statement).end()
    return list(kept.get_finished_spans())


def main() -> None:
    """Encode one batch both ways, many times; print the cost and the bytes per span."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--callgrind", action="store_true", help="count instructions instead")
    args = parser.parse_args()
    spans = batch()
    encoders: dict[str, Callable[[], bytes]] = {
        "protobuf": lambda: proto_spans(spans).SerializeToString(),
        "JSON": lambda: json_spans(spans).to_json().encode(),
    }
    unit = "instructions" if args.callgrind else "CPU microseconds"
    for name, encode in encoders.items():
        cost = per_call(encode, 3 if args.callgrind else 10, args.rounds, args.callgrind)
        print(
            f"{name:<9} {cost / len(spans):10.1f} {unit} and "
            f"{len(encode()) / len(spans):6.0f} bytes per span"
        )


if __name__ == "__main__":
    main()
