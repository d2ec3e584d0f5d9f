"""Log records over OTLP (``OTEL_LOGS_EXPORTER=otlp``), bridged from the ``logging`` module.

On the OTLP pipeline the sidecar forwards them to the CloudWatch Logs OTLP
endpoint; each record carries the trace and span id of the span that was active
when it was logged, so a trace leads to its log lines and back. The JSON lines on
stdout stay as they are: with ``OTEL_LOGS_EXPORTER=none`` (the default, the
classic pipeline) they are the only log output.
"""

import logging
from dataclasses import dataclass

from opentelemetry.instrumentation.logging.handler import LoggingHandler
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, LogRecordExporter
from opentelemetry.sdk.resources import Resource

from app.core.config import Settings

# The SDK's and exporters' own warnings (an unreachable collector, say) must not
# become log records that are exported in turn.
_OWN_LOGGERS = "opentelemetry"


def _not_from_the_sdk(record: logging.LogRecord) -> bool:
    return not record.name.startswith(_OWN_LOGGERS)


def _otlp_exporter(settings: Settings) -> LogRecordExporter:
    # Endpoint, headers and timeout come from OTEL_EXPORTER_OTLP_* inside the exporter.
    if settings.otel_exporter_otlp_protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc._log_exporter import (  # noqa: PLC0415
            OTLPLogExporter as GrpcLogExporter,
        )

        return GrpcLogExporter()
    from opentelemetry.exporter.otlp.proto.http._log_exporter import (  # noqa: PLC0415
        OTLPLogExporter,
    )

    return OTLPLogExporter()


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


def install_log_export(
    settings: Settings, resource: Resource, *, exporter: LogRecordExporter | None = None
) -> LogExport | None:
    """Send every ``logging`` record at INFO or above through OTLP; None unless enabled.

    The handler goes onto the root logger, beside the JSON one that
    ``configure_logging`` installed, so call this after it.
    """
    if settings.otel_logs_exporter != "otlp":
        return None
    provider = LoggerProvider(resource=resource, shutdown_on_exit=False)
    provider.add_log_record_processor(BatchLogRecordProcessor(exporter or _otlp_exporter(settings)))
    handler = LoggingHandler(level=logging.INFO, logger_provider=provider)
    handler.addFilter(_not_from_the_sdk)
    logging.getLogger().addHandler(handler)
    return LogExport(provider=provider, handler=handler)
