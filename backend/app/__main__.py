"""`fastapi-app` (or `python -m app`): migrate the schema, then serve with uvicorn.

The container and the local stack both start the service with this command.
"""

import logging
import sys

import uvicorn
from opentelemetry.instrumentation.utils import suppress_instrumentation
from pydantic import ValidationError

from app.core.config import get_settings
from app.core.db import create_db_engine, run_migrations
from app.core.logging import configure_logging
from app.core.runtime import tune_garbage_collector
from app.core.telemetry import setup_telemetry
from app.main import create_app

logger = logging.getLogger("app")


def main() -> None:
    """Apply migrations (alembic upgrade head), then run one uvicorn worker."""
    try:
        settings = get_settings()
    except ValidationError as error:
        # Names the variables; pydantic never echoes SecretStr values.
        print(f"fastapi-app: invalid configuration:\n{error}", file=sys.stderr)
        raise SystemExit(2) from error
    configure_logging(settings.log_level)
    telemetry = setup_telemetry(settings)
    engine = create_db_engine(settings)
    if telemetry is not None:
        telemetry.instrument_engine(engine)
    # Start-up migrations are not request work: keep them out of the traces.
    with suppress_instrumentation():
        run_migrations(engine)
    app = create_app(engine=engine, telemetry=telemetry)
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


if __name__ == "__main__":
    main()
