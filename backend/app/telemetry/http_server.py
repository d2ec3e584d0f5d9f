"""One SERVER span and one ``http.server.request.duration`` point per HTTP request.

Why not opentelemetry-instrumentation-fastapi: this middleware and the SQL hook
served 1.28x the requests a second of the contrib FastAPI (``exclude_spans=["receive",
"send"]``) and SQLAlchemy instrumentations on a plain SDK for a get by id, 1.22x for a
list of 100, 1.29x for a create; against telemetry off, stock kept 0.62, 0.67, 0.61
and ours 0.81, 0.81, 0.79 (idle machine, 3 rounds; reproduce: ``make bench``, its
ours/stock rows; the stock peer is ``python -m bench.stock``).
Per request to a one-route app, the contrib FastAPI instrumentation added 1,257,000
instructions sampled and 972,000 unsampled (it builds its attributes and records its
own metrics either way), this middleware 313,000 and 169,000 (callgrind; reproduce,
in backend/: ``valgrind --tool=callgrind --callgrind-out-file=/dev/null
.venv/bin/python -m bench.pieces --callgrind``).
FastAPI's own tracing (0.165, ``operation_spans`` off) kept 0.71 of telemetry-off on
a get by id where this middleware kept 0.78, on the same machine, and records no
client address or user agent (issue 12; no command reproduces it yet).
Cost to keep: this module, 246 lines; on upgrades of Starlette re-check that it still
builds its middleware stack in ``build_middleware_stack``, and of the awsxray exporter
that the span's attributes are still the ones it reads
(tests/telemetry/test_http_server.py pins them).
Delete when: the contrib FastAPI instrumentation (or FastAPI's built-in tracing) comes
within the noise of ours in ``make bench``'s ours/stock, or within the budget.

Why it is cheaper: the contrib wraps every receive and send, builds attributes it
then drops and records metrics of its own; here a request costs one header dict, one
extract, one span and one histogram point: 327,000 instructions sampled, 184,000
unsampled, of which the SDK's histogram point is 95,000, the non-recording span
42,000 and the three propagators' extract 18,000 (callgrind; reproduce, in
backend/: ``valgrind --tool=callgrind --callgrind-out-file=/dev/null .venv/bin/python
-m bench.components --callgrind``). The point is the contract's and every request's;
the span is what keeps an unsampled request's trace id in its log lines.

The span carries the attributes the awsxray exporter reads into the segment's
``http`` block (method, URL from scheme/host/port/path, status, client address, user
agent); the metric exactly the contract's three. Health probes get neither.
"""

import time
from typing import Any

from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig
from opentelemetry import context, metrics, propagate, trace
from opentelemetry.context import _SUPPRESS_INSTRUMENTATION_KEY
from opentelemetry.propagators.textmap import Getter
from opentelemetry.trace import SpanKind, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.telemetry.setup import Telemetry
from app.telemetry.trace_header import ALB_TRACE_ROOT

# FastAPI's built-in telemetry switches itself on whenever a provider exists: ~4 more
# spans per request, a second http.server.request.duration with other attributes,
# and exception logs with stack traces. This package does all of that once, so
# every part of the built-in one is off (app.main gives it to FastAPI).
BUILT_IN_TELEMETRY_OFF: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
    "auto_configure": False,
}
# Excluded from server spans and from the request metric: probes every few seconds
# would otherwise outnumber real requests.
HEALTH_PATHS = ("/healthz", "/readyz")
# OpenTelemetry's recommended boundaries for http.server.request.duration (seconds).
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})


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


class _HeaderGetter(Getter[dict[str, str]]):
    # The propagators ask by their own spelling ("X-Amzn-Trace-Id"); ASGI header
    # names are lower case.
    def get(self, carrier: dict[str, str], key: str) -> list[str] | None:
        value = carrier.get(key.lower())
        return None if value is None else [value]

    def keys(self, carrier: dict[str, str]) -> list[str]:
        return list(carrier)


HEADERS = _HeaderGetter()


class TelemetryMiddleware:
    """The request's SERVER span around the whole application, and its duration point."""

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
        method = request_method(scope["method"])
        parent = propagate.extract(headers, getter=HEADERS)
        # The id generator reads an ALB Root from the current context (trace_header.py).
        root_token = context.attach(parent) if ALB_TRACE_ROOT in parent else None
        # Renamed to "METHOD /route/{template}" once routing has matched a route. No
        # attributes yet (but what the X-Ray sampler matches on): the sampler decides
        # first, and an unsampled span gets none.
        matched_on = (
            sampler_attributes(scope, headers, method) if self._sampler_attributes else None
        )
        span = self._tracer.start_span(
            method, context=parent, kind=SpanKind.SERVER, attributes=matched_on
        )
        if root_token is not None:
            context.detach(root_token)
        current = trace.set_span_in_context(span, parent)
        if span.is_recording():
            span.set_attributes(request_attributes(scope, headers, method))
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
                    "http.response.status_class": f"{status // 100}xx",
                },
            )


def request_method(method: str) -> str:
    """The method as the span and the metric name it: anything unusual is ``_OTHER``."""
    # Methods are client input: one value for all others keeps the metric bounded.
    return method if method in _KNOWN_METHODS else "_OTHER"


def sampler_attributes(scope: Scope, headers: dict[str, str], method: str) -> dict[str, Any]:
    """The request fields an X-Ray sampling rule matches (HTTPMethod, URLPath, Host)."""
    attributes: dict[str, Any] = {"http.request.method": method, "url.path": scope["path"]}
    host, _ = _server(scope, headers)
    if host:
        attributes["server.address"] = host
    return attributes


def request_attributes(scope: Scope, headers: dict[str, str], method: str) -> dict[str, Any]:
    """The stable HTTP semantic conventions, as the awsxray exporter reads them."""
    # It builds the segment's request URL from url.scheme, server.address,
    # server.port and url.path. No url.query: this API takes none, and queries can
    # carry user text.
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


def _route_template(scope: Scope) -> str | None:
    # Starlette puts the matched route into the scope; its path is the template
    # ("/api/todos/{todo_id}"), never the id. None when no route matched.
    path: Any = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else None
