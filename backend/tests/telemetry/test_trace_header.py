"""The ALB's X-Amzn-Trace-Id: a Root-only header sets the trace id of a new root span."""

from fastapi.testclient import TestClient
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.propagators.aws import AwsXRayPropagator
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from app.telemetry import Telemetry
from app.telemetry.trace_header import ALB_TRACE_ROOT, AlbTraceHeaderPropagator, root_trace_id

ROOT = "1-5759e988-bd862e3fe1be46a994272793"
ROOT_ID = 0x5759E988BD862E3FE1BE46A994272793


def server_span(telemetry: Telemetry, spans: InMemorySpanExporter) -> ReadableSpan:
    """The one SERVER span finished since the test began."""
    assert telemetry.tracer_provider.force_flush()
    (server,) = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER]
    return server


def test_root_trace_id_reads_the_root_field_in_any_position() -> None:
    assert root_trace_id(f"Root={ROOT}") == ROOT_ID
    assert root_trace_id(f"Self=1-67891234-12456789abcdef012345678;Root={ROOT}") == ROOT_ID
    assert root_trace_id(f"Root={ROOT};Sampled=?") == ROOT_ID


def test_root_trace_id_refuses_malformed_roots() -> None:
    assert root_trace_id("Root=1-5759e988-bd862e3fe1be46a99427279") is None
    assert root_trace_id("Root=2-5759e988-bd862e3fe1be46a994272793") is None
    assert root_trace_id("Root=1-00000000-000000000000000000000000") is None
    assert root_trace_id(f"NotRoot={ROOT}") is None
    assert root_trace_id("") is None


def test_contrib_propagator_still_refuses_a_root_only_header() -> None:
    # Why trace_header.py exists. When this fails, the contrib keeps something of the
    # ALB's Root-only header itself: check whether AlbTraceHeaderPropagator can go.
    extracted = AwsXRayPropagator().extract({"X-Amzn-Trace-Id": f"Root={ROOT}"}, Context())

    assert extracted == Context()


def test_propagator_leaves_the_root_of_a_root_only_header() -> None:
    extracted = AlbTraceHeaderPropagator().extract({"X-Amzn-Trace-Id": f"Root={ROOT}"})

    assert extracted.get(ALB_TRACE_ROOT) == ROOT_ID
    assert not trace.get_current_span(extracted).get_span_context().is_valid


def test_propagator_prefers_a_parent_already_extracted() -> None:
    header = f"Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=1"
    extracted = AlbTraceHeaderPropagator().extract({"X-Amzn-Trace-Id": header}, Context())

    assert ALB_TRACE_ROOT not in extracted
    assert trace.get_current_span(extracted).get_span_context().span_id == 0x53995C3F42CD8AD8


def test_alb_root_only_header_makes_a_new_root_span_in_that_trace(
    client: TestClient, telemetry: Telemetry, spans: InMemorySpanExporter
) -> None:
    client.get("/api/todos/", headers={"X-Amzn-Trace-Id": f"Root={ROOT}"})

    server = server_span(telemetry, spans)
    assert server.context is not None
    assert server.context.trace_id == ROOT_ID
    assert server.parent is None
    # Its SQL spans are children in the same trace.
    children = [s for s in spans.get_finished_spans() if s.kind is SpanKind.CLIENT]
    assert children
    assert {s.context.trace_id for s in children if s.context} == {ROOT_ID}


def test_a_later_request_without_a_header_gets_a_trace_of_its_own(
    client: TestClient, telemetry: Telemetry, spans: InMemorySpanExporter
) -> None:
    client.get("/api/todos/", headers={"X-Amzn-Trace-Id": f"Root={ROOT}"})
    assert telemetry.tracer_provider.force_flush()
    spans.clear()

    client.get("/api/todos/")

    server = server_span(telemetry, spans)
    assert server.context is not None
    assert server.context.trace_id != ROOT_ID


def test_malformed_root_only_header_starts_a_fresh_trace(
    client: TestClient, telemetry: Telemetry, spans: InMemorySpanExporter
) -> None:
    malformed = "Root=1-nothex!!-bd862e3fe1be46a994272793"
    client.get("/api/todos/", headers={"X-Amzn-Trace-Id": malformed})

    server = server_span(telemetry, spans)
    assert server.context is not None
    assert server.parent is None
    assert server.context.trace_id >> 96 != 0
