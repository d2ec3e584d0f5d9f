"""OTEL_TRACES_SAMPLER=xray end to end: the server span starts with what the rules match on."""

from fastapi.testclient import TestClient
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ParentBased
from sqlalchemy import Engine

from app.main import create_app
from app.telemetry import Telemetry
from tests.telemetry.sampling.conftest import SamplerFactory
from tests.telemetry.sampling.test_sampler import rules_arrived
from tests.telemetry.sampling.xray_api import RecordedXRay


def test_rules_see_the_request_method_path_and_host(
    engine: Engine, xray_api: RecordedXRay, start_sampler: SamplerFactory
) -> None:
    # Writes to /api/*: all; everything else: none (no reservoir either).
    xray_api.set_fixed_rate("todo-writes", 1.0)
    xray_api.rule("todo-writes").update(URLPath="/api/*", Host="testserver")
    xray_api.set_fixed_rate("Default", 0.0, reservoir=0)
    resource = Resource.create({"service.name": "fastapi-app"})
    root = start_sampler(f"endpoint={xray_api.endpoint}", resource=resource)
    rules_arrived(root, "todo-writes", "Default")
    spans = InMemorySpanExporter()
    provider = TracerProvider(
        resource=resource, sampler=ParentBased(root=root), shutdown_on_exit=False
    )
    provider.add_span_processor(SimpleSpanProcessor(spans))
    telemetry = Telemetry(
        tracer_provider=provider,
        meter_provider=MeterProvider(shutdown_on_exit=False),
        sampler=root,
    )
    # No `with`: the lifespan would dispose of the session's engine.
    client = TestClient(create_app(engine=engine, telemetry=telemetry))

    # Unmatched paths: 404s before any database work, still one server span each.
    client.post("/api/nowhere", json={})
    client.get("/api/nowhere")
    client.post("/elsewhere", json={})

    (span,) = spans.get_finished_spans()
    assert span.attributes is not None
    assert span.attributes["http.request.method"] == "POST"
    assert span.attributes["url.path"] == "/api/nowhere"
    assert span.attributes["server.address"] == "testserver"
