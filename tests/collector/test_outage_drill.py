"""The outage drill: steady traffic, the endpoints unreachable, the sidecar restarted meanwhile.

Spans flow as on ECS: an SDK (the "app") -> the sidecar -> the endpoint. For the
OTLP pipeline the endpoint is the stand-in of the CloudWatch OTLP endpoints (which
writes into moto); for the xray-exporter pipeline it is X-Ray itself (moto). A
switchable forwarder in front of the endpoint makes it unreachable for a while,
and halfway through that outage the sidecar is stopped (SIGTERM) and started
again, with the same queue directory, as ECS restarts a container in its task.

Afterwards every trace the app reports as exported (its exporter returned
SUCCESS) is looked up in X-Ray by trace id. The OTLP pipeline must lose none; the
xray-exporter pipeline's loss is measured and written to .cache/drill/.

`make test` runs a short drill (10 s outage); `make drill` the full one (90 s of
20 traces/s, 60 s outage), whose figures the README quotes.
"""

import json
import os
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from mypy_boto3_xray import XRayClient
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace import SpanKind

from ecsotel.local.collector import (
    CollectorPorts,
    Pipeline,
    collector_spec,
    otlp_sidecar_spec,
    standin_spec,
)
from ecsotel.local.moto import REGION, LocalAws
from ecsotel.local.process import LogSink, RunningService, ServiceSpec, start
from ecsotel.paths import CACHE_DIR
from tests.collector.spans import xray_trace_id
from tests.collector.switch import Switch

RESULTS = CACHE_DIR / "drill"


@dataclass(frozen=True)
class Timeline:
    """Seconds from the start of traffic; `rate` traces per second."""

    traffic: float
    outage_start: float
    restart: float
    outage_end: float
    rate: float
    settle: float  # how long to wait for stragglers after traffic ends


SHORT = Timeline(traffic=24, outage_start=4, restart=9, outage_end=14, rate=20, settle=30)
FULL = Timeline(traffic=90, outage_start=15, restart=45, outage_end=75, rate=20, settle=90)
TIMELINE = FULL if os.environ.get("DRILL") == "full" else SHORT


class XRayIds(RandomIdGenerator):
    """Trace ids X-Ray accepts: the first 32 bits are the epoch second."""

    def generate_trace_id(self) -> int:
        """An epoch-prefixed random trace id."""
        return (int(time.time()) << 96) | random.getrandbits(96)


class Exported(SpanExporter):
    """The app's own count: trace ids of the spans its exporter delivered."""

    def __init__(self, inner: SpanExporter) -> None:
        self._inner = inner
        self.trace_ids: set[int] = set()
        self.failed = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        """Export through the real exporter; remember what it delivered."""
        result = self._inner.export(spans)
        if result is SpanExportResult.SUCCESS:
            self.trace_ids.update(s.context.trace_id for s in spans if s.context)
        else:
            self.failed += len(spans)
        return result

    def shutdown(self) -> None:
        """Shut the real exporter down."""
        self._inner.shutdown()


def _traffic(ports: CollectorPorts, timeline: Timeline) -> tuple[Exported, threading.Thread]:
    exporter = Exported(OTLPSpanExporter(endpoint=f"http://127.0.0.1:{ports.grpc}", insecure=True))
    provider = TracerProvider(
        resource=Resource({"service.name": "drill-app"}), id_generator=XRayIds()
    )
    provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=500))
    tracer = provider.get_tracer("drill")

    def send() -> None:
        start, sent = time.monotonic(), 0
        while (elapsed := time.monotonic() - start) < timeline.traffic:
            # Steady pacing: catch up to rate * elapsed, then wait for the next tick.
            while sent < elapsed * timeline.rate:
                tracer.start_span("GET /api/todos/", kind=SpanKind.SERVER).end()
                sent += 1
            time.sleep(1 / timeline.rate)
        provider.shutdown()

    return exporter, threading.Thread(target=send, name="drill-traffic")


