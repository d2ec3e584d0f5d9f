"""The bench's stock peer: fastapi-app with stock instrumentation instead of its own.

``backend/.venv/bin/python -m bench.stock`` takes the steps ``fastapi-app`` takes
(settings, logging, engine, migrations, garbage collector, uvicorn) with the app's
own telemetry (app.telemetry) off, and sets up what a user of the stock packages
would write: a plain SDK with its defaults (no X-Ray id generator, no hash-once
resource), opentelemetry-instrumentation-fastapi without its per-chunk receive/send
spans, and opentelemetry-instrumentation-sqlalchemy on the engine. The same
environment configures it (``DATABASE_URL``, ``PORT``, ``OTEL_*``), so a bench can
run it beside ``fastapi-app`` and print ours/stock. Never in the image: the packages
are in the ``bench`` dependency group.
"""

from fastapi import FastAPI
from opentelemetry import metrics, trace
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from sqlalchemy import Engine

from app.__main__ import load_settings, migrate, serve
from app.core.config import Settings
from app.core.db import create_db_engine
from app.main import create_app
from app.telemetry import configure_logging


def plain_sdk(settings: Settings) -> tuple[TracerProvider, MeterProvider]:
    """Global providers as the SDK's documentation sets them up, exporting OTLP over HTTP."""
    resource = Resource.create({"service.name": settings.otel_service_name})
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    reader = PeriodicExportingMetricReader(OTLPMetricExporter())
    meter_provider = MeterProvider(resource=resource, metric_readers=[reader])
    trace.set_tracer_provider(tracer_provider)
    metrics.set_meter_provider(meter_provider)
    return tracer_provider, meter_provider


def instrument(
    app: FastAPI, engine: Engine, tracer_provider: TracerProvider, meter_provider: MeterProvider
) -> None:
    """The contrib instrumentations on the app and its engine."""
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=tracer_provider,
        meter_provider=meter_provider,
        exclude_spans=["receive", "send"],
    )
    SQLAlchemyInstrumentor().instrument(
        engine=engine, tracer_provider=tracer_provider, meter_provider=meter_provider
    )


def main() -> None:
    """Migrate, then serve the app under the stock instrumentation until SIGTERM."""
    settings = load_settings()
    configure_logging(settings.log_level)
    engine = create_db_engine(settings)
    migrate(engine)
    app = create_app(engine=engine, telemetry=None)
    instrument(app, engine, *plain_sdk(settings))
    serve(app, settings)


if __name__ == "__main__":
    main()
