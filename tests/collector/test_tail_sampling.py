"""Contract: two sidecars route each trace to one of two gateways, which keep it whole or drop it.

The real binary runs the tail-sampling configs over config.yaml, as on ECS: two
sidecars (config.tail.yaml) with a static resolver naming two gateways
(config.gateway.yaml), which export to moto. Each trace's two halves leave through
different sidecars, as a request's spans leave nextjs-app's and fastapi-app's tasks;
only the fastapi-app half carries what makes the trace worth keeping. With the share
of ordinary traces set to 0, a kept trace is whole in X-Ray only if both halves met
in the same gateway: for twenty error traces, routing that ignored the trace id
would split one with odds of a million to one against.
"""

import time
from collections.abc import Iterator
from typing import Any

import pytest
from devkit.polling import poll_until
from mypy_boto3_xray import XRayClient
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace import SpanKind, Status, StatusCode, set_span_in_context

from ecsotel import xray
from ecsotel.local.collector import CollectorPorts, collector_spec
from ecsotel.local.moto import LocalAws
from ecsotel.local.process import LogWriter, RunningService, start
from ecsotel.local.sampling import GATEWAY_CONFIG, TAIL_CONFIG, keep_tag, resolver

MS = 1_000_000
# Short, so that the test waits seconds; the policies are the shipped ones.
GATEWAY_ENV = {"OTELCOL_TAIL_SHARE_PERCENT": "0", "OTELCOL_TAIL_DECISION_WAIT": "2s"}


class QueuedIds(RandomIdGenerator):
    """Trace ids from a queue (X-Ray's form), random span ids."""

    def __init__(self) -> None:
        self.next_trace_ids: list[int] = []

    def generate_trace_id(self) -> int:
        """The next queued trace id."""
        return self.next_trace_ids.pop(0)


def provider(service: str, sidecar: CollectorPorts, ids: QueuedIds | None = None) -> TracerProvider:
    """An SDK for `service` exporting each span at once to `sidecar` over OTLP/gRPC."""
    sdk = TracerProvider(resource=Resource({"service.name": service}), id_generator=ids)
    exporter = OTLPSpanExporter(endpoint=f"http://127.0.0.1:{sidecar.grpc}", insecure=True)
    sdk.add_span_processor(SimpleSpanProcessor(exporter))
    return sdk


@pytest.fixture(scope="module")
def sidecars(aws: LocalAws, service_log: LogWriter) -> Iterator[tuple[CollectorPorts, ...]]:
    """Two gateways, then two sidecars routing to them; yields the sidecars' listeners."""
    gateways = [CollectorPorts.free(), CollectorPorts.free()]
    routes = {"OTELCOL_GATEWAY_RESOLVER": resolver(gateways)}
    sidecar_ports = (CollectorPorts.free(), CollectorPorts.free())
    specs = [
        *(
            collector_spec(
                aws=aws, ports=ports, name=f"gateway-{n}", overlay=GATEWAY_CONFIG, env=GATEWAY_ENV
            )
            for n, ports in enumerate(gateways, 1)
        ),
        *(
            collector_spec(
                aws=aws, ports=ports, name=f"sidecar-{n}", overlay=TAIL_CONFIG, env=routes
            )
            for n, ports in enumerate(sidecar_ports, 1)
        ),
    ]
    running: list[RunningService] = []
    try:
        for spec in specs:
            running.append(start(spec, service_log))
        yield sidecar_ports
    finally:
        for service in reversed(running):
            service.stop()


def new_trace_id(tag: str = "") -> int:
    """An id X-Ray accepts, with `tag` after the epoch."""
    return int(xray.TraceId.new(tag).hex, 16)


def send(
    sidecars: tuple[CollectorPorts, ...],
    trace_id: int,
    *,
    status: StatusCode = StatusCode.UNSET,
    http_status: int = 200,
    api_ms: int = 5,
) -> None:
    """One request's trace: nextjs-app's half through one sidecar, fastapi-app's the other."""
    ids = QueuedIds()
    ids.next_trace_ids.append(trace_id)
    front, api = provider("nextjs-app", sidecars[0], ids), provider("fastapi-app", sidecars[1])
    start = time.time_ns()
    root = front.get_tracer("t").start_span("GET /", kind=SpanKind.SERVER, start_time=start)
    child = api.get_tracer("t").start_span(
        "GET /api/todos/",
        kind=SpanKind.SERVER,
        context=set_span_in_context(root),
        start_time=start + MS,
        attributes={"http.response.status_code": http_status},
    )
    child.set_status(Status(status))
    child.end(end_time=start + (1 + api_ms) * MS)
    root.end(end_time=start + (2 + api_ms) * MS)
    front.shutdown()
    api.shutdown()


def services(client: XRayClient, trace_id: int) -> set[str]:
    """The services whose segments X-Ray holds for the trace."""
    roots = xray.build_tree(xray.trace_documents(client, xray.TraceId(f"{trace_id:032x}").xray))
    return {span.service for root in roots for span in root.walk()}


def test_gateways_keep_what_the_policies_name_whole_and_drop_the_rest(
    sidecars: tuple[CollectorPorts, ...], xray: XRayClient
) -> None:
    # Ordinary traces first: by the time the kept ones are in X-Ray, they were decided.
    dropped = [new_trace_id() for _ in range(5)]
    for trace_id in dropped:
        send(sidecars, trace_id)
    kept: dict[int, dict[str, Any]] = {
        **{new_trace_id(): {"status": StatusCode.ERROR} for _ in range(20)},
        new_trace_id(): {"http_status": 503},
        new_trace_id(): {"api_ms": 600},  # fastapi-app's threshold is 500 ms
        new_trace_id(keep_tag()): {},
    }
    for trace_id, shape in kept.items():
        send(sidecars, trace_id, **shape)

    both = {"nextjs-app", "fastapi-app"}
    poll_until(
        lambda: all(services(xray, t) == both for t in kept),
        "every kept trace whole in X-Ray (both halves through one gateway)",
        timeout=60,
    )
    assert [services(xray, t) for t in dropped] == [set()] * len(dropped)
