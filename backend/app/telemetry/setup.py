"""The SDK set-up and shutdown: providers, propagators, exporters, botocore spans.

Everything is configured by the standard ``OTEL_*`` variables (read into
``Settings``, or by the SDK itself), and ``OTEL_SDK_DISABLED=true`` leaves the
API's no-op implementations in place: no providers, no instrumentation.

OTLP over HTTP encodes protobuf, not JSON: the JSON exporter
(opentelemetry-exporter-otlp-json-http 0.66b1) took 360,000 instructions and 792 bytes
a span where protobuf took 287,000 and 346 (a batch of get-by-id spans; callgrind;
reproduce: ``bench/encodings.py``, which says how), and it needs
opentelemetry-exporter-otlp-common 0.66b1 where the protobuf exporters need 0.66b2.
"""

import logging
import threading
import time
from dataclasses import dataclass
from importlib.metadata import entry_points

from opentelemetry import metrics, propagate, trace
from opentelemetry.instrumentation.botocore import BotocoreInstrumentor
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.propagators.textmap import TextMapPropagator
from opentelemetry.sdk._logs.export import LogRecordExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    MetricExporter,
    MetricReader,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from sqlalchemy import Engine

from app.core.config import Settings
from app.telemetry.logs import LogExport, install_log_export
from app.telemetry.resource import service_resource
from app.telemetry.sampling import XRayRemoteSampler, xray_sampler
from app.telemetry.sql import instrument_engine
from app.telemetry.trace_header import AlbRootIdGenerator, AlbTraceHeaderPropagator

logger = logging.getLogger(__name__)

# Total time SIGTERM may spend flushing; ECS waits 30 s, the contract promises 5.
FLUSH_SECONDS = 4.0


@dataclass
class Telemetry:
    """The SDK providers, kept to flush and shut them down."""

    tracer_provider: TracerProvider
    meter_provider: MeterProvider
    # Only with OTEL_LOGS_EXPORTER=otlp.
    log_export: LogExport | None = None
    # Only with OTEL_TRACES_SAMPLER=xray: its polling thread is stopped here.
    sampler: XRayRemoteSampler | None = None

    def instrument_engine(self, engine: Engine) -> None:
        """Give each SQL statement the engine runs a span; call it once per engine.

        Each call adds its own hooks: a second call on the same engine would start
        two spans per statement.
        """
        instrument_engine(engine, self.tracer_provider.get_tracer("app.sql"))

    def shutdown(self, timeout: float = FLUSH_SECONDS) -> None:
        """Flush and stop both providers, giving up after ``timeout`` seconds in total."""
        # Provider.shutdown has no deadline of its own (an exporter retrying an
        # unreachable collector can take its whole OTLP timeout), so it runs in a
        # daemon thread and is abandoned at the deadline rather than holding up exit.
        deadline = time.monotonic() + timeout

        def _stop() -> None:
            self.tracer_provider.force_flush(timeout_millis=int(timeout * 500))
            self.tracer_provider.shutdown()
            remaining_ms = max(0.0, deadline - time.monotonic()) * 1000
            self.meter_provider.shutdown(timeout_millis=remaining_ms)
            if self.log_export is not None:
                self.log_export.shutdown(max(0.0, deadline - time.monotonic()) * 1000)
            if self.sampler is not None:
                self.sampler.shutdown(max(0.0, deadline - time.monotonic()))

        worker = threading.Thread(target=_stop, name="telemetry-shutdown", daemon=True)
        worker.start()
        worker.join(timeout)
        if worker.is_alive():
            logger.warning("telemetry not fully flushed within %.1f s", timeout)


