"""The service's one OpenTelemetry bootstrap; feature code uses only the OpenTelemetry API.

Feature code calls ``trace.get_tracer`` and ``metrics.get_meter``; this package decides
where the data goes. One module per job:

- ``setup``: providers, propagators, exporters, botocore spans; ``Telemetry.shutdown``;
- ``resource``: the service's resource (ECS task attributes on ECS), hashed once;
- ``http_server``: the SERVER span and ``http.server.request.duration`` per request;
- ``sql``: a CLIENT span per SQL statement;
- ``trace_header``: the ALB's ``X-Amzn-Trace-Id``, Root-only headers included;
- ``sampling/``: the X-Ray remote sampler (``OTEL_TRACES_SAMPLER=xray``);
- ``logs``: JSON log lines with trace ids, and OTLP log export.

A request yields only the spans worth having: one server span (none for health
probes), one span per SQL statement, botocore spans for AWS calls; an unsampled one
builds none of them. Each hand-written piece opens its docstring with why the stock
package is not used, what keeping it costs, and when to delete it.
"""

from app.telemetry.http_server import BUILT_IN_TELEMETRY_OFF, instrument_app
from app.telemetry.logs import configure_logging
from app.telemetry.setup import Telemetry, setup_telemetry

__all__ = [
    "BUILT_IN_TELEMETRY_OFF",
    "Telemetry",
    "configure_logging",
    "instrument_app",
    "setup_telemetry",
]
