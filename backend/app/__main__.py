"""`fastapi-app` (or `python -m app`): migrate the schema, then serve with uvicorn.

The container and the local stack both start the service with this command; the
bench's stock peer (bench/stock.py) takes the same steps with other telemetry.
"""

import logging
import sys

import uvicorn
from fastapi import FastAPI
from opentelemetry.instrumentation.utils import suppress_instrumentation
from pydantic import ValidationError
from sqlalchemy import Engine

from app.core.config import Settings, get_settings
from app.core.db import create_db_engine, run_migrations
from app.core.runtime import tune_garbage_collector
from app.main import create_app
from app.telemetry import configure_logging, setup_telemetry

logger = logging.getLogger("app")


def load_settings() -> Settings:
    """Read the settings; a missing or malformed variable exits with code 2, naming it."""
    try:
        return get_settings()
    except ValidationError as error:
        # Names the variables; pydantic never echoes SecretStr values.
        print(f"fastapi-app: invalid configuration:\n{error}", file=sys.stderr)
        raise SystemExit(2) from error


def migrate(engine: Engine) -> None:
    """Apply the migrations (alembic upgrade head), untraced."""
    # Start-up migrations are not request work: keep them out of the traces.
    with suppress_instrumentation():
        run_migrations(engine)


def serve(app: FastAPI, settings: Settings) -> None:
    """Tune the garbage collector, then run one uvicorn worker until SIGTERM."""
    # Last, once everything that lives as long as the process exists.
    tune_garbage_collector()
    logger.info("schema migrated; serving on %s:%d", settings.host, settings.port)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        # One worker per process: ECS scales by tasks, and each worker would need
        # its own telemetry providers.
        workers=1,
        log_config=None,
        # Server spans and the request metric already describe every request.
        access_log=False,
        proxy_headers=True,
        timeout_graceful_shutdown=20,
    )


def main() -> None:
    """Apply migrations (alembic upgrade head), then run one uvicorn worker."""
    settings = load_settings()
    configure_logging(settings.log_level)
    telemetry = setup_telemetry(settings)
    engine = create_db_engine(settings)
    if telemetry is not None:
        telemetry.instrument_engine(engine)
    migrate(engine)
    app = create_app(
        engine=engine,
        telemetry=telemetry,
        fault_rate=settings.fault_rate,
        fault_spare_tag=settings.fault_spare_tag,
    )
    serve(app, settings)


if __name__ == "__main__":
    main()
