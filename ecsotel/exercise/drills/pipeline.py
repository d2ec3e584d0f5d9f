"""The collector outage drill: steady traffic, the endpoints unreachable, the sidecar restarted.

Spans flow as on ECS: an SDK (the "app") -> the sidecar -> the endpoint. For the
OTLP pipeline the endpoint is the stand-in of the CloudWatch OTLP endpoints (which
writes into moto); for the xray-exporter pipeline it is X-Ray itself (moto). A
switchable forwarder in front of the endpoint makes it unreachable for a while,
and halfway through that outage the sidecar is stopped (SIGTERM) and started
again, with the same queue directory, as ECS restarts a container in its task.

Afterwards every trace the app reports as exported (its exporter returned
SUCCESS) is looked up in X-Ray by trace id. The OTLP pipeline must lose none; the
xray-exporter pipeline's loss is measured and written to .cache/pipeline-drill/.

`make test-collector` runs the short drill (tests/collector/test_outage_drill.py,
10 s outage); `ecsotel pipeline-drill` the full one (90 s of 20 traces/s, 60 s
outage), whose figures the README quotes.
"""

import json
import random
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
from devkit.ports import free_port
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace import SpanKind

from ecsotel.exercise.drills.forwarder import Forwarder
from ecsotel.local.collector import (
    CollectorPorts,
    Pipeline,
    collector_spec,
    otlp_sidecar_spec,
    standin_spec,
)
from ecsotel.local.moto import REGION, LocalAws
from ecsotel.local.process import LogWriter, RunningService, ServiceSpec, log_file, start
from ecsotel.paths import CACHE_DIR
from ecsotel.xray import TraceId

if TYPE_CHECKING:  # the stubs are a development dependency
    from mypy_boto3_xray import XRayClient

RESULTS = CACHE_DIR / "pipeline-drill"
Figures = dict[str, int | float]


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


def _arrived(xray: "XRayClient", trace_ids: set[int], timeout: float) -> set[int]:
    """The trace ids X-Ray has, looked up until all are there or `timeout` passes."""
    found: set[int] = set()
    deadline = time.monotonic() + timeout
    while True:
        pending = sorted(trace_ids - found)
        for i in range(0, len(pending), 5):  # BatchGetTraces takes 5 ids per call
            batch = {TraceId(f"{t:032x}").xray: t for t in pending[i : i + 5]}
            for trace in xray.batch_get_traces(TraceIds=list(batch))["Traces"]:
                if trace.get("Segments"):
                    found.add(batch[trace["Id"]])
        if found >= trace_ids or time.monotonic() > deadline:
            return found
        time.sleep(1)


def _drill(
    spec: Callable[[], ServiceSpec],
    ports: CollectorPorts,
    forwarder: Forwarder,
    log: LogWriter,
    xray: "XRayClient",
    timeline: Timeline,
) -> Figures:
    sidecar: RunningService = start(spec(), log)
    exporter, traffic = _traffic(ports, timeline)
    began = time.monotonic()

    def at(second: float) -> None:
        # The drill's clock: each step happens at its second of the timeline.
        time.sleep(max(0.0, began + second - time.monotonic()))

    try:
        traffic.start()
        at(timeline.outage_start)
        forwarder.off()
        at(timeline.restart)
        sidecar.stop()
        sidecar = start(spec(), log)
        at(timeline.outage_end)
        forwarder.on()
        traffic.join()
        found = _arrived(xray, exporter.trace_ids, timeline.settle)
    finally:
        forwarder.on()
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


def otlp_drill(
    *, aws: LocalAws, log: LogWriter, xray: "XRayClient", queue_dir: Path, timeline: Timeline
) -> Figures:
    """The OTLP pipeline: its sidecar (queue in `queue_dir`) -> the forwarder -> the stand-in."""
    standin_ports = CollectorPorts.free()
    standin = start(standin_spec(aws=aws, ports=standin_ports), log)
    try:
        forwarder = Forwarder(target=standin_ports.http)
        ports = CollectorPorts.free()

        def spec() -> ServiceSpec:
            return otlp_sidecar_spec(
                ports=ports,
                endpoint=f"http://127.0.0.1:{forwarder.port}",
                queue_dir=queue_dir,
                region=REGION,
                env={"OTELCOL_BATCH_TIMEOUT": "200ms"},
            )

        return _drill(spec, ports, forwarder, log, xray, timeline)
    finally:
        standin.stop()


def xray_exporter_drill(
    *, aws: LocalAws, log: LogWriter, xray: "XRayClient", timeline: Timeline
) -> Figures:
    """The xray-exporter pipeline: the collector -> the forwarder -> X-Ray (moto)."""
    forwarder = Forwarder(target=aws.port)
    ports = CollectorPorts.free()
    behind_forwarder = LocalAws(port=forwarder.port)

    def spec() -> ServiceSpec:
        return collector_spec(aws=behind_forwarder, ports=ports, batch_timeout="200ms")

    return _drill(spec, ports, forwarder, log, xray, timeline)


def problems(pipeline: Pipeline, figures: Figures, timeline: Timeline) -> list[str]:
    """What the drill fails for: too little traffic exported, a lost span on the OTLP
    pipeline, or on the xray-exporter pipeline traces neither arrived nor counted lost."""
    found = []
    if figures["exported_by_app"] <= 0.8 * timeline.traffic * timeline.rate:
        found.append(f"the app exported only {figures['exported_by_app']} traces")
    if pipeline == "otlp" and figures["lost"]:
        found.append(f"{figures['lost']} traces lost on the OTLP pipeline")
    if figures["arrived"] + figures["lost"] != figures["exported_by_app"]:
        found.append("arrived and lost do not add up to the traces exported")
    return found


def record(pipeline: Pipeline, figures: Figures, timeline: Timeline) -> Path:
    """Write the figures to RESULTS (`<pipeline>-full.json` for the full drill)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{pipeline}{'-full' if timeline is FULL else ''}.json"
    path.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return path


def pipeline_drill(timeline: Timeline) -> dict[Pipeline, Figures]:
    """Both pipelines' drills on a moto of their own; each one's figures recorded."""
    aws = LocalAws(port=free_port())
    figures: dict[Pipeline, Figures] = {}
    with log_file(RESULTS / "services.log") as log, tempfile.TemporaryDirectory() as scratch:
        moto = start(aws.spec(), log)
        try:
            xray = boto3.client("xray", **aws.client_settings())
            queue_dir = Path(scratch) / "queue"
            figures["otlp"] = otlp_drill(
                aws=aws, log=log, xray=xray, queue_dir=queue_dir, timeline=timeline
            )
            figures["xray-exporter"] = xray_exporter_drill(
                aws=aws, log=log, xray=xray, timeline=timeline
            )
        finally:
            moto.stop()
    for pipeline, measured in figures.items():
        record(pipeline, measured, timeline)
    return figures
