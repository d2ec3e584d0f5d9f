"""Contract: known OTLP spans, sent to the real collector, reach X-Ray as exactly these segments.

The spans mirror what the apps emit (a nextjs-app request calling fastapi-app,
which runs an INSERT through SQLAlchemy's instrumentation, plus a 4xx and a 5xx),
with fixed ids, so every field of every document can be asserted.
"""

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from devkit.polling import poll_until
from mypy_boto3_xray import XRayClient
from opentelemetry.context import Context
from opentelemetry.trace import (
    NonRecordingSpan,
    SpanContext,
    SpanKind,
    Status,
    StatusCode,
    TraceFlags,
    set_span_in_context,
)

from ecsotel.local.collector import CollectorPorts
from tests.collector.spans import FixedIds, tracer_provider, xray_trace_id

# X-Ray trace ids start with the request's epoch second, and the exporter drops
# spans whose trace id is older than 28 days: the time part must be now.
EPOCH = int(time.time())
T0 = time.time_ns()
MS = 1_000_000

TRACE_OK = (EPOCH << 96) | 0xC0FFEE00000000000000A001
TRACE_404 = (EPOCH << 96) | 0xC0FFEE00000000000000B002
TRACE_500 = (EPOCH << 96) | 0xC0FFEE00000000000000C003

NEXT_SERVER, NEXT_CLIENT = 0x1000000000000001, 0x1000000000000002
API_SERVER, API_SQL = 0x2000000000000001, 0x2000000000000002
API_404, API_500 = 0x2000000000000004, 0x2000000000000005

INSERT = "INSERT INTO todo (title, completed) VALUES (%(title)s, %(completed)s) RETURNING todo.id"
STACKTRACE = (
    "Traceback (most recent call last):\n"
    '  File "/app/app/todos/service.py", line 42, in create_todo\n'
    "    session.flush()\n"
    "RuntimeError: database unavailable\n"
)


def remote_parent(trace_id: int, span_id: int) -> Context:
    """A context whose parent is a span of another service (as after propagation)."""
    sampled = TraceFlags(TraceFlags.SAMPLED)
    parent = SpanContext(trace_id, span_id, is_remote=True, trace_flags=sampled)
    return set_span_in_context(NonRecordingSpan(parent))


def send_spans(ports: CollectorPorts) -> None:
    """Emit the known spans of three traces through the SDK's OTLP exporter."""
    nextjs = tracer_provider("nextjs-app", ports, FixedIds(TRACE_OK, [NEXT_SERVER, NEXT_CLIENT]))
    tracer = nextjs.get_tracer("next.js", "16.0.0")
    with tracer.start_as_current_span(
        "POST /",
        kind=SpanKind.SERVER,
        start_time=T0,
        end_on_exit=False,
        attributes={
            "http.request.method": "POST",
            "http.route": "/",
            "http.response.status_code": 200,
            "url.scheme": "http",
            "url.path": "/",
            "server.address": "localhost",
            "server.port": 3000,
        },
    ) as next_server:
        with tracer.start_as_current_span(
            "POST",
            kind=SpanKind.CLIENT,
            start_time=T0 + 10 * MS,
            end_on_exit=False,
            attributes={
                "http.request.method": "POST",
                "url.full": "http://127.0.0.1:8000/api/todos",
                "http.response.status_code": 201,
                "server.address": "127.0.0.1",
                "server.port": 8000,
            },
        ) as next_client:
            next_client.end(end_time=T0 + 90 * MS)
        next_server.end(end_time=T0 + 100 * MS)
    nextjs.shutdown()

    fastapi = tracer_provider("fastapi-app", ports, FixedIds(TRACE_OK, [API_SERVER, API_SQL]))
    tracer = fastapi.get_tracer("app.http")  # the backend's server-span middleware
    server = tracer.start_span(
        "POST /api/todos",
        context=remote_parent(TRACE_OK, NEXT_CLIENT),
        kind=SpanKind.SERVER,
        start_time=T0 + 20 * MS,
        attributes={
            "http.request.method": "POST",
            "http.route": "/api/todos",
            "http.response.status_code": 201,
            "url.scheme": "http",
            "url.path": "/api/todos",
            "server.address": "127.0.0.1",
            "server.port": 8000,
        },
    )
    sql = tracer.start_span(
        "INSERT todos",
        context=set_span_in_context(server),
        kind=SpanKind.CLIENT,
        start_time=T0 + 30 * MS,
        # What app.telemetry.sql sets: the contrib instrumentation's attributes (old semconv).
        attributes={
            "db.system": "postgresql",
            "db.name": "todos",
            "db.user": "todos",
            "db.statement": INSERT,
            "net.peer.name": "127.0.0.1",
            "net.peer.port": 5432,
        },
    )
    sql.end(end_time=T0 + 60 * MS)
    server.end(end_time=T0 + 80 * MS)

    fastapi.shutdown()

    fastapi = tracer_provider("fastapi-app", ports, FixedIds(TRACE_404, [API_404]))
    tracer = fastapi.get_tracer("app.http")  # the backend's server-span middleware
    not_found = tracer.start_span(
        "GET /api/todos/{todo_id}",
        kind=SpanKind.SERVER,
        start_time=T0 + 200 * MS,
        attributes={
            "http.request.method": "GET",
            "http.route": "/api/todos/{todo_id}",
            "http.response.status_code": 404,
        },
    )
    not_found.end(end_time=T0 + 210 * MS)

    fastapi.shutdown()

    fastapi = tracer_provider("fastapi-app", ports, FixedIds(TRACE_500, [API_500]))
    tracer = fastapi.get_tracer("app.http")  # the backend's server-span middleware
    failed = tracer.start_span(
        "POST /api/todos",
        kind=SpanKind.SERVER,
        start_time=T0 + 300 * MS,
        attributes={
            "http.request.method": "POST",
            "http.route": "/api/todos",
            "http.response.status_code": 500,
        },
    )
    failed.add_event(
        "exception",
        {
            "exception.type": "RuntimeError",
            "exception.message": "database unavailable",
            "exception.stacktrace": STACKTRACE,
        },
        timestamp=T0 + 310 * MS,
    )
    failed.set_status(Status(StatusCode.ERROR, "RuntimeError: database unavailable"))
    failed.end(end_time=T0 + 320 * MS)
    fastapi.shutdown()


