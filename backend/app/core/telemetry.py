"""The single OpenTelemetry bootstrap: traces, metrics, propagation, instrumentation.

Feature code uses only the OpenTelemetry API (``trace.get_tracer``,
``metrics.get_meter``); this module decides where the data goes. Everything is
configured by the standard ``OTEL_*`` variables, and ``OTEL_SDK_DISABLED=true``
leaves the API's no-op implementations in place: no providers, no instrumentation.

Cost matters (a benchmark compares telemetry on and off), so each request yields
only the spans worth having: one server span (no per-chunk ASGI receive/send
spans, no health probes), one span per SQL statement, and botocore spans.
"""

import logging
import threading
import time
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

from fastapi import FastAPI
from opentelemetry import context, metrics, propagate, trace
from opentelemetry.context import _SUPPRESS_INSTRUMENTATION_KEY
from opentelemetry.instrumentation.botocore import BotocoreInstrumentor
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.propagators.textmap import Getter, TextMapPropagator
from opentelemetry.sdk._logs.export import LogRecordExporter
from opentelemetry.sdk.extension.aws.resource.ecs import AwsEcsResourceDetector
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    MetricExporter,
    MetricReader,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.resources import Resource, get_aggregated_resources
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from sqlalchemy import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.config import Settings
from app.core.log_export import LogExport, install_log_export
from app.core.sampling.sampler import XRayRemoteSampler, xray_sampler
from app.core.sql_spans import instrument_engine
from app.core.trace_header import ALB_TRACE_ROOT, AlbRootIdGenerator, AlbTraceHeaderPropagator

logger = logging.getLogger(__name__)

# Excluded from server spans and from the request metric: probes every few seconds
# would otherwise outnumber real requests.
HEALTH_PATHS = ("/healthz", "/readyz")
# OpenTelemetry's recommended boundaries for http.server.request.duration (seconds).
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)
# Total time SIGTERM may spend flushing; ECS waits 30 s, the contract promises 5.
FLUSH_SECONDS = 4.0
# Instrumentations get this so that they add no metrics of their own: the contract's
# request metric is recorded by TelemetryMiddleware with exactly its attributes.
_NO_METRICS = NoOpMeterProvider()


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


class _HashedOnce(Resource):
    """A Resource that computes its hash once.

    The OTLP encoders group each batch by resource, hashing it once per span, and
    Resource.__hash__ serialises every attribute to JSON each time: about 7 us per
    span here and 17 us with ECS's 22 resource attributes, in the export thread.
    A Resource never changes after it is made, so neither does its hash.
    """

    def __init__(self, resource: Resource) -> None:
        super().__init__(resource.attributes, resource.schema_url)
        self._hash = super().__hash__()

    def __hash__(self) -> int:
        return self._hash


def _resource(settings: Settings) -> Resource:
    # Resource.create also merges OTEL_RESOURCE_ATTRIBUTES.
    base = Resource.create({"service.name": settings.otel_service_name})
    if settings.ecs_container_metadata_uri_v4:
        # On ECS: cluster, task ARN, container, log group (links X-Ray to the task's logs).
        base = get_aggregated_resources(
            [AwsEcsResourceDetector()], initial_resource=base, timeout=3
        )
    return _HashedOnce(base)


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


def _exporters(settings: Settings) -> tuple[SpanExporter, MetricExporter]:
    # Endpoint, headers and timeout come from OTEL_EXPORTER_OTLP_* inside the exporters.
    if settings.otel_exporter_otlp_protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import (  # noqa: PLC0415
            OTLPMetricExporter as GrpcMetricExporter,
        )
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (  # noqa: PLC0415
            OTLPSpanExporter as GrpcSpanExporter,
        )

        return GrpcSpanExporter(), GrpcMetricExporter()
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import (  # noqa: PLC0415
        OTLPMetricExporter,
    )
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # noqa: PLC0415
        OTLPSpanExporter,
    )

    return OTLPSpanExporter(), OTLPMetricExporter()


