"""The OTLP pipeline's contract with the CloudWatch OTLP endpoints (collector/config.otlp.yaml).

Every request the sidecar sends is SigV4-signed for the endpoint's own service
(xray, monitoring, logs) and the task's region, and log requests name the log
group and stream. A listener in the test stands in for all three endpoints.
"""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from devkit.polling import poll_until
from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.resources import Resource

from ecsotel.local.collector import CollectorPorts, otlp_sidecar_spec
from ecsotel.local.process import LogWriter, start
from tests.collector.capture import Capture, Captured, capture
from tests.collector.spans import FixedIds, tracer_provider

# Not the local stack's us-east-1: the region must come from AWS_REGION, not a default.
REGION = "eu-west-3"
LOG_GROUP = "/aws/ecs/fastapi-app/otlp"
LOG_STREAM = "app"
# Credential=<key id>/<yyyymmdd>/<region>/<service>/aws4_request
AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request, SignedHeaders=(?P<signed>[^,]+), Signature=[0-9a-f]{64}$"
)
SERVICE_OF_PATH = {"/v1/traces": "xray", "/v1/metrics": "monitoring", "/v1/logs": "logs"}


@pytest.fixture(scope="module")
def endpoints() -> Iterator[Capture]:
    """The listener that all three endpoint variables point at."""
    with capture() as listener:
        yield listener


@pytest.fixture(scope="module")
def requests_sent(
    endpoints: Capture, service_log: LogWriter, tmp_path_factory: pytest.TempPathFactory
) -> list[Captured]:
    """What the sidecar sent after it received one span, one metric point and one log record."""
    ports = CollectorPorts.free()
    queue_dir: Path = tmp_path_factory.mktemp("queue")
    spec = otlp_sidecar_spec(
        ports=ports,
        endpoint=endpoints.url,
        queue_dir=queue_dir,
        region=REGION,
        env={
            "OTELCOL_LOG_GROUP": LOG_GROUP,
            "OTELCOL_LOG_STREAM": LOG_STREAM,
            "OTELCOL_BATCH_TIMEOUT": "100ms",
        },
    )
    collector = start(spec, service_log)
    try:
        _send_one_of_each(ports)
        poll_until(
            lambda: {r.path for r in endpoints.requests()} >= set(SERVICE_OF_PATH),
            "a traces, a metrics and a logs request at the endpoint stand-in",
            timeout=20,
        )
    finally:
        collector.stop()
    return endpoints.requests()


def _send_one_of_each(ports: CollectorPorts) -> None:
    resource = Resource({"service.name": "fastapi-app"})
    spans = tracer_provider("fastapi-app", ports, FixedIds(0x6A1B2C3D << 96 | 1, [7]))
    spans.get_tracer("contract").start_span("GET /api/todos").end()
    spans.shutdown()

    reader = InMemoryMetricReader()
    meters = MeterProvider(resource=resource, metric_readers=[reader])
    meters.get_meter("contract").create_counter("app.todos.created").add(1)
    exporter = OTLPMetricExporter(endpoint=f"http://127.0.0.1:{ports.grpc}", insecure=True)
    data = reader.get_metrics_data()
    assert data is not None
    exporter.export(data)
    exporter.shutdown()

    logs = LoggerProvider(resource=resource)
    log_exporter = OTLPLogExporter(endpoint=f"http://127.0.0.1:{ports.grpc}", insecure=True)
    logs.add_log_record_processor(SimpleLogRecordProcessor(log_exporter))
    logs.get_logger("contract").emit(severity_text="WARN", body="todo not found")
    logs.shutdown()


def test_every_request_is_signed_for_its_endpoints_service_and_region(
    requests_sent: list[Captured],
) -> None:
    for request in requests_sent:
        signature = AUTHORIZATION.match(request.headers.get("authorization", ""))
        assert signature, f"{request.path} without a SigV4 Authorization header: {request.headers}"
        assert signature["service"] == SERVICE_OF_PATH[request.path], request.path
        assert signature["region"] == REGION
        assert signature["key"] == "test"
        assert "x-amz-date" in signature["signed"].split(";")


def test_only_the_three_otlp_paths_are_called(requests_sent: list[Captured]) -> None:
    assert {request.path for request in requests_sent} == set(SERVICE_OF_PATH)


def test_log_requests_name_the_log_group_and_stream(requests_sent: list[Captured]) -> None:
    log_requests = [r for r in requests_sent if r.path == "/v1/logs"]
    assert log_requests
    for request in log_requests:
        assert request.headers["x-aws-log-group"] == LOG_GROUP
        assert request.headers["x-aws-log-stream"] == LOG_STREAM


def test_only_log_requests_carry_log_group_headers(requests_sent: list[Captured]) -> None:
    others = [r for r in requests_sent if r.path != "/v1/logs"]
    assert others
    assert not [r.path for r in others if "x-aws-log-group" in r.headers]


def test_payloads_are_gzipped_protobuf(requests_sent: list[Captured]) -> None:
    # The endpoints accept gzip or none, protobuf or JSON.
    for request in requests_sent:
        assert request.headers["content-type"] == "application/x-protobuf"
        assert request.headers["content-encoding"] == "gzip"
        assert request.body[:2] == b"\x1f\x8b"
