"""The set-up: what OTEL_SDK_DISABLED and OTEL_LOGS_EXPORTER switch on and off."""

import logging

from opentelemetry.instrumentation.logging.handler import LoggingHandler
from sqlalchemy import Engine

from app.core.config import Settings
from app.main import create_app
from app.telemetry import Telemetry, setup_telemetry
from app.telemetry.http_server import TelemetryMiddleware


def test_sdk_disabled_installs_nothing(settings: Settings, engine: Engine) -> None:
    disabled = settings.model_copy(update={"otel_sdk_disabled": True})

    assert setup_telemetry(disabled) is None
    untraced = create_app(engine=engine, telemetry=None)
    assert not isinstance(untraced.build_middleware_stack(), TelemetryMiddleware)


def test_logs_exporter_none_installs_no_log_export(
    settings: Settings, telemetry: Telemetry
) -> None:
    assert settings.otel_logs_exporter == "none"

    assert telemetry.log_export is None
    assert not [h for h in logging.getLogger().handlers if isinstance(h, LoggingHandler)]