def setup_telemetry(
    settings: Settings,
    *,
    span_exporter: SpanExporter | None = None,
    metric_reader: MetricReader | None = None,
    log_exporter: LogRecordExporter | None = None,
) -> Telemetry | None:
    """Install the global providers and botocore's spans; None when disabled.

    Call it after ``configure_logging``, then ``Telemetry.instrument_engine`` on the
    engine and ``instrument_app`` on the app. Tests pass in-memory exporters; the
    service uses OTLP.
    """
    if settings.otel_sdk_disabled:
        return None
    resource = service_resource(settings)
    spans, metric_points, logs = _otlp_exporters(settings)
    # X-Ray rejects trace ids whose first 32 bits are not an epoch second; a request
    # under an ALB's Root-only header takes that Root (trace_header.py).
    # shutdown_on_exit=False: Telemetry.shutdown (lifespan) does it within a deadline;
    # the SDK's own atexit hook would shut down again, without one.
    # sampler None: the SDK reads OTEL_TRACES_SAMPLER (and _ARG) itself.
    sampler, xray_root = None, None
    xray_arg = settings.xray_sampler_arg
    if xray_arg is not None:
        sampler, xray_root = xray_sampler(xray_arg, resource)
    tracer_provider = TracerProvider(
        resource=resource,
        sampler=sampler,
        id_generator=AlbRootIdGenerator(),
        shutdown_on_exit=False,
    )
    tracer_provider.add_span_processor(BatchSpanProcessor(span_exporter or spans()))
    meter_provider = MeterProvider(
        resource=resource,
        metric_readers=[metric_reader or PeriodicExportingMetricReader(metric_points())],
        shutdown_on_exit=False,
    )
    trace.set_tracer_provider(tracer_provider)
    metrics.set_meter_provider(meter_provider)
    propagate.set_global_textmap(_propagator(settings))

    # No metrics of its own: the contract's request metric is recorded by
    # TelemetryMiddleware with exactly its attributes.
    BotocoreInstrumentor().instrument(  # type: ignore[no-untyped-call]
        tracer_provider=tracer_provider, meter_provider=NoOpMeterProvider()
    )
    log_export = None
    if settings.otel_logs_exporter == "otlp":
        log_export = install_log_export(resource, log_exporter or logs())
    return Telemetry(tracer_provider, meter_provider, log_export=log_export, sampler=xray_root)


def _propagator(settings: Settings) -> TextMapPropagator:
    # Built here rather than by opentelemetry.propagate's own env lookup so that the
    # default includes X-Ray: the load balancer sends X-Amzn-Trace-Id.
    found: list[TextMapPropagator] = []
    for name in filter(None, (n.strip() for n in settings.otel_propagators.split(","))):
        if name == "none":
            continue
        if name == "xray":
            # The contrib propagator, also accepting the ALB's Root-only header.
            found.append(AlbTraceHeaderPropagator())
            continue
        (entry,) = entry_points(group="opentelemetry_propagator", name=name) or (None,)
        if entry is None:
            raise ValueError(f"OTEL_PROPAGATORS names an unknown propagator: {name}")
        found.append(entry.load()())
    return CompositePropagator(found)


def _otlp_exporters(
    settings: Settings,
) -> tuple[type[SpanExporter], type[MetricExporter], type[LogRecordExporter]]:
    # Classes, made only for the signals that need one. Endpoint, headers and timeout
    # come from OTEL_EXPORTER_OTLP_* inside the exporters. Imported here, not at the
    # top: an http/protobuf service never loads grpcio.
    if settings.otel_exporter_otlp_protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc._log_exporter import (  # noqa: PLC0415
            OTLPLogExporter as GrpcLogExporter,
        )
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import (  # noqa: PLC0415
            OTLPMetricExporter as GrpcMetricExporter,
        )
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (  # noqa: PLC0415
            OTLPSpanExporter as GrpcSpanExporter,
        )

        return GrpcSpanExporter, GrpcMetricExporter, GrpcLogExporter
    from opentelemetry.exporter.otlp.proto.http._log_exporter import (  # noqa: PLC0415
        OTLPLogExporter,
    )
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import (  # noqa: PLC0415
        OTLPMetricExporter,
    )
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # noqa: PLC0415
        OTLPSpanExporter,
    )

    return OTLPSpanExporter, OTLPMetricExporter, OTLPLogExporter
