"""Logs joined to traces: JSON lines on stdout, and with ``OTEL_LOGS_EXPORTER=otlp`` OTLP too.

Every record logged inside a span carries that span's trace and span id, in both
outputs, so a trace leads to its log lines and back. The JSON lines are the classic
pipeline's only log output (the container's stdout, shipped by awslogs): the trace id
is written as X-Ray shows it, ``1-xxxxxxxx-x{24}``. They need only the OpenTelemetry
API, so they work with the SDK disabled too. On the OTLP pipeline the sidecar
forwards the OTLP records to the CloudWatch Logs OTLP endpoint; the stdout lines
stay as they are.
"""

import json
import logging
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace
from opentelemetry.instrumentation.logging.handler import LoggingHandler
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, LogRecordExporter
from opentelemetry.sdk.resources import Resource

# Attributes every LogRecord has; anything else came in through `extra=` and is logged.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}
# The SDK's and exporters' own warnings (an unreachable collector, say) must not
# become log records that are exported in turn.
_OWN_LOGGERS = "opentelemetry"


def xray_trace_id(trace_id: int) -> str:
    """Format a 128-bit trace id the way X-Ray and CloudWatch show it: 1-xxxxxxxx-x{24}."""
    hex_id = f"{trace_id:032x}"
    return f"1-{hex_id[:8]}-{hex_id[8:]}"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, trace and span ids, extras."""

    def format(self, record: logging.LogRecord) -> str:
        """Render the record as one line of JSON."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        context = trace.get_current_span().get_span_context()
        if context.is_valid:
            entry["trace_id"] = xray_trace_id(context.trace_id)
            entry["span_id"] = f"{context.span_id:016x}"
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str) -> None:
    """Send every logger (uvicorn's included) through one JSON handler on stdout."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        # uvicorn installs its own handlers; ours on the root logger must be the only ones.
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True


@dataclass
class LogExport:
    """The logs provider and the handler that feeds it from ``logging``."""

    provider: LoggerProvider
    handler: logging.Handler

    def shutdown(self, timeout_millis: float) -> None:
        """Stop taking records, then export what is buffered within ``timeout_millis``."""
        logging.getLogger().removeHandler(self.handler)
        self.provider.force_flush(timeout_millis=int(timeout_millis))
        self.provider.shutdown()


def _not_from_the_sdk(record: logging.LogRecord) -> bool:
    return not record.name.startswith(_OWN_LOGGERS)


def install_log_export(resource: Resource, exporter: LogRecordExporter) -> LogExport:
    """Send every ``logging`` record at INFO or above to ``exporter`` as well.

    The handler goes onto the root logger, beside the JSON one that
    ``configure_logging`` installed, so call this after it.
    """
    provider = LoggerProvider(resource=resource, shutdown_on_exit=False)
    provider.add_log_record_processor(BatchLogRecordProcessor(exporter))
    handler = LoggingHandler(level=logging.INFO, logger_provider=provider)
    handler.addFilter(_not_from_the_sdk)
    logging.getLogger().addHandler(handler)
    return LogExport(provider=provider, handler=handler)
