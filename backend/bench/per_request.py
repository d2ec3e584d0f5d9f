"""CPU (or instructions) per request, in one process: `python -m bench.per_request`.

The throughput bench (`make bench`) drives uvicorn over sockets and reads the
server's CPU; on a shared machine even that moves. This drives the app's ASGI
callable directly: N requests of one kind, with telemetry as the environment says
(``OTEL_SDK_DISABLED``, ``OTEL_TRACES_SAMPLER``..., collector/app-env.json's settings),
the garbage collector tuned as the server tunes it, on a throwaway PostgreSQL. It
prints the process's CPU per request (every thread: the span encoding included)
and the garbage collections per 1,000 requests. Spans are encoded by the OTLP
protobuf encoder and dropped (no network); metrics are aggregated as the OTLP
exporter asks, never exported. Under valgrind's callgrind, which counts
instructions whatever else runs on the machine, ``--callgrind`` zeroes its counters
after the warm-up and reads them after the last request (bench.counting):
instructions per request, every thread's, the same from run to run:

    valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        .venv/bin/python -m bench.per_request --kind get --requests 1000 --callgrind
"""

import argparse
import asyncio
import gc
import json
import time
from collections.abc import Sequence
from typing import Any

from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from pydantic import SecretStr
from starlette.types import ASGIApp, Message

from app.__main__ import migrate
from app.core.config import Settings
from app.core.db import create_db_engine
from app.core.runtime import tune_garbage_collector
from app.main import create_app
from app.telemetry import setup_telemetry
from bench.components import on_postgres
from bench.counting import callgrind, instructions

SEED_TODOS = 100
# Never reached: metrics are aggregated per request but exported only every 10 s,
# which a run this short need not include (bench.components measures an export).
NEVER_MS = 10**9


class _EncodeOnly(SpanExporter):
    """The OTLP exporter's encoding of each batch, without sending it."""

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        encode_spans(spans).SerializeToString()
        return SpanExportResult.SUCCESS


def request(kind: str, number: int) -> tuple[dict[str, Any], bytes]:
    """The ASGI scope and body of request `number` of a kind, as wrk sends it."""
    method, path, body = {
        "get": ("GET", f"/api/todos/{number % SEED_TODOS + 1}", b""),
        "list": ("GET", "/api/todos/", b""),
        "create": ("POST", "/api/todos/", b'{"title": "bench"}'),
    }[kind]
    headers = [(b"host", b"127.0.0.1:8000")]
    if body:
        headers += [(b"content-type", b"application/json"), (b"content-length", b"18")]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
    }
    return scope, body


async def call(app: ASGIApp, scope: dict[str, Any], body: bytes) -> int:
    """One request through the app; its status."""
    status = 0

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def drive(
    app: ASGIApp, kind: str, requests: int, warm: int, counted: bool
) -> dict[str, float]:
    """Seed, warm up, then `requests` requests of `kind`: CPU per request and collections.

    `counted`: also the instructions per request (under callgrind).
    """
    for number in range(SEED_TODOS):
        assert await call(app, *request("create", number)) == 201
    for number in range(warm):
        await call(app, *request(kind, number))
    collections = [0, 0, 0]

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections[info["generation"]] += 1

    gc.callbacks.append(count)
    if counted:
        callgrind("-z")
    start = time.process_time()
    for number in range(requests):
        status = await call(app, *request(kind, number))
        assert status in (200, 201), f"{kind} answered {status}"
    spent = time.process_time() - start
    found = {"instructions": instructions() / requests} if counted else {}
    gc.callbacks.remove(count)
    per_1000 = {f"gen{g} per 1000": n * 1000 / requests for g, n in enumerate(collections)}
    return {**found, "cpu_ms": spent * 1000 / requests, **per_1000}


def measure(url: str, kind: str, requests: int, warm: int, counted: bool) -> dict[str, float]:
    """The app as `fastapi-app` builds it, on `url`, with telemetry from the environment."""
    settings = Settings(database_url=SecretStr(url))
    reader = PeriodicExportingMetricReader(OTLPMetricExporter(), export_interval_millis=NEVER_MS)
    telemetry = setup_telemetry(settings, span_exporter=_EncodeOnly(), metric_reader=reader)
    engine = create_db_engine(settings)
    if telemetry is not None:
        telemetry.instrument_engine(engine)
    migrate(engine)
    app = create_app(engine=engine, telemetry=telemetry)
    tune_garbage_collector()
    return asyncio.run(drive(app, kind, requests, warm, counted))


def main() -> None:
    """Start a throwaway PostgreSQL, drive the requests, print (and write) the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=("get", "list", "create"), default="get")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--warm", type=int, default=200, help="requests before measuring")
    parser.add_argument("--callgrind", action="store_true", help="count instructions too")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    found = on_postgres(
        "per_request",
        lambda url: measure(url, args.kind, args.requests, args.warm, args.callgrind),
    )
    print(json.dumps(found) if args.json else found)


if __name__ == "__main__":
    main()