def _arrived(xray: XRayClient, trace_ids: set[int], timeout: float) -> set[int]:
    """The trace ids X-Ray has, looked up until all are there or `timeout` passes."""
    found: set[int] = set()
    deadline = time.monotonic() + timeout
    while True:
        pending = sorted(trace_ids - found)
        for i in range(0, len(pending), 5):  # BatchGetTraces takes 5 ids per call
            batch = {xray_trace_id(t): t for t in pending[i : i + 5]}
            for trace in xray.batch_get_traces(TraceIds=list(batch))["Traces"]:
                if trace.get("Segments"):
                    found.add(batch[trace["Id"]])
        if found >= trace_ids or time.monotonic() > deadline:
            return found
        time.sleep(1)


def _drill(
    spec: Callable[[], ServiceSpec],
    ports: CollectorPorts,
    switch: Switch,
    sink: LogSink,
    xray: XRayClient,
    timeline: Timeline,
) -> dict[str, int | float]:
    sidecar: RunningService = start(spec(), sink)
    exporter, traffic = _traffic(ports, timeline)
    began = time.monotonic()

    def at(second: float) -> None:
        # The drill's clock: each step happens at its second of the timeline.
        time.sleep(max(0.0, began + second - time.monotonic()))

    try:
        traffic.start()
        at(timeline.outage_start)
        switch.off()
        at(timeline.restart)
        sidecar.stop()
        sidecar = start(spec(), sink)
        at(timeline.outage_end)
        switch.on()
        traffic.join()
        found = _arrived(xray, exporter.trace_ids, timeline.settle)
    finally:
        switch.on()
        sidecar.stop()
    return {
        "traces_per_second": timeline.rate,
        "traffic_seconds": timeline.traffic,
        "outage_seconds": timeline.outage_end - timeline.outage_start,
        "exported_by_app": len(exporter.trace_ids),
        "app_export_failures": exporter.failed,
        "arrived": len(found),
        "lost": len(exporter.trace_ids - found),
    }


def _record(pipeline: Pipeline, figures: dict[str, int | float]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = f"{pipeline}{'-full' if TIMELINE is FULL else ''}.json"
    (RESULTS / name).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"\noutage drill, {pipeline} pipeline: {figures}")


@pytest.fixture
def queue_dir(tmp_path: Path) -> Path:
    """The sidecar's queue directory, kept across its restart."""
    return tmp_path / "queue"


@pytest.fixture
def standin(aws: LocalAws, sink: LogSink) -> Iterator[CollectorPorts]:
    """The stand-in of the CloudWatch OTLP endpoints, writing into moto."""
    ports = CollectorPorts.free()
    service = start(standin_spec(aws=aws, ports=ports), sink)
    try:
        yield ports
    finally:
        service.stop()


def test_otlp_pipeline_loses_no_span_through_an_outage_and_a_restart(
    standin: CollectorPorts, queue_dir: Path, sink: LogSink, xray: XRayClient
) -> None:
    switch = Switch(target=standin.http)
    ports = CollectorPorts.free()

    def spec() -> ServiceSpec:
        return otlp_sidecar_spec(
            ports=ports,
            endpoint=f"http://127.0.0.1:{switch.port}",
            queue_dir=queue_dir,
            region=REGION,
            env={"OTELCOL_BATCH_TIMEOUT": "200ms"},
        )

    figures = _drill(spec, ports, switch, sink, xray, TIMELINE)
    _record("otlp", figures)
    assert figures["exported_by_app"] > 0.8 * TIMELINE.traffic * TIMELINE.rate
    assert figures["lost"] == 0, figures


def test_xray_exporter_pipeline_loss_is_measured(
    aws: LocalAws, sink: LogSink, xray: XRayClient
) -> None:
    switch = Switch(target=aws.port)
    ports = CollectorPorts.free()
    behind_switch = LocalAws(port=switch.port)

    def spec() -> ServiceSpec:
        return collector_spec(aws=behind_switch, ports=ports, batch_timeout="200ms")

    figures = _drill(spec, ports, switch, sink, xray, TIMELINE)
    _record("xray-exporter", figures)
    assert figures["exported_by_app"] > 0.8 * TIMELINE.traffic * TIMELINE.rate
    assert figures["arrived"] + figures["lost"] == figures["exported_by_app"]