EXPECTED_SEGMENTS = {
    TRACE_OK: {NEXT_SERVER, NEXT_CLIENT, API_SERVER, API_SQL},
    TRACE_404: {API_404},
    TRACE_500: {API_500},
}


@pytest.fixture(scope="module")
def segments(collector: CollectorPorts, xray: XRayClient) -> dict[int, dict[str, Any]]:
    """Every segment document of the three traces as X-Ray stores it, by span id."""
    send_spans(collector)
    wanted = {xray_trace_id(trace_id) for trace_id in EXPECTED_SEGMENTS}
    span_count = sum(len(ids) for ids in EXPECTED_SEGMENTS.values())

    def found() -> dict[int, dict[str, Any]] | None:
        now = datetime.now(UTC)
        summaries = xray.get_trace_summaries(
            StartTime=now - timedelta(minutes=5), EndTime=now + timedelta(minutes=1)
        )["TraceSummaries"]
        if not wanted <= {summary.get("Id") for summary in summaries}:
            return None
        traces = xray.batch_get_traces(TraceIds=sorted(wanted))["Traces"]
        documents = [
            json.loads(segment["Document"])
            for trace in traces
            for segment in trace.get("Segments", [])
        ]
        by_id = {int(document["id"], 16): document for document in documents}
        return by_id if len(by_id) >= span_count else None

    return poll_until(found, f"{span_count} segments of 3 traces in X-Ray", timeout=30)


def seconds(offset_ms: int) -> Any:
    """An X-Ray timestamp (epoch seconds, float) T0 + offset_ms."""
    return pytest.approx((T0 + offset_ms * MS) / 1e9, abs=1e-6)


# What the exporter writes into every document made from these SDKs.
AWS_SDK = {
    "xray": {
        "auto_instrumentation": False,
        "sdk": "opentelemetry for python",
        "sdk_version": "1.45.2",
    }
}


def resource_metadata(service: str) -> dict[str, Any]:
    """The resource attributes, as metadata of a service's segments (not of subsegments)."""
    return {
        "default": {
            "otel.resource.service.name": service,
            "otel.resource.telemetry.sdk.language": "python",
            "otel.resource.telemetry.sdk.name": "opentelemetry",
            "otel.resource.telemetry.sdk.version": "1.45.2",
        }
    }


def test_only_the_sent_spans_arrive(segments: dict[int, dict[str, Any]]) -> None:
    assert set(segments) == set().union(*EXPECTED_SEGMENTS.values())
    for trace_id, span_ids in EXPECTED_SEGMENTS.items():
        for span_id in span_ids:
            assert segments[span_id]["trace_id"] == xray_trace_id(trace_id)


def test_frontend_server_span_is_a_segment_named_after_the_service(
    segments: dict[int, dict[str, Any]],
) -> None:
    assert segments[NEXT_SERVER] == {
        "trace_id": xray_trace_id(TRACE_OK),
        "id": "1000000000000001",
        "name": "nextjs-app",
        "start_time": seconds(0),
        "end_time": seconds(100),
        "error": False,
        "fault": False,
        "throttle": False,
        "http": {
            "request": {"method": "POST", "url": "http://localhost:3000/"},
            "response": {"status": 200, "content_length": 0},
        },
        # indexed_attributes: searchable annotations, keys keep their dots.
        "annotations": {"http.request.method": "POST", "http.route": "/"},
        "aws": AWS_SDK,
        "metadata": resource_metadata("nextjs-app"),
    }


