"""Error responses: a database outage is a 503 in JSON, never a stack trace."""

import logging

from botocore.exceptions import BotoCoreError, ClientError
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from app.core.secrets import SecretFormatError

logger = logging.getLogger(__name__)

# What "the database is unavailable" looks like from here: it refuses or drops
# connections, the pool is exhausted, or its credentials cannot be fetched.
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    PoolTimeoutError,
    BotoCoreError,
    ClientError,
    SecretFormatError,
)


def is_database_unavailable(error: Exception) -> bool:
    """True when the error means the database cannot be reached right now."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, DATABASE_UNAVAILABLE)


async def _database_unavailable(request: Request, error: Exception) -> JSONResponse:
    # The class name only: messages of connection errors can carry host names.
    logger.warning("database unavailable: %s", type(error).__name__)
    return JSONResponse(
        {"detail": "database unavailable, try again shortly"},
        status_code=503,
        headers={"Retry-After": "5"},
    )


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    if is_database_unavailable(error):
        return await _database_unavailable(request, error)
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse({"detail": "internal server error"}, status_code=500)


def register_error_handlers(app: FastAPI) -> None:
    """Map database outages to 503 and any other unexpected error to a bare JSON 500."""
    for error_type in DATABASE_UNAVAILABLE:
        app.add_exception_handler(error_type, _database_unavailable)
    app.add_exception_handler(DBAPIError, _unexpected)
    app.add_exception_handler(Exception, _unexpected)