def setup_telemetry(
    settings: Settings,
    *,
    span_exporter: SpanExporter | None = None,
    metric_reader: MetricReader | None = None,
    log_exporter: LogRecordExporter | None = None,
) -> Telemetry | None:
    """Install the global providers and library instrumentation; None when disabled.

    Call it after ``configure_logging``, then ``Telemetry.instrument_engine`` on the
    engine. Tests pass in-memory exporters; the service uses OTLP.
    """
    if settings.otel_sdk_disabled:
        return None
    resource = _resource(settings)
    if span_exporter is None or metric_reader is None:
        default_spans, default_metrics = _exporters(settings)
        span_exporter = span_exporter or default_spans
        metric_reader = metric_reader or PeriodicExportingMetricReader(default_metrics)

    # X-Ray rejects trace ids whose first 32 bits are not an epoch second; a request
    # under an ALB's Root-only header takes that Root (app/core/trace_header.py).
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
    tracer_provider.add_span_processor(BatchSpanProcessor(span_exporter))
    meter_provider = MeterProvider(
        resource=resource, metric_readers=[metric_reader], shutdown_on_exit=False
    )
    trace.set_tracer_provider(tracer_provider)
    metrics.set_meter_provider(meter_provider)
    propagate.set_global_textmap(_propagator(settings))

    BotocoreInstrumentor().instrument(  # type: ignore[no-untyped-call]
        tracer_provider=tracer_provider, meter_provider=_NO_METRICS
    )
    return Telemetry(
        tracer_provider=tracer_provider,
        meter_provider=meter_provider,
        log_export=install_log_export(settings, resource, exporter=log_exporter),
        sampler=xray_root,
    )


def instrument_app(app: FastAPI, telemetry: Telemetry | None) -> None:
    """Add the server span and the contract's request metric to the app (if enabled)."""
    if telemetry is None:
        return
    tracer = telemetry.tracer_provider.get_tracer("app.http")
    build_stack = app.build_middleware_stack

    # Outside Starlette's ServerErrorMiddleware, not as a user middleware inside it:
    # an unhandled error's 500 is answered (and logged, with the trace id) out there,
    # and the span and the metric must see that 500. Starlette builds the stack once,
    # at the first request.
    def build_traced_stack() -> ASGIApp:
        return TelemetryMiddleware(
            build_stack(), tracer=tracer, sampler_attributes=telemetry.sampler is not None
        )

    app.build_middleware_stack = build_traced_stack  # type: ignore[method-assign]


def _status_class(status: int) -> str:
    return f"{status // 100}xx"


class _HeaderGetter(Getter[dict[str, str]]):
    # The propagators ask by their own spelling ("X-Amzn-Trace-Id"); ASGI header
    # names are lower case.
    def get(self, carrier: dict[str, str], key: str) -> list[str] | None:
        value = carrier.get(key.lower())
        return None if value is None else [value]

    def keys(self, carrier: dict[str, str]) -> list[str]:
        return list(carrier)


_HEADERS = _HeaderGetter()


