"""The server span and the request metric: what each request records (exported into memory)."""

from fastapi import FastAPI
from fastapi.testclient import TestClient
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from app.core.db import get_session
from app.telemetry import Telemetry
from tests.telemetry.recorded import data_points, finished, server_spans

CONTRACT_ATTRIBUTES = {"http.request.method", "http.route", "http.response.status_class"}


def test_request_gives_one_server_span_with_sql_children(
    client: TestClient, telemetry: Telemetry, spans: InMemorySpanExporter
) -> None:
    client.post("/api/todos/", json={"title": "traced"})

    recorded = finished(telemetry, spans)
    servers = [span for span in recorded if span.kind is SpanKind.SERVER]
    assert [span.name for span in servers] == ["POST /api/todos/"]
    server = servers[0]
    assert server.context is not None
    children = [
        span for span in recorded if span.parent and span.parent.span_id == server.context.span_id
    ]
    assert any(span.name.startswith("INSERT") for span in children), [s.name for s in recorded]
    # No per-chunk ASGI spans, no "connect" span per pool checkout, no FastAPI-native spans.
    assert {span.kind for span in recorded} <= {SpanKind.SERVER, SpanKind.CLIENT}
    assert not [span for span in recorded if span.name == "connect"]
    others = [
        s.name for s in recorded if s.context and s.context.trace_id != server.context.trace_id
    ]
    assert others == []


def test_server_span_has_what_xray_puts_in_the_segments_http_block(
    client: TestClient, telemetry: Telemetry, spans: InMemorySpanExporter
) -> None:
    todo = client.post("/api/todos/", json={"title": "segment"}).json()
    finished(telemetry, spans)
    spans.clear()

    client.get(f"/api/todos/{todo['id']}", headers={"User-Agent": "probe/1.0"})

    (server,) = server_spans(telemetry, spans)
    assert server.name == "GET /api/todos/{todo_id}"
    # The awsxray exporter builds request.method, request.url (scheme://host/path),
    # request.user_agent, request.client_ip and response.status from these.
    assert dict(server.attributes or {}) == {
        "http.request.method": "GET",
        "url.scheme": "http",
        "server.address": "testserver",
        "url.path": f"/api/todos/{todo['id']}",
        "client.address": "testclient",
        "user_agent.original": "probe/1.0",
        "http.route": "/api/todos/{todo_id}",
        "http.response.status_code": 200,
    }
    assert server.status.status_code is StatusCode.UNSET


def test_unmatched_path_is_named_by_its_method_only(
    client: TestClient, telemetry: Telemetry, spans: InMemorySpanExporter
) -> None:
    assert client.get("/no/such/path/42").status_code == 404

    (server,) = server_spans(telemetry, spans)
    assert server.name == "GET"
    assert server.attributes is not None
    assert "http.route" not in server.attributes
    assert server.attributes["http.response.status_code"] == 404
    # A client error is not the server's fault.
    assert server.status.status_code is StatusCode.UNSET


def test_unhandled_error_is_a_fault_with_the_exception_recorded(
    app: FastAPI,
    client: TestClient,
    telemetry: Telemetry,
    spans: InMemorySpanExporter,
    metric_reader: InMemoryMetricReader,
) -> None:
    def broken() -> None:
        raise RuntimeError("boom")

    app.dependency_overrides[get_session] = broken

    assert client.get("/api/todos/").status_code == 500

    (server,) = server_spans(telemetry, spans)
    assert server.name == "GET /api/todos/"
    assert server.status.status_code is StatusCode.ERROR
    assert server.attributes is not None
    assert server.attributes["http.response.status_code"] == 500
    assert [
        (event.name, dict(event.attributes or {}).get("exception.type")) for event in server.events
    ] == [("exception", "RuntimeError")]
    classes = {
        (point.attributes["http.route"], point.attributes["http.response.status_class"])
        for point in data_points(metric_reader, "http.server.request.duration")
    }
    assert ("/api/todos/", "5xx") in classes


def test_trace_id_is_valid_for_xray(
    client: TestClient, telemetry: Telemetry, spans: InMemorySpanExporter
) -> None:
    client.get("/api/todos/")

    (server,) = [span for span in finished(telemetry, spans) if span.kind is SpanKind.SERVER]
    assert server.context is not None
    # X-Ray wants the first 32 bits to be the start time in epoch seconds.
    epoch_seconds = server.context.trace_id >> 96
    assert server.start_time is not None
    assert abs(epoch_seconds - server.start_time // 1_000_000_000) <= 1


def test_xray_header_from_the_load_balancer_continues_the_trace(
    client: TestClient, telemetry: Telemetry, spans: InMemorySpanExporter
) -> None:
    header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"

    client.get("/api/todos/", headers={"X-Amzn-Trace-Id": header})

    (server,) = [span for span in finished(telemetry, spans) if span.kind is SpanKind.SERVER]
    assert server.context is not None
    assert server.parent is not None
    assert server.context.trace_id == 0x5759E988BD862E3FE1BE46A994272793
    assert server.parent.span_id == 0x53995C3F42CD8AD8


def test_health_probes_make_no_spans(
    client: TestClient, telemetry: Telemetry, spans: InMemorySpanExporter
) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200

    assert [(s.name, s.kind, s.attributes) for s in finished(telemetry, spans)] == []


def test_request_metric_has_exactly_the_contract_attributes(
    client: TestClient, metric_reader: InMemoryMetricReader
) -> None:
    todo = client.post("/api/todos/", json={"title": "measured"}).json()
    client.get(f"/api/todos/{todo['id']}")
    client.get("/api/todos/2147483647")
    client.get("/no/such/path/42")
    client.post("/api/todos/", content=b"x" * 70_000)

    points = data_points(metric_reader, "http.server.request.duration")
    attributes = {tuple(sorted(point.attributes.items())) for point in points}
    assert all(set(dict(entry)) == CONTRACT_ATTRIBUTES for entry in attributes)
    seen = {
        (
            dict(entry)["http.request.method"],
            dict(entry)["http.route"],
            dict(entry)["http.response.status_class"],
        )
        for entry in attributes
    }
    assert ("POST", "/api/todos/", "2xx") in seen
    assert ("GET", "/api/todos/{todo_id}", "2xx") in seen
    assert ("GET", "/api/todos/{todo_id}", "4xx") in seen
    assert ("GET", "unmatched", "4xx") in seen
    assert ("POST", "/api/todos/", "4xx") in seen
    # Never an id or a raw path as a route.
    assert not [entry for entry in seen if any(ch.isdigit() for ch in entry[1])]


def test_health_probes_are_not_in_the_request_metric(
    client: TestClient, metric_reader: InMemoryMetricReader
) -> None:
    client.get("/healthz")

    routes = {
        point.attributes["http.route"]
        for point in data_points(metric_reader, "http.server.request.duration")
    }
    assert "/healthz" not in routes