def test_frontend_call_to_the_backend_is_a_remote_subsegment(
    segments: dict[int, dict[str, Any]],
) -> None:
    # Named after the span ("POST"): the exporter names client subsegments by
    # peer.service, db.name or the old http.host/net.peer.name, not server.address.
    assert segments[NEXT_CLIENT] == {
        "trace_id": xray_trace_id(TRACE_OK),
        "id": "1000000000000002",
        "parent_id": "1000000000000001",
        "type": "subsegment",
        "namespace": "remote",
        "name": "POST",
        "start_time": seconds(10),
        "end_time": seconds(90),
        "error": False,
        "fault": False,
        "throttle": False,
        "http": {
            "request": {"method": "POST", "url": "http://127.0.0.1:8000/api/todos"},
            "response": {"status": 201, "content_length": 0},
        },
        "annotations": {"http.request.method": "POST"},
        "aws": AWS_SDK,
    }


def test_backend_segment_is_a_child_of_the_frontend_call(
    segments: dict[int, dict[str, Any]],
) -> None:
    assert segments[API_SERVER] == {
        "trace_id": xray_trace_id(TRACE_OK),
        "id": "2000000000000001",
        "parent_id": "1000000000000002",
        "name": "fastapi-app",
        "start_time": seconds(20),
        "end_time": seconds(80),
        "error": False,
        "fault": False,
        "throttle": False,
        "http": {
            "request": {"method": "POST", "url": "http://127.0.0.1:8000/api/todos"},
            "response": {"status": 201, "content_length": 0},
        },
        "annotations": {"http.request.method": "POST", "http.route": "/api/todos"},
        "aws": AWS_SDK,
        "metadata": resource_metadata("fastapi-app"),
    }


def test_postgresql_span_is_an_sql_subsegment_of_the_backend(
    segments: dict[int, dict[str, Any]],
) -> None:
    # db.system/db.name/db.user/db.statement (old semconv) make the `sql` block;
    # the newer db.system.name/db.query.text would not. The statement is sent as
    # is: the instrumentation must keep it parameterised. net.peer.name is not
    # used: without db.connection_string the exporter writes "localhost".
    assert segments[API_SQL] == {
        "trace_id": xray_trace_id(TRACE_OK),
        "id": "2000000000000002",
        "parent_id": "2000000000000001",
        "type": "subsegment",
        "namespace": "remote",
        "name": "todos",
        "start_time": seconds(30),
        "end_time": seconds(60),
        "error": False,
        "fault": False,
        "throttle": False,
        "sql": {
            "url": "INSERT todos",
            "connection_string": "localhost/todos",
            "database_type": "postgresql",
            "user": "todos",
            "sanitized_query": INSERT,
        },
        "aws": AWS_SDK,
    }


def test_client_error_status_marks_the_segment_as_error(
    segments: dict[int, dict[str, Any]],
) -> None:
    assert segments[API_404] == {
        "trace_id": xray_trace_id(TRACE_404),
        "id": "2000000000000004",
        "name": "fastapi-app",
        "start_time": seconds(200),
        "end_time": seconds(210),
        "error": True,
        "fault": False,
        "throttle": False,
        "http": {
            "request": {"method": "GET"},
            "response": {"status": 404, "content_length": 0},
        },
        "annotations": {"http.request.method": "GET", "http.route": "/api/todos/{todo_id}"},
        "aws": AWS_SDK,
        "metadata": resource_metadata("fastapi-app"),
    }


def test_server_error_marks_the_segment_as_fault_with_its_exception(
    segments: dict[int, dict[str, Any]],
) -> None:
    document = dict(segments[API_500])
    (exception,) = document.pop("cause")["exceptions"]

    assert document == {
        "trace_id": xray_trace_id(TRACE_500),
        "id": "2000000000000005",
        "name": "fastapi-app",
        "start_time": seconds(300),
        "end_time": seconds(320),
        "error": False,
        "fault": True,
        "throttle": False,
        "http": {
            "request": {"method": "POST"},
            "response": {"status": 500, "content_length": 0},
        },
        "annotations": {"http.request.method": "POST", "http.route": "/api/todos"},
        "aws": AWS_SDK,
        "metadata": resource_metadata("fastapi-app"),
    }
    # The exception's id is random; the rest comes from the exception event.
    assert len(exception.pop("id")) == 16
    assert exception == {
        "type": "RuntimeError",
        "message": "database unavailable",
        "remote": False,
        "stack": [{"path": "/app/app/todos/service.py", "line": 42, "label": "create_todo"}],
    }
