"""The FastAPI application: routes, error handlers, lifespan."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from app.core.errors import register_error_handlers
from app.core.faults import fault_dependencies
from app.core.limits import BodyLimitMiddleware
from app.health.router import router as health_router
from app.telemetry import BUILT_IN_TELEMETRY_OFF, Telemetry, instrument_app
from app.todos.router import router as todos_router

# Bodies larger than this get 413 before they are parsed.
MAX_BODY_BYTES = 64 * 1024


def create_app(
    *,
    engine: Engine,
    telemetry: Telemetry | None,
    fault_rate: float = 0.0,
    fault_spare_tag: str = "",
) -> FastAPI:
    """Build the application around an engine; telemetry None means off.

    `fault_rate` (FAULT_RATE): the share of API requests that fail, except those in
    traces marked with `fault_spare_tag` (FAULT_SPARE_TAG; app/core/faults.py).
    """

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        # Runs on SIGTERM after uvicorn drained the requests: flush telemetry within
        # the 5 s the contract promises, then close pooled connections.
        if telemetry is not None:
            telemetry.shutdown()
        engine.dispose()

    app = FastAPI(
        title="fastapi-app",
        summary="ToDo REST API of the ECS OpenTelemetry ToDo reference system",
        version="0.1.0",
        lifespan=lifespan,
        telemetry=BUILT_IN_TELEMETRY_OFF,
    )
    app.state.engine = engine
    # expire_on_commit=False: the written row (with RETURNING values) is the response,
    # without a SELECT after each commit.
    app.state.session_factory = sessionmaker(engine, expire_on_commit=False)
    register_error_handlers(app)
    # Added before instrument_app's middleware, so the request metric (outside) sees 413s.
    app.add_middleware(BodyLimitMiddleware, max_bytes=MAX_BODY_BYTES)
    app.include_router(health_router)
    app.include_router(todos_router, dependencies=fault_dependencies(fault_rate, fault_spare_tag))
    instrument_app(app, telemetry)
    return app