class TelemetryMiddleware:
    """One SERVER span and one ``http.server.request.duration`` point per request.

    This replaces opentelemetry-instrumentation-fastapi, which cost about a third of
    the throughput (bench/bench.py): it wraps every receive and send, builds
    attributes it then drops, and records metrics of its own. Here a request costs
    one header dict, one extract, one span and one histogram point. The span carries
    the attributes the awsxray exporter reads into the segment's ``http`` block
    (method, URL from scheme/host/port/path, status, client address, user agent);
    the metric exactly the contract's three. Health probes get neither.
    """

    def __init__(
        self, app: ASGIApp, *, tracer: trace.Tracer, sampler_attributes: bool = False
    ) -> None:
        self.app = app
        self._tracer = tracer
        # The X-Ray sampler matches rules on method, path and host: only then does a
        # span start with them (other samplers decide on the trace id alone).
        self._sampler_attributes = sampler_attributes
        self._duration = metrics.get_meter("app.http").create_histogram(
            "http.server.request.duration",
            unit="s",
            description="Duration of HTTP server requests",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Trace and time the request around the whole application."""
        if scope["type"] != "http" or scope["path"] in HEALTH_PATHS:
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        headers = {
            name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]
        }
        method = _method(scope["method"])
        parent = propagate.extract(headers, getter=_HEADERS)
        # The id generator reads an ALB Root from the current context (trace_header.py).
        root_token = context.attach(parent) if ALB_TRACE_ROOT in parent else None
        # Renamed to "METHOD /route/{template}" once routing has matched a route. No
        # attributes yet (but what the X-Ray sampler matches on): the sampler decides
        # first, and an unsampled span gets none.
        matched_on = (
            _sampler_attributes(scope, headers, method) if self._sampler_attributes else None
        )
        span = self._tracer.start_span(
            method, context=parent, kind=SpanKind.SERVER, attributes=matched_on
        )
        if root_token is not None:
            context.detach(root_token)
        current = trace.set_span_in_context(span, parent)
        if span.is_recording():
            span.set_attributes(_request_attributes(scope, headers, method))
        else:
            # Nothing under an unsampled span is kept: the SQL and botocore hooks
            # then return at once instead of building spans that are dropped.
            current = context.set_value(_SUPPRESS_INSTRUMENTATION_KEY, True, current)
        token = context.attach(current)
        # Stays 500 if the app raises before answering.
        status = 500

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        except Exception as error:
            span.record_exception(error)
            raise
        finally:
            route = _route_template(scope)
            if span.is_recording():
                if route is not None:
                    span.update_name(f"{method} {route}")
                    span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    # X-Ray marks the segment as a fault.
                    span.set_status(StatusCode.ERROR)
            span.end()
            context.detach(token)
            self._duration.record(
                time.perf_counter() - start,
                {
                    "http.request.method": method,
                    "http.route": route or "unmatched",
                    "http.response.status_class": _status_class(status),
                },
            )


def _sampler_attributes(scope: Scope, headers: dict[str, str], method: str) -> dict[str, Any]:
    # The request fields an X-Ray sampling rule matches (HTTPMethod, URLPath, Host).
    attributes: dict[str, Any] = {"http.request.method": method, "url.path": scope["path"]}
    host, _ = _server(scope, headers)
    if host:
        attributes["server.address"] = host
    return attributes


def _request_attributes(scope: Scope, headers: dict[str, str], method: str) -> dict[str, Any]:
    # Stable HTTP semantic conventions, as the awsxray exporter reads them: it builds
    # the segment's request URL from url.scheme, server.address, server.port and
    # url.path. No url.query: this API takes none, and queries can carry user text.
    attributes: dict[str, Any] = {
        "http.request.method": method,
        "url.scheme": scope["scheme"],
        "url.path": scope["path"],
    }
    host, port = _server(scope, headers)
    if host:
        attributes["server.address"] = host
    if port is not None:
        attributes["server.port"] = port
    if scope.get("client"):
        attributes["client.address"] = scope["client"][0]
    if "user-agent" in headers:
        attributes["user_agent.original"] = headers["user-agent"]
    return attributes


def _server(scope: Scope, headers: dict[str, str]) -> tuple[str | None, int | None]:
    # The Host header as the client (or the load balancer) addressed the service,
    # else the socket uvicorn listens on.
    host = headers.get("host")
    if host:
        name, colon, port = host.rpartition(":")
        if colon and port.isdigit():
            return name, int(port)
        return host, None
    server = scope.get("server")
    if server:
        return server[0], server[1]
    return None, None


_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})


def _method(method: str) -> str:
    # Methods are client input: anything unusual collapses into one value.
    return method if method in _KNOWN_METHODS else "_OTHER"


def _route_template(scope: Scope) -> str | None:
    # Starlette puts the matched route into the scope; its path is the template
    # ("/api/todos/{todo_id}"), never the id. None when no route matched.
    path: Any = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else None
