"""Emit spans with fixed ids through the OpenTelemetry SDK, as the apps' SDKs would."""

from collections import deque
from collections.abc import Iterable

from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.id_generator import IdGenerator

from ecsotel.local.collector import CollectorPorts


class FixedIds(IdGenerator):
    """Hands out the given span ids in order, and one trace id for root spans."""

    def __init__(self, trace_id: int, span_ids: Iterable[int]) -> None:
        self._trace_id = trace_id
        self._span_ids = deque(span_ids)

    def generate_trace_id(self) -> int:
        """The fixed trace id."""
        return self._trace_id

    def generate_span_id(self) -> int:
        """The next fixed span id."""
        return self._span_ids.popleft()


def tracer_provider(service: str, ports: CollectorPorts, ids: FixedIds) -> TracerProvider:
    """An SDK as the apps configure it (service.name, OTLP gRPC), exporting each span at once."""
    resource = Resource(
        {
            "service.name": service,
            "telemetry.sdk.language": "python",
            "telemetry.sdk.name": "opentelemetry",
            "telemetry.sdk.version": "1.45.2",
        }
    )
    provider = TracerProvider(resource=resource, id_generator=ids)
    exporter = OTLPSpanExporter(endpoint=f"http://127.0.0.1:{ports.grpc}", insecure=True)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


def xray_trace_id(trace_id: int) -> str:
    """The X-Ray form of an OTLP trace id: 1-<epoch hex>-<96 bits hex>."""
    text = f"{trace_id:032x}"
    return f"1-{text[:8]}-{text[8:]}"
