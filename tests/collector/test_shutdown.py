"""Stopping the collector exports what it still holds, as ECS stops the sidecar after the app."""

import json
import time

from devkit.polling import poll_until
from mypy_boto3_xray import XRayClient
from opentelemetry.trace import SpanKind

from ecsotel.local.collector import CollectorPorts, collector_spec
from ecsotel.local.moto import LocalAws
from ecsotel.local.process import LogWriter, start
from tests.collector.spans import FixedIds, tracer_provider, xray_trace_id

TRACE = (int(time.time()) << 96) | 0xF1005E00000000000000D004
SPAN = 0x3000000000000001


def test_sigterm_flushes_the_batched_spans(
    aws: LocalAws, service_log: LogWriter, xray: XRayClient
) -> None:
    ports = CollectorPorts.free()
    # A batch that would never time out on its own: only the shutdown can send it.
    collector = start(collector_spec(aws=aws, ports=ports, batch_timeout="1h"), service_log)
    try:
        provider = tracer_provider("fastapi-app", ports, FixedIds(TRACE, [SPAN]))
        provider.get_tracer("contract").start_span("GET /health", kind=SpanKind.SERVER).end()
        provider.shutdown()
    finally:
        collector.stop()

    assert collector.process.returncode == 0

    def arrived() -> bool:
        traces = xray.batch_get_traces(TraceIds=[xray_trace_id(TRACE)])["Traces"]
        documents = [json.loads(s["Document"]) for t in traces for s in t.get("Segments", [])]
        return [document["id"] for document in documents] == [f"{SPAN:016x}"]

    poll_until(arrived, "the span flushed on shutdown in X-Ray", timeout=10)
